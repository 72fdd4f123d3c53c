// Hive files on disk: opening a hive with its transaction logs, finding the SOFTWARE hive of a
// layer. Output files are written with src/fs/stage.ts's writeFileAtomic, not imported here:
// `wclayer hive export -` opens hives through this file and has no use for staging (nor for the
// crypto module it names files with, 10-20 ms of start-up).

import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { WcError } from '../errors.js';
import { Hive } from '../formats/regf/reader.js';
import { openFileReadAt, type FileReadAt } from './file-readat.js';

export interface OpenHiveFileOptions {
  /** 'auto' (default): use <hive>.LOG1/.LOG2/.LOG beside the file when the hive is dirty; 'none': read as is; or explicit paths. */
  logs?: 'auto' | 'none' | string[];
  /** The reader's cache (OpenOptions.cacheBytes, default 64 MiB) and its transientViews. */
  cacheBytes?: number;
  transientViews?: boolean;
}

export interface OpenedHive {
  hive: Hive;
  path: string;
  /** Log files that were offered for replay. */
  logFiles: string[];
  close(): Promise<void>;
}

/** Transaction logs beside a hive: <name>.LOG1, <name>.LOG2, <name>.LOG (any letter case). */
export async function findLogFiles(hivePath: string): Promise<string[]> {
  const dir = dirname(hivePath);
  const base = basename(hivePath).toUpperCase();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const suffix of ['.LOG1', '.LOG2', '.LOG']) {
    const hit = names.find((n) => n.toUpperCase() === base + suffix);
    if (hit) out.push(join(dir, hit));
  }
  return out;
}

export async function openHiveFile(path: string, options: OpenHiveFileOptions = {}): Promise<OpenedHive> {
  const src = await openFileReadAt(path);
  const logSources: FileReadAt[] = [];
  try {
    const mode = options.logs ?? 'auto';
    const logFiles = mode === 'none' ? [] : mode === 'auto' ? await findLogFiles(path) : mode;
    for (const l of logFiles) {
      const s = await openFileReadAt(l);
      if (s.size > 0) logSources.push(s);
      else await s.close();
    }
    // Logs are read only when the primary is dirty.
    const hive = await Hive.open(src, {
      logs: logSources,
      ...(options.cacheBytes !== undefined ? { cacheBytes: options.cacheBytes } : {}),
      ...(options.transientViews !== undefined ? { transientViews: options.transientViews } : {}),
    });
    for (const l of logSources) await l.close();
    return {
      hive,
      path,
      logFiles: logSources.map((l) => l.path),
      close: () => src.close(),
    };
  } catch (e) {
    await src.close();
    for (const l of logSources) await l.close().catch(() => undefined);
    if (e instanceof WcError && e.data.path === undefined) e.data.path = path;
    throw e;
  }
}

/** Runs `fn` on an opened hive file and closes it afterwards. */
export async function withHiveFile<T>(path: string, options: OpenHiveFileOptions, fn: (hive: Hive, opened: OpenedHive) => Promise<T>): Promise<T> {
  const opened = await openHiveFile(path, options);
  try {
    return await fn(opened.hive, opened);
  } finally {
    await opened.close();
  }
}

async function findCaseInsensitive(dir: string, parts: string[]): Promise<string | undefined> {
  let cur = dir;
  for (const part of parts) {
    let names: string[];
    try {
      names = await readdir(cur);
    } catch {
      return undefined;
    }
    const hit = names.find((n) => n.toUpperCase() === part.toUpperCase());
    if (!hit) return undefined;
    cur = join(cur, hit);
  }
  return cur;
}

/**
 * The SOFTWARE hive of a layer folder: Files/Windows/System32/config/SOFTWARE, else the
 * utility VM's UtilityVM/Files/Windows/System32/config/SOFTWARE, else Hives/SOFTWARE_BASE
 * (names matched without regard to case). `utilityVm` looks at the utility VM's first.
 */
export async function findLayerSoftwareHive(layerPath: string, utilityVm = false): Promise<string> {
  const os = ['Files', 'Windows', 'System32', 'config', 'SOFTWARE'];
  const uvm = ['UtilityVM', ...os];
  const order = utilityVm ? [uvm, os, ['Hives', 'SOFTWARE_BASE']] : [os, uvm, ['Hives', 'SOFTWARE_BASE']];
  for (const parts of order) {
    const p = await findCaseInsensitive(layerPath, parts);
    if (p && (await stat(p).catch(() => undefined))?.isFile()) return p;
  }
  throw new WcError('NotFound', `no SOFTWARE hive in layer '${layerPath}' (looked for ${order.map((p) => p.join('/')).join(', ')})`, { path: layerPath });
}

