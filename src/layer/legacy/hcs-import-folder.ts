// Renders a layer's entries as the HCS *import folder* (the "transport format" that hcsshim's
// legacyLayerWriter stages for vmcompute ImportLayer, layer-format.md 3.3), for the Windows
// finish hook and for inspection:
//   - a file under Files/: `<R>/<path>` holding its FileAttributes as a little-endian uint32,
//     then its Win32 backup stream: SECURITY (if any), EA (if any), REPARSE (if any), DATA
//     (for every file except a data-less reparse point), then one ALTERNATE_DATA per stream;
//   - a folder: `<R>/<path>/` plus the sibling `<R>/<path>.$wcidirs$` with the same header and
//     its SECURITY / EA / REPARSE streams (folders under Hives/ get an empty one);
//   - a file under Hives/: the plain hive bytes;
//   - the utility VM is not part of the folder (hcsshim writes it straight into the layer);
//     links, tombstones and folder times are returned, to be applied after ImportLayer.
// Portable; only the times of the staged objects (which HCS reads from the file system) need
// Windows, so the hook sets those itself from `directories`/the entries.

import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { WcError, corrupt, fromNodeError } from '../../errors.js';
import type { Entry, FileEntry, FileInfo } from '../../formats/entry.js';
import { BACKUP_STREAM_ID, encodeBackupStreamHeader, encodeExtendedAttributes } from '../../formats/backup/index.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { hasPathPrefix } from '../paths.js';

export interface HcsImportPlan {
  /** Files\ deletions to apply to the layer after ImportLayer. */
  tombstones: string[];
  /** Hard links to create after ImportLayer (target: in this layer, or else in a parent). */
  links: { path: string; target: string }[];
  /** Folders in creation order with their metadata, for re-applying times children-first. */
  directories: { path: string; info: FileInfo }[];
  /** The entries included a utility VM (written separately, not into the folder). */
  utilityVM: boolean;
}

export const WCIDIRS_SUFFIX = '.$wcidirs$';

export interface HcsImportFolderOptions extends TaskOptions {
  /**
   * Called once per staged object (file, `<dir>.$wcidirs$`, hive) after it is complete and
   * closed, with its absolute path and the entry's metadata: HCS reads the staged objects' times
   * from the file system, so the Windows finish sets them here (writing would change them).
   */
  onStaged?: (diskPath: string, entryPath: string, info: FileInfo) => Promise<void>;
  /**
   * Writes a file under Hives/ at diskPath (which does not exist yet) instead of the plain copy:
   * hcsshim restores hives with BackupWrite (without security), so on Windows the finish does
   * the same. Must consume or destroy the entry's data. onStaged is not called for it.
   */
  restoreHive?: (diskPath: string, entry: FileEntry) => Promise<void>;
}

