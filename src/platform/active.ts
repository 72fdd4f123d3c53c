// Which platform implementation is active, without loading either (the backend's handshake
// reports it; loading the win32 bindings or the portable code is left to the first real call).

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
