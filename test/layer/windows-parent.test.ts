// A child layer over a parent that has no WcLayer metadata (made by Docker or containerd): on
// Windows the parent's utility VM is read through the Platform (basic info, and BackupRead up to
// the data stream for the security descriptor, EAs and reparse data), cloned as hcsshim's
// cloneTree does (files hard-linked, the BCD copied, folders and reparse points restored), and
// recorded in the new layer's metadata. Driven through a recording Platform.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { BACKUP_HEADER_SIZE, BACKUP_STREAM_ID, decodeBackupStreamBuffer, encodeBackupStreamBuffer, encodeBackupStreamHeader, encodeExtendedAttributes } from '../../src/formats/backup/index.js';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { createLegacyLayerWriter, createWindowsLayerFinish, META_DIR, META_FILE, nativeLegacyFinish } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { recordingPlatform } from '../platform/recording-platform.js';
import { assertRejectsWc, bytes, listDir, removeDir, tempDir } from './helpers.js';

const T = 132223104001234567n;
const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T + 1n, lastWriteTime: T + 2n, changeTime: T + 3n };
const fileInfo: FileInfo = { attributes: 0x20, creationTime: T + 10n, lastAccessTime: T + 11n, lastWriteTime: T + 12n, changeTime: T + 13n };
const reparseInfo: FileInfo = { ...fileInfo, attributes: 0x420 };
const SD = Uint8Array.from([1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const EA = [{ name: 'USER.X', value: Uint8Array.from([1, 2, 3]), flags: 0 }];
const REPARSE = Uint8Array.from([0x0c, 0, 0, 0xa0, 4, 0, 0, 0, 1, 2, 3, 4]);

const stream = (id: number, data: Uint8Array) => ({ header: { id, attributes: 0, size: data.length, name: '' }, data });
const security = encodeBackupStreamBuffer([stream(BACKUP_STREAM_ID.SECURITY_DATA, SD)]);
const kernelHead = encodeBackupStreamBuffer([stream(BACKUP_STREAM_ID.SECURITY_DATA, SD), stream(BACKUP_STREAM_ID.EA_DATA, encodeExtendedAttributes(EA))]);
/** kernel.bin's BackupRead: SD, EA, then a DATA stream cut short. Reading past its header would end in Corrupt. */
const kernelStream = Buffer.concat([kernelHead, encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.DATA, attributes: 0, size: 100_000, name: '' }), Buffer.alloc(300, 7)]);

/** The parent's files on disk (no .wclayer), with what GetFileInformationByHandleEx and BackupRead answer for each. */
const FOREIGN: Record<string, { info: FileInfo; stream?: Uint8Array; text?: string }> = {
  Files: { info: dirInfo },
  'Files/app.txt': { info: fileInfo, text: 'app' },
  UtilityVM: { info: dirInfo, stream: security },
  'UtilityVM/Files': { info: dirInfo, stream: security },
  'UtilityVM/Files/EFI': { info: dirInfo, stream: security },
  'UtilityVM/Files/EFI/Microsoft': { info: dirInfo },
  'UtilityVM/Files/EFI/Microsoft/Boot': { info: dirInfo },
  'UtilityVM/Files/EFI/Microsoft/Boot/BCD': { info: fileInfo, text: 'bcd', stream: encodeBackupStreamBuffer([stream(BACKUP_STREAM_ID.SECURITY_DATA, SD), stream(BACKUP_STREAM_ID.DATA, Buffer.from('bcd'))]) },
  'UtilityVM/Files/kernel.bin': { info: fileInfo, text: 'kernel', stream: kernelStream },
  'UtilityVM/Files/sub': { info: dirInfo, stream: security },
  'UtilityVM/Files/sub/deep.txt': { info: fileInfo, text: 'deep' },
  'UtilityVM/Files/sub/point': { info: reparseInfo, text: '', stream: encodeBackupStreamBuffer([stream(BACKUP_STREAM_ID.SECURITY_DATA, SD), stream(BACKUP_STREAM_ID.REPARSE_DATA, REPARSE)]) },
};