/** Writes `entries` (e.g. readLegacyLayer(layer)) as an HCS import folder at importFolder, which must not exist. */
export async function writeHcsImportFolder(entries: AsyncIterable<Entry>, importFolder: string, options: HcsImportFolderOptions = {}): Promise<HcsImportPlan> {
  const plan: HcsImportPlan = { tombstones: [], links: [], directories: [], utilityVM: false };
  try {
    mkdirSync(importFolder);
  } catch (e) {
    throw fromNodeError(e, importFolder);
  }
  let open: { fd: number; path: string; disk: string; info: FileInfo } | undefined;
  const closeOpen = (): void => {
    if (open) closeSync(open.fd);
    open = undefined;
  };
  /** Closes the open object and reports it as staged. */
  const finishOpen = async (): Promise<void> => {
    const done = open;
    closeOpen();
    if (done) await options.onStaged?.(done.disk, done.path, done.info);
  };
  try {
    for await (const e of entries) {
      throwIfCancelled(options.signal, 'writing the import folder');
      if (e.kind === 'stream') {
        if (!open || open.path !== e.path) {
          // ADS of a folder, or of something not in the folder (utility VM, Hives): not carried.
          if (e.path === 'UtilityVM' || hasPathPrefix(e.path, 'UtilityVM') || hasPathPrefix(e.path, 'Hives')) {
            e.data?.destroy();
            continue;
          }
          throw new WcError('Unsupported', `alternate stream ${e.path}:${e.name} cannot be placed in the import folder`, { entry: e.path });
        }
        writeBytes(open.fd, encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.ALTERNATE_DATA, attributes: 0, size: e.size, name: `:${e.name}:$DATA` }), e.path);
        await copyData(open.fd, e.data, e.size, `${e.path}:${e.name}`);
        continue;
      }
      await finishOpen();
      if (e.path === 'UtilityVM' || hasPathPrefix(e.path, 'UtilityVM')) {
        plan.utilityVM = true;
        if (e.kind === 'file') e.data?.destroy();
        if (e.kind === 'link') plan.links.push({ path: e.path, target: e.target });
        if (e.kind === 'whiteout') plan.tombstones.push(e.path);
        continue;
      }
      const disk = join(importFolder, e.path);
      switch (e.kind) {
        case 'whiteout':
          plan.tombstones.push(e.path);
          break;
        case 'link':
          plan.links.push({ path: e.path, target: e.target });
          break;
        case 'directory': {
          plan.directories.push({ path: e.path, info: e.info });
          mkdirSync(disk);
          const fd = openSync(disk + WCIDIRS_SUFFIX, 'wx');
          open = { fd, path: e.path, disk: disk + WCIDIRS_SUFFIX, info: e.info };
          if (hasPathPrefix(e.path, 'Hives')) await finishOpen();
          else writeBytes(fd, metadataPrefix(e.info), e.path);
          break;
        }
        case 'file': {
          if (options.restoreHive && hasPathPrefix(e.path, 'Hives')) {
            await options.restoreHive(disk, e);
            break;
          }
          const fd = openSync(disk, 'wx');
          open = { fd, path: e.path, disk, info: e.info };
          if (hasPathPrefix(e.path, 'Hives')) {
            await copyData(fd, e.data, e.size, e.path);
            await finishOpen();
            break;
          }
          writeBytes(fd, metadataPrefix(e.info), e.path);
          if (!(e.info.reparseData && e.size === 0)) {
            writeBytes(fd, encodeBackupStreamHeader({ id: BACKUP_STREAM_ID.DATA, attributes: 0, size: e.size, name: '' }), e.path);
            await copyData(fd, e.data, e.size, e.path);
          }
          break;
        }
      }
    }
  } catch (e) {
    try {
      closeOpen();
    } catch {
      // removing it anyway
    }
    rmSync(importFolder, { recursive: true, force: true });
    throw fromNodeError(e);
  }
  try {
    await finishOpen();
  } catch (e) {
    rmSync(importFolder, { recursive: true, force: true });
    throw fromNodeError(e);
  }
  return plan;
}

/** Attributes, then the metadata streams. */
function metadataPrefix(info: FileInfo): Uint8Array {
  const attrs = new Uint8Array(4);
  new DataView(attrs.buffer).setUint32(0, info.attributes >>> 0, true);
  return Buffer.concat([attrs, metadataStreams(info)]);
}

/** The SECURITY, EA and REPARSE backup streams of an object, in go-winio's order for tar imports. */
export function metadataStreams(info: FileInfo): Uint8Array {
  const parts: Uint8Array[] = [];
  const add = (id: number, data: Uint8Array): void => {
    parts.push(encodeBackupStreamHeader({ id, attributes: 0, size: data.length, name: '' }), data);
  };
  if (info.securityDescriptor?.length) add(BACKUP_STREAM_ID.SECURITY_DATA, info.securityDescriptor);
  if (info.extendedAttributes?.length) add(BACKUP_STREAM_ID.EA_DATA, encodeExtendedAttributes(info.extendedAttributes));
  if (info.reparseData?.length) add(BACKUP_STREAM_ID.REPARSE_DATA, info.reparseData);
  return Buffer.concat(parts);
}

function writeBytes(fd: number, b: Uint8Array, name: string): void {
  try {
    for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
  } catch (e) {
    throw fromNodeError(e, name);
  }
}

/** Copies exactly `size` bytes (the backup stream header already promised them). */
async function copyData(fd: number, data: AsyncIterable<Uint8Array> | undefined, size: number, name: string): Promise<void> {
  let n = 0;
  if (data) {
    for await (const chunk of data) {
      n += chunk.length;
      if (n > size) throw corrupt(`${name}: too many bytes by ${n - size}`, { entry: name });
      writeBytes(fd, chunk, name);
    }
  }
  if (n !== size) throw corrupt(`${name}: missing ${size - n} bytes`, { entry: name });
}
