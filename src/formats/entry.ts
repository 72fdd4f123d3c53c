// The Entry model: one file-system change in a Windows layer. Every source (tar, legacy layer,
// CIM image, snapshot diff) yields entries, every sink consumes them, so converting between
// any two formats is one loop. See DESIGN.md "One picture".
//
// Order contract for a stream of entries (what hcsshim's LayerWriter needs):
//   - a directory comes before anything inside it;
//   - a hard link comes after the entry it points to;
//   - a file's alternate streams come right after the file, before any other entry;
//   - a file's data must be consumed (or skipped) before the next entry is asked for.

import type { Readable } from 'node:stream';

/** Windows metadata of a file or directory, as BackupRead/GetFileInformationByHandleEx see it. */
export interface FileInfo {
  /** FILE_ATTRIBUTE_* bits (winnt.h); 0x10 marks a directory, 0x400 a reparse point. */
  attributes: number;
  /** FILETIME values: signed 64-bit counts of 100 ns ticks since 1601-01-01 UTC. */
  creationTime: bigint;
  lastAccessTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  /** Self-relative SECURITY_DESCRIPTOR bytes, if the source had one. */
  securityDescriptor?: Uint8Array;
  /** Extended attributes in source order (flags are kept where the source has them). */
  extendedAttributes?: ExtendedAttribute[];
  /** Raw REPARSE_DATA_BUFFER bytes for symlinks, junctions and any other reparse point. */
  reparseData?: Uint8Array;
}

export interface ExtendedAttribute {
  /** EA name: ASCII, case-insensitive on NTFS, stored as given. */
  name: string;
  value: Uint8Array;
  /** FILE_NEED_EA (0x80) and friends; 0 when the source does not carry flags (tar). */
  flags: number;
}

/** A layer-relative path with '/' separators and no leading '/', e.g. "Files/Windows/win.ini". */
export type LayerPath = string;

export interface FileEntry {
  kind: 'file';
  path: LayerPath;
  info: FileInfo;
  /** Length of the default data stream in bytes. */
  size: number;
  /** The default data stream; exactly `size` bytes. Absent for size 0. */
  data?: Readable;
}

export interface DirectoryEntry {
  kind: 'directory';
  path: LayerPath;
  info: FileInfo;
}

/** An alternate data stream of the file named by `path`; follows that file immediately. */
export interface StreamEntry {
  kind: 'stream';
  path: LayerPath;
  /** Stream name without the leading ':' and without the ':$DATA' suffix. */
  name: string;
  size: number;
  data?: Readable;
}

/** A hard link: `path` becomes another name of the earlier entry `target`. */
export interface LinkEntry {
  kind: 'link';
  path: LayerPath;
  target: LayerPath;
  /**
   * Metadata written with the link entry (hcsshim's exporter repeats the file's attributes and
   * times in the link's PAX records). Importers ignore it; tar codecs keep it for byte-exact output.
   */
  info?: FileInfo;
}

/** A deletion of `path` (and everything below it) from the layers beneath. */
export interface WhiteoutEntry {
  kind: 'whiteout';
  path: LayerPath;
}

export type Entry = FileEntry | DirectoryEntry | StreamEntry | LinkEntry | WhiteoutEntry;
export type EntryKind = Entry['kind'];

export const FILE_ATTRIBUTE = {
  READONLY: 0x1,
  HIDDEN: 0x2,
  SYSTEM: 0x4,
  DIRECTORY: 0x10,
  ARCHIVE: 0x20,
  NORMAL: 0x80,
  TEMPORARY: 0x100,
  SPARSE_FILE: 0x200,
  REPARSE_POINT: 0x400,
  COMPRESSED: 0x800,
  OFFLINE: 0x1000,
  NOT_CONTENT_INDEXED: 0x2000,
  ENCRYPTED: 0x4000,
} as const;

/** FILETIME of 1970-01-01T00:00:00Z. */
export const FILETIME_UNIX_EPOCH = 116444736000000000n;

// A source may also offer an entry's data as plain chunks, without building a Readable: a
// consumer that reads each entry's data to the end before asking for the next (writeEntries)
// saves a stream object, its async iterator and their listeners per entry. Either the chunks
// or `data` may be used for one entry, not both.
const plainData = new WeakMap<Entry, () => AsyncIterable<Uint8Array> | undefined>();

/** Registers how to read `entry`'s data as plain chunks (for sources). */
export function offerPlainData(entry: Entry, open: () => AsyncIterable<Uint8Array> | undefined): void {
  plainData.set(entry, open);
}

/** `entry`'s data as plain chunks when its source offers them and `data` was not touched; else undefined. */
export function plainDataOf(entry: Entry): AsyncIterable<Uint8Array> | undefined {
  return plainData.get(entry)?.();
}
