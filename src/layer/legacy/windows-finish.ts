// The Windows finish of the legacy layer writer: turns the staged portable folder into a real
// HCS layer through the Platform interface, the way hcsshim's writers do (layer-format.md
// 3.3-3.5). The writer has already checked every entry (names, order, link targets, hives), so
// this only replays the staged entries onto NTFS:
//
// base layer (no parents), hcsshim's baseLayerWriter:
//   every entry is created in the layer folder, its full basic info set, and its backup stream
//   (security, EA, reparse, data, alternate streams) restored with BackupWrite including
//   security; links are made in place; folder times re-applied children first; then
//   ProcessBaseImage, and ProcessUtilityImage when the layer has UtilityVM/Files.
//
// child layer, hcsshim's legacyLayerWriter + ImportLayer:
//   the utility VM (already cloned from the parent and overlaid in the staged folder) is made
//   straight in the layer folder: files cloned unchanged hard-linked to the parent's (cloneTree),
//   folders, reparse points, the BCD files and this layer's own files restored; everything else is rendered as the HCS import folder R
//   (hcs-import-folder.ts) whose staged objects get their times with attributes 0 (the delta
//   hives restored with BackupWrite without security, as hcsshim does); then
//   ImportLayer(layer, R, parents); Files\ tombstones deleted; hard links made (target from this
//   layer, else from the first parent holding it); folder times re-applied; ProcessUtilityImage.
//
// Then the staged .wclayer metadata moves into the layer, so the portable reader still reads it.
// Any failure or cancellation removes the layer folder (DestroyLayer first once ImportLayer has
// run) and R; the writer removes the staged folder.

import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WcError, fromNodeError, isWcError } from '../../errors.js';
import { BACKUP_STREAM_ID, encodeBackupStreamHeader } from '../../formats/backup/index.js';
import { FILE_ATTRIBUTE, type Entry, type FileEntry, type FileInfo } from '../../formats/entry.js';
import { platform, type BackupFile, type BackupStreamWriter, type Platform, type PrivilegeName } from '../../platform/index.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { hasPathPrefix } from '../paths.js';
import { META_DIR } from './format.js';
import { metadataStreams, writeHcsImportFolder } from './hcs-import-folder.js';
import type { FinishImportDetails, LegacyLayerPlatform } from './platform.js';
import { readLegacyLayer } from './reader.js';
import { readUtilityVmThroughPlatform } from './windows-parent.js';

/** SeSecurityPrivilege too: the restore access includes ACCESS_SYSTEM_SECURITY (moby and containerd enable it). */
export const IMPORT_PRIVILEGES: readonly PrivilegeName[] = ['SeBackupPrivilege', 'SeRestorePrivilege', 'SeSecurityPrivilege'];

const UVM = 'UtilityVM';
/** The pristine boot files the writer saves beside the data (moby layout). */
const SAVED_BCD_FILES = ['bcd.bak', 'bcd.log.bak', 'bcd.log1.bak', 'bcd.log2.bak'];

/** The Windows finish step for createLegacyLayerWriter's `platform` option. */
export function createWindowsLayerFinish(p: Platform): LegacyLayerPlatform {
  return {
    finishImport: (layerPath, staged, parents, details) => finish(p, layerPath, staged, parents, details),
    readParentUtilityVm: (parent, signal) => readParentUtilityVm(p, parent, signal),
  };
}

/** The parent's utility VM read through the Platform, with the privileges its backup-semantics opens need (the clone runs before finishImport). */
async function* readParentUtilityVm(p: Platform, parent: string, signal?: AbortSignal): AsyncIterable<Entry> {
  await p.enableProcessPrivileges(IMPORT_PRIVILEGES);
  yield* readUtilityVmThroughPlatform(p, parent, signal);
}

/**
 * The writer options that make legacy layers real HCS layers on Windows; none elsewhere, where
 * the staged folder is the layer. WCLAYER_LEGACY_LAYERS=portable keeps the portable folder on
 * Windows too (no elevation or Containers feature needed; not usable by HCS).
 */
