// Layer operations that only the Windows host can do (vmcompute): mount, unmount, create a
// scratch layer, turn a folder into a base layer. They go through platform(), which answers
// Unsupported (naming the Win32 call) on any other OS. Shaped like hcsshim's cmd/wclayer.

import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WcError, invalidArgument } from '../errors.js';
import { platform, type Platform } from '../platform/index.js';

const needParents = (parents: readonly string[]): void => {
  if (!parents.length) throw invalidArgument('at least one read-only layer must be specified', { parameter: 'parents' });
};

/** ActivateLayer + PrepareLayer + GetLayerMountPath (rolled back on failure); the volume path. */
export async function mountLayer(layerPath: string, parents: readonly string[], p: Platform = platform()): Promise<{ layerPath: string; mountPath: string }> {
  needParents(parents);
  const path = resolve(layerPath);
  const chain = parents.map((x) => resolve(x));
  await p.activateLayer(path);
  try {
    await p.prepareLayer(path, chain);
    try {
      return { layerPath: path, mountPath: await p.getLayerMountPath(path) };
    } catch (e) {
      await p.unprepareLayer(path).catch(() => undefined);
      throw e;
    }
  } catch (e) {
    await p.deactivateLayer(path).catch(() => undefined);
    throw e;
  }
}

/** UnprepareLayer then DeactivateLayer. */
export async function unmountLayer(layerPath: string, p: Platform = platform()): Promise<{ layerPath: string }> {
  const path = resolve(layerPath);
  await p.unprepareLayer(path);
  await p.deactivateLayer(path);
  return { layerPath: path };
}

/** A writable scratch (sandbox) layer over the parents (hcsshim CreateScratchLayer). */
export async function createScratchLayer(layerPath: string, parents: readonly string[], p: Platform = platform()): Promise<{ layerPath: string; parents: string[] }> {
  needParents(parents);
  const path = resolve(layerPath);
  const chain = parents.map((x) => resolve(x));
  await p.createSandboxLayer(path, chain);
  return { layerPath: path, parents: chain };
}

/** ProcessBaseImage on a folder holding Files/, and ProcessUtilityImage when it has UtilityVM/. */
export async function makeBaseLayer(layerPath: string, p: Platform = platform()): Promise<{ layerPath: string; utilityVm: boolean }> {
  const path = resolve(layerPath);
  if (!(await stat(join(path, 'Files')).catch(() => undefined))?.isDirectory()) {
    throw new WcError('FailedPrecondition', `${path} has no Files folder, so it cannot become a base layer`, { path });
  }
  await p.processBaseImage(path);
  const uvm = join(path, 'UtilityVM');
  const utilityVm = (await stat(uvm).catch(() => undefined))?.isDirectory() ?? false;
  if (utilityVm) await p.processUtilityImage(uvm);
  return { layerPath: path, utilityVm };
}
