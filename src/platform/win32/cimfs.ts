// Mounting and dismounting CIM images with cimfs.dll (hcsshim pkg/cimfs mount_cim.go): the
// image is named by its folder and file name, the volume by a caller-chosen GUID.

import { randomUUID } from 'node:crypto';
import { win32 as winPath } from 'node:path';
import type { CimMount, CimMountOptions } from '../types.js';
import { hresultAsync } from './call.js';
import { formatGuid, parseGuid, volumeGuidOf, volumePathOf } from './guid.js';
import type { NativeLibraries } from './library.js';

export async function cimMountImage(libs: NativeLibraries, cimPath: string, options: CimMountOptions = {}): Promise<CimMount> {
  const volumeGuid = formatGuid(parseGuid(options.volumeGuid ?? randomUUID()));
  const fns = libs.get('cimfs');
  await hresultAsync(
    fns.CimMountImage!,
    'CimMountImage',
    { path: cimPath, volumeGuid },
    winPath.dirname(cimPath),
    winPath.basename(cimPath),
    (options.flags ?? 0) >>> 0,
    parseGuid(volumeGuid),
  );
  return { volumeGuid, volumePath: volumePathOf(volumeGuid) };
}

export async function cimDismountImage(libs: NativeLibraries, volume: string): Promise<void> {
  const volumeGuid = volumeGuidOf(volume);
  await hresultAsync(libs.get('cimfs').CimDismountImage!, 'CimDismountImage', { path: volume, volumeGuid }, parseGuid(volumeGuid));
}