export function nativeLegacyFinish(
  signal?: AbortSignal,
  os: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  p?: Platform,
): { platform?: LegacyLayerPlatform; signal?: AbortSignal } {
  if (os !== 'win32' || env.WCLAYER_LEGACY_LAYERS === 'portable') return {};
  return { platform: createWindowsLayerFinish(p ?? platform()), ...(signal ? { signal } : {}) };
}

interface Dir {
  path: string;
  info: FileInfo;
}

async function finish(p: Platform, layerPath: string, staged: string, parents: readonly string[], details: FinishImportDetails): Promise<void> {
  throwIfCancelled(details.signal, `finishing layer ${layerPath}`);
  await p.enableProcessPrivileges(IMPORT_PRIVILEGES);
  try {
    await mkdir(layerPath);
  } catch (e) {
    throw fromNodeError(e, layerPath);
  }
  const importFolder = `${layerPath}.hcs-import-${randomBytes(6).toString('hex')}`;
  const state = { imported: false };
  try {
    if (details.kind === 'base') await finishBase(p, layerPath, staged, details);
    else await finishChild(p, layerPath, staged, importFolder, parents, details, state);
    throwIfCancelled(details.signal, `finishing layer ${layerPath}`);
    await keepStagedMetadata(staged, layerPath);
  } catch (e) {
    if (state.imported) await p.destroyLayer(layerPath).catch(() => undefined);
    await rm(layerPath, { recursive: true, force: true, maxRetries: 3 });
    throw isWcError(e) ? e : fromNodeError(e);
  } finally {
    await rm(importFolder, { recursive: true, force: true, maxRetries: 3 });
  }
}

/** hcsshim's baseLayerWriter: everything restored in place, folder times, ProcessBaseImage (+ ProcessUtilityImage). */
async function finishBase(p: Platform, layerPath: string, staged: string, details: FinishImportDetails): Promise<void> {
  const dirs = await restoreEntries(p, readLegacyLayer(staged, { skipRecycleBin: false }), layerPath, { ...details, filter: () => true });
  await reapplyDirectoryTimes(p, layerPath, dirs, details.signal);
  await p.processBaseImage(layerPath, details);
  if (details.hasUtilityVM) await processUtilityVm(p, layerPath, details);
}

/** hcsshim's legacyLayerWriter + ImportLayer (see the top of this file for the steps). */
async function finishChild(
  p: Platform,
  layerPath: string,
  staged: string,
  importFolder: string,
  parents: readonly string[],
  details: FinishImportDetails,
  state: { imported: boolean },
): Promise<void> {
  const { signal } = details;
  const check = (): void => throwIfCancelled(signal, `finishing layer ${layerPath}`);
  const uvmDirs = details.hasUtilityVM
    ? await restoreEntries(p, readLegacyLayer(staged, { skipRecycleBin: false }), layerPath, { ...details, filter: isUvmPath, linkFrom: details.clonedUtilityVmFiles })
    : [];
  // What this layer adds, for hard links: a target added here is linked from the new layer (hcsshim addedFiles).
  const own = new Set<string>();
  const plan = await writeHcsImportFolder(readLegacyLayer(staged, { skipRecycleBin: false }), importFolder, {
    ...details,
    onStaged: async (disk, entryPath, info) => {
      own.add(entryPath);
      check();
      // HCS takes the times from the staged object; attributes 0 = "leave them" (they are in the payload).
      await withFile(p, disk, 'readWrite', (f) => f.setBasicInfo({ ...info, attributes: 0 }));
    },
    restoreHive: async (disk, e) => {
      own.add(e.path);
      check();
      await restoreHive(p, disk, e);
    },
  });
  check();
  state.imported = true; // from here on HCS may hold state for the layer: DestroyLayer on failure
  await p.importLayer(layerPath, importFolder, parents, details);
  for (const t of plan.tombstones) {
    if (!hasPathPrefix(t, 'Files')) continue; // utility VM deletions were applied to the clone
    await rm(join(layerPath, t), { recursive: true, force: true }).catch((e) => {
      throw fromNodeError(e, join(layerPath, t));
    });
  }
  for (const l of plan.links) {
    if (isUvmPath(l.path)) continue; // made with the utility VM
    check();
    const root = own.has(l.target) ? layerPath : await parentHolding(parents, l.target);
    const to = join(layerPath, l.path);
    await rm(to, { force: true });
    await link(join(root, l.target), to).catch((e) => {
      throw fromNodeError(e, to);
    });
    own.add(l.path);
  }
  await reapplyDirectoryTimes(p, layerPath, [...uvmDirs, ...plan.directories], signal);
  if (details.hasUtilityVM) await processUtilityVm(p, layerPath, details);
}

