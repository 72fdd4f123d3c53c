// The CIM writer keeps its whole tree until commit, so its per-file state must stay small: these
// tests pin the compact pieces (name keys, packed object IDs, no per-file Map or Buffer) by
// their structure and their results, never by a memory measurement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCimImage } from '../../src/cim/image.js';
import { nameKey, ownCopy } from '../../src/formats/cim/names.js';
import { ObjectIdList, ObjectIndex, sortObjectIds, DIGEST_SIZE } from '../../src/formats/cim/objectid.js';
import { defaultUpcaseTable } from '../../src/formats/cim/upcase.js';
import type { ObjectIdEntry } from '../../src/formats/cim/layout.js';
import { dirInfo, fileInfo, isLong, tempDir } from './helpers.js';

const runs = isLong ? 2000 : 200;

/** The rule nameKey implements, one code unit at a time (spec §13.1): surrogate pairs as they are, the rest upcased. */
function keyModel(name: string, upcase: Uint16Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const u = name.charCodeAt(i);
    const next = name.charCodeAt(i + 1);
    if (u >= 0xd800 && u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out.push(u, next);
      i++;
    } else out.push(upcase[u]!);
  }
  return out;
}

const units = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));

// ASCII, Latin-1 and beyond, and lone and paired surrogates.
const nameArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }).map((a) => String.fromCharCode(...a)),
  fc.constantFrom('Files', 'windows', 'ſ', 'ı', 'straße', 'a\ud83d\ude00b', '\udc00\ud800', 'System32'),
);

test('nameKey follows the upcase table unit by unit, on the ASCII fast path and off it', () => {
  const table = defaultUpcaseTable();
  // A table whose ASCII half differs from toUpperCase: names must not take the fast path.
  const odd = table.slice();
  odd[0x61] = 0x61; // 'a' stays 'a'
  odd[0x5f] = 0x2d; // '_' becomes '-'
  fc.assert(
    fc.property(nameArb, (name) => {
      assert.deepEqual(units(nameKey(name, table)), keyModel(name, table));
      assert.deepEqual(units(nameKey(name, odd)), keyModel(name, odd));
    }),
    { numRuns: runs },
  );
  assert.equal(nameKey('a_b', odd), 'a-B');
});

test('ownCopy gives back the same text', () => {
  fc.assert(
    fc.property(nameArb, fc.string({ maxLength: 40 }), (name, prefix) => {
      const whole = `${prefix}/${name}`;
      assert.equal(ownCopy(whole.slice(prefix.length + 1)), name);
    }),
    { numRuns: runs },
  );
});

test('ObjectIdList packs entries and sorts them as the objectid file wants', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ length: fc.integer({ min: 0, max: 2 ** 48 - 1 }), digest: fc.uint8Array({ minLength: DIGEST_SIZE, maxLength: DIGEST_SIZE }), offset: fc.integer({ min: 0, max: 2 ** 48 - 1 }) }), { maxLength: 300 }),
      fc.integer({ min: 0, max: 300 }),
      (entries, cut) => {
        const a = new ObjectIdList();
        const b = new ObjectIdList();
        entries.forEach((e, i) => (i < cut ? a : b).push(e.length, e.digest, e.offset));
        a.pushAll(b);
        assert.equal(a.length, entries.length);
        const expected = sortObjectIds(entries.map((e): ObjectIdEntry => ({ ...e, digest: Uint8Array.from(e.digest) })));
        assert.deepEqual(
          a.sorted().map((e) => ({ ...e, digest: Array.from(e.digest) })),
          expected.map((e) => ({ ...e, digest: Array.from(e.digest) })),
        );
      },
    ),
    { numRuns: isLong ? 500 : 50 },
  );
});

test('ObjectIdList copies the digest: the caller may reuse its bytes', () => {
  const list = new ObjectIdList();
  const d = new Uint8Array(64).fill(7); // a whole SHA-512: only the first 24 bytes are the ID
  list.push(100, d, 4096);
  d.fill(9);
  assert.deepEqual(Array.from(list.sorted()[0]!.digest), Array.from(new Uint8Array(DIGEST_SIZE).fill(7)));
});

test('ObjectIndex finds an object by length and digest, the first place kept', () => {
  const idx = new ObjectIndex();
  const d = new Uint8Array(DIGEST_SIZE).fill(0xe9); // bytes above 0x7f survive the key
  idx.add(2 ** 40 + 5, d, { region: 1, offset: 8 });
  idx.add(2 ** 40 + 5, d, { region: 2, offset: 16 });
  assert.deepEqual(idx.find(2 ** 40 + 5, d), { region: 1, offset: 8 });
  assert.equal(idx.find(2 ** 40 + 6, d), undefined);
  const other = d.slice();
  other[DIGEST_SIZE - 1] = 0;
  assert.equal(idx.find(2 ** 40 + 5, other), undefined);
});

/** Every value reachable from `x` without passing through `skip` (other tree nodes). */
function* reachable(x: unknown, skip: (v: object) => boolean, seen = new Set<unknown>()): Generator<unknown> {
  if (x === null || typeof x !== 'object' || seen.has(x)) return;
  seen.add(x);
  yield x;
  if (ArrayBuffer.isView(x) || x instanceof ArrayBuffer) return;
  const values = x instanceof Map ? [...x.keys(), ...x.values()] : Object.values(x);
  for (const v of values) if (!(typeof v === 'object' && v !== null && skip(v))) yield* reachable(v, skip, seen);
}

test('the CIM writer keeps no Buffer and no stream map per file (only for files with streams)', async () => {
  const t = tempDir('compact');
  try {
    const w = await createCimImage(t.dir, 'compact.cim');
    await w.addFile('Files', dirInfo(), 0);
    for (let i = 0; i < 50; i++) {
      const data = Buffer.alloc(i % 2 ? 3000 : 100, i); // large (data region) and small objects
      await w.addFile(`Files/file-${i}.txt`, fileInfo({ securityDescriptor: new Uint8Array([1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]) }), data.length);
      await w.write(data);
    }
    await w.createAlternateStream('Files/file-0.txt', 'extra', 5);
    await w.write(Buffer.from('12345'));
    await w.addFile('Files/last', fileInfo(), 0); // closes the stream above
    const nodes = (w as unknown as { nodes: (object | undefined)[] }).nodes.filter((n): n is object => n !== undefined);
    assert.equal(nodes.length, 53); // root, Files, 50 files, last
    const isNode = (v: object): boolean => nodes.includes(v);
    for (const n of nodes) {
      const node = n as { dir: boolean; ads?: Map<string, unknown>; rec: { parentFileId: number } };
      for (const v of reachable(n, (v) => v !== n && isNode(v))) {
        assert.ok(!(ArrayBuffer.isView(v) || v instanceof ArrayBuffer), `node ${node.rec.parentFileId}: a file keeps bytes until commit`);
      }
      const name = [...(w as unknown as { root: { children: Map<string, { name: string; node: object }> } }).root.children.values()]
        .flatMap((c) => [c, ...((c.node as { children?: Map<string, { name: string; node: object }> }).children?.values() ?? [])])
        .find((c) => c.node === n)?.name;
      assert.equal(node.ads !== undefined, name === 'file-0.txt', `${name}: a stream map only for the file with a stream`);
    }
    await w.commit();
    await w.close();
  } finally {
    t.done();
  }
});
