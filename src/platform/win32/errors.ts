// Win32 error codes and HRESULTs as WcErrors. The message names the Win32 function (and the path
// when there is one); data carries operation, win32 and/or hresult so callers and the PowerShell
// module can look deeper. Pure: tested on every OS.

import { WcError, type ErrorCode, type ErrorData } from '../../errors.js';

interface KnownError {
  name: string;
  code: ErrorCode;
  text: string;
}

const ELEVATE = 'run the backend elevated (as Administrator) so it can enable SeBackupPrivilege and SeRestorePrivilege';

/** winerror.h codes the layer calls meet, with the WcError code each becomes. */
export const WIN32_ERRORS: Readonly<Record<number, KnownError>> = {
  2: { name: 'ERROR_FILE_NOT_FOUND', code: 'NotFound', text: 'file not found' },
  3: { name: 'ERROR_PATH_NOT_FOUND', code: 'NotFound', text: 'path not found' },
  5: { name: 'ERROR_ACCESS_DENIED', code: 'PermissionDenied', text: 'access denied' },
  6: { name: 'ERROR_INVALID_HANDLE', code: 'Internal', text: 'invalid handle' },
  8: { name: 'ERROR_NOT_ENOUGH_MEMORY', code: 'Internal', text: 'not enough memory' },
  13: { name: 'ERROR_INVALID_DATA', code: 'Corrupt', text: 'invalid data' },
  14: { name: 'ERROR_OUTOFMEMORY', code: 'Internal', text: 'out of memory' },
  32: { name: 'ERROR_SHARING_VIOLATION', code: 'FailedPrecondition', text: 'the file is in use by another process' },
  33: { name: 'ERROR_LOCK_VIOLATION', code: 'FailedPrecondition', text: 'part of the file is locked' },
  39: { name: 'ERROR_HANDLE_DISK_FULL', code: 'FailedPrecondition', text: 'the disk is full' },
  50: { name: 'ERROR_NOT_SUPPORTED', code: 'Unsupported', text: 'not supported' },
  80: { name: 'ERROR_FILE_EXISTS', code: 'AlreadyExists', text: 'the file exists' },
  87: { name: 'ERROR_INVALID_PARAMETER', code: 'InvalidArgument', text: 'invalid parameter' },
  112: { name: 'ERROR_DISK_FULL', code: 'FailedPrecondition', text: 'not enough space on the disk' },
  120: { name: 'ERROR_CALL_NOT_IMPLEMENTED', code: 'Unsupported', text: 'not implemented on this system' },
  123: { name: 'ERROR_INVALID_NAME', code: 'InvalidArgument', text: 'invalid file name syntax' },
  127: { name: 'ERROR_PROC_NOT_FOUND', code: 'Unsupported', text: 'the function is missing from this Windows build' },
  145: { name: 'ERROR_DIR_NOT_EMPTY', code: 'FailedPrecondition', text: 'the directory is not empty' },
  161: { name: 'ERROR_BAD_PATHNAME', code: 'InvalidArgument', text: 'bad path name' },
  183: { name: 'ERROR_ALREADY_EXISTS', code: 'AlreadyExists', text: 'already exists' },
  206: { name: 'ERROR_FILENAME_EXCED_RANGE', code: 'InvalidArgument', text: 'the file name or extension is too long' },
  995: { name: 'ERROR_OPERATION_ABORTED', code: 'Cancelled', text: 'the operation was aborted' },
  1009: { name: 'ERROR_BADDB', code: 'Corrupt', text: 'the registry database is corrupt' },
  1015: { name: 'ERROR_REGISTRY_CORRUPT', code: 'Corrupt', text: 'the registry is corrupt' },
  1168: { name: 'ERROR_NOT_FOUND', code: 'NotFound', text: 'element not found' },
  1223: { name: 'ERROR_CANCELLED', code: 'Cancelled', text: 'the operation was cancelled' },
  1300: { name: 'ERROR_NOT_ALL_ASSIGNED', code: 'PermissionDenied', text: `a privilege is not held by this process; ${ELEVATE}` },
  1314: { name: 'ERROR_PRIVILEGE_NOT_HELD', code: 'PermissionDenied', text: `a required privilege is not held; ${ELEVATE}` },
  1392: { name: 'ERROR_FILE_CORRUPT', code: 'Corrupt', text: 'the file or directory is corrupt' },
};

