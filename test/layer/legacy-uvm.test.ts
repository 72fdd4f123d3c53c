// Child layers with a utility VM: hcsshim clones the nearest parent's UtilityVM/Files (folders
// re-created, files hard-linked, BCD files copied), then applies the layer's own UVM entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { createLegacyLayerWriter, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { assertRejectsWc, assertWriterOrder, bytes, collect, listDir, removeDir, tempDir } from './helpers.js';

const T = 132223104001234567n;
const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const fileInfo: FileInfo = { attributes: 0x20, creationTime: T + 1n, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const BCD = 'UtilityVM/Files/EFI/Microsoft/Boot/BCD';

test('a child layer with UtilityVM clones the parent utility VM and applies its own changes', async () => {
  const dir = await tempDir();
  try {
    const base = join(dir, 'base');
    await writeEntries(await createLegacyLayerWriter(base), generateSampleLayer({ seed: 11, kind: 'base', fileCount: 150, totalSize: 300_000 }));
    const baseEntries = await collect(readLegacyLayer(base));
    const uvmLinks = baseEntries.flatMap((e) => (e.kind === 'link' && e.path.startsWith('UtilityVM/') ? [e] : []));
    const intoFiles = uvmLinks.filter((l) => l.target.startsWith('Files/'));
    const chained = uvmLinks.find((l) => l.target.startsWith('UtilityVM/'));
    assert.ok(intoFiles.length >= 3, 'the sample base has UVM links into Files/');
    const removed = intoFiles[0]!.path;
    const replaced = intoFiles[1]!.path;
    const uvmDirs = baseEntries.filter((e) => e.kind === 'directory' && e.path.startsWith('UtilityVM/Files/'));

    const child = join(dir, 'child');
    const entries: Entry[] = [
      { kind: 'directory', path: 'Files', info: dirInfo },
      { kind: 'directory', path: 'UtilityVM', info: dirInfo },
      { kind: 'file', path: 'UtilityVM/Files/new.txt', info: fileInfo, size: 3, data: bytes('new') },
      { kind: 'whiteout', path: removed },
      { kind: 'file', path: replaced, info: fileInfo, size: 8, data: bytes('replaced') },
      { kind: 'directory', path: uvmDirs[0]!.path, info: { ...dirInfo, lastWriteTime: T + 99n } },
      { kind: 'link', path: 'UtilityVM/Files/new-link.txt', target: 'UtilityVM/Files/new.txt' },
      { kind: 'file', path: BCD, info: fileInfo, size: 7, data: bytes('new bcd') },
    ];
    await writeEntries(await createLegacyLayerWriter(child, { parents: [base] }), entries);
    assert.deepEqual(await listDir(dir), ['base', 'child']);

    const got = await collect(readLegacyLayer(child));
    assertWriterOrder(got);
    const byPath = new Map(got.map((e) => [e.kind === 'stream' ? `${e.path}:${e.name}` : e.path, e]));
    assert.equal(got[0]!.path, 'Files');
    assert.deepEqual(byPath.get('UtilityVM'), { kind: 'directory', path: 'UtilityVM', info: dirInfo });
    assert.equal(byPath.get('UtilityVM/Files')?.kind, 'directory');
    assert.equal(byPath.has(removed), false, 'the tombstoned UVM file is gone');
    await assert.rejects(stat(join(child, removed)));
    const rep = byPath.get(replaced);
    assert.equal(rep?.kind === 'file' && rep.bytes, 8);
    // The reused folder keeps its place (before its children) with the new metadata.
    const reused = byPath.get(uvmDirs[0]!.path);
    assert.equal(reused?.kind === 'directory' && reused.info.lastWriteTime, T + 99n);
    // Links of the parent's UVM into Files/ are files here, with the target's metadata and data.
    for (const l of intoFiles.slice(2)) {
      const target = baseEntries.find((e) => e.path === l.target && e.kind === 'file');
      const mine = byPath.get(l.path);
      assert.equal(mine?.kind, 'file', `${l.path} should be a file in the child`);
      if (mine?.kind === 'file' && target?.kind === 'file') {
        assert.deepEqual(mine.info, target.info);
        assert.equal(mine.sha256, target.sha256);
        assert.equal((await stat(join(child, l.path))).ino, (await stat(join(base, l.target))).ino, 'cloned files are hard links');
      }
    }
    if (chained && chained.path !== removed && chained.path !== replaced && chained.target !== removed && chained.target !== replaced) {
      assert.deepEqual(byPath.get(chained.path), chained, 'links inside the UVM stay links');
    }
    assert.deepEqual(byPath.get('UtilityVM/Files/new-link.txt'), { kind: 'link', path: 'UtilityVM/Files/new-link.txt', target: 'UtilityVM/Files/new.txt' });
    // The BCD written by this layer, and its pristine copy.
    assert.equal(await readFile(join(child, BCD), 'utf8'), 'new bcd');
    assert.equal(await readFile(join(child, 'bcd.bak'), 'utf8'), 'new bcd');
  } finally {
    await removeDir(dir);
  }
});

test('a cloned BCD is a copy, not a link; UVM tombstones clone first and must name an existing path', async () => {
  const dir = await tempDir();
  try {
    const base = join(dir, 'base');
    await writeEntries(await createLegacyLayerWriter(base), generateSampleLayer({ seed: 12, kind: 'base', fileCount: 40, totalSize: 100_000 }));
    const child = join(dir, 'child');
    // A UVM tombstone alone triggers the clone (hcsshim initUtilityVM from Remove).
    await writeEntries(await createLegacyLayerWriter(child, { parents: [base] }), [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'whiteout', path: 'UtilityVM/Files/EFI/Microsoft/Boot/BCD' }]);
    await assert.rejects(stat(join(child, BCD)));
    assert.ok((await stat(join(child, 'UtilityVM/Files/EFI'))).isDirectory());

    const child2 = join(dir, 'child2');
    await writeEntries(await createLegacyLayerWriter(child2, { parents: [base] }), [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'directory', path: 'UtilityVM', info: dirInfo }]);
    assert.notEqual((await stat(join(child2, BCD))).ino, (await stat(join(base, BCD))).ino);
    assert.deepEqual(await readFile(join(child2, BCD)), await readFile(join(base, BCD)));

    const w = await createLegacyLayerWriter(join(dir, 'child3'), { parents: [base] });
    await assertRejectsWc(writeEntries(w, [{ kind: 'directory', path: 'UtilityVM', info: dirInfo }, { kind: 'whiteout', path: 'UtilityVM/Files/nope' }]), 'NotFound', /UtilityVM\/Files\/nope/);
    const w2 = await createLegacyLayerWriter(join(dir, 'child3'), { parents: [base] });
    await assertRejectsWc(writeEntries(w2, [{ kind: 'directory', path: 'UtilityVM', info: dirInfo }, { kind: 'directory', path: 'UtilityVM/Other', info: dirInfo }]), 'InvalidArgument', /invalid UtilityVM layer/);
    assert.deepEqual(await listDir(dir), ['base', 'child', 'child2']);
  } finally {
    await removeDir(dir);
  }
});
