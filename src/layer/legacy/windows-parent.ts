// A parent layer's utility VM read on Windows when the parent carries no WcLayer metadata (a
// layer Docker, containerd or hcsshim made): the folders are walked with the file system, and
// each object's basic info and metadata streams (security descriptor, EAs, reparse data) come
// through the Platform (CreateFileW, GetFileInformationByHandleEx, BackupRead), as hcsshim's
// cloneTree reads them. BackupRead is stopped at the data stream: the metadata streams come
// before it (go-winio's backuptar takes them from there too), and the data itself is not needed
// since the writer hard-links the file. Sizes come from the file system. Alternate data streams
// follow the data and are not read: on NTFS they come with the hard link, but the layer's
// metadata does not list them.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { corrupt, fromNodeError } from '../../errors.js';
import { BACKUP_STREAM_ID, BackupStreamDecoder, decodeExtendedAttributes } from '../../formats/backup/index.js';
import { FILE_ATTRIBUTE, type Entry, type FileInfo } from '../../formats/entry.js';
import type { Platform } from '../../platform/index.js';
import { throwIfCancelled } from '../../task.js';

const UVM = 'UtilityVM';
const UVM_FILES = 'UtilityVM/Files';
/** GENERIC_READ | ACCESS_SYSTEM_SECURITY: how hcsshim's copyFileWithMetadata opens the source, so BackupRead gives the SACL too (needs SeSecurityPrivilege). */
const READ_WITH_SACL = (0x80000000 | 0x01000000) >>> 0;
/** Enough for any security descriptor and EA set in one BackupRead call; the data after it is not wanted. */
const READ_CHUNK = 64 * 1024;

/**
 * The parent's `UtilityVM` folder, then everything under `UtilityVM/Files` (hcsshim clones only
 * that part), folders before their contents, names in sorted order. Files come without data.
 * Reparse points (folders included) are not descended into. The caller enables the backup and
 * security privileges first.
 */
export async function* readUtilityVmThroughPlatform(p: Platform, parent: string, signal?: AbortSignal): AsyncIterable<Entry> {
  yield { kind: 'directory', path: UVM, info: await readInfo(p, join(parent, UVM), signal) };
  yield* walk(p, parent, UVM_FILES, signal);
}

async function* walk(p: Platform, parent: string, path: string, signal: AbortSignal | undefined): AsyncIterable<Entry> {
  throwIfCancelled(signal, `reading ${join(parent, path)}`);
  const disk = join(parent, path);
  const info = await readInfo(p, disk, signal);
  const reparse = (info.attributes & FILE_ATTRIBUTE.REPARSE_POINT) !== 0;
  if (!(info.attributes & FILE_ATTRIBUTE.DIRECTORY)) {
    const size = reparse ? 0 : await lstat(disk).then((s) => s.size, (e: unknown) => Promise.reject(fromNodeError(e, disk)));
    yield { kind: 'file', path, info, size };
    return;
  }
  yield { kind: 'directory', path, info };
  if (reparse) return;
  const names = await readdir(disk).catch((e: unknown) => Promise.reject(fromNodeError(e, disk)));
  for (const name of names.sort()) yield* walk(p, parent, `${path}/${name}`, signal);
}

/** Basic info plus the security descriptor, EAs and reparse data from the streams before the data. */
async function readInfo(p: Platform, disk: string, signal: AbortSignal | undefined): Promise<FileInfo> {
  const f = await p.openForBackup(disk, { access: READ_WITH_SACL });
  try {
    const info: FileInfo = { ...(await f.getBasicInfo()) };
    const decoder = new BackupStreamDecoder();
    let current: { id: number; parts: Uint8Array[] } | undefined;
    const keep = (): void => {
      if (!current) return;
      const bytes = new Uint8Array(Buffer.concat(current.parts));
      if (current.id === BACKUP_STREAM_ID.SECURITY_DATA) info.securityDescriptor = bytes;
      else if (current.id === BACKUP_STREAM_ID.EA_DATA) info.extendedAttributes = decodeExtendedAttributes(bytes);
      else if (current.id === BACKUP_STREAM_ID.REPARSE_DATA) info.reparseData = bytes;
      current = undefined;
    };
    let atData = false;
    read: for await (const chunk of f.readBackupStream({ includeSecurity: true, chunkSize: READ_CHUNK, ...(signal ? { signal } : {}) })) {
      for (const ev of decoder.write(chunk)) {
        if (ev.type === 'data') {
          current?.parts.push(Buffer.from(ev.chunk)); // a view into the chunk: copy it
          continue;
        }
        keep();
        if (ev.header.id === BACKUP_STREAM_ID.DATA) {
          atData = true;
          break read;
        }
        if (ev.header.id === BACKUP_STREAM_ID.SECURITY_DATA || ev.header.id === BACKUP_STREAM_ID.EA_DATA || ev.header.id === BACKUP_STREAM_ID.REPARSE_DATA) {
          current = { id: ev.header.id, parts: [] };
        }
      }
    }
    if (!atData) {
      try {
        decoder.end();
      } catch (e) {
        throw corrupt(`${disk}: ${(e as Error).message}`, { path: disk });
      }
      keep();
    }
    return info;
  } finally {
    await f.close();
  }
}
