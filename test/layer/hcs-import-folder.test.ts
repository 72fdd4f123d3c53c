// The HCS import folder (transport format, spec 3.3 and 7.2 #17) rendered from a legacy layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_STREAM_ID, decodeBackupStreamBuffer, decodeExtendedAttributes } from '../../src/formats/backup/index.js';
import { createLegacyLayerWriter, readLegacyLayer, writeHcsImportFolder } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { collect, listDir, removeDir, tempDir } from './helpers.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

test('a child layer renders as the HCS import folder: attributes + backup stream, $wcidirs$, plain hives', async () => {
  const dir = await tempDir();
  try {
    const parent = join(dir, 'parent');
    await writeEntries(await createLegacyLayerWriter(parent), generateSampleLayer({ seed: 21, kind: 'base', fileCount: 30, totalSize: 60_000 }));
    const child = join(dir, 'child');
    const sample = { seed: 21, kind: 'child', fileCount: 200, totalSize: 200_000 } as const;
    await writeEntries(await createLegacyLayerWriter(child, { parents: [parent] }), generateSampleLayer(sample));
    const R = join(dir, 'import');
    const plan = await writeHcsImportFolder(readLegacyLayer(child), R);
    const entries = await collect(generateSampleLayer(sample));

    assert.deepEqual(plan.tombstones.sort(), entries.flatMap((e) => (e.kind === 'whiteout' ? [e.path] : [])).sort());
    assert.deepEqual(plan.links, entries.flatMap((e) => (e.kind === 'link' ? [{ path: e.path, target: e.target }] : [])));
    assert.equal(plan.utilityVM, false);
    assert.deepEqual(plan.directories.map((d) => d.path), entries.filter((e) => e.kind === 'directory').map((e) => e.path));
    assert.ok((await listDir(R)).includes('Files.$wcidirs$'));

    let checkedStream = false;
    let checkedEa = false;
    let checkedReparse = false;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.kind === 'file' && e.path.startsWith('Hives/')) {
        const b = await readFile(join(R, e.path));
        assert.equal(sha(b), e.sha256, `${e.path} is the plain hive`);
        continue;
      }
      if (e.kind !== 'file' && e.kind !== 'directory') continue;
      if (e.kind === 'directory' && e.path.startsWith('Hives')) continue;
      const raw = await readFile(join(R, e.kind === 'directory' ? `${e.path}.$wcidirs$` : e.path));
      assert.equal(raw.readUInt32LE(0), e.info.attributes, `${e.path} attributes`);
      const streams = decodeBackupStreamBuffer(raw.subarray(4));
      const ids = streams.map((s) => s.header.id);
      const want: number[] = [];
      if (e.info.securityDescriptor?.length) want.push(BACKUP_STREAM_ID.SECURITY_DATA);
      if (e.info.extendedAttributes?.length) want.push(BACKUP_STREAM_ID.EA_DATA);
      if (e.info.reparseData?.length) want.push(BACKUP_STREAM_ID.REPARSE_DATA);
      if (e.kind === 'file' && !(e.info.reparseData && e.size === 0)) want.push(BACKUP_STREAM_ID.DATA);
      const ads = [];
      for (let j = i + 1; j < entries.length && entries[j]!.kind === 'stream'; j++) ads.push(entries[j]!);
      for (const _ of ads) want.push(BACKUP_STREAM_ID.ALTERNATE_DATA);
      assert.deepEqual(ids, want, `${e.path} stream order`);
      for (const s of streams) {
        if (s.header.id === BACKUP_STREAM_ID.SECURITY_DATA) assert.equal(hex(s.data), hex(e.info.securityDescriptor));
        if (s.header.id === BACKUP_STREAM_ID.REPARSE_DATA) {
          assert.equal(hex(s.data), hex(e.info.reparseData));
          checkedReparse = true;
        }
        if (s.header.id === BACKUP_STREAM_ID.EA_DATA) {
          assert.deepEqual(decodeExtendedAttributes(s.data).map((x) => [x.name, hex(x.value), x.flags]), e.info.extendedAttributes!.map((x) => [x.name, hex(x.value), x.flags]));
          checkedEa = true;
        }
        if (s.header.id === BACKUP_STREAM_ID.DATA && e.kind === 'file') assert.equal(sha(s.data), e.sha256);
      }
      ads.forEach((a, k) => {
        const s = streams[streams.length - ads.length + k]!;
        assert.equal(a.kind === 'stream' && s.header.name, a.kind === 'stream' && `:${a.name}:$DATA`);
        assert.equal(sha(s.data), a.sha256);
        checkedStream = true;
      });
    }
    assert.ok(checkedStream && checkedEa && checkedReparse, 'the sample exercised ADS, EAs and reparse points');
    // Spec 7.2 #17: an ARCHIVE file starts with 20 00 00 00.
    const hello = entries.find((e) => e.kind === 'file' && e.info.attributes === 0x20 && !e.path.startsWith('Hives/'))!;
    assert.equal((await readFile(join(R, hello.path))).subarray(0, 4).toString('hex'), '20000000');
    assert.ok((await stat(join(R, 'Files'))).isDirectory());
  } finally {
    await removeDir(dir);
  }
});

test('a failed render removes the import folder', async () => {
  const dir = await tempDir();
  try {
    const R = join(dir, 'import');
    async function* bad() {
      yield { kind: 'directory' as const, path: 'Files', info: { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n } };
      yield { kind: 'file' as const, path: 'Files/a', info: { attributes: 0x20, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n }, size: 5 };
    }
    await assert.rejects(writeHcsImportFolder(bad(), R), /Files\/a: missing 5 bytes/);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});
