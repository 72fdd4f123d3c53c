// Reads a CimFS image (format 1.0 and 2.0; 3.0 headers are accepted and read the same way):
// the `.cim` filesystem file, then the region files of the parents and of the image itself,
// resolved by name in the same directory (spec §4.3, §19). Every object read is checked against
// its region file's size first, so a truncated or corrupt image gives a Corrupt error that
// names the file and the offset, never a crash or a huge allocation.

import { Readable } from 'node:stream';
import { corrupt, WcError } from '../../errors.js';
import type { Entry, ExtendedAttribute, FileInfo } from '../entry.js';
import { BlockCachedSource } from './block-cache.js';
import { decodeExtendedAttributes } from '../backup/ea.js';
import type { CimFileResolver, RandomAccessSource } from './io.js';
import {
  attributesFromRecord,
  decodeFileRecord,
  decodeFilesystemHeaderFixed,
  decodeFilesystemObject,
  decodeFtdEntry,
  decodeRegionHeader,
  decodeRegionSet,
  decodeStream,
  FILE_RECORD_SIZE_V1,
  FILE_RECORD_SIZE_V2,
  FILES_PER_TABLE,
  FILESYSTEM_HEADER_SIZE,
  FILESYSTEM_OBJECT_SIZE,
  FileType,
  formatOffset,
  FTD_ENTRY_SIZE,
  guidToString,
  isNull,
  MAGIC,
  REGION_HEADER_SIZE,
  REGION_SET_SIZE,
  regionFileName,
  RegionType,
  StreamType,
  view,
  type FileRecord,
  type FilesystemObject,
  type FormatVersion,
  type FtdEntry,
  type RegionOffset,
  type RegionSet,
  type StreamRecord,
} from './layout.js';
import { compareNames, decodeLinkTable, type DecodedLinkTable } from './names.js';
import { decodeUpcaseTable, UPCASE_TABLE_BYTES } from './upcase.js';

export interface CimRegionInfo {
  /** Position in the image's region array (the top 16 bits of a RegionOffset). */
  index: number;
  fileName: string;
  /** RegionType from the region header: 0 metadata, 1 data, 2 small data. */
  type: number;
  size: number;
  /** True for regions of a parent region set. */
  inherited: boolean;
}

export interface CimImageHeader {
  version: FormatVersion;
  regionSetId: string;
  regionCount: number;
  parents: { regionSetId: string; regionCount: number }[];
  filesystemOffset: RegionOffset;
  /** The raw reserved values (spec §3, §4.1). */
  reserved: { common13: number; common24: string; header64: number };
}

/** Everything stored about one file or directory. */
export interface CimStat {
  fileId: number;
  isDirectory: boolean;
  /** Default stream length; for a directory, the byte length of its link table. */
  size: number;
  /** 'data' | 'directory' | 'peImage' (spec §11). */
  streamType: 'data' | 'directory' | 'peImage';
  sparse: boolean;
  info: FileInfo;
  reparseTag: number;
  parentFileId: number;
  baseRegionIndex: number;
  dataOffset: RegionOffset;
  alternateStreams: { name: string; size: number; sparse: boolean }[];
}

export interface CimDirEntry {
  name: string;
  fileId: number;
}

export interface CimOpenOptions {
  /** Called for oddities that do not stop reading (an unknown version 3 header, …). */
  warn?: (message: string) => void;
}

interface Region {
  info: CimRegionInfo;
  source: RandomAccessSource;
}

const READ_CHUNK = 1 << 20;
/** The most bytes one read() call returns; larger requests are refused rather than allocated. */
export const MAX_READ_LENGTH = 64 << 20;

function streamTypeName(t: number): CimStat['streamType'] {
  return t === StreamType.LinkTable ? 'directory' : t === StreamType.PeImage ? 'peImage' : 'data';
}

export function splitCimPath(path: string): string[] {
  return path.split(/[\\/]/).filter((c) => c.length > 0);
}

export class CimImage {
  private readonly records = new Map<number, FileRecord>();
  private readonly tables = new Map<number, Uint8Array>();
  private upcase!: Uint16Array;
  private fs!: FilesystemObject;
  private ftd: FtdEntry[] = [];

  private constructor(
    readonly cimName: string,
    readonly header: CimImageHeader,
    private readonly regions: Region[],
    private readonly cimSource: RandomAccessSource,
  ) {}

