// What the layer code needs from the operating system, as one interface. The win32
// implementation calls kernel32/advapi32/vmcompute/cimfs/offreg through koffi; the portable one
// throws Unsupported for every call; tests inject a fake. Values are plain TypeScript: paths are
// strings, times are FILETIME bigints, GUIDs are strings like "0f0e0d0c-...".

import type { FileInfo } from '../formats/entry.js';
import type { TaskOptions } from '../task.js';
import type { PlatformName } from './index.js';

/** Privileges the layer code enables (go-winio names). */
export type PrivilegeName = 'SeBackupPrivilege' | 'SeRestorePrivilege' | 'SeSecurityPrivilege';

/** The FILE_BASIC_INFO part of FileInfo: four FILETIMEs and the attribute bits. */
export type FileBasicInfo = Pick<FileInfo, 'attributes' | 'creationTime' | 'lastAccessTime' | 'lastWriteTime' | 'changeTime'>;

/** How CreateFileW should treat an existing or missing file (winbase.h dispositions). */
export type CreateDisposition = 'createNew' | 'createAlways' | 'openExisting' | 'openAlways' | 'truncateExisting';

export interface OpenForBackupOptions {
  /**
   * 'read': GENERIC_READ (what BackupRead needs). 'restore': GENERIC_READ|GENERIC_WRITE|
   * WRITE_DAC|WRITE_OWNER|ACCESS_SYSTEM_SECURITY (what BackupWrite with security needs, as
   * hcsshim's base layer writer opens files). 'readWrite': GENERIC_READ|GENERIC_WRITE (enough
   * to set times and attributes; hcsshim's reapplyDirectoryTimes). A number is passed to
   * CreateFileW unchanged.
   */
  access: 'read' | 'readWrite' | 'restore' | number;
  /** Default 'openExisting'. */
  disposition?: CreateDisposition;
  /** FILE_SHARE_* bits; default FILE_SHARE_READ. */
  share?: number;
}

export interface BackupReadOptions extends TaskOptions {
  /** Include the security descriptor stream (BackupRead bProcessSecurity). Default true. */
  includeSecurity?: boolean;
  /** Bytes asked of each BackupRead call. Default 256 KiB. */
  chunkSize?: number;
}

export interface BackupWriteOptions {
  /** Restore the security descriptor stream too (BackupWrite bProcessSecurity). Default true. */
  includeSecurity?: boolean;
}

/** A file or directory opened with FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT. */
export interface BackupFile {
  readonly path: string;
  getBasicInfo(): Promise<FileBasicInfo>;
  setBasicInfo(info: FileBasicInfo): Promise<void>;
  /**
   * The file as a Win32 backup stream (layer-format.md 2.1), in chunks. Stops early (and frees
   * the BackupRead context) when the loop breaks or the signal fires (Cancelled).
   */
  readBackupStream(options?: BackupReadOptions): AsyncIterable<Uint8Array>;
  /** A push-style BackupWrite session: write backup-stream bytes in any chunking, then close(). */
  createBackupWriter(options?: BackupWriteOptions): BackupStreamWriter;
  /** Closes the handle (and any unfinished reader or writer context). Safe to call twice. */
  close(): Promise<void>;
}

export interface BackupStreamWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Frees the BackupWrite context. Safe to call twice. */
  close(): Promise<void>;
}

/** Where a mounted CIM can be reached. */
export interface CimMount {
  /** Lower-case GUID without braces, e.g. "6f1c...". */
  volumeGuid: string;
  /** `\\?\Volume{<guid>}\` */
  volumePath: string;
}

export interface CimMountOptions {
  /** The volume GUID to mount at; a random one when absent (hcsshim does the same). */
  volumeGuid?: string;
  /** CIM_MOUNT_IMAGE_FLAGS bits; default 0 (CIM_MOUNT_IMAGE_NONE). */
  flags?: number;
}

/** Windows version written into a hive by ORSaveHive (hcsshim passes the host's version). */
export interface HiveOsVersion {
  major: number;
  minor: number;
}

/** An offline registry hive opened with offreg.dll. */
export interface OfflineHive {
  save(path: string, version: HiveOsVersion): Promise<void>;
  /** Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The OS boundary. Layer paths are full paths (hcsshim passes the full layer path as the HCS
 * layer id). Parent layer paths are ordered from the immediate parent to the base layer.
 */
export interface Platform {
  readonly name: PlatformName;

  /** Enables privileges for the whole process (go-winio EnableProcessPrivileges). */
  enableProcessPrivileges(names: readonly PrivilegeName[]): Promise<void>;

