// Every Win32 prototype string is parsed by koffi on this OS (unknown type names fail here, not
// on a Windows machine), uses only fixed-width types, and has the shape hcsshim/go-winio bind.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { koffi } from '../../src/platform/win32/koffi.js';
import { checkPrototypeTypes } from '../../src/platform/win32/library.js';
import { DLL_FILES, PROTOTYPES, prototypeName, prototypeParts, type DllName } from '../../src/platform/win32/prototypes.js';
import { win32Types } from '../../src/platform/win32/types.js';

win32Types();
const k = koffi();

/** Parsed once per process: koffi registers each prototype under its name. */
const parsed = new Map<string, ReturnType<typeof k.proto>>();
for (const [dll, protos] of Object.entries(PROTOTYPES) as [DllName, readonly string[]][]) {
  for (const p of protos) {
    checkPrototypeTypes(p); // first: koffi aborts on some unknown types instead of throwing
    parsed.set(`${dll}!${prototypeName(p)}`, k.proto(p));
  }
}

function info(dll: DllName, name: string) {
  const t = parsed.get(`${dll}!${name}`);
  assert.ok(t, `${dll} has no prototype for ${name}`);
  return t.proto!;
}

test('every prototype string parses with koffi.proto()', () => {
  let count = 0;
  for (const protos of Object.values(PROTOTYPES)) count += protos.length;
  assert.equal(parsed.size, count, 'two prototypes share a name within a DLL');
  for (const [key, t] of parsed) {
    assert.equal(t.primitive, 'Prototype', key);
    assert.equal(t.proto!.name, key.split('!')[1]);
  }
});

test('a misspelt type name is rejected, so the parse check can fail', () => {
  assert.throws(() => k.proto('HRESULT __stdcall Typo1(DWROD x)'), /Unknown or invalid type name 'DWROD'/);
  // koffi.proto() would abort the process on this one; the type check throws instead.
  assert.throws(() => checkPrototypeTypes('HRESULT __stdcall Typo2(const WC_LAYER_DESCRIPTR *x)'), /WC_LAYER_DESCRIPTR.*Typo2/);
  assert.throws(() => checkPrototypeTypes('HRSULT __stdcall Typo3(void)'), /HRSULT/);
});

test('prototypes split into their result and parameter types', () => {
  assert.deepEqual(prototypeParts('BOOL __stdcall BackupRead(HANDLE hFile, void *lpBuffer, _Out_ DWORD *n, _Inout_ void **ctx)'), {
    name: 'BackupRead',
    types: ['BOOL', 'HANDLE', 'void *', 'DWORD *', 'void **'],
  });
  assert.deepEqual(prototypeParts('DWORD __stdcall GetLastError()'), { name: 'GetLastError', types: ['DWORD'] });
  assert.deepEqual(prototypeParts('HRESULT __stdcall X(const char16_t *id, uint32_t)'), { name: 'X', types: ['HRESULT', 'const char16_t *', 'uint32_t'] });
});

