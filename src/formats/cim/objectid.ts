// Object IDs (spec §6): the write-time dedup key of every object in a region. An object of at
// most 24 bytes is its own digest (zero-padded); a longer one is the first 24 bytes of its
// SHA-512. Entries of an objectid file are sorted by (length, digest bytes).

import { createHash } from 'node:crypto';
import type { ObjectIdEntry, RegionOffset } from './layout.js';

export const DIGEST_SIZE = 24;

export function objectDigest(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= DIGEST_SIZE) {
    const d = new Uint8Array(DIGEST_SIZE);
    d.set(bytes);
    return d;
  }
  return new Uint8Array(createHash('sha512').update(bytes).digest().subarray(0, DIGEST_SIZE));
}

export function compareObjectIds(a: { length: number; digest: Uint8Array }, b: { length: number; digest: Uint8Array }): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return Buffer.compare(a.digest, b.digest);
}

export function sortObjectIds(entries: ObjectIdEntry[]): ObjectIdEntry[] {
  return entries.sort(compareObjectIds);
}

/** Objects already stored, by (length, digest), so an identical one can be shared. */
export class ObjectIndex {
  private readonly map = new Map<string, RegionOffset>();

  private static key(length: number, digest: Uint8Array): string {
    return `${length}:${Buffer.from(digest).toString('base64')}`;
  }

  find(length: number, digest: Uint8Array): RegionOffset | undefined {
    return this.map.get(ObjectIndex.key(length, digest));
  }

  add(length: number, digest: Uint8Array, at: RegionOffset): void {
    const k = ObjectIndex.key(length, digest);
    if (!this.map.has(k)) this.map.set(k, at);
  }
}
