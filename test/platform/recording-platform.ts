// A Platform for tests of code that drives Windows: it records every call with its arguments,
// keeps what a real NTFS would (files created by CreateFileW exist on disk, BackupWrite bytes
// and basic info per path), and can fail, or run a hook, at a chosen call. Failures look like
// the win32 implementation's: a WcError naming the Win32 function and the path, win32 code in data.

import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { BACKUP_STREAM_ID, decodeBackupStreamBuffer } from '../../src/formats/backup/index.js';
import type { BackupFile, CimMount, FileBasicInfo, OfflineHive, Platform } from '../../src/platform/index.js';
import { errorFromWin32 } from '../../src/platform/win32/errors.js';
import { WINDOWS_OPERATIONS } from '../../src/platform/types.js';

export interface RecordedCall {
  /** The Platform method, or for a BackupFile: setBasicInfo, getBasicInfo, backupRead, backupReadChunk, createBackupWriter, backupWrite, closeWriter, close. */
  op: string;
  /** The path the call is about (layer path, file path, volume …), when it has one. */
  path?: string;
  args: unknown[];
}

/** The Win32 function each recorded op stands for (what the error names): the Platform's own table, plus a BackupFile's calls. */
const WIN32_NAME: Record<string, string> = {
  ...WINDOWS_OPERATIONS,
  setBasicInfo: 'SetFileInformationByHandle',
  getBasicInfo: 'GetFileInformationByHandleEx',
  backupRead: 'BackupRead',
  backupReadChunk: 'BackupRead',
  backupWrite: 'BackupWrite',
  closeWriter: 'BackupWrite',
  close: 'CloseHandle',
};

export interface RecordingOptions {
  /** Fail this call (ERROR_ACCESS_DENIED, as the real one would report it). */
  failAt?: (call: RecordedCall, index: number) => boolean;
  /** Runs after the call is recorded and before it acts (e.g. to abort a signal). */
  onCall?: (call: RecordedCall, index: number) => void;
  /** ImportLayer's stand-in: by default the import folder's files (not `.$wcidirs$`) are copied into the layer. */
  onImportLayer?: (layerPath: string, sourceFolder: string) => void;
  /** Basic info getBasicInfo answers for a path never set (default: a plain folder). */
  basicInfoOf?: (path: string) => FileBasicInfo | undefined;
  /** What BackupRead gives for a path (default nothing); handed out in small chunks, so readers meet split headers. */
  backupStreamOf?: (path: string) => Uint8Array | undefined;
  /** The chunk size of those reads (default 7 bytes). */
  backupReadChunk?: number;
  /** What GetLayerMountPath answers. */
  mountPath?: string;
}

export interface RecordingPlatform {
  platform: Platform;
  calls: RecordedCall[];
  /** Every byte written through BackupWrite, per path. */
  backupBytes: Map<string, Buffer>;
  /** The last basic info set, per path. */
  basicInfo: Map<string, FileBasicInfo>;
  /** ImportLayer's source folder listing (relative paths) at the time of the call. */
  importedFolders: Map<string, string[]>;
  /** The calls that were made to fail. */
  failed: RecordedCall[];
}

const FOLDER: FileBasicInfo = { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n };