test('only fixed-width types: no long, wchar_t, bare int/short or char strings', () => {
  for (const [dll, protos] of Object.entries(PROTOTYPES)) {
    for (const p of protos) {
      assert.doesNotMatch(p, /\b(long|wchar_t|short|unsigned|size_t|LPCWSTR|PCWSTR)\b/, `${dll}: ${p}`);
      assert.doesNotMatch(p, /(^|[(,]\s*|\s)int\s/, `${dll}: bare int in ${p}`);
      assert.doesNotMatch(p, /\bchar\s*\*/, `${dll}: 8-bit string in ${p}`);
      assert.match(p, /__stdcall/, `${dll}: ${p}`);
    }
  }
});

test('each DLL binds the functions the layer code needs', () => {
  const need: Record<DllName, string[]> = {
    kernel32: ['CreateFileW', 'CloseHandle', 'BackupRead', 'BackupWrite', 'GetLastError', 'GetFileInformationByHandleEx', 'SetFileInformationByHandle', 'GetDiskFreeSpaceExW'],
    advapi32: ['OpenProcessToken', 'OpenThreadToken', 'ImpersonateSelf', 'RevertToSelf', 'LookupPrivilegeValueW', 'AdjustTokenPrivileges'],
    vmcompute: [
      'ImportLayer', 'ExportLayer', 'ActivateLayer', 'PrepareLayer', 'UnprepareLayer', 'DeactivateLayer', 'DestroyLayer',
      'CreateSandboxLayer', 'ExpandSandboxSize', 'ProcessBaseImage', 'ProcessUtilityImage', 'LayerExists', 'GetLayerMountPath', 'NameToGuid',
    ],
    computestorage: ['HcsImportLayer', 'HcsExportLayer', 'HcsDestroyLayer', 'HcsSetupBaseOSLayer', 'HcsInitializeWritableLayer', 'HcsFormatWritableLayerVhd'],
    cimfs: [
      'CimCreateImage', 'CimCloseImage', 'CimCommitImage', 'CimCreateFile', 'CimWriteStream', 'CimCloseStream', 'CimCreateHardLink',
      'CimCreateAlternateStream', 'CimDeletePath', 'CimMountImage', 'CimDismountImage',
    ],
    offreg: ['ORCreateHive', 'OROpenHive', 'ORSaveHive', 'ORCloseHive', 'ORMergeHives', 'ORCreateKey', 'OROpenKey', 'ORCloseKey', 'ORSetValue', 'ORGetValue'],
    virtdisk: ['OpenVirtualDisk', 'AttachVirtualDisk'],
  };
  assert.deepEqual(Object.keys(DLL_FILES).sort(), Object.keys(need).sort());
  for (const [dll, names] of Object.entries(need) as [DllName, string[]][]) {
    for (const name of names) info(dll, name);
  }
});

test('return types follow each DLL convention', () => {
  const resultOf = (dll: DllName, name: string) => info(dll, name).result;
  for (const dll of ['vmcompute', 'computestorage'] as const) {
    for (const p of PROTOTYPES[dll]) assert.equal(resultOf(dll, prototypeName(p)).primitive, 'Int32', p); // HRESULT
  }
  for (const dll of ['offreg', 'virtdisk'] as const) {
    for (const p of PROTOTYPES[dll]) assert.equal(resultOf(dll, prototypeName(p)).primitive, 'UInt32', p); // Win32 error code
  }
  // cimfs.h: STDAPI_(void) for the two close functions, HRESULT for the rest.
  for (const p of PROTOTYPES.cimfs) {
    const name = prototypeName(p);
    assert.equal(resultOf('cimfs', name).primitive, name === 'CimCloseImage' || name === 'CimCloseStream' ? 'Void' : 'Int32', p);
  }
  assert.equal(resultOf('kernel32', 'CreateFileW').primitive, 'Pointer');
  assert.equal(resultOf('kernel32', 'BackupRead').primitive, 'Int32'); // BOOL is 4 bytes
  assert.equal(resultOf('kernel32', 'GetLastError').primitive, 'UInt32');
});

test('argument counts, types and directions match the native signatures', () => {
  const args = (dll: DllName, name: string) => info(dll, name).arguments as unknown as { type: { name: string; primitive: string; size: number }; direction: string }[];

  const backupRead = args('kernel32', 'BackupRead');
  assert.equal(backupRead.length, 7);
  assert.equal(backupRead[3]!.direction, 'Output'); // lpNumberOfBytesRead
  assert.equal(backupRead[6]!.direction, 'Input/Output'); // lpContext
  assert.equal(backupRead[4]!.type.size, 4); // BOOL bAbort
  assert.equal(args('kernel32', 'BackupWrite').length, 7);
  assert.equal(args('kernel32', 'CreateFileW').length, 7);
  assert.equal(args('kernel32', 'CreateFileW')[0]!.type.primitive, 'String16');

  for (const name of ['ImportLayer', 'ExportLayer']) {
    const a = args('vmcompute', name);
    assert.equal(a.length, 5, name); // info, id, path, descriptors, count
    assert.match(a[0]!.type.name, /DriverInfo/);
    assert.match(a[3]!.type.name, /WC_LAYER_DESCRIPTOR/);
    assert.equal(a[4]!.type.size, 4);
  }
  assert.equal(args('vmcompute', 'PrepareLayer').length, 4);
  assert.equal(args('vmcompute', 'CreateSandboxLayer').length, 5);
  assert.equal(args('vmcompute', 'ExpandSandboxSize')[2]!.type.size, 8);
  assert.equal(args('vmcompute', 'LayerExists')[2]!.direction, 'Output');
  assert.equal(args('vmcompute', 'GetLayerMountPath')[2]!.direction, 'Input/Output');
  assert.equal(args('vmcompute', 'NameToGuid')[1]!.direction, 'Output');

  const createFile = args('cimfs', 'CimCreateFile');
  assert.equal(createFile.length, 4);
  assert.match(createFile[2]!.type.name, /CIMFS_FILE_METADATA/);
  assert.equal(createFile[3]!.direction, 'Output');
  assert.equal(args('cimfs', 'CimCreateAlternateStream')[2]!.type.size, 8); // UINT64 streamSize
  assert.equal(args('cimfs', 'CimMountImage').length, 4);
  assert.equal(args('offreg', 'ORMergeHives').length, 3);
  assert.equal(args('offreg', 'ORSaveHive').length, 4);
  assert.equal(args('advapi32', 'LookupPrivilegeValueW')[2]!.direction, 'Output');
  // Volume mount points (wclayer mount <scratch> <target>): UTF-16 strings, BOOL result.
  assert.deepEqual(args('kernel32', 'SetVolumeMountPointW').map((a) => a.type.primitive), ['String16', 'String16']);
  assert.deepEqual(args('kernel32', 'DeleteVolumeMountPointW').map((a) => a.type.primitive), ['String16']);
  assert.equal(info('kernel32', 'SetVolumeMountPointW').result.primitive, 'Int32');
});
