// Property: any valid small entry list written to a legacy child layer reads back the same
// (every entry, all metadata, identical data).
import { test } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { Entry, ExtendedAttribute, FileInfo } from '../../src/formats/entry.js';
import { createLegacyLayerWriter, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { assertSameEntries, assertWriterOrder, collect, longFuzz, removeDir, tempDir, type Collected } from './helpers.js';

const filetime = fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n);
const ea: fc.Arbitrary<ExtendedAttribute> = fc.record({ name: fc.stringMatching(/^[A-Z$.]{1,12}$/), value: fc.uint8Array({ maxLength: 40 }), flags: fc.integer({ min: 0, max: 255 }) });
const info = (dir: boolean): fc.Arbitrary<FileInfo> =>
  fc
    .record(
      {
        attributes: fc.integer({ min: 0, max: 0xffffffff }),
        creationTime: filetime,
        lastAccessTime: filetime,
        lastWriteTime: filetime,
        changeTime: filetime,
        securityDescriptor: fc.uint8Array({ minLength: 20, maxLength: 80 }),
        extendedAttributes: fc.array(ea, { minLength: 1, maxLength: 3 }),
        reparseData: fc.uint8Array({ minLength: 8, maxLength: 40 }),
      },
      { requiredKeys: ['attributes', 'creationTime', 'lastAccessTime', 'lastWriteTime', 'changeTime'] },
    )
    .map((i) => {
      // Folders must carry DIRECTORY (and are kept free of REPARSE_POINT so children may follow); files must not.
      const attributes = dir ? ((i.attributes | 0x10) & ~0x400) >>> 0 : (i.attributes & ~0x10) >>> 0;
      const out: FileInfo = { ...i, attributes };
      if (dir) delete out.reparseData;
      return out;
    });

const NAMES = ['a', 'b', 'B', 'c.txt', 'long name with spaces', 'ünï', '$x', 'd.e.f'];
const op = fc.record({
  t: fc.constantFrom('d', 'f', 'f', 'l', 'w', 's'),
  pick: fc.nat(),
  name: fc.constantFrom(...NAMES),
  data: fc.uint8Array({ maxLength: 300 }),
  dirInfo: info(true),
  fileInfo: info(false),
});

/** Builds a valid child-layer entry list (writer order, unique names) from random operations. */
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
function build(ops: Op[]): Collected[] {
  const dirs = ['Files'];
  const files: string[] = [];
  const taken = new Set<string>(['files']);
  const out: Collected[] = [{ kind: 'directory', path: 'Files', info: ops[0]?.dirInfo ?? { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n } }];
  let lastFile: { path: string; streams: Set<string> } | undefined;
  let n = 0;
  for (const o of ops) {
    const parent = dirs[o.pick % dirs.length]!;
    const path = `${parent}/${o.name}`;
    if (o.t === 's') {
      if (!lastFile || lastFile.streams.has(o.name.toLowerCase()) || o.name.startsWith('$')) continue;
      lastFile.streams.add(o.name.toLowerCase());
      out.push({ kind: 'stream', path: lastFile.path, name: o.name, size: o.data.length, data: o.data } as unknown as Collected);
      continue;
    }
    if (o.t === 'w') {
      out.push({ kind: 'whiteout', path: `${parent}/old-${o.name}-${n++}` });
      lastFile = undefined;
      continue;
    }
    if (taken.has(path.toLowerCase())) continue;
    if (o.t === 'l' && files.length === 0) continue;
    taken.add(path.toLowerCase());
    lastFile = undefined;
    if (o.t === 'd') {
      dirs.push(path);
      out.push({ kind: 'directory', path, info: o.dirInfo });
    } else if (o.t === 'f') {
      files.push(path);
      out.push({ kind: 'file', path, info: o.fileInfo, size: o.data.length, data: o.data } as unknown as Collected);
      lastFile = { path, streams: new Set() };
    } else {
      out.push({ kind: 'link', path, target: files[o.pick % files.length]! });
      files.push(path);
    }
  }
  return out;
}

/** Entry objects with fresh data streams (the built list keeps the bytes). */
function* asEntries(list: Collected[]): Generator<Entry> {
  for (const e of list) {
    if (e.kind !== 'file' && e.kind !== 'stream') {
      yield e as Entry;
      continue;
    }
    const { data, ...rest } = e as Collected & { data?: Uint8Array };
    const entry = { ...rest } as Entry & { data?: Readable };
    if (data && data.length) entry.data = Readable.from([Buffer.from(data)]);
    yield entry;
  }
}

test('random small entry lists round-trip through a legacy child layer', async () => {
  const root = await tempDir();
  let run = 0;
  try {
    const parent = join(root, 'parent');
    await mkdir(parent);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const list = build(ops);
        const layer = join(root, `layer${run++}`);
        await writeEntries(await createLegacyLayerWriter(layer, { parents: [parent] }), asEntries(list));
        const expected = await collect(asEntries(list));
        const actual = await collect(readLegacyLayer(layer));
        assertSameEntries(actual, expected);
        assertWriterOrder(actual);
        await removeDir(layer);
      }),
      { numRuns: longFuzz ? 500 : 25 },
    );
  } finally {
    await removeDir(root);
  }
});

test('random small entry lists round-trip through a base layer (no whiteouts, hives present)', async () => {
  const root = await tempDir();
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const list = build(ops.filter((o) => o.t !== 'w'));
        const layer = join(root, `layer${run++}`);
        await writeEntries(await createLegacyLayerWriter(layer, { requireBaseHives: false }), asEntries(list));
        const actual = await collect(readLegacyLayer(layer));
        assertSameEntries(actual, await collect(asEntries(list)));
        assertWriterOrder(actual);
        await removeDir(layer);
      }),
      { numRuns: longFuzz ? 300 : 15 },
    );
  } finally {
    await removeDir(root);
  }
});