async function foreignParent(dir: string): Promise<string> {
  const root = join(dir, 'foreign');
  for (const [path, o] of Object.entries(FOREIGN)) {
    if (o.text === undefined) await mkdir(join(root, path), { recursive: true });
    else await writeFile(join(root, path), o.text);
  }
  return root;
}

function recorder(root: string, failAt?: (op: string, rel: string) => boolean) {
  const rel = (p: string): string => relative(root, p).split(sep).join('/');
  return recordingPlatform({
    basicInfoOf: (p) => FOREIGN[rel(p)]?.info,
    backupStreamOf: (p) => FOREIGN[rel(p)]?.stream,
    ...(failAt ? { failAt: (c) => c.path !== undefined && failAt(c.op, rel(c.path)) } : {}),
  });
}

const d = (path: string): Entry => ({ kind: 'directory', path, info: dirInfo });
const f = (path: string, text: string): Entry => ({ kind: 'file', path, info: fileInfo, size: text.length, data: bytes(text) });
const childEntries = (): Entry[] => [d('Files'), f('Files/new.txt', 'new'), d('UtilityVM'), d('UtilityVM/Files'), d('UtilityVM/Files/sub'), f('UtilityVM/Files/sub/deep.txt', 'changed')];

test('a parent without WcLayer metadata: its utility VM read through the Platform and cloned as hcsshim does', async () => {
  const dir = await tempDir();
  try {
    const parent = await foreignParent(dir);
    const layer = join(dir, 'child');
    const rec = recorder(parent);
    // The finish the import pipeline takes on Windows (formats.ts), so the pipeline gets the parent reader too.
    const { platform } = nativeLegacyFinish(undefined, 'win32', {}, rec.platform);
    await writeEntries(await createLegacyLayerWriter(layer, { parents: [parent], platform }), childEntries());

    // Every object of UtilityVM and UtilityVM/Files/**, opened for reading, BackupRead with security, in walk order.
    const uvm = Object.keys(FOREIGN).filter((p) => p.startsWith('UtilityVM'));
    const reads = rec.calls.filter((c) => c.op === 'backupRead' && c.path!.startsWith(parent));
    assert.deepEqual(reads.map((c) => relative(parent, c.path!).split(sep).join('/')), uvm.sort());
    assert.ok(reads.every((c) => c.args[0] === true));
    // Opened as hcsshim opens the clone's source: GENERIC_READ | ACCESS_SYSTEM_SECURITY, after the privileges.
    assert.ok(rec.calls.filter((c) => c.op === 'openForBackup' && c.path!.startsWith(parent)).every((c) => c.args[0] === 0x81000000));
    assert.equal(rec.calls[0]!.op, 'enableProcessPrivileges');
    assert.deepEqual(rec.calls[0]!.args[0], ['SeBackupPrivilege', 'SeRestorePrivilege', 'SeSecurityPrivilege']);
    // BackupRead stopped at kernel.bin's data stream header (the cut-short data was never reached).
    const kernelChunks = rec.calls.filter((c) => c.op === 'backupReadChunk' && c.path === join(parent, 'UtilityVM/Files/kernel.bin'));
    assert.ok((kernelChunks.at(-1)!.args[0] as number) < kernelHead.length + BACKUP_HEADER_SIZE, `read up to ${String(kernelChunks.at(-1)!.args[0])}`);

    // cloneTree: the unchanged file hard-linked to the parent's, the BCD and the reparse point
    // restored with BackupWrite, the file this layer replaced is its own.
    const ino = async (p: string): Promise<number> => (await stat(p)).ino;
    assert.equal(await ino(join(layer, 'UtilityVM/Files/kernel.bin')), await ino(join(parent, 'UtilityVM/Files/kernel.bin')));
    const bcd = join(layer, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD');
    assert.notEqual(await ino(bcd), await ino(join(parent, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD')));
    assert.equal(await readFile(bcd, 'utf8'), 'bcd');
    assert.equal(await readFile(join(layer, 'UtilityVM/Files/sub/deep.txt'), 'utf8'), 'changed');
    assert.equal(await readFile(join(parent, 'UtilityVM/Files/sub/deep.txt'), 'utf8'), 'deep', 'the parent is untouched');
    const restored = (p: string) => decodeBackupStreamBuffer(rec.backupBytes.get(join(layer, p))!);
    const point = restored('UtilityVM/Files/sub/point');
    assert.deepEqual(point.map((s) => s.header.id), [BACKUP_STREAM_ID.SECURITY_DATA, BACKUP_STREAM_ID.REPARSE_DATA]);
    assert.deepEqual(new Uint8Array(point[1]!.data), REPARSE);
    assert.deepEqual(new Uint8Array(restored('UtilityVM/Files/EFI/Microsoft/Boot/BCD')[0]!.data), SD, 'the BCD keeps the security BackupRead gave');
    assert.deepEqual(new Uint8Array(restored('UtilityVM/Files/EFI')[0]!.data), SD, 'a cloned folder too');
    assert.equal(rec.backupBytes.has(join(layer, 'UtilityVM/Files/sub')), false, 'a folder this layer gave again takes its own (no security here)');
    assert.equal(rec.basicInfo.get(join(layer, 'UtilityVM/Files/sub/point'))!.attributes, 0x420);

    // The new layer's metadata describes the clone with what the Platform read.
    const records = (await readFile(join(layer, META_DIR, META_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const kernel = records.find((r) => r.p === 'UtilityVM/Files/kernel.bin')!;
    assert.equal(kernel.s, 6, 'the size from the file system');
    assert.equal(kernel.sd, Buffer.from(SD).toString('base64'));
    assert.deepEqual(kernel.ea, [['USER.X', Buffer.from([1, 2, 3]).toString('base64'), 0]]);
    assert.deepEqual(kernel.t, [fileInfo.creationTime, fileInfo.lastAccessTime, fileInfo.lastWriteTime, fileInfo.changeTime].map(String));
    const pointRecord = records.find((r) => r.p === 'UtilityVM/Files/sub/point')!;
    assert.deepEqual([pointRecord.s, pointRecord.rp], [0, Buffer.from(REPARSE).toString('base64')]);
    assert.equal(records.filter((r) => r.p === 'UtilityVM/Files/sub/deep.txt').length, 1, 'the replaced clone is dropped');
    assert.equal(rec.calls.at(-1)!.op, 'processUtilityImage');
  } finally {
    await removeDir(dir);
  }
});

test('a parent without WcLayer metadata: a failing read names the call and leaves nothing; without the Platform hook the clone is refused', async () => {
  const dir = await tempDir();
  try {
    const parent = await foreignParent(dir);
    const layer = join(dir, 'child');
    const rec = recorder(parent, (op, rel) => op === 'backupRead' && rel === 'UtilityVM/Files/sub');
    const w = await createLegacyLayerWriter(layer, { parents: [parent], platform: createWindowsLayerFinish(rec.platform) });
    await assertRejectsWc(writeEntries(w, childEntries()), 'FailedPrecondition', /cloning the parent utility VM image failed: BackupRead \S+sub failed: access denied/);
    assert.deepEqual(await listDir(dir), ['foreign']);
    assert.equal(rec.calls.some((c) => c.op === 'importLayer'), false);

    const portable = await createLegacyLayerWriter(layer, { parents: [parent] });
    await assertRejectsWc(writeEntries(portable, childEntries()), 'FailedPrecondition', /cloning the parent utility VM image failed: .*is not a wclayer legacy layer/);
    assert.deepEqual(await listDir(dir), ['foreign']);
  } finally {
    await removeDir(dir);
  }
});
