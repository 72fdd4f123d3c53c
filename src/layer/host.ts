// Layer operations that only the Windows host can do (vmcompute, cimfs): mount, unmount, create
// a scratch layer, turn a folder into a base layer. They go through platform(), which answers
// Unsupported (naming the Win32 call) on any other OS. Shaped like hcsshim's cmd/wclayer.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WcError, invalidArgument, isWcError } from '../errors.js';
import { platform, type Platform } from '../platform/index.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';
import { prepareBaseLayer, type PrepareBaseLayerResult } from './base-layer.js';
import { CIM_DIR, CIM_META_FILE, cimNameFor, describeCimLayer } from './cim/index.js';
import { processUtilityVm } from './legacy/windows-finish.js';

const needParents = (parents: readonly string[]): void => {
  if (!parents.length) throw invalidArgument('at least one read-only layer must be specified', { parameter: 'parents' });
};

const exists = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined)) !== undefined;

/** A CIM layer: this toolkit's record, or an image where hcsshim/containerd keep it (`<Dir>/cim-layers/<Base>.cim`). */
async function isCimLayer(path: string): Promise<boolean> {
  return (await exists(join(path, CIM_META_FILE))) || (await exists(join(dirname(path), CIM_DIR, cimNameFor(path))));
}

/** hcsshim's namespace for CIM mount volume GUIDs (internal/layers: 6827367b-c388-4e9b-95ec-961c6d2c936c). */
const CIM_MOUNT_NAMESPACE = Buffer.from('6827367bc3884e9b95ec961c6d2c936c', 'hex');

/**
 * The volume GUID a CIM layer is mounted at: a name-based (version 5, RFC 4122) GUID of its full
 * path, as hcsshim derives one from the container id, so that unmount can find the volume again.
 */
export function cimMountVolumeGuid(layerPath: string): string {
  const h = createHash('sha1').update(CIM_MOUNT_NAMESPACE).update(Buffer.from(resolve(layerPath), 'utf8')).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export interface MountLayerResult {
  layerPath: string;
  /** 'scratch': a writable layer activated and prepared through vmcompute; 'cim': a CIM image mounted through cimfs. */
  kind: 'scratch' | 'cim';
  /** The volume path (`\\?\Volume{…}`). */
  mountPath: string;
  /** Where the volume was also mounted, when a target folder was given. */
  target?: string;
}

/**
 * hcsshim's `wclayer mount <scratch> [target]`: ActivateLayer + PrepareLayer + GetLayerMountPath,
 * then SetVolumeMountPoint at the target when given; each step rolled back if a later one fails.
 * A CIM layer (containerd's cimfs mount) is mounted with CimMountImage at a volume GUID derived
 * from its path instead; it needs no parents (its image is a fork that carries them).
 */
export async function mountLayer(layerPath: string, parents: readonly string[], p: Platform = platform(), targetPath?: string): Promise<MountLayerResult> {
  const path = resolve(layerPath);
  const target = targetPath === undefined ? undefined : resolve(targetPath);
  if (target !== undefined && target === path) throw invalidArgument(`the mount target cannot be the layer folder itself: ${path}`, { parameter: 'target' });
  if (await isCimLayer(path)) {
    const { imagePath } = await describeCimLayer(path);
    const mount = await p.cimMountImage(imagePath!, { volumeGuid: cimMountVolumeGuid(path) });
    if (target !== undefined) {
      try {
        await p.setVolumeMountPoint(target, mount.volumePath);
      } catch (e) {
        await p.cimDismountImage(mount.volumeGuid).catch(() => undefined);
        throw e;
      }
    }
    return { layerPath: path, kind: 'cim', mountPath: mount.volumePath, ...(target !== undefined ? { target } : {}) };
  }
  needParents(parents);
  const chain = parents.map((x) => resolve(x));
  await p.activateLayer(path);
  try {
    await p.prepareLayer(path, chain);
    try {
      const mountPath = await p.getLayerMountPath(path);
      if (target !== undefined) await p.setVolumeMountPoint(target, mountPath);
      return { layerPath: path, kind: 'scratch', mountPath, ...(target !== undefined ? { target } : {}) };
    } catch (e) {
      await p.unprepareLayer(path).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    await p.deactivateLayer(path).catch(() => undefined);
    throw e;
  }
}

/**
 * hcsshim's `wclayer unmount <scratch> [mounted path]`: DeleteVolumeMountPoint first when a mount
 * path is given, then UnprepareLayer (a failure is reported but does not stop) and
 * DeactivateLayer; a CIM layer is dismounted from its path-derived volume.
 */
export async function unmountLayer(layerPath: string, p: Platform = platform(), mountedPath?: string): Promise<{ layerPath: string; kind: 'scratch' | 'cim'; warnings: string[] }> {
  const path = resolve(layerPath);
  if (mountedPath !== undefined) await p.deleteVolumeMountPoint(resolve(mountedPath));
  if (await isCimLayer(path)) {
    await p.cimDismountImage(cimMountVolumeGuid(path));
    return { layerPath: path, kind: 'cim', warnings: [] };
  }
  const warnings: string[] = [];
  await p.unprepareLayer(path).catch((e: unknown) => {
    // hcsshim only prints an UnprepareLayer failure; an OS without vmcompute is a real error.
    if (isWcError(e) && e.code === 'Unsupported') throw e;
    warnings.push((e as Error).message);
  });
  await p.deactivateLayer(path);
  return { layerPath: path, kind: 'scratch', warnings };
}

/** A writable scratch (sandbox) layer over the parents (hcsshim CreateScratchLayer). */
export async function createScratchLayer(layerPath: string, parents: readonly string[], p: Platform = platform()): Promise<{ layerPath: string; parents: string[] }> {
  needParents(parents);
  const path = resolve(layerPath);
  const chain = parents.map((x) => resolve(x));
  await p.createSandboxLayer(path, chain);
  return { layerPath: path, parents: chain };
}

export interface MakeBaseLayerOptions extends TaskOptions {
  /** Only the portable preparation (hives, utility VM checks); no ProcessBaseImage. Works on any OS. */
  prepareOnly?: boolean;
}

export interface MakeBaseLayerResult extends PrepareBaseLayerResult {
  /** ProcessBaseImage (and ProcessUtilityImage with a utility VM) ran. */
  processed: boolean;
}

/**
 * hcsshim's ConvertToBaseLayer (`wclayer makebaselayer`): the portable preparation of
 * base-layer.ts (config hives created when missing, utility VM checked), then ProcessBaseImage
 * and, with a utility VM that is not a reparse point, ProcessUtilityImage.
 */
export async function makeBaseLayer(layerPath: string, p: Platform = platform(), options: MakeBaseLayerOptions = {}): Promise<MakeBaseLayerResult> {
  const path = resolve(layerPath);
  if (await isCimLayer(path)) {
    throw new WcError(
      'FailedPrecondition',
      `${path} is a CIM layer: its base-layer hive links (Hives/*_BASE) and layout file were made when it was written; makebaselayer takes a folder holding an untarred base layer`,
      { path },
    );
  }
  const prepared = await prepareBaseLayer(path);
  if (options.prepareOnly) return { ...prepared, processed: false };
  throwIfCancelled(options.signal, `processing base layer ${path}`);
  await p.processBaseImage(path, options);
  if (prepared.utilityVm) await processUtilityVm(p, path, options);
  return { ...prepared, processed: true };
}
