// Offline registry hives through offreg.dll (hcsshim internal/winapi/offlinereg.go and
// internal/wclayer/cim/registry.go): open, create, merge, save, close. offreg functions return
// a Win32 error code.

import { invalidArgument, WcError } from '../../errors.js';
import type { HiveOsVersion, OfflineHive } from '../types.js';
import { pointerValue, win32Async } from './call.js';
import type { NativeLibraries, NativeTable } from './library.js';

class Win32Hive implements OfflineHive {
  private handle: unknown;

  constructor(
    private readonly fns: NativeTable,
    handle: unknown,
    /** Where it came from, for messages. */
    readonly label: string,
  ) {
    this.handle = handle;
  }

  /** The ORHKEY, or an error when the hive was closed. */
  live(operation: string): unknown {
    if (pointerValue(this.handle) === 0n) throw new WcError('FailedPrecondition', `${operation}: hive ${this.label} is closed`, { operation, key: this.label });
    return this.handle;
  }

  async save(path: string, version: HiveOsVersion): Promise<void> {
    await win32Async(this.fns.ORSaveHive!, 'ORSaveHive', { path }, this.live('ORSaveHive'), path, version.major >>> 0, version.minor >>> 0);
  }

  async close(): Promise<void> {
    if (pointerValue(this.handle) === 0n) return;
    const h = this.handle;
    this.handle = null;
    await win32Async(this.fns.ORCloseHive!, 'ORCloseHive', { key: this.label }, h);
  }
}

export async function createHive(libs: NativeLibraries): Promise<OfflineHive> {
  const fns = libs.get('offreg');
  const out: unknown[] = [null];
  await win32Async(fns.ORCreateHive!, 'ORCreateHive', {}, out);
  return new Win32Hive(fns, out[0], '(new hive)');
}

export async function openHive(libs: NativeLibraries, path: string): Promise<OfflineHive> {
  const fns = libs.get('offreg');
  const out: unknown[] = [null];
  await win32Async(fns.OROpenHive!, 'OROpenHive', { path }, path, out);
  return new Win32Hive(fns, out[0], path);
}

export async function mergeHives(libs: NativeLibraries, hives: readonly OfflineHive[]): Promise<OfflineHive> {
  const fns = libs.get('offreg');
  if (hives.length === 0) throw invalidArgument('ORMergeHives needs at least one hive');
  const handles = hives.map((h) => {
    if (!(h instanceof Win32Hive)) throw invalidArgument('ORMergeHives takes hives opened by this platform');
    return h.live('ORMergeHives');
  });
  const out: unknown[] = [null];
  const label = `merge of ${hives.map((h) => (h as Win32Hive).label).join(' + ')}`;
  await win32Async(fns.ORMergeHives!, 'ORMergeHives', { key: label }, handles, handles.length, out);
  return new Win32Hive(fns, out[0], label);
}