export function recordingPlatform(options: RecordingOptions = {}): RecordingPlatform {
  const calls: RecordedCall[] = [];
  const backupBytes = new Map<string, Buffer>();
  const basicInfo = new Map<string, FileBasicInfo>();
  const importedFolders = new Map<string, string[]>();
  const failed: RecordedCall[] = [];

  const record = (op: string, path: string | undefined, ...args: unknown[]): void => {
    const call: RecordedCall = path === undefined ? { op, args } : { op, path, args };
    const index = calls.push(call) - 1;
    options.onCall?.(call, index);
    if (options.failAt?.(call, index)) {
      failed.push(call);
      throw errorFromWin32(5, WIN32_NAME[op] ?? op, path === undefined ? {} : { path });
    }
  };

  const openFile = (path: string): BackupFile => {
    let closed = false;
    return {
      path,
      getBasicInfo: async () => {
        record('getBasicInfo', path);
        return basicInfo.get(path) ?? options.basicInfoOf?.(path) ?? FOLDER;
      },
      setBasicInfo: async (info) => {
        record('setBasicInfo', path, info);
        basicInfo.set(path, info);
      },
      readBackupStream: async function* (o = {}) {
        record('backupRead', path, o.includeSecurity !== false);
        const bytes = options.backupStreamOf?.(path) ?? new Uint8Array(0);
        const step = options.backupReadChunk ?? 7;
        for (let off = 0; off < bytes.length; off += step) {
          record('backupReadChunk', path, off);
          yield bytes.subarray(off, off + step);
        }
      },
      createBackupWriter: (o = {}) => {
        record('createBackupWriter', path, o.includeSecurity !== false);
        return {
          write: async (chunk) => {
            record('backupWrite', path, chunk.length);
            backupBytes.set(path, Buffer.concat([backupBytes.get(path) ?? Buffer.alloc(0), chunk]));
          },
          close: async () => {
            record('closeWriter', path);
            // As NTFS would: a file's default stream holds the DATA stream's bytes.
            if (statSync(path).isFile()) {
              const data = decodeBackupStreamBuffer(backupBytes.get(path) ?? Buffer.alloc(0)).find((s) => s.header.id === BACKUP_STREAM_ID.DATA);
              writeFileSync(path, data?.data ?? Buffer.alloc(0));
            }
          },
        };
      },
      close: async () => {
        if (closed) return;
        closed = true;
        record('close', path);
      },
    };
  };

  const simple =
    (op: string) =>
    async (path: string, ...rest: unknown[]): Promise<void> =>
      record(op, path, ...rest.filter((x) => !(x && typeof x === 'object' && !Array.isArray(x))));

  const platform: Platform = {
    name: 'win32',
    enableProcessPrivileges: async (names) => record('enableProcessPrivileges', undefined, [...names]),
    openForBackup: async (path, o) => {
      const disposition = o.disposition ?? 'openExisting';
      record('openForBackup', path, o.access, disposition);
      if (disposition === 'createNew') {
        if (existsSync(path)) throw errorFromWin32(80, 'CreateFileW', { path });
        writeFileSync(path, '', { flag: 'wx' });
      } else if (!existsSync(path)) {
        throw errorFromWin32(2, 'CreateFileW', { path });
      }
      return openFile(path);
    },
    importLayer: async (layerPath, source, parents) => {
      importedFolders.set(source, listTree(source));
      record('importLayer', layerPath, source, [...parents]);
      if (options.onImportLayer) options.onImportLayer(layerPath, source);
      else cpSync(source, layerPath, { recursive: true, filter: (p) => !p.endsWith('.$wcidirs$') });
    },
    exportLayer: async (layerPath, target, parents) => record('exportLayer', layerPath, target, [...parents]),
    activateLayer: simple('activateLayer'),
    deactivateLayer: simple('deactivateLayer'),
    prepareLayer: async (layerPath, parents) => record('prepareLayer', layerPath, [...parents]),
    unprepareLayer: simple('unprepareLayer'),
    destroyLayer: async (layerPath) => {
      record('destroyLayer', layerPath);
      rmSync(layerPath, { recursive: true, force: true }); // DestroyLayer deletes the folder and all in it
    },
    createSandboxLayer: async (layerPath, parents) => record('createSandboxLayer', layerPath, [...parents]),
    expandSandboxSize: async (layerPath, size) => record('expandSandboxSize', layerPath, size),
    processBaseImage: simple('processBaseImage'),
    processUtilityImage: simple('processUtilityImage'),
    layerExists: async (layerPath) => {
      record('layerExists', layerPath);
      return existsSync(layerPath);
    },
    getLayerMountPath: async (layerPath) => {
      record('getLayerMountPath', layerPath);
      return options.mountPath ?? '\\\\?\\Volume{0f0e0d0c-0b0a-0908-0706-050403020100}';
    },
    nameToGuid: async (name) => {
      record('nameToGuid', name);
      return '00000000-0000-0000-0000-000000000000';
    },
    setVolumeMountPoint: async (target, volume) => record('setVolumeMountPoint', target, volume),
    deleteVolumeMountPoint: async (target) => record('deleteVolumeMountPoint', target),
    cimMountImage: async (cimPath, o): Promise<CimMount> => {
      record('cimMountImage', cimPath, o?.volumeGuid ?? null);
      const volumeGuid = o?.volumeGuid ?? '0f0e0d0c-0b0a-0908-0706-050403020100';
      return { volumeGuid, volumePath: `\\\\?\\Volume{${volumeGuid}}\\` };
    },
    cimDismountImage: async (volume) => record('cimDismountImage', volume),
    createHive: async (): Promise<OfflineHive> => {
      record('createHive', undefined);
      return hive();
    },
    openHive: async (path) => {
      record('openHive', path);
      return hive();
    },
    mergeHives: async (hives) => {
      record('mergeHives', undefined, hives.length);
      return hive();
    },
  };

  function hive(): OfflineHive {
    return {
      save: async (path, version) => {
        record('saveHive', path, version);
        writeFileSync(path, 'regf');
      },
      close: async () => undefined,
    };
  }

  return { platform, calls, backupBytes, basicInfo, importedFolders, failed };
}

function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      out.push(d.isDirectory() ? `${r}/` : r);
      if (d.isDirectory()) walk(`${dir}/${d.name}`, r);
    }
  };
  walk(root, '');
  return out.sort();
}
