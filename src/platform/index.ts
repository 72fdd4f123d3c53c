// The OS boundary. Only this folder knows which OS it runs on. The `win32` implementation binds
// the Windows DLLs with koffi; `portable` does everything that needs no Windows kernel in
// TypeScript. Operations that truly need Windows fail elsewhere with an Unsupported error.

import { WcError } from '../errors.js';
import { createPortablePlatform } from './portable/index.js';
import type { Platform } from './types.js';
import { createWin32Platform } from './win32/index.js';

export type {
  BackupFile,
  BackupReadOptions,
  BackupStreamWriter,
  BackupWriteOptions,
  CimMount,
  CimMountOptions,
  CreateDisposition,
  FileBasicInfo,
  HiveOsVersion,
  OfflineHive,
  OpenForBackupOptions,
  Platform,
  PrivilegeName,
  WindowsOperation,
} from './types.js';
export { WINDOWS_OPERATIONS } from './types.js';

export { activePlatform, type PlatformInfo, type PlatformName } from './active.js';

/** The error for an operation that needs the Windows kernel (HCS, CimFS mounts, vmcompute). */
export function unsupportedHere(operation: string): WcError {
  return new WcError(
    'Unsupported',
    `${operation} needs Windows (vmcompute/cimfs); this backend runs on ${process.platform}`,
    { operation, os: process.platform },
  );
}

let current: Platform | undefined;

/**
 * The Platform for this OS: win32 on Windows (DLLs load on first call), portable elsewhere.
 * Library code takes a Platform parameter defaulting to this, so tests can pass a fake.
 */
export function platform(): Platform {
  current ??= process.platform === 'win32' ? createWin32Platform() : createPortablePlatform();
  return current;
}
