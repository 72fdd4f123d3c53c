// Property: for random child layers over a small namespace (files replaced, folders removed and
// added again, links whose targets change later, whiteouts of parent content, attribute bits
// the image cannot store), exporting the layer and importing the export onto the same parent
// gives an image with the same view (every path, all metadata, identical data and streams),
// whether the export replays the journal or compares the image with its parent's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { openCimImage } from '../../src/cim/image.js';
import { writeEntries } from '../../src/layer/writer.js';
import { createCimLayerWriter, describeCimLayer, readCimLayer } from '../../src/layer/cim/index.js';
import { canon, longFuzz, removeDir, tempDir } from './helpers.js';
import { dir, file } from './cim-helpers.js';

const DIRS = ['Files/d', 'Files/d/e', 'Files/dir1'];
const FILES = ['Files/hello.txt', 'Files/a', 'Files/d/b', 'Files/d/e/c', 'Files/dir1/x.txt', 'Files/dir1/y', 'Files/d'];
const ALL = [...new Set([...DIRS, ...FILES])];
const FILE_ATTRS = [0x20, 0x80, 0x21, 0x2020, 0x100, 0x6];
const DIR_ATTRS = [0x10, 0x12, 0x2010];

const op = fc.record({
  t: fc.constantFrom('dir', 'file', 'file', 'stream', 'link', 'whiteout'),
  i: fc.nat(),
  j: fc.nat(),
  attr: fc.nat(),
  time: fc.bigInt(0n, 2n ** 62n),
  data: fc.uint8Array({ maxLength: 1500 }),
});
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const parentOf = (p: string): string => p.slice(0, p.lastIndexOf('/'));

/** Valid writer input from random operations, tracking what exists (the parent's tree first). */
function build(ops: Op[]): Entry[] {
  const kinds = new Map<string, 'd' | 'f'>([['Files', 'd'], ['Files/dir1', 'd'], ['Files/hello.txt', 'f'], ['Files/dir1/x.txt', 'f']]);
  const drop = (p: string): void => {
    for (const k of [...kinds.keys()]) if (k === p || k.startsWith(`${p}/`)) kinds.delete(k);
  };
  const out: Entry[] = [dir('Files')];
  let lastFile: { path: string; streams: Set<string> } | undefined;
  for (const o of ops) {
    const info = (attributes: number): FileInfo => ({ attributes, creationTime: o.time, lastAccessTime: o.time + 1n, lastWriteTime: o.time + 2n, changeTime: o.time + 3n });
    if (o.t === 'stream') {
      const name = `s${o.j % 2}`;
      if (!lastFile || lastFile.streams.has(name)) continue;
      lastFile.streams.add(name);
      out.push({ kind: 'stream', path: lastFile.path, name, size: o.data.length, ...(o.data.length ? { data: Readable.from([Buffer.from(o.data)]) } : {}) });
      continue;
    }
    lastFile = undefined;
    if (o.t === 'whiteout') {
      const p = ALL[o.i % ALL.length]!;
      drop(p);
      out.push({ kind: 'whiteout', path: p });
      continue;
    }
    const p = (o.t === 'dir' ? DIRS : FILES)[o.i % (o.t === 'dir' ? DIRS.length : FILES.length)]!;
    if (kinds.get(parentOf(p)) !== 'd') continue;
    if (o.t === 'dir') {
      if (kinds.get(p) !== 'd') drop(p);
      kinds.set(p, 'd');
      out.push({ kind: 'directory', path: p, info: info(DIR_ATTRS[o.attr % DIR_ATTRS.length]!) });
    } else if (o.t === 'file') {
      drop(p);
      kinds.set(p, 'f');
      out.push({ kind: 'file', path: p, info: info(FILE_ATTRS[o.attr % FILE_ATTRS.length]!), size: o.data.length, ...(o.data.length ? { data: Readable.from([Buffer.from(o.data)]) } : {}) });
      lastFile = { path: p, streams: new Set() };
    } else {
      const targets = [...kinds].filter(([k, v]) => v === 'f' && k !== p).map(([k]) => k);
      if (!targets.length || kinds.get(p) === 'd') continue;
      kinds.set(p, 'f');
      out.push({ kind: 'link', path: p, target: targets[o.j % targets.length]! });
    }
  }
  return out;
}

/** Every path of a layer's image with its metadata, data hash and streams. */
async function view(layer: string): Promise<Map<string, string>> {
  const image = await openCimImage((await describeCimLayer(layer)).imagePath);
  const hash = async (r: Readable): Promise<string> => {
    const h = createHash('sha256');
    for await (const c of r as AsyncIterable<Buffer>) h.update(c);
    return h.digest('hex');
  };
  try {
    const out = new Map<string, string>();
    for await (const w of image.walk(image.rootId, '', '/')) {
      const st = await image.stat(w.fileId);
      const streams: string[] = [];
      for (const s of st.alternateStreams) streams.push(`${s.name}:${await hash(image.createReadStream(w.fileId, { streamName: s.name }))}`);
      out.set(w.path, canon({ dir: st.isDirectory, info: st.info, size: st.size, data: st.isDirectory ? '' : await hash(image.createReadStream(w.fileId)), streams }));
    }
    return out;
  } finally {
    await image.close();
  }
}

test('a random child layer, exported (journal or diff) and imported again onto the same parent, gives the same image', async () => {
  const root = await tempDir('wclayer-cim-prop-');
  let run = 0;
  try {
    const parent = join(root, 'parent');
    const config = 'Files/Windows/System32/config';
    await writeEntries(await createCimLayerWriter(parent, { processHives: false }), [
      dir('Files'),
      dir('Files/Windows'),
      dir('Files/Windows/System32'),
      dir(config),
      ...['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'].map((h) => file(`${config}/${h}`, 'regf')),
      file('Files/hello.txt', 'hello'),
      dir('Files/dir1'),
      file('Files/dir1/x.txt', 'x'),
    ]);
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const a = join(root, `a${run}`);
        const b = join(root, `b${run}`);
        const c = join(root, `c${run++}`);
        await writeEntries(await createCimLayerWriter(a, { parents: [parent], processHives: false }), build(ops));
        await writeEntries(await createCimLayerWriter(b, { parents: [parent], processHives: false }), readCimLayer(a));
        const expected = await view(a);
        assert.deepEqual(await view(b), expected, 'through the journal');
        // The comparison with the parent image loses nothing an image shows either.
        await writeEntries(await createCimLayerWriter(c, { parents: [parent], processHives: false }), readCimLayer(a, { source: 'diff' }));
        assert.deepEqual(await view(c), expected, 'through the diff');
        for (const l of [a, b, c]) await removeDir(l);
      }),
      { numRuns: longFuzz ? 400 : 25 },
    );
  } finally {
    await removeDir(root);
  }
});