const isUvmPath = (path: string): boolean => path === UVM || hasPathPrefix(path, UVM);

/** The first parent layer folder holding `target` (the writer checked that one does). */
async function parentHolding(parents: readonly string[], target: string): Promise<string> {
  for (const parent of parents) {
    if (await lstat(join(parent, target)).catch(() => undefined)) return parent;
  }
  throw new WcError('NotFound', `failed to find link target '${target}' in the parent layers`, { entry: target });
}

async function withFile<T>(p: Platform, path: string, access: 'readWrite' | 'restore', body: (f: BackupFile) => Promise<T>, disposition: 'openExisting' | 'createNew' = 'openExisting'): Promise<T> {
  const f = await p.openForBackup(path, { access, disposition });
  try {
    return await body(f);
  } finally {
    await f.close();
  }
}

interface RestoreOptions extends TaskOptions {
  filter: (path: string) => boolean;
  /** Files hard-linked to an existing file (layer path → source) rather than restored; their streams come with the link. */
  linkFrom?: ReadonlyMap<string, string> | undefined;
}

/**
 * Replays entries onto NTFS under root as hcsshim's base layer writer does: folders made and
 * opened, files created new, each with its full basic info and then its backup stream written
 * with security. Returns the folders in creation order, for the times.
 */
async function restoreEntries(p: Platform, entries: AsyncIterable<Entry>, root: string, options: RestoreOptions): Promise<Dir[]> {
  const dirs: Dir[] = [];
  let open: { path: string; file: BackupFile; writer: BackupStreamWriter } | undefined;
  let linked: string | undefined;
  const closeOpen = async (): Promise<void> => {
    const o = open;
    open = undefined;
    if (!o) return;
    try {
      await o.writer.close();
    } finally {
      await o.file.close();
    }
  };
  try {
    for await (const e of entries) {
      if (!options.filter(e.path)) {
        if (e.kind === 'file' || e.kind === 'stream') e.data?.destroy();
        continue;
      }
      throwIfCancelled(options.signal, `restoring ${e.path}`);
      if (e.kind === 'stream' && e.path === linked) {
        e.data?.destroy();
        continue;
      }
      linked = undefined;
      if (e.kind === 'stream') {
        if (!open || open.path !== e.path) throw new WcError('Internal', `alternate stream ${e.path}:${e.name} does not follow its file`, { entry: e.path });
        await open.writer.write(encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.ALTERNATE_DATA, attributes: 0, size: e.size, name: `:${e.name}:$DATA` }));
        await writeData(open.writer, e.data);
        continue;
      }
      await closeOpen();
      const disk = join(root, e.path);
      switch (e.kind) {
        case 'directory': {
          // CreateFileW cannot create a folder: make it, then open it with backup semantics.
          await mkdir(disk).catch((err) => {
            throw fromNodeError(err, disk);
          });
          dirs.push({ path: e.path, info: e.info });
          open = await startRestore(p, disk, e.path, e.info, 'openExisting');
          break;
        }
        case 'file': {
          const source = options.linkFrom?.get(e.path);
          if (source !== undefined) {
            e.data?.destroy();
            await link(source, disk).catch((err) => {
              throw fromNodeError(err, disk);
            });
            linked = e.path;
            break;
          }
          open = await startRestore(p, disk, e.path, e.info, 'createNew');
          if (!(e.info.reparseData && e.size === 0)) {
            await open.writer.write(encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.DATA, attributes: 0, size: e.size, name: '' }));
            await writeData(open.writer, e.data);
          }
          break;
        }
        case 'link':
          await link(join(root, e.target), disk).catch((err) => {
            throw fromNodeError(err, disk);
          });
          break;
        case 'whiteout':
          // The writer applied these to the staged folder (utility VM) or refused them (base).
          break;
      }
    }
  } finally {
    await closeOpen().catch(() => undefined);
  }
  return dirs;
}