  /** Opens `cimName` and every region file it needs through `files`. */
  static async open(files: CimFileResolver, cimName: string, options: CimOpenOptions = {}): Promise<CimImage> {
    const src = await files.open(cimName);
    const regions: Region[] = [];
    try {
      if (src.size < FILESYSTEM_HEADER_SIZE) throw corrupt(`${cimName}: ${src.size} bytes is too short for a CIM filesystem header (72 bytes)`, { path: cimName, offset: 0 });
      const fixed = await src.read(0, FILESYSTEM_HEADER_SIZE);
      const h = decodeFilesystemHeaderFixed(fixed);
      if (h.common.magic !== MAGIC) throw corrupt(`${cimName}: bad magic ${JSON.stringify(h.common.magic)} at offset 0 (expected "${MAGIC}")`, { path: cimName, offset: 0 });
      if (h.common.type !== FileType.Filesystem) throw corrupt(`${cimName}: file type ${h.common.type} at offset 12 is not a filesystem file (0)`, { path: cimName, offset: 12 });
      const major = h.common.version.major;
      if (major < 1 || major > 3) throw new WcError('Unsupported', `${cimName}: CIM format version ${major}.${h.common.version.minor} is not supported (1.0 to 3.0 are)`, { path: cimName, offset: 16 });
      if (major === 3) options.warn?.(`${cimName}: format 3.0 is read as 2.0 (its changes are not public)`);
      const parentsEnd = FILESYSTEM_HEADER_SIZE + REGION_SET_SIZE * h.parentCount;
      if (src.size < parentsEnd) throw corrupt(`${cimName}: ${h.parentCount} parent region sets need ${parentsEnd} bytes, the file has ${src.size}`, { path: cimName, offset: 70 });
      const parentBytes = await src.read(FILESYSTEM_HEADER_SIZE, parentsEnd - FILESYSTEM_HEADER_SIZE);
      const parents: RegionSet[] = [];
      for (let i = 0; i < h.parentCount; i++) parents.push(decodeRegionSet(parentBytes, REGION_SET_SIZE * i));
      const sets = [...parents, h.regions];
      const total = sets.reduce((n, s) => n + s.count, 0);
      if (total < 1 || total > 0x10000) throw corrupt(`${cimName}: ${total} regions in all (must be 1..65536)`, { path: cimName, offset: 48 });
      const header: CimImageHeader = {
        version: h.common.version,
        regionSetId: guidToString(h.regions.id),
        regionCount: h.regions.count,
        parents: parents.map((p) => ({ regionSetId: guidToString(p.id), regionCount: p.count })),
        filesystemOffset: h.filesystemOffset,
        reserved: { common13: h.common.reserved, common24: h.common.reserved3.toString(), header64: h.reserved },
      };
      for (const [s, set] of sets.entries()) {
        for (let i = 0; i < set.count; i++) {
          const fileName = regionFileName(set.id, i);
          const source = await files.open(fileName).catch((e: unknown) => {
            if (e instanceof WcError && e.code === 'NotFound') throw new WcError('NotFound', `${cimName}: region file ${fileName} is missing (it must be in the same directory)`, { path: fileName });
            throw e;
          });
          const region: Region = { info: { index: regions.length, fileName, type: -1, size: source.size, inherited: s < parents.length }, source };
          regions.push(region);
          if (source.size < REGION_HEADER_SIZE) throw corrupt(`${fileName}: ${source.size} bytes is too short for a region header (40 bytes)`, { path: fileName, offset: 0 });
          const rh = decodeRegionHeader(await source.read(0, REGION_HEADER_SIZE));
          if (rh.common.magic !== MAGIC || rh.common.type !== FileType.Region) throw corrupt(`${fileName}: not a CIM region file (bad magic or type at offset 0)`, { path: fileName, offset: 0 });
          region.info.type = rh.type;
          if (rh.type === RegionType.Metadata) region.source = new BlockCachedSource(source);
        }
      }
      const image = new CimImage(cimName, header, regions, src);
      await image.load();
      return image;
    } catch (e) {
      for (const r of regions) await r.source.close().catch(() => undefined);
      await src.close().catch(() => undefined);
      throw e;
    }
  }

