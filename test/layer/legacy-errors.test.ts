import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { createLegacyLayerWriter, readLegacyLayer, type LegacyLayerPlatform } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { assertRejectsWc, bytes, collect, listDir, removeDir, tempDir } from './helpers.js';

const T = 132223104001234567n;
const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const fileInfo: FileInfo = { attributes: 0x20, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const d = (path: string): Entry => ({ kind: 'directory', path, info: dirInfo });
const f = (path: string, text = 'x'): Entry => ({ kind: 'file', path, info: fileInfo, size: Buffer.byteLength(text), data: bytes(text) });
const hives = (): Entry[] => [d('Files'), d('Files/Windows'), d('Files/Windows/System32'), d('Files/Windows/System32/config'), ...['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'].map((h) => f(`Files/Windows/System32/config/${h}`, 'regf'))];

/** Writes entries as a child layer (parent: an empty folder) or base layer; expects the error and an empty work folder. */
async function expectFailure(entries: Entry[], code: Parameters<typeof assertRejectsWc>[1], message: RegExp, base = false): Promise<void> {
  const dir = await tempDir();
  try {
    const parent = join(dir, 'parent');
    await mkdir(parent);
    const writer = await createLegacyLayerWriter(join(dir, 'layer'), base ? {} : { parents: [parent] });
    await assertRejectsWc(writeEntries(writer, entries), code, message);
    assert.deepEqual(await listDir(dir), ['parent'], 'something was left behind');
  } finally {
    await removeDir(dir);
  }
}

test('tombstone in a base layer', () => expectFailure([...hives(), { kind: 'whiteout', path: 'Files/gone' }], 'InvalidArgument', /base layer cannot have tombstones/, true));
test('base layer without its config hives', () => expectFailure([d('Files'), f('Files/a')], 'FailedPrecondition', /no registry hive Files\/Windows\/System32\/config\/DEFAULT/, true));
test('base layer with a utility VM but no BCD', () =>
  expectFailure([...hives(), d('UtilityVM'), d('UtilityVM/Files')], 'FailedPrecondition', /UtilityVM must contain 'EFI\\Microsoft\\Boot\\BCD'/, true));
test('link to a missing target (base and child)', async () => {
  await expectFailure([...hives(), { kind: 'link', path: 'Files/l', target: 'Files/none' }], 'InvalidArgument', /failed to find link target for 'Files\/l' -> 'Files\/none'/, true);
  await expectFailure([d('Files'), { kind: 'link', path: 'Files/l', target: 'Files/none' }], 'InvalidArgument', /failed to find link target/);
});
test('link outside Files and UtilityVM/Files in a child layer', () => expectFailure([d('Files'), d('Hives'), f('Hives/x'), { kind: 'link', path: 'Hives/y', target: 'Hives/x' }], 'InvalidArgument', /invalid hard link in layer/));
test('link to a folder', () => expectFailure([d('Files'), d('Files/a'), { kind: 'link', path: 'Files/l', target: 'Files/a' }], 'InvalidArgument', /cannot hard link 'Files\/l' to the folder/));
test('alternate stream without its file', async () => {
  await expectFailure([d('Files'), f('Files/a'), d('Files/b'), { kind: 'stream', path: 'Files/a', name: 's', size: 1, data: bytes('s') }], 'InvalidArgument', /alternate stream Files\/a:s does not follow its file/);
  await expectFailure([d('Files'), f('Files/a'), { kind: 'link', path: 'Files/b', target: 'Files/a' }, { kind: 'stream', path: 'Files/b', name: 's', size: 1, data: bytes('s') }], 'InvalidArgument', /does not follow its file/);
  await expectFailure([d('Files'), f('Files/a'), { kind: 'stream', path: 'Files/a', name: 'x:y', size: 0 }], 'InvalidArgument', /invalid alternate stream name/);
});
test('bad ordering: an entry before its folder', () => expectFailure([d('Files'), f('Files/a/b')], 'InvalidArgument', /cannot add Files\/a\/b: its folder Files\/a has not been added before it/));
test('entries inside a directory reparse point', () =>
  expectFailure([d('Files'), { kind: 'directory', path: 'Files/j', info: { ...dirInfo, attributes: 0x410, reparseData: new Uint8Array([3, 0, 0, 0xa0, 0, 0, 0, 0]) } }, f('Files/j/x')], 'InvalidArgument', /its folder Files\/j is a reparse point/));
test('duplicate entries, also differing only in case', async () => {
  await expectFailure([d('Files'), f('Files/a'), f('Files/a')], 'InvalidArgument', /duplicate entry Files\/a/);
  await expectFailure([d('Files'), f('Files/a'), d('Files/A')], 'InvalidArgument', /duplicate entry Files\/A \(already added as Files\/a\)/);
  await expectFailure([d('Files'), f('Files/a'), { kind: 'stream', path: 'Files/a', name: 's', size: 0 }, { kind: 'stream', path: 'Files/a', name: 'S', size: 0 }], 'InvalidArgument', /duplicate alternate stream/);
});
test('unsafe names are refused before anything is written, naming the entry', async () => {
  for (const bad of ['Files/../x', '../x', '/Files/x', '//server/share/x', 'C:/x', 'Files/a\\b', 'Files/./x', 'Files//x', 'Files/x/', 'Files/a\u0000b', 'Files/a:b', '', '.wclayer/metadata.jsonl', 'BCD.BAK']) {
    const dir = await tempDir();
    try {
      const writer = await createLegacyLayerWriter(join(dir, 'layer'), {});
      await assert.rejects(writeEntries(writer, [f(bad)]), (e: Error & { code?: string; data?: { entry?: string } }) => {
        assert.equal(e.code, 'InvalidArgument', `${JSON.stringify(bad)}: ${e.message}`);
        assert.equal(e.data?.entry, bad);
        return true;
      });
      assert.deepEqual(await listDir(dir), []);
    } finally {
      await removeDir(dir);
    }
  }
  await expectFailure([d('Files'), { kind: 'link', path: 'Files/l', target: 'Files/../../etc/passwd' }], 'InvalidArgument', /unsafe link target name/);
  await expectFailure([d('Files'), { kind: 'whiteout', path: 'Files/../../x' }], 'InvalidArgument', /unsafe tombstone name/);
});
test('tombstones outside Files and UtilityVM/Files', () => expectFailure([d('Files'), d('Hives'), { kind: 'whiteout', path: 'Hives/x' }], 'InvalidArgument', /invalid tombstone Hives\/x/));
test('utility VM entries: missing UtilityVM folder, paths outside UtilityVM/Files, parent without one', async () => {
  await expectFailure([d('Files'), f('UtilityVM/Files/x')], 'InvalidArgument', /missing UtilityVM directory/);
  await expectFailure([d('Files'), d('UtilityVM')], 'FailedPrecondition', /cloning the parent utility VM image failed/);
});
test('data longer or shorter than the size', async () => {
  await expectFailure([d('Files'), { kind: 'file', path: 'Files/a', info: fileInfo, size: 2, data: bytes('abc') }], 'InvalidArgument', /Files\/a: too many bytes by 1/);
  await expectFailure([d('Files'), { kind: 'file', path: 'Files/a', info: fileInfo, size: 5, data: bytes('abc') }, f('Files/b')], 'Corrupt', /Files\/a: missing 2 bytes/);
  await expectFailure([d('Files'), { kind: 'file', path: 'Files/a', info: fileInfo, size: 5, data: bytes('abc') }], 'Corrupt', /missing 2 bytes/);
});
test('a failing source aborts the writer', async () => {
  const broken = new Readable({
    read() {
      this.destroy(new Error('disk on fire'));
    },
  });
  await expectFailure([d('Files'), { kind: 'file', path: 'Files/a', info: fileInfo, size: 10, data: broken }], 'Internal', /disk on fire/);
});

test('an existing layer path is AlreadyExists and stays untouched', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'layer');
    await mkdir(layer);
    await writeFile(join(layer, 'keep'), 'me');
    await assertRejectsWc(createLegacyLayerWriter(layer, {}), 'AlreadyExists', /layer already exists/);
    // Appearing while the writer runs: refused at close, staging removed.
    const other = join(dir, 'other');
    const writer = await createLegacyLayerWriter(other, { parents: [layer] });
    await writer.add('Files', dirInfo);
    await mkdir(other);
    await assertRejectsWc(writer.close(), 'AlreadyExists');
    assert.deepEqual(await listDir(dir), ['layer', 'other']);
    assert.deepEqual(await listDir(other), []);
    assert.equal(await readFile(join(layer, 'keep'), 'utf8'), 'me');
  } finally {
    await removeDir(dir);
  }
});

