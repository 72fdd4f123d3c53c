// Object IDs (spec §6): the write-time dedup key of every object in a region. An object of at
// most 24 bytes is its own digest (zero-padded); a longer one is the first 24 bytes of its
// SHA-512. Entries of an objectid file are sorted by (length, digest bytes).

import * as crypto from 'node:crypto';
import type { ObjectIdEntry, RegionOffset } from './layout.js';

export const DIGEST_SIZE = 24;

// One-shot crypto.hash (Node 20.12+) makes no Hash object per call: every record, name table and
// small file of an image has an ID (1.3 µs less a call; about 0.1 s on a 20,000-file layer).
const sha512: (bytes: Uint8Array) => Uint8Array =
  typeof crypto.hash === 'function' ? (bytes) => crypto.hash('sha512', bytes, 'buffer') : (bytes) => crypto.createHash('sha512').update(bytes).digest();

export function objectDigest(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= DIGEST_SIZE) {
    const d = new Uint8Array(DIGEST_SIZE);
    d.set(bytes);
    return d;
  }
  return new Uint8Array(sha512(bytes).subarray(0, DIGEST_SIZE));
}

export function compareObjectIds(a: { length: number; digest: Uint8Array }, b: { length: number; digest: Uint8Array }): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return Buffer.compare(a.digest, b.digest);
}

export function sortObjectIds(entries: ObjectIdEntry[]): ObjectIdEntry[] {
  return entries.sort(compareObjectIds);
}

/**
 * The object IDs of one region, packed: digests in one growing byte array, lengths and offsets
 * in typed arrays. An image of many files keeps one entry per object until commit; as objects
 * each entry would cost a record, a Uint8Array and an ArrayBuffer with its own allocation.
 */
export class ObjectIdList {
  private digests = new Uint8Array(DIGEST_SIZE * 64);
  private lengths = new Float64Array(64);
  private offsets = new Float64Array(64);
  /** Entries pushed so far. */
  length = 0;

  push(length: number, digest: Uint8Array, offset: number): void {
    if (this.length === this.lengths.length) {
      const grow = <T extends Uint8Array | Float64Array>(a: T, n: number): T => {
        const b = new (a.constructor as new (n: number) => T)(n);
        b.set(a);
        return b;
      };
      this.digests = grow(this.digests, this.digests.length * 2);
      this.lengths = grow(this.lengths, this.lengths.length * 2);
      this.offsets = grow(this.offsets, this.offsets.length * 2);
    }
    const i = this.length++;
    this.digests.set(digest.subarray(0, DIGEST_SIZE), i * DIGEST_SIZE);
    this.lengths[i] = length;
    this.offsets[i] = offset;
  }

  /** Adds every entry of `other`, in its order. */
  pushAll(other: ObjectIdList): void {
    for (let i = 0; i < other.length; i++) this.push(other.lengths[i]!, other.digests.subarray(i * DIGEST_SIZE, (i + 1) * DIGEST_SIZE), other.offsets[i]!);
  }

  /** The entries sorted as an objectid file lists them (spec §6); digests are views into this list. */
  sorted(): ObjectIdEntry[] {
    const out: ObjectIdEntry[] = [];
    for (let i = 0; i < this.length; i++) out.push({ length: this.lengths[i]!, digest: this.digests.subarray(i * DIGEST_SIZE, (i + 1) * DIGEST_SIZE), offset: this.offsets[i]! });
    return sortObjectIds(out);
  }
}

/** Objects already stored, by (length, digest), so an identical one can be shared. */
export class ObjectIndex {
  private readonly map = new Map<string, RegionOffset>();
  private readonly scratch = Buffer.alloc(6 + DIGEST_SIZE);

  /** One flat 30-character string per object (a template string would keep a rope of pieces). */
  private key(length: number, digest: Uint8Array): string {
    this.scratch.writeUIntLE(length, 0, 6);
    this.scratch.set(digest.subarray(0, DIGEST_SIZE), 6);
    return this.scratch.toString('latin1');
  }

  find(length: number, digest: Uint8Array): RegionOffset | undefined {
    return this.map.get(this.key(length, digest));
  }

  add(length: number, digest: Uint8Array, at: RegionOffset): void {
    const k = this.key(length, digest);
    if (!this.map.has(k)) this.map.set(k, at);
  }
}