  private async load(): Promise<void> {
    this.fs = decodeFilesystemObject(await this.readObject(this.header.filesystemOffset, FILESYSTEM_OBJECT_SIZE, 'the Filesystem object'));
    this.upcase = decodeUpcaseTable(await this.readObject(this.fs.upcaseTableOffset, UPCASE_TABLE_BYTES, 'the upcase table'));
    const n = this.fs.fileTableDirectoryLength;
    const ftdBytes = await this.readObject(this.fs.fileTableDirectoryOffset, n * FTD_ENTRY_SIZE, `the file table directory (${n} entries)`);
    for (let i = 0; i < n; i++) {
      const e = decodeFtdEntry(ftdBytes, i * FTD_ENTRY_SIZE);
      if (e.count > FILES_PER_TABLE) throw this.corruptAt(this.fs.fileTableDirectoryOffset, `file table ${i} claims ${e.count} entries (at most ${FILES_PER_TABLE})`);
      if (e.entrySize < FILE_RECORD_SIZE_V1) throw this.corruptAt(this.fs.fileTableDirectoryOffset, `file table ${i} has EntrySize ${e.entrySize} (at least ${FILE_RECORD_SIZE_V1})`);
      this.ftd.push(e);
    }
    const root = await this.record(this.fs.rootDirectory);
    if (root.defaultStream.type !== StreamType.LinkTable) throw corrupt(`${this.cimName}: the root FileID ${this.fs.rootDirectory} is not a directory`, { path: this.cimName, fileId: this.fs.rootDirectory });
  }

  get rootId(): number {
    return this.fs.rootDirectory;
  }

  get upcaseTable(): Uint16Array {
    return this.upcase;
  }

  get filesystem(): FilesystemObject {
    return this.fs;
  }

  get fileTables(): readonly FtdEntry[] {
    return this.ftd;
  }

  /** Number of File record slots (the sum of the file tables' counts). */
  get fileIdCount(): number {
    return this.ftd.reduce((n, e) => n + e.count, 0);
  }

  get regionInfo(): CimRegionInfo[] {
    return this.regions.map((r) => ({ ...r.info }));
  }

  async close(): Promise<void> {
    for (const r of this.regions) await r.source.close().catch(() => undefined);
    await this.cimSource.close().catch(() => undefined);
  }

  private corruptAt(o: RegionOffset, message: string): WcError {
    const r = this.regions[o.region];
    const file = r ? r.info.fileName : this.cimName;
    return corrupt(`${file}: ${message} (at offset 0x${o.offset.toString(16)})`, { path: file, offset: o.offset, region: o.region });
  }

  /** Reads `length` bytes of an object, after checking the offset lies inside its region file. */
  async readObject(o: RegionOffset, length: number, what: string): Promise<Uint8Array> {
    const r = this.regions[o.region];
    if (!r) throw corrupt(`${this.cimName}: ${what} is at ${formatOffset(o)}, but the image has ${this.regions.length} regions`, { path: this.cimName, offset: o.offset, region: o.region });
    if (o.offset === 0) throw this.corruptAt(o, `${what} has a null offset`);
    if (!Number.isSafeInteger(length) || length < 0 || o.offset + length > r.info.size) {
      throw this.corruptAt(o, `${what} (${length} bytes) runs past the end of the file (${r.info.size} bytes)`);
    }
    if (length === 0) return new Uint8Array(0);
    const b = await r.source.read(o.offset, length);
    if (b.length !== length) throw this.corruptAt(o, `${what}: short read (${b.length} of ${length} bytes)`);
    return b;
  }

  /** The File record of a FileID. */
  async record(id: number): Promise<FileRecord> {
    const cached = this.records.get(id);
    if (cached) return cached;
    const t = Math.floor((id - 1) / FILES_PER_TABLE);
    const slot = (id - 1) % FILES_PER_TABLE;
    const e = this.ftd[t];
    if (!Number.isInteger(id) || id < 1 || !e || slot >= e.count) throw corrupt(`${this.cimName}: FileID ${id} does not exist (${this.fileIdCount} file records)`, { path: this.cimName, fileId: id });
    let table = this.tables.get(t);
    if (!table) {
      table = await this.readObject(e.offset, e.count * e.entrySize, `file table ${t}`);
      this.tables.set(t, table);
    }
    const rec = new Uint8Array(FILE_RECORD_SIZE_V2);
    rec.set(table.subarray(slot * e.entrySize, slot * e.entrySize + Math.min(e.entrySize, FILE_RECORD_SIZE_V2)));
    const r = decodeFileRecord(rec, 0, Math.min(e.entrySize, FILE_RECORD_SIZE_V2));
    if (r.defaultStream.type > StreamType.PeImage) throw this.corruptAt(e.offset, `FileID ${id} has default stream type ${r.defaultStream.type} (0, 1 or 2 expected)`);
    this.records.set(id, r);
    return r;
  }

