// Volume mount points (kernel32 SetVolumeMountPointW / DeleteVolumeMountPointW), as hcsshim's
// `wclayer mount <scratch> <target>` uses them: both paths must end in a backslash, and only a
// volume GUID path can be mounted. BOOL calls: synchronous, so GetLastError is read on this thread.

import { win32 as winPath } from 'node:path';
import { WcError } from '../../errors.js';
import { boolCall } from './call.js';
import type { NativeLibraries } from './library.js';

const VOLUME_PREFIX = '\\\\?\\Volume{';

/** `p` with exactly one trailing backslash (what both mount-point calls require). */
export function withTrailingBackslash(p: string): string {
  return p.replace(/\\+$/, '') + '\\';
}

/** The two arguments SetVolumeMountPointW gets; InvalidArgument unless volumePath is `\\?\Volume{…}`. */
export function mountPointArguments(targetPath: string, volumePath: string): [string, string] {
  if (!volumePath.startsWith(VOLUME_PREFIX)) {
    throw new WcError('InvalidArgument', `unable to mount non-volume path ${volumePath}`, { path: volumePath, operation: 'SetVolumeMountPointW' });
  }
  return [withTrailingBackslash(winPath.normalize(targetPath)), withTrailingBackslash(volumePath)];
}

export async function setVolumeMountPoint(libs: NativeLibraries, targetPath: string, volumePath: string): Promise<void> {
  const [target, volume] = mountPointArguments(targetPath, volumePath);
  const k32 = libs.get('kernel32');
  boolCall(k32, k32.SetVolumeMountPointW!, 'SetVolumeMountPointW', { path: target, volume }, target, volume);
}

export async function deleteVolumeMountPoint(libs: NativeLibraries, targetPath: string): Promise<void> {
  const target = withTrailingBackslash(winPath.normalize(targetPath));
  const k32 = libs.get('kernel32');
  boolCall(k32, k32.DeleteVolumeMountPointW!, 'DeleteVolumeMountPointW', { path: target }, target);
}