  /** Opens a file or directory with backup semantics (go-winio OpenForBackup). */
  openForBackup(path: string, options: OpenForBackupOptions): Promise<BackupFile>;

  // vmcompute.dll, the legacy HCS layer API. Long calls run off the main thread; cancellation is
  // checked before the call and after it returns (the OS call itself cannot be interrupted).
  importLayer(layerPath: string, sourceFolder: string, parentLayerPaths: readonly string[], options?: TaskOptions): Promise<void>;
  exportLayer(layerPath: string, exportFolder: string, parentLayerPaths: readonly string[], options?: TaskOptions): Promise<void>;
  activateLayer(layerPath: string): Promise<void>;
  deactivateLayer(layerPath: string): Promise<void>;
  prepareLayer(layerPath: string, parentLayerPaths: readonly string[]): Promise<void>;
  unprepareLayer(layerPath: string): Promise<void>;
  destroyLayer(layerPath: string): Promise<void>;
  /** A writable scratch layer over the parents (hcsshim CreateScratchLayer). */
  createSandboxLayer(layerPath: string, parentLayerPaths: readonly string[]): Promise<void>;
  /** vmcompute ExpandSandboxSize only; the volume inside the VHD is not extended. */
  expandSandboxSize(layerPath: string, sizeBytes: bigint): Promise<void>;
  processBaseImage(layerPath: string, options?: TaskOptions): Promise<void>;
  /** Takes the layer's UtilityVM folder, as hcsshim does. */
  processUtilityImage(utilityVmPath: string, options?: TaskOptions): Promise<void>;
  layerExists(layerPath: string): Promise<boolean>;
  /** The volume path of an activated and prepared layer ("" when it has none). */
  getLayerMountPath(layerPath: string): Promise<string>;
  /** The HCS layer id of a layer name (vmcompute NameToGuid; the algorithm is not public). */
  nameToGuid(name: string): Promise<string>;

  // kernel32 volume mount points (hcsshim cmd/wclayer `mount <scratch> <target>`)
  /**
   * Mounts a volume (`\\?\Volume{guid}`, with or without the trailing backslash) at an empty
   * folder. InvalidArgument when volumePath is not a volume GUID path.
   */
  setVolumeMountPoint(targetPath: string, volumePath: string): Promise<void>;
  deleteVolumeMountPoint(targetPath: string): Promise<void>;

  // cimfs.dll
  /** Mounts `<dir>/<name>` (the path of the .cim file) as a volume. */
  cimMountImage(cimPath: string, options?: CimMountOptions): Promise<CimMount>;
  /** Takes the volume GUID or the `\\?\Volume{guid}\` path that cimMountImage returned. */
  cimDismountImage(volume: string): Promise<void>;

  // offreg.dll
  createHive(): Promise<OfflineHive>;
  openHive(path: string): Promise<OfflineHive>;
  /** ORMergeHives: later hives override earlier ones (hcsshim passes [parent base, delta]). */
  mergeHives(hives: readonly OfflineHive[]): Promise<OfflineHive>;
}

export type WindowsOperation = Exclude<keyof Platform, 'name'>;

/**
 * Every Platform method that needs Windows, with the Win32 function it stands for. Errors name
 * that function (data.operation), on Windows and in the portable Unsupported errors alike.
 */
export const WINDOWS_OPERATIONS: Readonly<Record<WindowsOperation, string>> = {
  enableProcessPrivileges: 'AdjustTokenPrivileges',
  openForBackup: 'CreateFileW',
  importLayer: 'ImportLayer',
  exportLayer: 'ExportLayer',
  activateLayer: 'ActivateLayer',
  deactivateLayer: 'DeactivateLayer',
  prepareLayer: 'PrepareLayer',
  unprepareLayer: 'UnprepareLayer',
  destroyLayer: 'DestroyLayer',
  createSandboxLayer: 'CreateSandboxLayer',
  expandSandboxSize: 'ExpandSandboxSize',
  processBaseImage: 'ProcessBaseImage',
  processUtilityImage: 'ProcessUtilityImage',
  layerExists: 'LayerExists',
  getLayerMountPath: 'GetLayerMountPath',
  nameToGuid: 'NameToGuid',
  setVolumeMountPoint: 'SetVolumeMountPointW',
  deleteVolumeMountPoint: 'DeleteVolumeMountPointW',
  cimMountImage: 'CimMountImage',
  cimDismountImage: 'CimDismountImage',
  createHive: 'ORCreateHive',
  openHive: 'OROpenHive',
  mergeHives: 'ORMergeHives',
};