/**
 * Opens the object for restore, sets its full basic info (attributes included), then starts a
 * BackupWrite session with security and writes the metadata streams. Closes what it opened if
 * any step fails.
 */
async function startRestore(p: Platform, disk: string, path: string, info: FileInfo, disposition: 'openExisting' | 'createNew'): Promise<{ path: string; file: BackupFile; writer: BackupStreamWriter }> {
  const file = await p.openForBackup(disk, { access: 'restore', disposition });
  let writer: BackupStreamWriter | undefined;
  try {
    await file.setBasicInfo(info);
    writer = file.createBackupWriter({ includeSecurity: true });
    const meta = metadataStreams(info);
    if (meta.length) await writer.write(meta);
    return { path, file, writer };
  } catch (e) {
    await writer?.close().catch(() => undefined);
    await file.close().catch(() => undefined);
    throw e;
  }
}

async function writeData(writer: BackupStreamWriter, data: AsyncIterable<Uint8Array> | undefined): Promise<void> {
  if (!data) return;
  for await (const chunk of data) await writer.write(chunk);
}

/**
 * A delta hive in the import folder, as hcsshim stages it: created new, times set with
 * attributes 0, then its backup stream (EA, data) restored with BackupWrite without security.
 */
async function restoreHive(p: Platform, disk: string, e: FileEntry): Promise<void> {
  await withFile(
    p,
    disk,
    'readWrite',
    async (f) => {
      await f.setBasicInfo({ ...e.info, attributes: 0 });
      const writer = f.createBackupWriter({ includeSecurity: false });
      try {
        const { securityDescriptor: _skipped, ...withoutSd } = e.info;
        const meta = metadataStreams(withoutSd);
        if (meta.length) await writer.write(meta);
        await writer.write(encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.DATA, attributes: 0, size: e.size, name: '' }));
        await writeData(writer, e.data);
      } finally {
        await writer.close();
      }
    },
    'createNew',
  );
}

/** hcsshim's reapplyDirectoryTimes: children first, after every deletion and link. */
async function reapplyDirectoryTimes(p: Platform, root: string, dirs: readonly Dir[], signal: AbortSignal | undefined): Promise<void> {
  for (let i = dirs.length - 1; i >= 0; i--) {
    throwIfCancelled(signal, `setting folder times in ${root}`);
    const d = dirs[i]!;
    await withFile(p, join(root, d.path), 'readWrite', (f) => f.setBasicInfo(d.info));
  }
}

/** ProcessUtilityImage on <layer>\UtilityVM, refused when that folder is a reparse point (hcsshim EnsureNotReparsePointRelative). */
export async function processUtilityVm(p: Platform, layerPath: string, options: TaskOptions): Promise<void> {
  const uvm = join(layerPath, UVM);
  const info = await withFile(p, uvm, 'readWrite', (f) => f.getBasicInfo());
  if (info.attributes & FILE_ATTRIBUTE.REPARSE_POINT) {
    throw new WcError('FailedPrecondition', `${uvm} is a reparse point; refusing to process it as the utility VM`, { path: uvm });
  }
  await p.processUtilityImage(uvm, options);
}

/** Moves the staged metadata (and the pristine BCD copies) into the finished layer. */
async function keepStagedMetadata(staged: string, layerPath: string): Promise<void> {
  for (const name of [META_DIR, ...SAVED_BCD_FILES]) {
    const from = join(staged, name);
    if (!(await lstat(from).catch(() => undefined))) continue;
    await rename(from, join(layerPath, name)).catch((e) => {
      throw fromNodeError(e, join(layerPath, name));
    });
  }
}
