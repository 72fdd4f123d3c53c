// Volume mount points and the read-write access of the win32 platform, driven through fake DLL
// tables: the UTF-16 strings handed to kernel32 (trailing backslashes as the API wants), the
// refusal of a non-volume path, and GetLastError mapped to a WcError with the Win32 code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessMask, longPath } from '../../src/platform/win32/backup-file.js';
import { createWin32Platform } from '../../src/platform/win32/index.js';
import { mountPointArguments, withTrailingBackslash } from '../../src/platform/win32/volume-mount.js';
import { fake, fakeKernel32, fakeLibraries } from './fake-native.js';

const VOLUME = '\\\\?\\Volume{0f0e0d0c-0b0a-0908-0706-050403020100}';

test('SetVolumeMountPointW gets both paths with one trailing backslash; DeleteVolumeMountPointW the target', async () => {
  const k = fakeKernel32({ SetVolumeMountPointW: fake(() => 1), DeleteVolumeMountPointW: fake(() => 1) });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  await p.setVolumeMountPoint('C:\\mnt\\c1', VOLUME);
  await p.setVolumeMountPoint('C:\\mnt\\c2\\\\', `${VOLUME}\\`);
  assert.deepEqual(k.table.SetVolumeMountPointW!.calls, [
    ['C:\\mnt\\c1\\', `${VOLUME}\\`],
    ['C:\\mnt\\c2\\', `${VOLUME}\\`],
  ]);
  await p.deleteVolumeMountPoint('C:\\mnt\\c1');
  assert.deepEqual(k.table.DeleteVolumeMountPointW!.calls, [['C:\\mnt\\c1\\']]);
});

test('only a volume GUID path can be mounted (hcsshim: unable to mount non-volume path)', async () => {
  const k = fakeKernel32({ SetVolumeMountPointW: fake(() => 1) });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  await assert.rejects(p.setVolumeMountPoint('C:\\mnt\\c1', 'C:\\layers\\scratch'), {
    code: 'InvalidArgument',
    message: 'unable to mount non-volume path C:\\layers\\scratch',
  });
  assert.equal(k.table.SetVolumeMountPointW!.calls.length, 0);
  assert.throws(() => mountPointArguments('C:\\x', '\\\\?\\GLOBALROOT\\Device\\HarddiskVolume1'), { code: 'InvalidArgument' });
  assert.deepEqual(mountPointArguments('C:\\a\\..\\b', VOLUME), ['C:\\b\\', `${VOLUME}\\`]);
  assert.equal(withTrailingBackslash('C:\\'), 'C:\\');
  assert.equal(withTrailingBackslash('C:\\x\\\\\\'), 'C:\\x\\');
});

test('a failing mount-point call reports GetLastError with the path and the Win32 code', async () => {
  const k = fakeKernel32({
    SetVolumeMountPointW: fake(() => {
      k.state.lastError = 145; // ERROR_DIR_NOT_EMPTY
      return 0;
    }),
    DeleteVolumeMountPointW: fake(() => {
      k.state.lastError = 4390; // ERROR_NOT_A_REPARSE_POINT: not in the table
      return 0;
    }),
  });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  await assert.rejects(p.setVolumeMountPoint('C:\\mnt\\full', VOLUME), (e: any) => {
    assert.equal(e.code, 'FailedPrecondition');
    assert.match(e.message, /^SetVolumeMountPointW C:\\mnt\\full\\ failed: the directory is not empty \(ERROR_DIR_NOT_EMPTY, win32 error 145\)/);
    assert.equal(e.data.win32, 145);
    assert.equal(e.data.operation, 'SetVolumeMountPointW');
    return true;
  });
  await assert.rejects(p.deleteVolumeMountPoint('C:\\mnt\\x'), (e: any) => e.code === 'Internal' && e.data.win32 === 4390 && /win32 error 4390/.test(e.message));
});

test('access masks: read, readWrite (folder times), restore (BackupWrite with security)', () => {
  assert.equal(accessMask('read'), 0x80000000);
  assert.equal(accessMask('readWrite'), 0xc0000000);
  assert.equal(accessMask('restore'), 0xc10c0000);
  assert.equal(accessMask(0x100), 0x100);
});

test('CreateFileW gets the \\\\?\\ form of absolute paths, normalised first; errors keep the path as given', async () => {
  assert.equal(longPath('C:\\layers\\a\\..\\b/Files/x.txt'), '\\\\?\\C:\\layers\\b\\Files\\x.txt');
  assert.equal(longPath('\\\\server\\share\\layers\\x'), '\\\\?\\UNC\\server\\share\\layers\\x');
  assert.equal(longPath('\\\\?\\C:\\already'), '\\\\?\\C:\\already');
  assert.equal(longPath('\\\\.\\PhysicalDrive0'), '\\\\.\\PhysicalDrive0');
  assert.equal(longPath('relative\\x'), 'relative\\x');
  const deep = `C:\\l\\${'d'.repeat(200)}\\${'e'.repeat(200)}\\f.txt`;
  const k = fakeKernel32({ CreateFileW: fake(() => 0xffffffffffffffffn) });
  const p = createWin32Platform(fakeLibraries({ kernel32: k.table }));
  k.state.lastError = 3;
  await assert.rejects(p.openForBackup(deep, { access: 'read' }), (e: any) => e.code === 'NotFound' && e.data.path === deep && e.data.win32 === 3);
  assert.equal(k.table.CreateFileW!.calls[0]![0], `\\\\?\\${deep}`);
});