  private async linkTable(id: number, r: FileRecord): Promise<DecodedLinkTable | undefined> {
    const s = r.defaultStream;
    if (s.size === 0) return undefined;
    const bytes = await this.readObject(s.dataOffset, s.size, `the link table of directory FileID ${id}`);
    try {
      return decodeLinkTable(bytes, 4);
    } catch (e) {
      throw this.corruptAt(s.dataOffset, `the link table of directory FileID ${id}: ${(e as Error).message}`);
    }
  }

  /** The names in a directory, in stored (sorted) order. */
  async list(dirId: number): Promise<CimDirEntry[]> {
    const r = await this.record(dirId);
    if (r.defaultStream.type !== StreamType.LinkTable) throw new WcError('FailedPrecondition', `${this.cimName}: FileID ${dirId} is not a directory`, { path: this.cimName, fileId: dirId });
    const t = await this.linkTable(dirId, r);
    if (!t) return [];
    const out: CimDirEntry[] = [];
    try {
      for (let i = 0; i < t.count; i++) out.push({ name: t.name(i), fileId: view(t.value(i)).getUint32(0, true) });
    } catch (e) {
      throw this.corruptAt(r.defaultStream.dataOffset, `the link table of directory FileID ${dirId}: ${(e as Error).message}`);
    }
    return out;
  }

