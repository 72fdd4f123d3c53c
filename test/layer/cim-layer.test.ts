// The CIM layer writer with real hives: round trips of generated base and child layers, the
// base-layer Hives links and layout file, the utility VM build file, the child-layer hive merge
// against mergeHives, and a chain of generations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Entry } from '../../src/formats/entry.js';
import { mergeHives } from '../../src/formats/regf/merge.js';
import { Hive } from '../../src/formats/regf/reader.js';
import { readOsBuild } from '../../src/formats/regf/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { createCimImage } from '../../src/cim/image.js';
import { createCimLayerWriter, describeCimLayer, destroyCimLayer, readCimLayer, HIVES } from '../../src/layer/cim/index.js';
import { assertSameEntries, assertWriterOrder, collect, listDir, removeDir, tempDir } from './helpers.js';
import { UVM_SOFTWARE_BUILD, baseHive, deltaHive, dir, entryBytes, file, imageFile, imageStat, sampleBase, sampleChild } from './cim-helpers.js';

const CONFIG = 'Files/Windows/System32/config';

async function writeLayer(path: string, entries: AsyncIterable<Entry> | Iterable<Entry>, parents: string[] = []): Promise<void> {
  await writeEntries(await createCimLayerWriter(path, { parents }), entries);
}

test('a generated base layer with real hives round-trips; Hives/*_BASE link to the config hives; layout; uvmbuildversion', async () => {
  const root = await tempDir('wclayer-cim-');
  try {
    const layer = join(root, 'base');
    await writeLayer(layer, sampleBase(11));
    const actual = await collect(readCimLayer(layer));
    assertSameEntries(actual, await collect(sampleBase(11)));
    assertWriterOrder(actual);

    // hcsshim's names: <layer>/cim-layers/<Base(layer)>.cim
    const info = await describeCimLayer(layer);
    assert.deepEqual({ ...info, imagePath: info.imagePath.slice(root.length) }, { kind: 'cim', parents: [], imagePath: '/base/cim-layers/base.cim', hasUtilityVM: true, osBuild: Number(UVM_SOFTWARE_BUILD) });

    // In the image: each *_BASE is the same file as its config hive; Hives has zero times.
    for (const h of HIVES) {
      const config = await imageFile(layer, `${CONFIG}/${h.name}`);
      const base = await imageFile(layer, `Hives/${h.base}`);
      assert.ok(config && base, h.base);
      assert.equal(base.id, config.id, `Hives/${h.base} is a link to ${CONFIG}/${h.name}`);
      assert.deepEqual(base.bytes, Buffer.from(baseHive(h.name)));
      // and on the host, a hard link too
      const [a, b] = await Promise.all([stat(join(layer, 'Hives', h.base)), stat(join(layer, CONFIG, h.name))]);
      assert.equal(a.ino, b.ino);
    }
    const hives = await imageStat(layer, 'Hives');
    assert.equal(hives.isDirectory, true);
    assert.deepEqual([hives.info.creationTime, hives.info.lastWriteTime, hives.info.securityDescriptor], [0n, 0n, undefined]);

    // layout: exactly "vhd-with-hives\n", in the image and beside it
    assert.equal((await imageFile(layer, 'layout'))?.bytes.toString(), 'vhd-with-hives\n');
    assert.equal(await readFile(join(layer, 'layout'), 'utf8'), 'vhd-with-hives\n');

    // uvmbuildversion: the decimal build read from the utility VM's SOFTWARE hive, no newline
    const uvmSoftware = await imageFile(layer, 'UtilityVM/Files/Windows/System32/config/SOFTWARE');
    const build = await readOsBuild(await Hive.fromBytes(uvmSoftware!.bytes));
    assert.equal(await readFile(join(layer, 'uvmbuildversion'), 'utf8'), String(build));
    assert.equal(String(build), UVM_SOFTWARE_BUILD);

    // the staged std files are real host files too, as hcsshim leaves them
    assert.deepEqual(await readFile(join(layer, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD')), Buffer.from(baseHive('BCD')));
  } finally {
    await removeDir(root);
  }
});

test('a generated child layer round-trips (whiteouts, links, streams, deltas); its *_BASE hives equal mergeHives of the parent base and the delta', async () => {
  const root = await tempDir('wclayer-cim-');
  try {
    const base = join(root, 'base');
    const child = join(root, 'child');
    await writeLayer(base, sampleBase(21));
    await writeLayer(child, sampleChild(22), [base]);
    const actual = await collect(readCimLayer(child));
    assertSameEntries(actual, await collect(sampleChild(22)));
    assertWriterOrder(actual);
    assert.ok(actual.some((e) => e.kind === 'whiteout') && actual.some((e) => e.kind === 'link') && actual.some((e) => e.kind === 'stream'));
    assert.ok(!actual.some((e) => /_BASE$/.test(e.path) || e.path === 'layout'), 'entries the writer made itself are not exported');

    const info = await describeCimLayer(child);
    assert.deepEqual(info.parents, [base]);
    assert.equal(info.hasUtilityVM, false);
    assert.equal(JSON.parse(await readFile(join(child, 'layerchain.json'), 'utf8'))[0], base);

    for (const h of HIVES) {
      const deltaName = ['DefaultUser_Delta', 'Software_Delta', 'Sam_Delta', 'Security_Delta', 'System_Delta'].find((d) => d.toUpperCase() === h.delta)!;
      const delta = await entryBytes(sampleChild(22), `Hives/${deltaName}`);
      const expected = await mergeHives(baseHive(h.name), [delta.bytes], { timestamp: delta.info.lastWriteTime });
      const inImage = await imageFile(child, `Hives/${h.base}`);
      assert.deepEqual(inImage?.bytes, Buffer.from(expected), `Hives/${h.base} in the image`);
      assert.deepEqual(await readFile(join(child, 'Hives', h.base)), Buffer.from(expected), `Hives/${h.base} on the host`);
      assert.deepEqual((await imageFile(child, `Hives/${deltaName}`))?.bytes, delta.bytes, 'the delta is kept as imported');
    }
    // the parent's content shows through the fork
    assert.ok(await imageFile(child, `${CONFIG}/SYSTEM`));
  } finally {
    await removeDir(root);
  }
});

test('a chain of four generations: forks see their ancestors, whiteouts hide, merges use the nearest *_BASE (from the image when the parent has no host copy)', async () => {
  const root = await tempDir('wclayer-cim-');
  try {
    const [g0, g1, g2, g3] = ['g0', 'g1', 'g2', 'g3'].map((n) => join(root, n)) as [string, string, string, string];
    await writeLayer(g0, [dir('Files'), dir('Files/Windows'), dir('Files/Windows/System32'), dir(CONFIG), ...HIVES.map((h) => file(`${CONFIG}/${h.name}`, baseHive(h.name))), file('Files/a.txt', 'a0'), file('Files/b.txt', 'b0')]);
    await writeLayer(g1, [dir('Files'), dir('Hives'), file('Hives/System_Delta', deltaHive('System_Delta', 'G1')), file('Files/a.txt', 'a1'), file('Files/c.txt', 'c1')], [g0]);
    await writeLayer(g2, [dir('Files'), dir('Hives'), file('Hives/Sam_Delta', deltaHive('Sam_Delta', 'G2')), { kind: 'whiteout', path: 'Files/b.txt' }, file('Files/d.txt', 'd2')], [g1, g0]);
    await writeLayer(g3, [dir('Files'), dir('Hives'), file('Hives/System_Delta', deltaHive('System_Delta', 'G3')), { kind: 'whiteout', path: 'Files/c.txt' }], [g2, g1, g0]);

    const text = async (layer: string, p: string): Promise<string | undefined> => (await imageFile(layer, p))?.bytes.toString();
    assert.deepEqual(await Promise.all(['a', 'b', 'c', 'd'].map((x) => text(g3, `Files/${x}.txt`))), ['a1', undefined, undefined, 'd2']);
    assert.deepEqual(await Promise.all(['a', 'b', 'c', 'd'].map((x) => text(g2, `Files/${x}.txt`))), ['a1', undefined, 'c1', 'd2']);
    assert.deepEqual(await Promise.all(['a', 'b', 'c', 'd'].map((x) => text(g1, `Files/${x}.txt`))), ['a1', 'b0', 'c1', undefined]);
    assert.equal(await text(g0, 'Files/a.txt'), 'a0');

    // g1: SYSTEM_BASE = merge(g0 SYSTEM, g1 delta); g2 has no System_Delta, so g3 merges onto g1's (through g2's image).
    const sys1 = await mergeHives(baseHive('SYSTEM'), [deltaHive('System_Delta', 'G1')], { timestamp: 131000000000000000n });
    assert.deepEqual((await imageFile(g1, 'Hives/SYSTEM_BASE'))?.bytes, Buffer.from(sys1));
    assert.deepEqual((await imageFile(g2, 'Hives/SYSTEM_BASE'))?.bytes, Buffer.from(sys1), 'inherited through the fork');
    await assert.rejects(stat(join(g2, 'Hives', 'SYSTEM_BASE')), 'g2 writes no host SYSTEM_BASE');
    const sys3 = await mergeHives(sys1, [deltaHive('System_Delta', 'G3')], { timestamp: 131000000000000000n });
    assert.deepEqual((await imageFile(g3, 'Hives/SYSTEM_BASE'))?.bytes, Buffer.from(sys3));
    const sam2 = await mergeHives(baseHive('SAM'), [deltaHive('Sam_Delta', 'G2')], { timestamp: 131000000000000000n });
    assert.deepEqual((await imageFile(g3, 'Hives/SAM_BASE'))?.bytes, Buffer.from(sam2));

    // each layer exports only its own changes
    const own = (await collect(readCimLayer(g3))).map((e) => `${e.kind} ${e.path}`);
    assert.deepEqual(own, ['directory Files', 'directory Hives', 'file Hives/System_Delta', 'whiteout Files/c.txt']);

    // destroying: a folder without an image is left alone; a layer goes, and its child still reads
    assert.equal(await destroyCimLayer(root), false);
    assert.deepEqual(await listDir(root), ['g0', 'g1', 'g2', 'g3']);
    assert.equal(await destroyCimLayer(g1), true);
    assert.deepEqual(await listDir(root), ['g0', 'g2', 'g3']);
    assert.equal(await text(g3, 'Files/a.txt'), 'a1', 'a layer folder holds every image file it needs');
  } finally {
    await removeDir(root);
  }
});

/** What a list of entries leaves behind: path → content (links resolved, storable attributes only). */
function materialize(entries: Awaited<ReturnType<typeof collect>>): Map<string, string> {
  const view = new Map<string, string>();
  for (const e of entries) {
    if (e.kind === 'whiteout') view.set(e.path, 'whiteout');
    else if (e.kind === 'link') view.set(e.path, view.get(e.target) ?? `link to missing ${e.target}`);
    else if (e.kind === 'stream') view.set(e.path, `${view.get(e.path)} +${e.name}:${e.sha256}`);
    else {
      const info = { ...e.info, attributes: e.info.attributes & (0x1 | 0x2 | 0x4 | 0x10 | 0x20 | 0x200 | 0x400) };
      view.set(e.path, JSON.stringify({ ...e, path: undefined, info }, (_k, v) => (typeof v === 'bigint' ? String(v) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)));
    }
  }
  return view;
}

test('without the journal, a layer is read by comparing its image with its parent: same content, whiteouts of what the parent had, folders before changes', async () => {
  const root = await tempDir('wclayer-cim-');
  try {
    const base = join(root, 'base');
    await writeLayer(base, sampleBase(31));
    const byJournal = await collect(readCimLayer(base, { source: 'journal' }));
    const byDiff = await collect(readCimLayer(base, { source: 'diff' }));
    assertWriterOrder(byDiff);
    assert.deepEqual(materialize(byDiff), materialize(byJournal));

    const child = join(root, 'child');
    const baseFiles = (await collect(readCimLayer(base))).find((e) => e.path === 'Files');
    assert.ok(baseFiles?.kind === 'directory');
    await writeLayer(
      child,
      [
        { kind: 'directory', path: 'Files', info: baseFiles.info }, // re-added unchanged: not seen by the diff
        { kind: 'whiteout', path: 'Files/Windows/System32/config/SAM' },
        { kind: 'whiteout', path: 'Files/never-existed' },
        file('Files/Windows/new.txt', 'new'),
        dir('Files/sub'),
        file('Files/sub/c.txt', 'c'),
        { kind: 'stream', path: 'Files/sub/c.txt', name: 'zone', size: 2, data: Readable.from([Buffer.from('z1')]) },
        { kind: 'link', path: 'Files/sub/c2.txt', target: 'Files/sub/c.txt' },
      ],
      [base],
    );
    const diff = await collect(readCimLayer(child, { source: 'diff' }));
    assertWriterOrder(diff);
    const summary = diff.map((e) => `${e.kind} ${e.path}${e.kind === 'stream' ? `:${e.name}` : ''}${e.kind === 'link' ? ` -> ${e.target}` : ''}`);
    assert.deepEqual(summary, [
      'whiteout Files/Windows/System32/config/SAM',
      'directory Files',
      'directory Files/sub',
      'file Files/sub/c.txt',
      'stream Files/sub/c.txt:zone',
      'link Files/sub/c2.txt -> Files/sub/c.txt',
      'directory Files/Windows',
      'file Files/Windows/new.txt',
    ]);
    // the same changes as the journal, less what an image cannot show
    const journal = await collect(readCimLayer(child));
    assert.deepEqual(materialize(diff.filter((e) => e.kind !== 'directory')), materialize(journal.filter((e) => e.kind !== 'directory' && e.path !== 'Files/never-existed')));
  } finally {
    await removeDir(root);
  }
});

test('a parent whose image hcsshim placed in <Dir(layer)>/cim-layers is forked, described, read and destroyed', async () => {
  const root = await tempDir('wclayer-cim-');
  try {
    await mkdir(join(root, 'cim-layers'));
    const w = await createCimImage(join(root, 'cim-layers'), 'hp.cim');
    await w.addFile('Files', { attributes: 0x10, creationTime: 1n, lastAccessTime: 1n, lastWriteTime: 1n, changeTime: 1n }, 0);
    await w.addFile('Files\\x.txt', { attributes: 0x20, creationTime: 1n, lastAccessTime: 1n, lastWriteTime: 1n, changeTime: 1n }, 1);
    await w.write(Buffer.from('x'));
    await w.commit();
    await w.close();
    const hp = join(root, 'hp');
    await mkdir(hp);

    const info = await describeCimLayer(hp);
    assert.deepEqual(info, { kind: 'cim', parents: [], imagePath: join(root, 'cim-layers', 'hp.cim'), hasUtilityVM: false });
    assert.deepEqual((await collect(readCimLayer(hp))).map((e) => `${e.kind} ${e.path}`), ['directory Files', 'file Files/x.txt']);

    const kid = join(root, 'kid');
    await writeLayer(kid, [dir('Files'), file('Files/y.txt', 'y')], [hp]);
    assert.equal((await imageFile(kid, 'Files/x.txt'))?.bytes.toString(), 'x');
    assert.equal((await imageFile(kid, 'Files/y.txt'))?.bytes.toString(), 'y');

    assert.equal(await destroyCimLayer(hp), true);
    assert.deepEqual(await listDir(join(root, 'cim-layers')), [], 'the image and its own region files are gone');
    assert.deepEqual(await listDir(hp), [], 'the folder is left, as hcsshim leaves it');
    assert.equal(await destroyCimLayer(hp), false);
    assert.equal((await imageFile(kid, 'Files/x.txt'))?.bytes.toString(), 'x', 'the child keeps its own links to the parent image files');
  } finally {
    await removeDir(root);
  }
});
