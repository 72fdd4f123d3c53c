// Shared bits of the layer tests: collecting an entry stream with data hashes, comparing, and
// checking the Entry order contract.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isWcError, type ErrorCode } from '../../src/errors.js';
import type { Entry } from '../../src/formats/entry.js';

export const longFuzz = process.env.WCLAYER_FUZZ === 'long';

/** An entry without its data, plus the sha256 and length of the data. */
type Strip<E> = E extends Entry ? Omit<E, 'data'> & { sha256?: string; bytes?: number } : never;
export type Collected = Strip<Entry>;

export async function collect(entries: AsyncIterable<Entry> | Iterable<Entry>): Promise<Collected[]> {
  const out: Collected[] = [];
  for await (const e of entries) {
    const { data, ...meta } = e as Entry & { data?: Readable };
    const c: Collected = { ...meta } as Collected;
    if (e.kind === 'file' || e.kind === 'stream') {
      const h = createHash('sha256');
      let n = 0;
      if (data) for await (const chunk of data as AsyncIterable<Buffer>) {
        h.update(chunk);
        n += chunk.length;
      }
      c.sha256 = h.digest('hex');
      c.bytes = n;
    }
    out.push(c);
  }
  return out;
}

/** A stable text form: bigints and bytes spelled out, object keys sorted (key order is not data). */
export const canon = (x: unknown): string =>
  JSON.stringify(x, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return v;
  });

const key = (e: Collected): string => `${e.path}\u0000${e.kind === 'stream' ? e.name : ''}\u0000${e.kind}`;

/** Same entries with the same metadata and data, in any order. */
export function assertSameEntries(actual: Collected[], expected: Collected[]): void {
  const sort = (l: Collected[]): string[] => l.map((e) => `${key(e)} ${canon(e)}`).sort();
  const a = sort(actual);
  const b = sort(expected);
  const missing = b.filter((x) => !a.includes(x)).slice(0, 3);
  const extra = a.filter((x) => !b.includes(x)).slice(0, 3);
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'entry sets differ');
  assert.equal(a.length, b.length);
}

/** The Entry order contract (src/formats/entry.ts). */
export function assertWriterOrder(entries: Collected[]): void {
  const seen = new Map<string, Entry['kind']>();
  let lastOwner: string | undefined;
  for (const e of entries) {
    if (e.kind === 'stream') {
      assert.equal(e.path, lastOwner, `stream ${e.path}:${e.name} does not follow its file`);
      continue;
    }
    lastOwner = e.kind === 'file' || e.kind === 'directory' ? e.path : undefined;
    if (e.kind === 'whiteout') continue;
    const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : undefined;
    if (parent !== undefined) assert.equal(seen.get(parent), 'directory', `${e.path} comes before its folder`);
    if (e.kind === 'link') {
      const t = e.target;
      if (seen.has(t)) assert.notEqual(seen.get(t), 'directory');
    }
    seen.set(e.path, e.kind);
  }
}

export async function tempDir(prefix = 'wclayer-layer-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Everything in `dir` (names only): to prove nothing was left behind. */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

export async function assertRejectsWc(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWcError(e), `expected a WcError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

export function bytes(s: string): Readable {
  return Readable.from([Buffer.from(s)]);
}