/** HRESULTs that do not wrap a Win32 code (winerror.h), as unsigned 32-bit values. */
export const HRESULT_ERRORS: Readonly<Record<number, KnownError>> = {
  0x80004001: { name: 'E_NOTIMPL', code: 'Unsupported', text: 'not implemented' },
  0x80004004: { name: 'E_ABORT', code: 'Cancelled', text: 'the operation was aborted' },
  0x80004005: { name: 'E_FAIL', code: 'Internal', text: 'unspecified failure' },
  0x8000ffff: { name: 'E_UNEXPECTED', code: 'Internal', text: 'unexpected failure' },
};

const FACILITY_WIN32 = 7;

/** HRESULT_FROM_WIN32, as a signed 32-bit value (what an int32_t return gives). */
export function hresultFromWin32(win32: number): number {
  return win32 <= 0 ? win32 : ((win32 & 0xffff) | (FACILITY_WIN32 << 16) | 0x80000000) | 0;
}

/** The Win32 code inside a FACILITY_WIN32 HRESULT, else undefined. */
export function win32FromHresult(hr: number): number | undefined {
  const u = hr >>> 0;
  return ((u >>> 16) & 0x1fff) === FACILITY_WIN32 && u >= 0x80000000 ? u & 0xffff : undefined;
}

export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function where(operation: string, data: ErrorData): string {
  const subject = data.path ?? data.key;
  return subject === undefined ? operation : `${operation} ${subject}`;
}

function describe(known: KnownError | undefined, numbers: string): string {
  return known ? `${known.text} (${known.name}, ${numbers})` : numbers;
}

/** A failed BOOL/DWORD call: `win32` is GetLastError() or the DWORD result. */
export function errorFromWin32(win32: number, operation: string, data: ErrorData = {}): WcError {
  const known = WIN32_ERRORS[win32];
  const text = describe(known, `win32 error ${win32}`);
  return new WcError(known?.code ?? 'Internal', `${where(operation, data)} failed: ${text}`, { ...data, operation, win32 });
}

/** A failed HRESULT call (hr < 0). A FACILITY_WIN32 HRESULT maps like its Win32 code. */
export function errorFromHresult(hr: number, operation: string, data: ErrorData = {}): WcError {
  const hresult = hr | 0;
  const win32 = win32FromHresult(hresult);
  const known = win32 !== undefined ? WIN32_ERRORS[win32] : HRESULT_ERRORS[hresult >>> 0];
  const numbers = win32 !== undefined ? `win32 error ${win32}, HRESULT ${hex32(hresult)}` : `HRESULT ${hex32(hresult)}`;
  const extra = win32 !== undefined ? { win32 } : {};
  return new WcError(known?.code ?? 'Internal', `${where(operation, data)} failed: ${describe(known, numbers)}`, {
    ...data,
    operation,
    hresult,
    ...extra,
  });
}

/** Throws for a failing HRESULT (negative); returns for S_OK and other success codes. */
export function checkHresult(hr: number, operation: string, data?: ErrorData): void {
  if ((hr | 0) < 0) throw errorFromHresult(hr, operation, data);
}

/** Throws for a non-zero Win32 result code (offreg, virtdisk). */
export function checkWin32(code: number, operation: string, data?: ErrorData): void {
  if (code !== 0) throw errorFromWin32(code, operation, data);
}

/** An export or DLL this Windows does not have (no Containers feature, older build). */
export function notAvailable(what: string, reason: string): WcError {
  return new WcError('Unsupported', `${what} is not available on this Windows: ${reason}`, { operation: what, os: process.platform });
}
