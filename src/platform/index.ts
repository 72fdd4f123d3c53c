// The OS boundary. Only this folder knows which OS it runs on. The `win32` implementation binds
// the Windows DLLs with koffi; `portable` does everything that needs no Windows kernel in
// TypeScript. Operations that truly need Windows fail elsewhere with an Unsupported error.

import { WcError } from '../errors.js';

export type PlatformName = 'win32' | 'portable';

export interface PlatformInfo {
  /** Which implementation is active. */
  name: PlatformName;
  os: NodeJS.Platform;
  arch: string;
}

export function activePlatform(): PlatformInfo {
  return {
    name: process.platform === 'win32' ? 'win32' : 'portable',
    os: process.platform,
    arch: process.arch,
  };
}

/** The error for an operation that needs the Windows kernel (HCS, CimFS mounts, vmcompute). */
export function unsupportedHere(operation: string): WcError {
  return new WcError(
    'Unsupported',
    `${operation} needs Windows (vmcompute/cimfs); this backend runs on ${process.platform}`,
    { operation, os: process.platform },
  );
}
