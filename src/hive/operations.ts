// Hive operations on files, shared by the RPC methods and the CLI: information, key listing,
// value lookup, export to a file, merge to a file, OS version of a SOFTWARE hive.

import { WcError } from '../errors.js';
import { mergeHives } from '../formats/regf/merge.js';
import { filetimeToIso, keyJson, readOsVersion, requireKey, requireValue, valueJson, type KeyJson, type OsVersionInfo, type ValueJson } from '../formats/regf/query.js';
import { validateHive } from '../formats/regf/validate.js';
import type { TaskOptions } from '../task.js';
import { throwIfCancelled } from '../task.js';
import { findLayerSoftwareHive, openHiveFile, withHiveFile, type OpenHiveFileOptions } from './files.js';
import { writeFileAtomic } from '../fs/stage.js';

export interface HiveInfo {
  path: string;
  majorVersion: number;
  minorVersion: number;
  version: string;
  primarySequence: number;
  secondarySequence: number;
  lastWritten: string | null;
  lastWrittenRaw: string;
  binsSize: number;
  flags: number;
  layered: boolean;
  fileName: string;
  rootName: string;
  dirty: boolean;
  logFiles: string[];
  logEntriesApplied: number;
  logPagesApplied: number;
  /** With `check`: counts and the structural problems found. */
  keys?: number;
  values?: number;
  securityRecords?: number;
  problems?: string[];
}

export async function hiveInfo(path: string, options: OpenHiveFileOptions & { check?: boolean } = {}): Promise<HiveInfo> {
  return withHiveFile(path, options, async (hive, opened) => {
    const h = hive.header;
    const info: HiveInfo = {
      path,
      majorVersion: h.majorVersion,
      minorVersion: h.minorVersion,
      version: `${h.majorVersion}.${h.minorVersion}`,
      primarySequence: h.primarySequence,
      secondarySequence: h.secondarySequence,
      lastWritten: h.lastWritten === 0n ? null : filetimeToIso(h.lastWritten),
      lastWrittenRaw: h.lastWritten.toString(),
      binsSize: h.binsSize,
      flags: h.flags,
      layered: hive.layered,
      fileName: h.fileName,
      rootName: (await hive.root()).name,
      dirty: hive.wasDirty,
      logFiles: opened.logFiles,
      logEntriesApplied: hive.replay?.entriesApplied ?? 0,
      logPagesApplied: hive.replay?.pagesApplied ?? 0,
    };
    if (options.check) {
      const r = await validateHive(hive);
      info.keys = r.keys;
      info.values = r.values;
      info.securityRecords = r.securityRecords;
      info.problems = r.problems;
    }
    return info;
  });
}

export interface ListKeysOptions extends OpenHiveFileOptions, TaskOptions {
  /** Backslash path of the key to list ('' = root). */
  key?: string;
  /** Every key below, not only the direct subkeys. */
  recursive?: boolean;
}

/** Calls `onKey` for each subkey of `key` (or every key below it), in hive order. Returns the count. */
export async function listKeys(path: string, options: ListKeysOptions, onKey: (k: KeyJson) => void | Promise<void>): Promise<number> {
  return withHiveFile(path, options, async (hive) => {
    const start = await requireKey(hive, options.key ?? '');
    let n = 0;
    if (options.recursive) {
      for await (const { key, depth } of hive.walk(start)) {
        if (depth === 0) continue;
        if (++n % 256 === 0) throwIfCancelled(options.signal, 'listing keys');
        await onKey(await keyJson(hive, key));
      }
    } else {
      for (const k of await hive.subkeys(start)) {
        n++;
        await onKey(await keyJson(hive, k));
      }
    }
    return n;
  });
}

export async function getKey(path: string, key: string, options: OpenHiveFileOptions = {}): Promise<KeyJson & { values: ValueJson[] }> {
  return withHiveFile(path, options, async (hive) => {
    const k = await requireKey(hive, key);
    const values: ValueJson[] = [];
    for (const v of await hive.values(k)) values.push(await valueJson(hive, v));
    return { ...(await keyJson(hive, k)), values };
  });
}

export async function getValue(path: string, key: string, name: string, options: OpenHiveFileOptions = {}): Promise<ValueJson & { key: string }> {
  return withHiveFile(path, options, async (hive) => ({ key, ...(await valueJson(hive, await requireValue(hive, key, name))) }));
}

export { exportHiveFile, exportHiveToStream, type ExportOptions } from './export-file.js';

export interface MergeFilesOptions extends TaskOptions {
  overwrite?: boolean;
  minorVersion?: 5 | 6;
}

/** base + deltas → a merged hive written to `output` (temporary name, renamed on success). */
export async function mergeHiveFiles(base: string, deltas: string[], output: string, options: MergeFilesOptions = {}): Promise<{ output: string; bytes: number }> {
  if (deltas.length === 0) throw new WcError('InvalidArgument', 'merge needs at least one delta hive', { parameter: 'deltas' });
  const opened = [await openHiveFile(base)];
  try {
    for (const d of deltas) opened.push(await openHiveFile(d));
    const merged = await mergeHives(
      opened[0]!.hive,
      opened.slice(1).map((o) => o.hive),
      {
        fileName: output,
        ...(options.minorVersion ? { minorVersion: options.minorVersion } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      },
    );
    const bytes = await writeFileAtomic(output, merged, { overwrite: options.overwrite ?? false });
    return { output, bytes };
  } finally {
    for (const o of opened) await o.close();
  }
}

export interface OsVersionRequest {
  hivePath?: string;
  layerPath?: string;
  /** With layerPath: look at the utility VM's SOFTWARE hive first. */
  utilityVm?: boolean;
}

export async function osVersion(req: OsVersionRequest): Promise<OsVersionInfo & { hivePath: string }> {
  if (!req.hivePath === !req.layerPath) throw new WcError('InvalidArgument', 'give exactly one of hivePath and layerPath', { parameter: 'hivePath' });
  const hivePath = req.hivePath ?? (await findLayerSoftwareHive(req.layerPath!, req.utilityVm ?? false));
  return withHiveFile(hivePath, {}, async (hive) => ({ hivePath, ...(await readOsVersion(hive)) }));
}
