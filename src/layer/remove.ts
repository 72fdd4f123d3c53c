// Removing a layer folder. Everywhere: the folder is renamed to `<name>-removing-<random>` first
// (moby's convention), so a half-removed layer never looks like a layer. Then, on Windows, as
// hcsshim's `wclayer remove`: backup and restore privileges, and vmcompute DestroyLayer on the
// folder (which also drops what HCS keeps for an imported layer). Elsewhere, and on Windows
// with WCLAYER_LEGACY_LAYERS=portable (layers kept as portable folders, no elevation), the
// renamed folder is deleted with the file system calls. On every OS, a CIM layer whose image hcsshim placed
// beside the folder (`<Dir>/cim-layers/<Base>.cim`) has that image destroyed first (its .cim
// and own region files, cim/reader.ts), as containerd's CimFS snapshotter does before
// DestroyLayer; such a folder counts as a layer.

import { randomBytes } from 'node:crypto';
import { lstat, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WcError, fromNodeError, isWcError } from '../errors.js';
import { platform, type Platform, type PrivilegeName } from '../platform/index.js';
import { describeCimLayer, destroyCimLayer } from './cim/index.js';
import { detectLayerFormat } from './formats.js';

/** What hcsshim's `wclayer remove` enables before DestroyLayer. */
export const REMOVE_PRIVILEGES: readonly PrivilegeName[] = ['SeBackupPrivilege', 'SeRestorePrivilege'];

export interface RemoveLayerOptions {
  /** Remove a folder that holds no layer this toolkit recognises. */
  force?: boolean;
  /** The OS boundary (tests pass a recording one); the win32 one makes removal go through DestroyLayer. */
  platform?: Platform;
  /** Where WCLAYER_LEGACY_LAYERS is read (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Removes a layer folder. Refuses a folder that does not hold a layer unless `force`. A failure
 * after the rename leaves the `-removing-` folder (named in the error's data.removingPath).
 */
export async function removeLayer(path: string, options: RemoveLayerOptions = {}): Promise<{ path: string; removed: boolean }> {
  const layerPath = resolve(path);
  const st = await lstat(layerPath).catch(() => undefined);
  if (!st) throw new WcError('NotFound', `layer not found: ${layerPath}`, { path: layerPath });
  if (!st.isDirectory()) throw new WcError('FailedPrecondition', `${layerPath} is not a layer folder (not a directory)`, { path: layerPath });
  const outside = await imageOutside(layerPath);
  if (!outside && !options.force) await detectLayerFormat(layerPath);
  const p = options.platform ?? platform();
  const viaHcs = p.name === 'win32' && (options.env ?? process.env).WCLAYER_LEGACY_LAYERS !== 'portable';
  if (viaHcs) await p.enableProcessPrivileges(REMOVE_PRIVILEGES);
  // The image is named after the folder: destroy it before the rename.
  if (outside) await destroyCimLayer(layerPath);
  const removing = join(dirname(layerPath), `${basename(layerPath)}-removing-${randomBytes(4).toString('hex')}`);
  await rename(layerPath, removing).catch((e) => {
    throw fromNodeError(e, layerPath);
  });
  try {
    if (viaHcs) await p.destroyLayer(removing);
    else await rm(removing, { recursive: true, force: true });
  } catch (e) {
    const err = isWcError(e) ? e : fromNodeError(e, removing);
    throw new WcError(err.code, `removing layer ${layerPath} failed (it was renamed to ${removing}; remove that folder with --force): ${err.message}`, {
      ...err.data,
      path: layerPath,
      removingPath: removing,
    });
  }
  return { path: layerPath, removed: true };
}

/** A CIM layer whose image hcsshim placed in the folder's parent, not inside the folder. */
async function imageOutside(layerPath: string): Promise<boolean> {
  try {
    const { imagePath } = await describeCimLayer(layerPath);
    return dirname(dirname(imagePath)) !== layerPath;
  } catch (e) {
    if (isWcError(e) && (e.code === 'NotFound' || e.code === 'Corrupt')) return false;
    throw e;
  }
}