test('cancellation mid-write leaves nothing behind', async () => {
  const dir = await tempDir();
  try {
    const ac = new AbortController();
    let seen = 0;
    async function* source(): AsyncGenerator<Entry> {
      for await (const e of generateSampleLayer({ seed: 3, kind: 'base', fileCount: 300, totalSize: 2_000_000 })) {
        if (++seen === 150) ac.abort();
        yield e;
      }
    }
    const writer = await createLegacyLayerWriter(join(dir, 'layer'), {});
    await assertRejectsWc(writeEntries(writer, source(), { signal: ac.signal }), 'Cancelled');
    assert.ok(seen >= 150 && seen < 160, `stopped after ${seen} entries`);
    assert.deepEqual(await listDir(dir), []);
    // A writer that was aborted refuses further work.
    await assertRejectsWc(writer.add('Files', dirInfo), 'FailedPrecondition', /failed earlier/);
  } finally {
    await removeDir(dir);
  }
});

test('progress reports entries and bytes', async () => {
  const dir = await tempDir();
  try {
    const reports: number[] = [];
    const writer = await createLegacyLayerWriter(join(dir, 'layer'), {});
    const r = await writeEntries(writer, generateSampleLayer({ seed: 5, kind: 'base', fileCount: 200, totalSize: 300_000 }), { onProgress: (p) => reports.push(p.entriesDone!) });
    assert.equal(r.bytes, 300_000);
    assert.equal(reports.at(-1), r.entries);
    assert.ok(reports.length >= 2);
  } finally {
    await removeDir(dir);
  }
});

