// Property tests: random entry lists -> tar -> the same entries; canonical tars -> entries ->
// the same bytes (whatever chunking the input arrives in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { FILETIME_UNIX_EPOCH } from '../../src/formats/entry.js';
import { encodeReparsePoint } from '../../src/formats/backup/reparse.js';
import { compareUtf8 } from '../../src/formats/tar/windows.js';
import { bytes, chunked, decodeAll, encode, fuzzLong, toEntries, type PlainEntry } from './helpers.js';

const RUNS = fuzzLong ? 400 : 40;

const nameChar = fc.constantFrom(...'abcXYZ019 -_.~éü日本'.split(''));
const shortName = fc.string({ unit: nameChar, minLength: 1, maxLength: 12 });
const longName = fc.string({ unit: fc.constantFrom('a', 'b', 'é'), minLength: 90, maxLength: 200 });
const componentArb = fc.oneof({ weight: 9, arbitrary: shortName }, { weight: 1, arbitrary: longName }).filter((s) => s !== '.' && s !== '..' && !s.startsWith('.wh.'));

// FILETIMEs whose Unix-ns value fits in 64 bits (the reference wraps beyond), before and after 1970.
const filetimeArb = fc.bigInt({ min: FILETIME_UNIX_EPOCH - 10n ** 16n, max: FILETIME_UNIX_EPOCH + 9n * 10n ** 16n });
const bytesArb = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const eaArb = fc
  .uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9._$]{1,20}$/), value: bytesArb(0, 40) }), { selector: (e) => e.name, maxLength: 3 })
  .map((eas) => eas.map((e) => ({ ...e, flags: 0 })).sort((a, b) => compareUtf8(a.name, b.name)));

function infoArb(dir: boolean, rich: boolean): fc.Arbitrary<FileInfo> {
  return fc
    .record({
      attributes: fc.integer({ min: 0, max: 0xffffffff }),
      creationTime: filetimeArb,
      lastAccessTime: filetimeArb,
      lastWriteTime: filetimeArb,
      changeTime: filetimeArb,
      sd: rich ? fc.option(bytesArb(1, 80), { nil: undefined }) : fc.constant(undefined),
      eas: rich ? eaArb : fc.constant([]),
    })
    .map(({ sd, eas, attributes, ...times }) => {
      const info: FileInfo = { attributes: dir ? (attributes | 0x10) >>> 0 : attributes & ~0x10 & 0xffffffff, ...times };
      if (info.attributes < 0) info.attributes >>>= 0;
      if (sd) info.securityDescriptor = sd;
      if (eas.length) info.extendedAttributes = [...eas];
      return info;
    });
}

const targetArb = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._\\ ]{1,30}$/),
  fc.stringMatching(/^[A-Z]:\\[A-Za-z0-9\\]{0,120}$/),
  fc.constant('\\\\server\\share\\x'),
);

type Step =
  | { op: 'file'; parent: number; name: string; info: FileInfo; content: Uint8Array; streams: { name: string; content: Uint8Array }[] }
  | { op: 'dir'; parent: number; name: string; info: FileInfo }
  | { op: 'symlink'; parent: number; name: string; info: FileInfo; target: string; dir: boolean; junction: boolean }
  | { op: 'link'; parent: number; name: string; to: number; info?: FileInfo }
  | { op: 'whiteout'; parent: number; name: string };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('file' as const), parent: fc.nat(), name: componentArb, info: infoArb(false, true), content: bytesArb(0, 1500), streams: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Za-z0-9.]{1,12}$/), content: bytesArb(0, 600) }), { selector: (s) => s.name.toUpperCase(), maxLength: 2 }) }),
  fc.record({ op: fc.constant('dir' as const), parent: fc.nat(), name: componentArb, info: infoArb(true, true) }),
  fc.record({ op: fc.constant('symlink' as const), parent: fc.nat(), name: componentArb, info: fc.boolean().chain((d) => infoArb(d, true).map((i) => ({ i, d }))).map(({ i }) => i), target: targetArb, dir: fc.boolean(), junction: fc.boolean() }),
  fc.record({ op: fc.constant('link' as const), parent: fc.nat(), name: componentArb, to: fc.nat(), info: fc.option(infoArb(false, false), { nil: undefined }) }),
  fc.record({ op: fc.constant('whiteout' as const), parent: fc.nat(), name: componentArb }),
);