  /** Binary search of one directory (spec §13.1); undefined when the name is absent. */
  async lookupChild(dirId: number, name: string): Promise<number | undefined> {
    const r = await this.record(dirId);
    if (r.defaultStream.type !== StreamType.LinkTable) return undefined;
    const t = await this.linkTable(dirId, r);
    if (!t) return undefined;
    let lo = 0;
    let hi = t.count - 1;
    try {
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const c = compareNames(name, t.name(mid), this.upcase);
        if (c === 0) return view(t.value(mid)).getUint32(0, true);
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
      }
    } catch (e) {
      throw this.corruptAt(r.defaultStream.dataOffset, `the link table of directory FileID ${dirId}: ${(e as Error).message}`);
    }
    return undefined;
  }

  /** Resolves a path (`\` or `/` separators, case-insensitive) to a FileID; NotFound if absent. */
  async lookup(path: string): Promise<number> {
    let id = this.rootId;
    const parts = splitCimPath(path);
    for (let i = 0; i < parts.length; i++) {
      const r = await this.record(id);
      if (r.defaultStream.type !== StreamType.LinkTable) {
        throw new WcError('NotFound', `${this.cimName}: ${parts.slice(0, i).join('\\')} is not a directory (looking up ${path})`, { path });
      }
      const next = await this.lookupChild(id, parts[i]!);
      if (next === undefined) throw new WcError('NotFound', `${this.cimName}: ${path} not found`, { path });
      id = next;
    }
    return id;
  }

  /** The alternate data streams of a file, accepting both framings of spec §14. */
  async streams(id: number): Promise<{ name: string; stream: StreamRecord }[]> {
    const r = await this.record(id);
    const at = r.streamTableOffset;
    if (isNull(at)) return [];
    const head = view(await this.readObject(at, 8, `the stream table of FileID ${id}`));
    const a = head.getUint32(0, true);
    const b = head.getUint32(4, true);
    // H1: [u32 n][LinkTable whose Length == n]; H2: a bare LinkTable (Length > count always).
    const tableAt = a === b ? { region: at.region, offset: at.offset + 4 } : at;
    const bytes = await this.readObject(tableAt, a, `the stream table of FileID ${id}`);
    const out: { name: string; stream: StreamRecord }[] = [];
    try {
      const t = decodeLinkTable(bytes, 16);
      for (let i = 0; i < t.count; i++) {
        const s = decodeStream(t.value(i), 0);
        if (s.type !== StreamType.Data) throw new RangeError(`stream '${t.name(i)}' has type ${s.type} (0 expected)`);
        out.push({ name: t.name(i), stream: s });
      }
    } catch (e) {
      throw this.corruptAt(at, `the stream table of FileID ${id}: ${(e as Error).message}`);
    }
    return out;
  }

  async stat(id: number): Promise<CimStat> {
    const r = await this.record(id);
    const info: FileInfo = {
      attributes: attributesFromRecord(r),
      creationTime: BigInt.asIntN(64, r.creationTime),
      lastAccessTime: BigInt.asIntN(64, r.lastAccessTime),
      lastWriteTime: BigInt.asIntN(64, r.lastWriteTime),
      changeTime: BigInt.asIntN(64, r.changeTime),
    };
    if (!isNull(r.sdOffset)) info.securityDescriptor = await this.counted(r.sdOffset, `the security descriptor of FileID ${id}`);
    if (!isNull(r.eaOffset) && r.eaLength > 0) {
      const b = await this.readObject(r.eaOffset, r.eaLength, `the EA buffer of FileID ${id}`);
      let eas: ExtendedAttribute[];
      try {
        eas = decodeExtendedAttributes(b);
      } catch (e) {
        throw this.corruptAt(r.eaOffset, `the EA buffer of FileID ${id}: ${(e as Error).message}`);
      }
      info.extendedAttributes = eas;
    }
    if (!isNull(r.reparseOffset)) info.reparseData = await this.counted(r.reparseOffset, `the reparse buffer of FileID ${id}`);
    const streams = await this.streams(id);
    return {
      fileId: id,
      isDirectory: r.defaultStream.type === StreamType.LinkTable,
      size: r.defaultStream.size,
      streamType: streamTypeName(r.defaultStream.type),
      sparse: r.defaultStream.sparse,
      info,
      reparseTag: r.reparseTag,
      parentFileId: r.parentFileId,
      baseRegionIndex: r.baseRegionIndex,
      dataOffset: r.defaultStream.dataOffset,
      alternateStreams: streams.map((s) => ({ name: s.name, size: s.stream.size, sparse: s.stream.sparse })),
    };
  }

  /** A u16-counted object (security descriptor, reparse buffer). */
  private async counted(o: RegionOffset, what: string): Promise<Uint8Array> {
    const n = view(await this.readObject(o, 2, what)).getUint16(0, true);
    return this.readObject({ region: o.region, offset: o.offset + 2 }, n, what);
  }

  /** The default stream (no name) or the named alternate stream of a file (case-insensitive). */
  async streamOf(id: number, streamName?: string): Promise<StreamRecord> {
    const r = await this.record(id);
    if (streamName === undefined || streamName === '') {
      if (r.defaultStream.type === StreamType.LinkTable) throw new WcError('FailedPrecondition', `${this.cimName}: FileID ${id} is a directory; it has no data`, { path: this.cimName, fileId: id });
      return r.defaultStream;
    }
    for (const s of await this.streams(id)) if (compareNames(s.name, streamName, this.upcase) === 0) return s.stream;
    throw new WcError('NotFound', `${this.cimName}: FileID ${id} has no stream '${streamName}'`, { path: this.cimName, fileId: id, stream: streamName });
  }

  /** Reads up to `length` bytes at `position` of a file's default stream or a named stream. */
  async read(id: number, position: number, length: number, streamName?: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(position) || position < 0) throw new WcError('InvalidArgument', `read position ${position} must be a non-negative integer`);
    if (!Number.isSafeInteger(length) || length < 0 || length > MAX_READ_LENGTH) throw new WcError('InvalidArgument', `read length ${length} must be 0..${MAX_READ_LENGTH}`);
    const s = await this.streamOf(id, streamName);
    return this.readStream(id, s, position, length);
  }

  private async readStream(id: number, s: StreamRecord, position: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, s.size - position));
    if (n === 0) return new Uint8Array(0);
    if (s.sparse) return new Uint8Array(n);
    if (s.type === StreamType.PeImage) return this.readPe(id, s, position, n);
    return this.readObject({ region: s.dataOffset.region, offset: s.dataOffset.offset + position }, n, `the data of FileID ${id} (${s.size} bytes at ${formatOffset(s.dataOffset)})`);
  }

  /** Spec §12.2: a file offset maps into the expanded image through the last mapping at or below it. */
  private async readPe(id: number, s: StreamRecord, position: number, length: number): Promise<Uint8Array> {
    const what = `the PE image descriptor of FileID ${id}`;
    const d = view(await this.readObject(s.dataOffset, 24, what));
    const dataOffset = { region: d.getUint16(6, true), offset: Number(d.getBigUint64(0, true) & 0xffffffffffffn) };
    const dataLength = Number(d.getBigUint64(8, true) & 0x7fffffffffffffffn);
    const count = d.getUint16(20, true);
    const mb = view(await this.readObject({ region: s.dataOffset.region, offset: s.dataOffset.offset + 24 }, 8 * count, what));
    const maps: { fileOffset: number; delta: number }[] = [];
    for (let i = 0; i < count; i++) {
      const m = { fileOffset: mb.getUint32(8 * i, true), delta: mb.getUint32(8 * i + 4, true) };
      if (i > 0 && m.fileOffset <= maps[i - 1]!.fileOffset) throw this.corruptAt(s.dataOffset, `${what}: mappings are not ascending (mapping ${i})`);
      maps.push(m);
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const off = position + done;
      // The last mapping at or below off (binary search), -1 if none.
      let lo = 0;
      let hi = maps.length - 1;
      let k = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (maps[mid]!.fileOffset <= off) {
          k = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      const delta = k >= 0 ? maps[k]!.delta : 0;
      const segEnd = k + 1 < maps.length ? maps[k + 1]!.fileOffset : dataLength;
      const n = Math.min(length - done, segEnd - off);
      if (n <= 0) throw this.corruptAt(s.dataOffset, `${what}: mapping does not cover file offset ${off}`);
      out.set(await this.readObject({ region: dataOffset.region, offset: dataOffset.offset + off + delta }, n, `the PE data of FileID ${id}`), done);
      done += n;
    }
    return out;
  }

  /** A Readable over a stream's bytes [start, end), read in 1 MiB chunks as the consumer pulls. */
  createReadStream(id: number, options: { streamName?: string; start?: number; end?: number } = {}): Readable {
    let stream: StreamRecord | undefined;
    let pos = options.start ?? 0;
    const r: Readable = new Readable({
      highWaterMark: READ_CHUNK,
      read: (): void => {
        void (async () => {
          stream ??= await this.streamOf(id, options.streamName);
          const end = Math.min(options.end ?? stream.size, stream.size);
          if (pos >= end) return null;
          const b = await this.readStream(id, stream, pos, Math.min(READ_CHUNK, end - pos));
          pos += b.length;
          return b.length > 0 ? b : null;
        })().then(
          (chunk) => r.push(chunk),
          (e: unknown) => r.destroy(e as Error),
        );
      },
    });
    return r;
  }

  /**
   * The image as layer entries (DESIGN.md "One picture"): parents first, a file's streams right
   * after it, a second name of a file as a link to its first. Paths use '/'.
   */
  async *entries(): AsyncGenerator<Entry> {
    const firstPath = new Map<number, string>();
    for await (const w of this.walk(this.rootId, '', '/')) {
      const path = w.path;
      const prior = firstPath.get(w.fileId);
      if (prior !== undefined) {
        yield { kind: 'link', path, target: prior };
        continue;
      }
      firstPath.set(w.fileId, path);
      const st = await this.stat(w.fileId);
      if (st.isDirectory) yield { kind: 'directory', path, info: st.info };
      else yield { kind: 'file', path, info: st.info, size: st.size, ...(st.size > 0 ? { data: this.createReadStream(w.fileId) } : {}) };
      for (const s of st.alternateStreams) {
        yield { kind: 'stream', path, name: s.name, size: s.size, ...(s.size > 0 ? { data: this.createReadStream(w.fileId, { streamName: s.name }) } : {}) };
      }
    }
  }

  /**
   * Every path below `fromId`, pre-order (a directory, then everything inside it; children in
   * stored order). A directory met twice (a cycle, or a directory with two names) is Corrupt:
   * directories cannot be hard linked.
   */
  async *walk(fromId = this.rootId, prefix = '', separator = '\\'): AsyncGenerator<{ path: string; fileId: number; isDirectory: boolean }> {
    const seenDirs = new Set<number>([fromId]);
    const stack: { id: number; path: string; isDirectory: boolean; visit: boolean }[] = [];
    const pushChildren = async (id: number, path: string): Promise<void> => {
      const children = await this.list(id);
      for (let i = children.length - 1; i >= 0; i--) {
        const c = children[i]!;
        const rec = await this.record(c.fileId);
        const isDirectory = rec.defaultStream.type === StreamType.LinkTable;
        const p = path ? `${path}${separator}${c.name}` : c.name;
        if (isDirectory) {
          if (seenDirs.has(c.fileId)) throw corrupt(`${this.cimName}: directory FileID ${c.fileId} appears twice (at ${p}): a cycle or a linked directory`, { path: p, fileId: c.fileId });
          seenDirs.add(c.fileId);
        }
        stack.push({ id: c.fileId, path: p, isDirectory, visit: true });
      }
    };
    await pushChildren(fromId, prefix);
    while (stack.length) {
      const e = stack.pop()!;
      yield { path: e.path, fileId: e.id, isDirectory: e.isDirectory };
      if (e.isDirectory) await pushChildren(e.id, e.path);
    }
  }
}

