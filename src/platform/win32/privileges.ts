// Enabling SeBackupPrivilege/SeRestorePrivilege for the whole process, as go-winio's
// EnableProcessPrivileges does: process token, one privilege at a time. Process-wide because
// koffi's .async calls run on worker threads that a thread token would not cover.

import { WcError } from '../../errors.js';
import type { PrivilegeName } from '../types.js';
import { boolCall, pointerValue } from './call.js';
import type { NativeLibraries } from './library.js';

const TOKEN_ADJUST_PRIVILEGES = 0x20;
const TOKEN_QUERY = 0x8;
const SE_PRIVILEGE_ENABLED = 0x2;
const ERROR_NOT_ALL_ASSIGNED = 1300;

export async function enableProcessPrivileges(libs: NativeLibraries, names: readonly PrivilegeName[]): Promise<void> {
  const kernel32 = libs.get('kernel32');
  const advapi32 = libs.get('advapi32');
  const token: unknown[] = [null];
  boolCall(kernel32, advapi32.OpenProcessToken!, 'OpenProcessToken', {}, kernel32.GetCurrentProcess!(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, token);
  try {
    for (const name of names) {
      const luid: Record<string, unknown> = {};
      boolCall(kernel32, advapi32.LookupPrivilegeValueW!, 'LookupPrivilegeValueW', { key: name }, null, name, luid);
      const state = { PrivilegeCount: 1, Privileges: [{ Luid: luid, Attributes: SE_PRIVILEGE_ENABLED }] };
      boolCall(kernel32, advapi32.AdjustTokenPrivileges!, 'AdjustTokenPrivileges', { key: name }, token[0], 0, state, 0, null, null);
      // Success with ERROR_NOT_ALL_ASSIGNED means the token does not hold the privilege at all.
      if (kernel32.GetLastError!() === ERROR_NOT_ALL_ASSIGNED) {
        throw new WcError(
          'PermissionDenied',
          `could not enable ${name}: this process does not hold it; run the backend elevated (as Administrator)`,
          { operation: 'AdjustTokenPrivileges', key: name, win32: ERROR_NOT_ALL_ASSIGNED },
        );
      }
    }
  } finally {
    if (pointerValue(token[0]) !== 0n) kernel32.CloseHandle!(token[0]);
  }
}