/** Turns random steps into a valid entry list (unique names, parents first, links to earlier files). */
function buildEntries(steps: Step[]): PlainEntry[] {
  const out: PlainEntry[] = [{ kind: 'directory', path: 'Files', info: { attributes: 16, creationTime: FILETIME_UNIX_EPOCH, lastAccessTime: FILETIME_UNIX_EPOCH, lastWriteTime: FILETIME_UNIX_EPOCH, changeTime: FILETIME_UNIX_EPOCH } }];
  const dirs = ['Files'];
  const files: string[] = [];
  const taken = new Set(['FILES']);
  for (const s of steps) {
    const path = `${dirs[s.parent % dirs.length]}/${s.name}`;
    if (taken.has(path.toUpperCase()) || path.length > 1000) continue;
    switch (s.op) {
      case 'file':
        out.push({ kind: 'file', path, info: s.info, size: s.content.length, ...(s.content.length ? { content: Buffer.from(s.content) } : {}) });
        for (const st of s.streams) out.push({ kind: 'stream', path, name: st.name, size: st.content.length, ...(st.content.length ? { content: Buffer.from(st.content) } : {}) });
        files.push(path);
        break;
      case 'dir':
        out.push({ kind: 'directory', path, info: s.info });
        dirs.push(path);
        break;
      case 'symlink': {
        const dir = s.dir || s.junction;
        const info = { ...s.info, attributes: dir ? (s.info.attributes | 0x10) >>> 0 : (s.info.attributes & ~0x10) >>> 0, reparseData: encodeReparsePoint(s.target, s.junction) };
        out.push(dir ? { kind: 'directory', path, info } : { kind: 'file', path, info, size: 0 });
        break;
      }
      case 'link':
        if (!files.length) continue;
        out.push({ kind: 'link', path, target: files[s.to % files.length]!, ...(s.info ? { info: s.info } : {}) });
        files.push(path);
        break;
      case 'whiteout':
        out.push({ kind: 'whiteout', path });
        break;
    }
    taken.add(path.toUpperCase());
  }
  return out;
}

/** Comparable form: bytes as hex, bigints as strings, undefined fields dropped. */
function norm(x: unknown): unknown {
  if (x instanceof Uint8Array) return `hex:${Buffer.from(x).toString('hex')}`;
  if (typeof x === 'bigint') return `${x}n`;
  if (Array.isArray(x)) return x.map(norm);
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) o[k] = norm(v);
    return o;
  }
  return x;
}

const entriesArb = fc.array(stepArb, { minLength: 0, maxLength: 25 }).map(buildEntries);

test('random entry lists -> tar -> the same entries', async () => {
  await fc.assert(
    fc.asyncProperty(entriesArb, async (plain) => {
      const tar = await encode(toEntries(plain) as Entry[]);
      const { entries } = await decodeAll(tar);
      assert.deepEqual(norm(entries), norm(plain));
    }),
    { numRuns: RUNS },
  );
});

test('canonical tars -> entries -> the same bytes, in any chunking', async () => {
  await fc.assert(
    fc.asyncProperty(entriesArb, fc.integer({ min: 1, max: 3000 }), async (plain, chunk) => {
      const tar = await encode(toEntries(plain) as Entry[]);
      const { entries, result } = await decodeAll(chunked(tar, chunk));
      const again = await encode(toEntries(entries) as Entry[]);
      assert.ok(again.equals(tar), 'tar -> entries -> tar changed the bytes');
      assert.equal(result.tarSize, tar.length);
    }),
    { numRuns: RUNS },
  );
});

test('a large file streams through without being buffered whole', async () => {
  const size = 5 * 1024 * 1024 + 3;
  const chunk = Buffer.alloc(64 * 1024, 7);
  async function* data() {
    let left = size;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      left -= n;
      yield chunk.subarray(0, n);
    }
  }
  const tar = await encode([{ kind: 'file', path: 'Files/big', info: { attributes: 32, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n }, size, data: data() as any }]);
  const { entries } = await decodeAll(chunked(tar, 100_000));
  assert.equal((entries[0] as any).content.length, size);
  void bytes;
});
