// The legacy HCS layer API in vmcompute.dll, as hcsshim's internal/wclayer calls it: DriverInfo
// {Flavour 1 (filter driver), HomeDir ""}, the full layer path as the layer id, parents as
// WC_LAYER_DESCRIPTOR {NameToGuid(basename), 0, path}. Every call runs on a worker thread.

import { win32 as winPath } from 'node:path';
import { cancelled } from '../../errors.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { callAsync, hresultAsync } from './call.js';
import { checkHresult } from './errors.js';
import { formatGuid, type GuidStruct } from './guid.js';
import type { NativeLibraries, NativeTable } from './library.js';

/** hcsshim stdDriverInfo. */
export const DRIVER_INFO = { Flavour: 1, HomeDir: '' } as const;

export interface LayerDescriptor {
  LayerId: GuidStruct;
  Flags: number;
  Path: string;
}

export class VmCompute {
  constructor(private readonly libs: NativeLibraries) {}

  private get fns(): NativeTable {
    return this.libs.get('vmcompute');
  }

  async nameToGuidStruct(name: string): Promise<GuidStruct> {
    const guid: Record<string, unknown> = {};
    await hresultAsync(this.fns.NameToGuid!, 'NameToGuid', { key: name }, name, guid);
    return { Data1: Number(guid.Data1), Data2: Number(guid.Data2), Data3: Number(guid.Data3), Data4: Array.from(guid.Data4 as ArrayLike<number>) };
  }

  async nameToGuid(name: string): Promise<string> {
    return formatGuid(await this.nameToGuidStruct(name));
  }

  /** hcsshim layerPathsToDescriptors. */
  async descriptors(parentLayerPaths: readonly string[]): Promise<LayerDescriptor[]> {
    const out: LayerDescriptor[] = [];
    for (const p of parentLayerPaths) out.push({ LayerId: await this.nameToGuidStruct(winPath.basename(p)), Flags: 0, Path: p });
    return out;
  }

  /** Pointer + count for a descriptor array; NULL for none. */
  private async layerArgs(parentLayerPaths: readonly string[]): Promise<[LayerDescriptor[] | null, number]> {
    const d = await this.descriptors(parentLayerPaths);
    return [d.length ? d : null, d.length];
  }

  private async long(operation: string, layerPath: string, options: TaskOptions, run: () => Promise<void>): Promise<void> {
    throwIfCancelled(options.signal, `${operation} of ${layerPath}`);
    options.onProgress?.({ message: `${operation} ${layerPath}` });
    await run();
    // The OS call cannot be interrupted; report the cancellation once it returns so the caller
    // removes what it staged.
    if (options.signal?.aborted) throw cancelled(`${operation} of ${layerPath} was cancelled`, { path: layerPath, operation });
  }

  importLayer(layerPath: string, sourceFolder: string, parents: readonly string[], options: TaskOptions = {}): Promise<void> {
    return this.long('ImportLayer', layerPath, options, async () => {
      const [layers, count] = await this.layerArgs(parents);
      await hresultAsync(this.fns.ImportLayer!, 'ImportLayer', { path: layerPath, source: sourceFolder }, DRIVER_INFO, layerPath, sourceFolder, layers, count);
    });
  }

  exportLayer(layerPath: string, exportFolder: string, parents: readonly string[], options: TaskOptions = {}): Promise<void> {
    return this.long('ExportLayer', layerPath, options, async () => {
      const [layers, count] = await this.layerArgs(parents);
      await hresultAsync(this.fns.ExportLayer!, 'ExportLayer', { path: layerPath, target: exportFolder }, DRIVER_INFO, layerPath, exportFolder, layers, count);
    });
  }

  processBaseImage(layerPath: string, options: TaskOptions = {}): Promise<void> {
    return this.long('ProcessBaseImage', layerPath, options, () => hresultAsync(this.fns.ProcessBaseImage!, 'ProcessBaseImage', { path: layerPath }, layerPath));
  }

  processUtilityImage(utilityVmPath: string, options: TaskOptions = {}): Promise<void> {
    return this.long('ProcessUtilityImage', utilityVmPath, options, () =>
      hresultAsync(this.fns.ProcessUtilityImage!, 'ProcessUtilityImage', { path: utilityVmPath }, utilityVmPath),
    );
  }

  /** The calls that take only the driver info and the layer id. */
  async simple(operation: 'ActivateLayer' | 'DeactivateLayer' | 'UnprepareLayer' | 'DestroyLayer', layerPath: string): Promise<void> {
    await hresultAsync(this.fns[operation]!, operation, { path: layerPath }, DRIVER_INFO, layerPath);
  }

  async prepareLayer(layerPath: string, parents: readonly string[]): Promise<void> {
    const [layers, count] = await this.layerArgs(parents);
    await hresultAsync(this.fns.PrepareLayer!, 'PrepareLayer', { path: layerPath }, DRIVER_INFO, layerPath, layers, count);
  }

  async createSandboxLayer(layerPath: string, parents: readonly string[]): Promise<void> {
    const [layers, count] = await this.layerArgs(parents);
    await hresultAsync(this.fns.CreateSandboxLayer!, 'CreateSandboxLayer', { path: layerPath }, DRIVER_INFO, layerPath, null, layers, count);
  }

  async expandSandboxSize(layerPath: string, sizeBytes: bigint): Promise<void> {
    await hresultAsync(this.fns.ExpandSandboxSize!, 'ExpandSandboxSize', { path: layerPath, size: sizeBytes.toString() }, DRIVER_INFO, layerPath, sizeBytes);
  }

  async layerExists(layerPath: string): Promise<boolean> {
    const exists = [0];
    await hresultAsync(this.fns.LayerExists!, 'LayerExists', { path: layerPath }, DRIVER_INFO, layerPath, exists);
    return exists[0] !== 0;
  }

  /** Two calls, as hcsshim makes them: the length in UTF-16 units, then the path. */
  async getLayerMountPath(layerPath: string): Promise<string> {
    const fn = this.fns.GetLayerMountPath!;
    const length: Array<number | bigint> = [0];
    checkHresult(await callAsync(fn, DRIVER_INFO, layerPath, length, null), 'GetLayerMountPath', { path: layerPath });
    const units = Number(length[0]);
    if (units === 0) return '';
    const buf = Buffer.alloc(units * 2);
    checkHresult(await callAsync(fn, DRIVER_INFO, layerPath, length, buf), 'GetLayerMountPath', { path: layerPath });
    const text = buf.toString('utf16le');
    const nul = text.indexOf('\0');
    return nul < 0 ? text : text.slice(0, nul);
  }
}
