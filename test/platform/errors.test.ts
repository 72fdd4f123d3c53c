// Win32 error codes and HRESULTs become WcErrors with the right code, the operation and path
// in the message, and the raw numbers in data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/errors.js';
import {
  checkHresult,
  checkWin32,
  errorFromHresult,
  errorFromWin32,
  hresultFromWin32,
  win32FromHresult,
  WIN32_ERRORS,
} from '../../src/platform/win32/errors.js';

const runs = process.env.WCLAYER_FUZZ === 'long' ? 20000 : 500;

test('common Win32 errors map to the WcError codes users act on', () => {
  const expected: Array<[number, string]> = [
    [2, 'NotFound'], // ERROR_FILE_NOT_FOUND
    [3, 'NotFound'], // ERROR_PATH_NOT_FOUND
    [5, 'PermissionDenied'], // ERROR_ACCESS_DENIED
    [1314, 'PermissionDenied'], // ERROR_PRIVILEGE_NOT_HELD
    [1300, 'PermissionDenied'], // ERROR_NOT_ALL_ASSIGNED
    [80, 'AlreadyExists'], // ERROR_FILE_EXISTS
    [183, 'AlreadyExists'], // ERROR_ALREADY_EXISTS
    [112, 'FailedPrecondition'], // ERROR_DISK_FULL
    [39, 'FailedPrecondition'], // ERROR_HANDLE_DISK_FULL
    [32, 'FailedPrecondition'], // ERROR_SHARING_VIOLATION
    [145, 'FailedPrecondition'], // ERROR_DIR_NOT_EMPTY
    [87, 'InvalidArgument'], // ERROR_INVALID_PARAMETER
    [123, 'InvalidArgument'], // ERROR_INVALID_NAME
    [50, 'Unsupported'], // ERROR_NOT_SUPPORTED
    [127, 'Unsupported'], // ERROR_PROC_NOT_FOUND
    [1223, 'Cancelled'], // ERROR_CANCELLED
    [995, 'Cancelled'], // ERROR_OPERATION_ABORTED
    [1392, 'Corrupt'], // ERROR_FILE_CORRUPT
    [1009, 'Corrupt'], // ERROR_BADDB
  ];
  for (const [win32, code] of expected) {
    const e = errorFromWin32(win32, 'CreateFileW', { path: 'C:\\layers\\a' });
    assert.equal(e.code, code, `win32 ${win32}`);
    assert.equal(e.data.win32, win32);
    assert.equal(e.data.operation, 'CreateFileW');
    assert.equal(e.data.path, 'C:\\layers\\a');
    assert.match(e.message, /^CreateFileW C:\\layers\\a failed: /);
    assert.ok(e.message.includes(WIN32_ERRORS[win32]!.name), e.message);
  }
  for (const entry of Object.values(WIN32_ERRORS)) assert.ok(ERROR_CODES.includes(entry.code));
});

test('a missing privilege says to run elevated', () => {
  const e = errorFromWin32(1314, 'ImportLayer');
  assert.equal(e.code, 'PermissionDenied');
  assert.match(e.message, /elevated/);
  assert.match(e.message, /SeBackupPrivilege/);
});

test('an unknown Win32 code is Internal and keeps the number', () => {
  const e = errorFromWin32(54321, 'BackupRead', { path: 'x' });
  assert.equal(e.code, 'Internal');
  assert.match(e.message, /win32 error 54321/);
  assert.equal(e.data.win32, 54321);
});

test('HRESULT_FROM_WIN32 round-trips and FACILITY_WIN32 HRESULTs map like their Win32 code', () => {
  assert.equal(hresultFromWin32(2), 0x80070002 | 0);
  assert.equal(hresultFromWin32(0), 0);
  assert.equal(win32FromHresult(0x80070005 | 0), 5);
  assert.equal(win32FromHresult(0x80004005 | 0), undefined); // E_FAIL is not FACILITY_WIN32
  assert.equal(win32FromHresult(0x00070005), undefined); // a success code
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 0xffff }), (win32) => {
      const hr = hresultFromWin32(win32);
      assert.ok(hr < 0);
      assert.equal(win32FromHresult(hr), win32);
      const viaHr = errorFromHresult(hr, 'ImportLayer', { path: 'L' });
      const direct = errorFromWin32(win32, 'ImportLayer', { path: 'L' });
      assert.equal(viaHr.code, direct.code);
      assert.equal(viaHr.data.win32, win32);
      assert.equal(viaHr.data.hresult, hr);
      assert.match(viaHr.message, new RegExp(`HRESULT 0x8007${win32.toString(16).padStart(4, '0')}`));
    }),
    { numRuns: runs },
  );
});

test('HRESULTs from vmcompute name the call, the layer and the hex value', () => {
  const e = errorFromHresult(0x80070003 | 0, 'ImportLayer', { path: 'C:\\l\\child' });
  assert.equal(e.code, 'NotFound');
  assert.equal(e.message, 'ImportLayer C:\\l\\child failed: path not found (ERROR_PATH_NOT_FOUND, win32 error 3, HRESULT 0x80070003)');
  assert.deepEqual(e.data, { path: 'C:\\l\\child', operation: 'ImportLayer', hresult: 0x80070003 | 0, win32: 3 });

  assert.equal(errorFromHresult(0x80004001 | 0, 'CimMountImage').code, 'Unsupported'); // E_NOTIMPL
  assert.equal(errorFromHresult(0x80004004 | 0, 'ExportLayer').code, 'Cancelled'); // E_ABORT
  const unknown = errorFromHresult(0x80370100 | 0, 'ActivateLayer');
  assert.equal(unknown.code, 'Internal');
  assert.match(unknown.message, /HRESULT 0x80370100/);
  assert.equal(unknown.data.win32, undefined);
  // An unsigned value from elsewhere means the same.
  assert.equal(errorFromHresult(0x80070005, 'X').data.hresult, 0x80070005 | 0);
});

test('check helpers pass success codes and throw failures', () => {
  checkHresult(0, 'A'); // S_OK
  checkHresult(1, 'A'); // S_FALSE is a success
  checkWin32(0, 'B');
  assert.throws(() => checkHresult(0x80070050 | 0, 'CimCreateImage', { path: 'p' }), { code: 'AlreadyExists' });
  assert.throws(() => checkWin32(2, 'OROpenHive', { path: 'h' }), { code: 'NotFound', message: /OROpenHive h failed/ });
});