test('the platform hook receives the complete staged folder; its failure leaves nothing', async () => {
  const dir = await tempDir();
  try {
    const calls: unknown[] = [];
    const platform: LegacyLayerPlatform = {
      async finishImport(layerPath, importFolder, parents, details) {
        // The staged folder is a complete layer that the reader accepts.
        const entries = await collect(readLegacyLayer(importFolder));
        calls.push({ layerPath, parents, details, paths: entries.map((e) => e.path) });
        await mkdir(layerPath);
      },
    };
    const parent = join(dir, 'parent');
    await mkdir(parent);
    const layer = join(dir, 'layer');
    const writer = await createLegacyLayerWriter(layer, { parents: [parent], platform });
    await writeEntries(writer, [d('Files'), f('Files/a'), { kind: 'whiteout', path: 'Files/old' }]);
    assert.deepEqual(calls, [{ layerPath: layer, parents: [parent], details: { kind: 'import', hasUtilityVM: false }, paths: ['Files', 'Files/old', 'Files/a'] }]);
    assert.deepEqual(await listDir(dir), ['layer', 'parent'], 'staging removed after the hook');

    const failing: LegacyLayerPlatform = {
      async finishImport() {
        throw new Error('ImportLayer failed');
      },
    };
    const w2 = await createLegacyLayerWriter(join(dir, 'layer2'), { parents: [parent], platform: failing });
    await assert.rejects(writeEntries(w2, [d('Files')]), /ImportLayer failed/);
    assert.deepEqual(await listDir(dir), ['layer', 'parent']);
  } finally {
    await removeDir(dir);
  }
});

test('the reader refuses unfinished or damaged layers', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'layer');
    const writer = await createLegacyLayerWriter(layer, {});
    await writeEntries(writer, [...hives(), f('Files/data', 'hello')]);
    const meta = join(layer, '.wclayer/metadata.jsonl');
    const text = await readFile(meta, 'utf8');
    const lines = text.trimEnd().split('\n');
    await writeFile(meta, lines.slice(0, -1).join('\n') + '\n');
    await assertRejectsWc(collect(readLegacyLayer(layer)), 'Corrupt', /not sealed/);
    await writeFile(meta, lines.slice(0, -2).concat(lines.slice(-1)).join('\n') + '\n');
    await assertRejectsWc(collect(readLegacyLayer(layer)), 'Corrupt', /seal counts/);
    await writeFile(meta, text.replace('"p":"Files/data"', '"p":"Files/../../data"'));
    await assertRejectsWc(collect(readLegacyLayer(layer)), 'Corrupt', /unsafe recorded name/);
    await writeFile(meta, text);
    await writeFile(join(layer, 'Files/data'), 'hell');
    await assertRejectsWc(collect(readLegacyLayer(layer)), 'Corrupt', /Files\/data: data file .* holds 4 bytes, the metadata says 5/);
    await assertRejectsWc(collect(readLegacyLayer(join(dir, 'nothing'))), 'Corrupt', /not a wclayer legacy layer/);
  } finally {
    await removeDir(dir);
  }
});

test('a name longer than the file system holds is InvalidArgument naming the entry', () =>
  expectFailure([d('Files'), f(`Files/${'é'.repeat(200)}`)], 'InvalidArgument', /entry name too long for this file system/));

test('the writer stages into <layerPath>.tmp-<random> beside the target and refuses overlapping calls', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'layer');
    const writer = await createLegacyLayerWriter(layer, { parents: [dir] });
    const staged = await listDir(dir);
    assert.equal(staged.length, 1);
    assert.match(staged[0]!, /^layer\.tmp-[0-9a-f]{12}$/);
    assert.equal(writer.stagingPath, join(dir, staged[0]!));
    const first = writer.add('Files', dirInfo);
    await assertRejectsWc(writer.add('Files/x', fileInfo, 0), 'FailedPrecondition', /busy/);
    await first;
    await writer.close();
    assert.deepEqual(await listDir(dir), ['layer']);
  } finally {
    await removeDir(dir);
  }
});
