// Details of the legacy writer's folder: tombstones.txt bytes, links into parent layers,
// case-insensitive folder matching, writes without a known size, the metadata log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { createLegacyLayerWriter, describeLegacyLayer, readBaseLayer, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { parseTombstones } from '../../src/layer/legacy/format.js';
import { writeEntries } from '../../src/layer/writer.js';
import { assertRejectsWc, bytes, collect, removeDir, tempDir } from './helpers.js';
import { minimalEntries } from './writer-contract.js';

const T = 132223104001234567n;
const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const fileInfo: FileInfo = { attributes: 0x20, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };

test('tombstones.txt is written in the HCS format (spec 3.3 vector) and parsed back', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'child');
    await writeEntries(await createLegacyLayerWriter(layer, { parents: [dir] }), [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'whiteout', path: 'Files/foo.txt' }]);
    const raw = await readFile(join(layer, '.wclayer/tombstones.txt'));
    assert.equal(raw.toString('hex'), 'efbbbf56657273696f6e20312e300a5c666f6f2e7478740a');
    assert.deepEqual(parseTombstones('\ufeffVersion 1.0\r\n\\a\\b c\r\n\\d\n', 'x'), ['Files/a/b c', 'Files/d']);
    assert.throws(() => parseTombstones('Version 1.0\n', 'x'), /invalid tombstones file/);
    assert.throws(() => parseTombstones('\ufeffVersion 1.0\n\n', 'x'), /invalid tombstones file/);
    assert.throws(() => parseTombstones('\ufeffVersion 1.0\n\\..\\x\n', 'x'), /unsafe/);
  } finally {
    await removeDir(dir);
  }
});

test('a child layer links to a file of a parent layer: the data is linked in, the entry stays a link', async () => {
  const dir = await tempDir();
  try {
    const base = join(dir, 'base');
    await writeEntries(await createLegacyLayerWriter(base), minimalEntries('base'));
    const child = join(dir, 'child');
    await writeEntries(await createLegacyLayerWriter(child, { parents: [join(dir, 'missing'), base] }), [
      { kind: 'directory', path: 'Files', info: dirInfo },
      { kind: 'link', path: 'Files/hello-again.txt', target: 'Files/hello.txt' },
      { kind: 'file', path: 'Files/own.txt', info: fileInfo, size: 3, data: bytes('own') },
      { kind: 'link', path: 'Files/own-link.txt', target: 'Files/own.txt' },
    ]);
    assert.equal((await stat(join(child, 'Files/hello-again.txt'))).ino, (await stat(join(base, 'Files/hello.txt'))).ino);
    const got = await collect(readLegacyLayer(child));
    assert.deepEqual(
      got.filter((e) => e.kind === 'link'),
      [
        { kind: 'link', path: 'Files/hello-again.txt', target: 'Files/hello.txt' },
        { kind: 'link', path: 'Files/own-link.txt', target: 'Files/own.txt' },
      ],
    );
    assert.deepEqual(await describeLegacyLayer(child), { kind: 'import', parents: [join(dir, 'missing'), base] });
    await assertRejectsWc(collect(readBaseLayer(child)), 'FailedPrecondition', /not a base layer/);
  } finally {
    await removeDir(dir);
  }
});

test('a folder matched in another case (NTFS is case-insensitive) keeps entries readable', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'child');
    const entries: Entry[] = [
      { kind: 'directory', path: 'Files', info: dirInfo },
      { kind: 'directory', path: 'Files/Dir', info: dirInfo },
      { kind: 'file', path: 'Files/dir/x.txt', info: fileInfo, size: 2, data: bytes('xx') },
      { kind: 'link', path: 'Files/DIR/y.txt', target: 'Files/dir/x.txt' },
    ];
    await writeEntries(await createLegacyLayerWriter(layer, { parents: [dir] }), entries);
    assert.equal(await readFile(join(layer, 'Files/Dir/x.txt'), 'utf8'), 'xx');
    const got = await collect(readLegacyLayer(layer));
    assert.deepEqual(got.map((e) => e.path), ['Files', 'Files/Dir', 'Files/dir/x.txt', 'Files/DIR/y.txt']);
    assert.equal(got[2]!.kind === 'file' && got[2]!.bytes, 2);
  } finally {
    await removeDir(dir);
  }
});

test('writes without a declared size, directory streams, hives as plain files, $Recycle.Bin skipped on read', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'child');
    const w = await createLegacyLayerWriter(layer, { parents: [dir] });
    await w.add('Files', dirInfo);
    await w.addAlternateStream('Files', 'dirstream', 4);
    await w.write(Buffer.from('meta'));
    await w.add('Files/$Recycle.Bin', dirInfo);
    await w.add('Files/$Recycle.Bin/junk', fileInfo, 0);
    await w.add('Hives', dirInfo);
    await w.add('Hives/System_Delta', fileInfo);
    await w.write(Buffer.from('regf'));
    await w.write(Buffer.from('....'));
    await w.close();
    assert.equal(await readFile(join(layer, 'Hives/System_Delta'), 'utf8'), 'regf....');
    const got = await collect(readLegacyLayer(layer));
    assert.deepEqual(got.map((e) => `${e.kind} ${e.path}`), ['directory Files', 'stream Files', 'directory Hives', 'file Hives/System_Delta']);
    assert.equal(got[3]!.kind === 'file' && got[3]!.size, 8);
    const all = await collect(readLegacyLayer(layer, { skipRecycleBin: false }));
    assert.equal(all.length, 6);
  } finally {
    await removeDir(dir);
  }
});

test('the metadata log is one JSON line per entry with a seal', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'base');
    await writeEntries(await createLegacyLayerWriter(layer), [
      ...minimalEntries('base'),
      { kind: 'file', path: 'Files/ea.bin', info: { ...fileInfo, extendedAttributes: [{ name: 'USER.X', value: new Uint8Array([1, 2]), flags: 0x80 }], securityDescriptor: new Uint8Array([1, 0, 4, 0x80]) }, size: 0 },
    ]);
    const lines = (await readFile(join(layer, '.wclayer/metadata.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { wclayer: 'legacy-layer', version: 1, kind: 'base', parents: [] });
    assert.deepEqual(lines.at(-1), { end: true, records: minimalEntries('base').length + 1, bytes: 25 });
    assert.deepEqual(lines.at(-2), { k: 'f', p: 'Files/ea.bin', s: 0, a: 32, t: [`${T}`, `${T}`, `${T}`, `${T}`], sd: 'AQAEgA==', ea: [['USER.X', 'AQI=', 128]] });
  } finally {
    await removeDir(dir);
  }
});

test('on-disk times follow LastWriteTime, folders re-applied after their children and links', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'base');
    await writeEntries(await createLegacyLayerWriter(layer), [...minimalEntries('base'), { kind: 'link', path: 'Files/hello-link.txt', target: 'Files/hello.txt' }]);
    const expectMs = 1577836800123; // FILETIME 132223104001234567
    for (const p of ['Files', 'Files/Windows/System32/config', 'Files/hello.txt']) {
      assert.equal(Math.floor((await stat(join(layer, p))).mtimeMs), expectMs, p);
    }
  } finally {
    await removeDir(dir);
  }
});
