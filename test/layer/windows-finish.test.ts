// The Windows finish of the legacy layer writer, driven through a recording Platform: the exact
// sequence of OS calls (privileges, BackupWrite payloads, ImportLayer and its parent order,
// ProcessBaseImage / ProcessUtilityImage), the files it leaves, and that a failing call or a
// cancellation leaves nothing behind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BACKUP_STREAM_ID, decodeBackupStreamBuffer, decodeExtendedAttributes, encodeExtendedAttributes } from '../../src/formats/backup/index.js';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { exportLayer } from '../../src/layer/export.js';
import { layerFormat, registerLayerFormat } from '../../src/layer/formats.js';
import { importLayer } from '../../src/layer/import.js';
import { createLegacyLayerWriter, createWindowsLayerFinish, IMPORT_PRIVILEGES, nativeLegacyFinish, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { writeSampleLayerTar } from '../../src/layer/sample-tar.js';
import { writeEntries } from '../../src/layer/writer.js';
import { recordingPlatform, type RecordedCall, type RecordingOptions } from '../platform/recording-platform.js';
import { assertRejectsWc, bytes, collect, listDir, removeDir, tempDir } from './helpers.js';

const T = 132223104001234567n;
const dirInfo = (extra: Partial<FileInfo> = {}): FileInfo => ({ attributes: 0x10, creationTime: T, lastAccessTime: T + 1n, lastWriteTime: T + 2n, changeTime: T + 3n, ...extra });
const fileInfo = (extra: Partial<FileInfo> = {}): FileInfo => ({ attributes: 0x20, creationTime: T + 10n, lastAccessTime: T + 11n, lastWriteTime: T + 12n, changeTime: T + 13n, ...extra });
const SD = Uint8Array.from([1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const EA = [{ name: 'USER.X', value: Uint8Array.from([1, 2, 3]), flags: 0 }];
const REPARSE = Uint8Array.from([0x0c, 0, 0, 0xa0, 4, 0, 0, 0, 1, 2, 3, 4]);

const d = (path: string, info = dirInfo()): Entry => ({ kind: 'directory', path, info });
const f = (path: string, text: string, info = fileInfo()): Entry => ({ kind: 'file', path, info, size: text.length, ...(text ? { data: bytes(text) } : {}) });

function baseEntries(): Entry[] {
  return [
    d('Files', dirInfo({ securityDescriptor: SD })),
    f('Files/a.txt', 'hello', fileInfo({ securityDescriptor: SD, extendedAttributes: EA })),
    { kind: 'stream', path: 'Files/a.txt', name: 'side', size: 3, data: bytes('xyz') },
    { kind: 'link', path: 'Files/a-link.txt', target: 'Files/a.txt' },
    d('Files/sub'),
    f('Files/sub/junction', '', fileInfo({ attributes: 0x420, reparseData: REPARSE })),
    d('UtilityVM'),
    d('UtilityVM/Files'),
    f('UtilityVM/Files/boot.txt', 'uvm'),
  ];
}

/** A predicate true for the second call that matches `match` (the first is the restore, the second the folder times). */
function secondCall(match: (c: RecordedCall) => boolean): (c: RecordedCall) => boolean {
  let seen = 0;
  return (c) => match(c) && ++seen === 2;
}

/** The calls with file paths made relative to `root`, as compact strings. */
function trace(calls: readonly RecordedCall[], root: string, ops?: readonly string[]): string[] {
  const rel = (p: string | undefined): string => (p === undefined ? '' : p.startsWith(root) ? p.slice(root.length + 1) || '.' : p);
  return calls
    .filter((c) => !ops || ops.includes(c.op))
    .map((c) => {
      const args = c.args.map((a) => (typeof a === 'string' ? rel(a) : Array.isArray(a) ? `[${a.map((x) => (typeof x === 'string' ? rel(x) : String(x))).join(',')}]` : typeof a === 'object' ? 'info' : String(a)));
      return [c.op, rel(c.path), ...args].filter((x) => x !== '').join(' ');
    });
}

async function writeBase(dir: string, options: RecordingOptions = {}, signal?: AbortSignal) {
  const rec = recordingPlatform(options);
  const layer = join(dir, 'base');
  const writer = await createLegacyLayerWriter(layer, { platform: createWindowsLayerFinish(rec.platform), requireBaseHives: false, ...(signal ? { signal } : {}) });
  return { rec, layer, done: writeEntries(writer, baseEntries(), signal ? { signal } : {}) };
}

test('base layer: privileges, then each entry restored with BackupWrite (security included), links, folder times, ProcessBaseImage, ProcessUtilityImage', async () => {
  const dir = await tempDir();
  try {
    const { rec, layer, done } = await writeBase(dir);
    await done;
    const t = trace(rec.calls, layer);
    assert.equal(t[0], `enableProcessPrivileges [${IMPORT_PRIVILEGES.join(',')}]`);
    assert.deepEqual(IMPORT_PRIVILEGES, ['SeBackupPrivilege', 'SeRestorePrivilege', 'SeSecurityPrivilege']);
    // One open / basic info / BackupWrite session per object, in entry order; the link is not opened.
    assert.deepEqual(
      trace(rec.calls, layer, ['openForBackup', 'createBackupWriter']).slice(0, 14),
      [
        'openForBackup Files restore openExisting',
        'createBackupWriter Files true',
        'openForBackup Files/a.txt restore createNew',
        'createBackupWriter Files/a.txt true',
        'openForBackup Files/sub restore openExisting',
        'createBackupWriter Files/sub true',
        'openForBackup Files/sub/junction restore createNew',
        'createBackupWriter Files/sub/junction true',
        'openForBackup UtilityVM restore openExisting',
        'createBackupWriter UtilityVM true',
        'openForBackup UtilityVM/Files restore openExisting',
        'createBackupWriter UtilityVM/Files true',
        'openForBackup UtilityVM/Files/boot.txt restore createNew',
        'createBackupWriter UtilityVM/Files/boot.txt true',
      ],
    );
    // Full basic info (attributes included) before the first BackupWrite of each file.
    const a = join(layer, 'Files/a.txt');
    const aCalls = trace(rec.calls.filter((c) => c.path === a), layer);
    assert.deepEqual(aCalls.slice(0, 3), ['openForBackup Files/a.txt restore createNew', 'setBasicInfo Files/a.txt info', 'createBackupWriter Files/a.txt true']);
    assert.match(aCalls[3]!, /^backupWrite Files\/a\.txt \d+$/);
    assert.deepEqual(aCalls.slice(-2), ['closeWriter Files/a.txt', 'close Files/a.txt']);
    assert.deepEqual(rec.basicInfo.get(a), fileInfo({ securityDescriptor: SD, extendedAttributes: EA }));

    // The bytes: SECURITY, EA, DATA, then the alternate stream.
    const streams = decodeBackupStreamBuffer(rec.backupBytes.get(a)!);
    assert.deepEqual(streams.map((s) => s.header.id), [BACKUP_STREAM_ID.SECURITY_DATA, BACKUP_STREAM_ID.EA_DATA, BACKUP_STREAM_ID.DATA, BACKUP_STREAM_ID.ALTERNATE_DATA]);
    assert.deepEqual(Buffer.from(streams[0]!.data), Buffer.from(SD));
    assert.deepEqual(decodeExtendedAttributes(streams[1]!.data).map((e) => [e.name, Buffer.from(e.value).toString('hex')]), [['USER.X', '010203']]);
    assert.equal(Buffer.from(streams[2]!.data).toString(), 'hello');
    assert.equal(streams[3]!.header.name, ':side:$DATA');
    assert.equal(Buffer.from(streams[3]!.data).toString(), 'xyz');
    // A data-less reparse point gets only its REPARSE stream; a plain folder writes nothing.
    const junction = decodeBackupStreamBuffer(rec.backupBytes.get(join(layer, 'Files/sub/junction'))!);
    assert.deepEqual(junction.map((s) => s.header.id), [BACKUP_STREAM_ID.REPARSE_DATA]);
    assert.equal(rec.backupBytes.has(join(layer, 'Files/sub')), false);
    assert.deepEqual(decodeBackupStreamBuffer(rec.backupBytes.get(join(layer, 'Files'))!).map((s) => s.header.id), [BACKUP_STREAM_ID.SECURITY_DATA]);

    // The hard link is a hard link in the layer.
    assert.equal((await stat(join(layer, 'Files/a-link.txt'))).ino, (await stat(a)).ino);

    // The tail: folder times children first (full info, read-write access), then processing.
    const tail = t.slice(t.lastIndexOf('close UtilityVM/Files/boot.txt') + 1);
    const times = ['UtilityVM/Files', 'UtilityVM', 'Files/sub', 'Files'].flatMap((p) => [`openForBackup ${p} readWrite openExisting`, `setBasicInfo ${p} info`, `close ${p}`]);
    assert.deepEqual(tail, [
      ...times,
      'processBaseImage .',
      'openForBackup UtilityVM readWrite openExisting',
      'getBasicInfo UtilityVM',
      'close UtilityVM',
      'processUtilityImage UtilityVM',
    ]);
    // Every handle opened is closed, every writer closed.
    assert.equal(rec.calls.filter((c) => c.op === 'openForBackup').length, rec.calls.filter((c) => c.op === 'close').length);
    assert.equal(rec.calls.filter((c) => c.op === 'createBackupWriter').length, rec.calls.filter((c) => c.op === 'closeWriter').length);

    // Nothing staged is left; the metadata moved in, so the portable reader still reads the layer.
    assert.deepEqual(await listDir(dir), ['base']);
    assert.ok((await listDir(layer)).includes('.wclayer'));
    const back = await collect(readLegacyLayer(layer));
    assert.deepEqual(back.map((e) => `${e.kind} ${e.path}`), (await collect(baseEntries())).map((e) => `${e.kind} ${e.path}`));
  } finally {
    await removeDir(dir);
  }
});

test('base layer: a failing call names the call and the path, and leaves nothing', async () => {
  const cases: Array<[string, (c: RecordedCall) => boolean, RegExp]> = [
    ['privileges', (c) => c.op === 'enableProcessPrivileges', /^AdjustTokenPrivileges failed: access denied/],
    ['create', (c) => c.op === 'openForBackup' && c.path!.endsWith('a.txt'), /^CreateFileW \S+Files\/a\.txt failed: access denied/],
    ['basic info', (c) => c.op === 'setBasicInfo' && c.path!.endsWith('junction'), /^SetFileInformationByHandle \S+junction failed/],
    ['BackupWrite', (c) => c.op === 'backupWrite' && c.path!.endsWith('boot.txt'), /^BackupWrite \S+boot\.txt failed/],
    ['folder times', secondCall((c) => c.op === 'setBasicInfo' && c.path!.endsWith('base/Files')), /^SetFileInformationByHandle \S+Files failed/],
    ['ProcessBaseImage', (c) => c.op === 'processBaseImage', /^ProcessBaseImage \S+base failed/],
    ['ProcessUtilityImage', (c) => c.op === 'processUtilityImage', /^ProcessUtilityImage \S+UtilityVM failed/],
  ];
  for (const [name, failAt, message] of cases) {
    const dir = await tempDir();
    try {
      const { rec, done } = await writeBase(dir, { failAt });
      await assertRejectsWc(done, 'PermissionDenied', message);
      assert.deepEqual(await listDir(dir), [], `${name}: nothing left`);
      const opened = rec.calls.filter((c) => c.op === 'openForBackup' && !rec.failed.includes(c)).length;
      assert.equal(opened, rec.calls.filter((c) => c.op === 'close').length, `${name}: handles closed`);
    } finally {
      await removeDir(dir);
    }
  }
});

test('base layer: a utility VM folder that is a reparse point is refused before ProcessUtilityImage', async () => {
  const dir = await tempDir();
  try {
    const { rec, done } = await writeBase(dir, { basicInfoOf: () => dirInfo({ attributes: 0x410 }) });
    // The restored UtilityVM folder's info is what getBasicInfo answers: make it a reparse point.
    rec.platform.openForBackup = ((orig) => async (path, o) => {
      const file = await orig(path, o);
      if (path.endsWith('UtilityVM') && o.access === 'readWrite') file.getBasicInfo = async () => dirInfo({ attributes: 0x410 });
      return file;
    })(rec.platform.openForBackup);
    await assertRejectsWc(done, 'FailedPrecondition', /UtilityVM is a reparse point/);
    assert.equal(rec.calls.some((c) => c.op === 'processUtilityImage'), false);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});

test('base layer: cancellation in the middle of the restore removes everything', async () => {
  const dir = await tempDir();
  try {
    const ac = new AbortController();
    let opens = 0;
    const { rec, done } = await writeBase(dir, { onCall: (c) => c.op === 'openForBackup' && ++opens === 3 && ac.abort() }, ac.signal);
    await assertRejectsWc(done, 'Cancelled');
    assert.equal(rec.calls.some((c) => c.op === 'processBaseImage'), false);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});

/** base (portable) ← mid (portable child) ← the layer under test, finished through the recording platform. */
async function childSetup(dir: string) {
  const base = join(dir, 'base');
  await writeEntries(await createLegacyLayerWriter(base, { requireBaseHives: false }), [
    d('Files'),
    f('Files/old.txt', 'old'),
    f('Files/shared.txt', 'from the base'),
    d('UtilityVM'),
    d('UtilityVM/Files'),
    f('UtilityVM/Files/kernel.bin', 'kernel'),
    d('UtilityVM/Files/EFI'),
    d('UtilityVM/Files/EFI/Microsoft'),
    d('UtilityVM/Files/EFI/Microsoft/Boot'),
    f('UtilityVM/Files/EFI/Microsoft/Boot/BCD', 'bcd'),
  ]);
  const mid = join(dir, 'mid');
  // The utility VM is cloned from the nearest parent: mid carries the base's.
  await writeEntries(await createLegacyLayerWriter(mid, { parents: [base] }), [d('Files'), f('Files/mid.txt', 'mid'), d('UtilityVM')]);
  return { base, mid, parents: [mid, base] };
}

function childEntries(withUvm: boolean): Entry[] {
  return [
    d('Files', dirInfo({ securityDescriptor: SD })),
    f('Files/new.txt', 'new', fileInfo({ securityDescriptor: SD })),
    { kind: 'stream', path: 'Files/new.txt', name: 's', size: 2, data: bytes('ab') },
    d('Files/dir'),
    { kind: 'whiteout', path: 'Files/old.txt' },
    { kind: 'link', path: 'Files/dir/own-link.txt', target: 'Files/new.txt' },
    { kind: 'link', path: 'Files/parent-link.txt', target: 'Files/shared.txt' },
    d('Hives'),
    f('Hives/System_Delta', 'regf-delta', fileInfo({ securityDescriptor: SD, extendedAttributes: EA })),
    ...(withUvm ? [d('UtilityVM'), d('UtilityVM/Files'), f('UtilityVM/Files/extra.txt', 'more')] : []),
  ];
}

test('child layer: import folder staged with times only, ImportLayer with the parents nearest first, then tombstones, links, folder times', async () => {
  const dir = await tempDir();
  try {
    const { base, parents } = await childSetup(dir);
    const layer = join(dir, 'child');
    const rec = recordingPlatform();
    // The ImportLayer stand-in: what HCS would leave in the layer folder (a parent's file shows
    // through until the tombstone removes it). The staged file is kept for the checks below.
    const importLayer = rec.platform.importLayer;
    let stagedNew: Buffer | undefined;
    rec.platform.importLayer = async (l, source, p, o) => {
      await importLayer(l, source, p, o);
      stagedNew = await readFile(join(source, 'Files/new.txt'));
      await mkdir(join(l, 'Files/dir'), { recursive: true });
      await mkdir(join(l, 'Hives'), { recursive: true });
      await writeFile(join(l, 'Files/new.txt'), 'new');
      await writeFile(join(l, 'Files/old.txt'), 'visible until deleted');
    };
    await writeEntries(await createLegacyLayerWriter(layer, { parents, platform: createWindowsLayerFinish(rec.platform) }), childEntries(false));

    const t = trace(rec.calls, dir);
    assert.equal(t[0], 'enableProcessPrivileges [SeBackupPrivilege,SeRestorePrivilege,SeSecurityPrivilege]');
    const imp = rec.calls.find((c) => c.op === 'importLayer')!;
    assert.equal(imp.path, layer);
    assert.deepEqual(imp.args[1], parents, 'parents: nearest first, base last');
    const R = imp.args[0] as string;
    assert.match(R, /child\.hcs-import-[0-9a-f]{12}$/);
    assert.deepEqual(rec.importedFolders.get(R), ['Files.$wcidirs$', 'Files/', 'Files/dir.$wcidirs$', 'Files/dir/', 'Files/new.txt', 'Hives.$wcidirs$', 'Hives/', 'Hives/System_Delta']);

    // Before ImportLayer: each staged object gets the entry's times with attributes 0; the delta
    // hive alone is created and restored with BackupWrite without security.
    const before = rec.calls.slice(1, rec.calls.indexOf(imp));
    const hive = join(R, 'Hives/System_Delta');
    assert.deepEqual(trace(before.filter((c) => c.path === hive), R), [
      'openForBackup Hives/System_Delta readWrite createNew',
      'setBasicInfo Hives/System_Delta info',
      'createBackupWriter Hives/System_Delta false',
      `backupWrite Hives/System_Delta ${20 + encodeExtendedAttributes(EA).length}`, // EA header + chain
      'backupWrite Hives/System_Delta 20',
      'backupWrite Hives/System_Delta 10',
      'closeWriter Hives/System_Delta',
      'close Hives/System_Delta',
    ]);
    // No security stream (BackupWrite without security would drop it anyway); the EA and the data.
    const hiveStreams = decodeBackupStreamBuffer(rec.backupBytes.get(hive)!);
    assert.deepEqual(hiveStreams.map((s) => s.header.id), [BACKUP_STREAM_ID.EA_DATA, BACKUP_STREAM_ID.DATA]);
    assert.equal(Buffer.from(hiveStreams[1]!.data).toString(), 'regf-delta');
    const others = before.filter((c) => c.path !== hive);
    assert.deepEqual(new Set(others.map((c) => c.op)), new Set(['openForBackup', 'setBasicInfo', 'close']));
    assert.ok(others.filter((c) => c.op === 'openForBackup').every((c) => c.args[0] === 'readWrite' && c.args[1] === 'openExisting'));
    const staged = before.filter((c) => c.op === 'setBasicInfo').map((c) => [c.path!.slice(R.length + 1), c.args[0] as FileInfo] as const);
    assert.deepEqual(staged.map(([p]) => p), ['Files.$wcidirs$', 'Files/new.txt', 'Files/dir.$wcidirs$', 'Hives.$wcidirs$', 'Hives/System_Delta']);
    assert.deepEqual(staged[1]![1], { ...fileInfo({ securityDescriptor: SD }), attributes: 0 });
    // The staged file: attributes, then the backup stream as hcsshim writes it (SD, data, ADS).
    assert.equal(stagedNew!.readUInt32LE(0), 0x20);
    const stagedStreams = decodeBackupStreamBuffer(stagedNew!.subarray(4));
    assert.deepEqual(stagedStreams.map((s) => s.header.id), [BACKUP_STREAM_ID.SECURITY_DATA, BACKUP_STREAM_ID.DATA, BACKUP_STREAM_ID.ALTERNATE_DATA]);
    assert.deepEqual(stagedStreams.map((s) => Buffer.from(s.data).toString('latin1')).slice(1), ['new', 'ab']);

    // After ImportLayer: the tombstone is gone, links made, folder times children first.
    await assert.rejects(lstat(join(layer, 'Files/old.txt')), { code: 'ENOENT' });
    assert.equal((await stat(join(layer, 'Files/dir/own-link.txt'))).ino, (await stat(join(layer, 'Files/new.txt'))).ino);
    assert.equal((await stat(join(layer, 'Files/parent-link.txt'))).ino, (await stat(join(base, 'Files/shared.txt'))).ino, 'a parent target comes from the first parent holding it');
    const after = trace(rec.calls.slice(rec.calls.indexOf(imp) + 1), layer);
    assert.deepEqual(after, ['Hives', 'Files/dir', 'Files'].flatMap((p) => [`openForBackup ${p} readWrite openExisting`, `setBasicInfo ${p} info`, `close ${p}`]));
    assert.equal(rec.calls.some((c) => c.op === 'processUtilityImage' || c.op === 'processBaseImage'), false);

    // R and the staging folder are gone; the layer keeps its metadata.
    assert.deepEqual(await listDir(dir), ['base', 'child', 'mid']);
    assert.ok((await listDir(layer)).includes('.wclayer'));
  } finally {
    await removeDir(dir);
  }
});

test('child layer with a utility VM: cloned files hard-linked to the parent, the rest restored before ImportLayer, processed after', async () => {
  const dir = await tempDir();
  try {
    const { base, mid, parents } = await childSetup(dir);
    const layer = join(dir, 'child');
    const rec = recordingPlatform();
    await writeEntries(await createLegacyLayerWriter(layer, { parents, platform: createWindowsLayerFinish(rec.platform) }), childEntries(true));
    const t = trace(rec.calls, layer, ['openForBackup', 'importLayer', 'processUtilityImage']);
    const importAt = t.findIndex((x) => x.startsWith('importLayer'));
    // Folders, the BCD (mutated later by HCS) and the new extra.txt are restored with security
    // before ImportLayer; the cloned kernel.bin is not: hcsshim's cloneTree hard-links it.
    const restored = t.slice(0, importAt).filter((x) => x.includes(' restore '));
    assert.deepEqual(restored, [
      'openForBackup UtilityVM restore openExisting',
      'openForBackup UtilityVM/Files restore openExisting',
      'openForBackup UtilityVM/Files/EFI restore openExisting',
      'openForBackup UtilityVM/Files/EFI/Microsoft restore openExisting',
      'openForBackup UtilityVM/Files/EFI/Microsoft/Boot restore openExisting',
      'openForBackup UtilityVM/Files/EFI/Microsoft/Boot/BCD restore createNew',
      'openForBackup UtilityVM/Files/extra.txt restore createNew',
    ]);
    const ino = async (p: string): Promise<number> => (await stat(p)).ino;
    assert.equal(await ino(join(layer, 'UtilityVM/Files/kernel.bin')), await ino(join(mid, 'UtilityVM/Files/kernel.bin')), 'linked to the nearest parent');
    assert.equal(await ino(join(layer, 'UtilityVM/Files/kernel.bin')), await ino(join(base, 'UtilityVM/Files/kernel.bin')));
    assert.equal(rec.backupBytes.has(join(layer, 'UtilityVM/Files/kernel.bin')), false);
    const bcd = join(layer, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD');
    assert.notEqual(await ino(bcd), await ino(join(mid, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD')), 'the BCD is a copy');
    assert.equal(await readFile(bcd, 'utf8'), 'bcd');
    assert.equal(t.at(-1), 'processUtilityImage UtilityVM');
    assert.ok(!rec.importedFolders.get(rec.calls.find((c) => c.op === 'importLayer')!.args[0] as string)!.some((p) => p.startsWith('UtilityVM')), 'the utility VM is not in the import folder');
  } finally {
    await removeDir(dir);
  }
});

test('child layer: a failure removes the import folder and the layer (DestroyLayer once ImportLayer was called) and leaves nothing', async () => {
  const cases: Array<[string, (c: RecordedCall) => boolean, RegExp, boolean]> = [
    ['staging times', (c) => c.op === 'setBasicInfo' && c.path!.endsWith('new.txt'), /^SetFileInformationByHandle \S+new\.txt failed/, false],
    ['ImportLayer', (c) => c.op === 'importLayer', /^ImportLayer \S+child failed: access denied/, true],
    ['folder times', (c) => c.op === 'openForBackup' && c.args[0] === 'readWrite' && c.path!.endsWith('child/Files'), /^CreateFileW \S+child\/Files failed/, true],
  ];
  for (const [name, failAt, message, destroys] of cases) {
    const dir = await tempDir();
    try {
      const { parents } = await childSetup(dir);
      const rec = recordingPlatform({ failAt });
      const writer = await createLegacyLayerWriter(join(dir, 'child'), { parents, platform: createWindowsLayerFinish(rec.platform) });
      await assertRejectsWc(writeEntries(writer, childEntries(false)), 'PermissionDenied', message);
      assert.deepEqual(await listDir(dir), ['base', 'mid'], `${name}: nothing left`);
      assert.equal(rec.calls.some((c) => c.op === 'destroyLayer'), destroys, `${name}: DestroyLayer`);
    } finally {
      await removeDir(dir);
    }
  }
});

test('child layer: cancellation while the import folder is staged, or while ImportLayer runs, leaves nothing', async () => {
  const points: Array<[string, (c: RecordedCall) => boolean, string[]]> = [
    ['staging', (c) => c.op === 'setBasicInfo' && c.path!.endsWith('new.txt'), []],
    ['ImportLayer', (c) => c.op === 'importLayer', ['destroyLayer child']],
  ];
  for (const [name, at, tail] of points) {
    const dir = await tempDir();
    try {
      const { parents } = await childSetup(dir);
      const ac = new AbortController();
      const rec = recordingPlatform({ onCall: (c) => at(c) && ac.abort() });
      const writer = await createLegacyLayerWriter(join(dir, 'child'), { parents, platform: createWindowsLayerFinish(rec.platform), signal: ac.signal });
      await assertRejectsWc(writeEntries(writer, childEntries(false)), 'Cancelled');
      assert.deepEqual(await listDir(dir), ['base', 'mid'], `${name}: nothing left`);
      assert.equal(rec.calls.some((c) => c.op === 'importLayer'), name === 'ImportLayer', `${name}: ImportLayer called`);
      if (tail.length) assert.deepEqual(trace(rec.calls, dir).slice(-1), tail, name);
      else assert.equal(rec.calls.some((c) => c.op === 'destroyLayer'), false, name);
    } finally {
      await removeDir(dir);
    }
  }
});

test('nativeLegacyFinish: the platform finish on Windows only, unless WCLAYER_LEGACY_LAYERS=portable', () => {
  const rec = recordingPlatform();
  const ac = new AbortController();
  assert.deepEqual(nativeLegacyFinish(ac.signal, 'linux', {}, rec.platform), {});
  assert.deepEqual(nativeLegacyFinish(ac.signal, 'win32', { WCLAYER_LEGACY_LAYERS: 'portable' }, rec.platform), {});
  const win = nativeLegacyFinish(ac.signal, 'win32', {}, rec.platform);
  assert.equal(typeof win.platform?.finishImport, 'function');
  assert.equal(win.signal, ac.signal);
  assert.deepEqual(nativeLegacyFinish(undefined, process.platform === 'win32' ? 'linux' : process.platform), {});
});

test('the import pipeline as it runs on Windows: a sample base tar and a child tar through the platform finish, the base exporting back to the same diffID', async () => {
  const dir = await tempDir();
  const legacy = layerFormat('legacy');
  const rec = recordingPlatform();
  registerLayerFormat({ ...legacy, create: (layerPath, o) => createLegacyLayerWriter(layerPath, { parents: o.parents, ...nativeLegacyFinish(o.signal, 'win32', {}, rec.platform) }) });
  try {
    await writeSampleLayerTar({ kind: 'base', seed: 31, fileCount: 40, totalSize: 120_000, output: join(dir, 'base.tar') });
    await writeSampleLayerTar({ kind: 'child', seed: 31, fileCount: 30, totalSize: 60_000, output: join(dir, 'child.tar') });
    const base = await importLayer({ input: join(dir, 'base.tar'), layerPath: join(dir, 'layers/base') });
    const ops = rec.calls.map((c) => c.op);
    assert.equal(ops[0], 'enableProcessPrivileges');
    assert.ok(ops.includes('processBaseImage') && ops.includes('processUtilityImage'), 'the sample base layer has a utility VM');
    assert.equal(ops.includes('importLayer'), false);
    const back = await exportLayer({ layerPath: join(dir, 'layers/base'), output: join(dir, 'back.tar') });
    assert.equal(back.diffId, base.diffId, 'the finished base layer reads back entry for entry');

    rec.calls.length = 0;
    await importLayer({ input: join(dir, 'child.tar'), layerPath: join(dir, 'layers/child'), parents: [join(dir, 'layers/base')] });
    const imp = rec.calls.filter((c) => c.op === 'importLayer');
    assert.equal(imp.length, 1);
    assert.deepEqual(imp[0]!.args[1], [join(dir, 'layers/base')]);
    assert.deepEqual(await listDir(join(dir, 'layers')), ['base', 'child']);
    assert.ok((await listDir(join(dir, 'layers/child'))).includes('layerchain.json'));
  } finally {
    registerLayerFormat(legacy);
    await removeDir(dir);
  }
});
