// Fixed-size CimFS structures (spec §2-§11): encoders and decoders, all little-endian, no
// implicit padding. Decoders only check shape; the reader checks meaning (offsets in range).

export const MAGIC = 'cimfile0';
export const COMMON_HEADER_SIZE = 32;
export const FILESYSTEM_HEADER_SIZE = 72;
export const REGION_SET_SIZE = 24;
export const REGION_HEADER_SIZE = 40;
export const OBJECTID_HEADER_SIZE = 48;
export const OBJECTID_ENTRY_SIZE = 40;
export const FILESYSTEM_OBJECT_SIZE = 24;
export const FTD_ENTRY_SIZE = 16;
export const FILE_RECORD_SIZE_V1 = 88;
export const FILE_RECORD_SIZE_V2 = 96;
export const FILES_PER_TABLE = 1024;
export const PAGE_SIZE = 4096;
export const MAX_NAME_UNITS = 0xff;
export const MAX_PATH_UNITS = 0x7fff;
/** Offsets and sizes are 48-bit on disk. */
export const MAX_48 = 2 ** 48 - 1;

export const FileType = { Filesystem: 0, Region: 1, ObjectId: 2 } as const;
export const RegionType = { Metadata: 0, Data: 1, SmallData: 2 } as const;
export type RegionTypeValue = (typeof RegionType)[keyof typeof RegionType];
export const StreamType = { Data: 0, LinkTable: 1, PeImage: 2 } as const;

/** File record Flags bits (spec §10). */
export const FileFlag = { ReadOnly: 0x1, Hidden: 0x2, System: 0x4, Archive: 0x8, Sparse: 0x10 } as const;

export interface FormatVersion {
  major: number;
  minor: number;
}

/** A RegionOffset unpacked: region index (top 16 bits) and byte offset (low 48 bits). */
export interface RegionOffset {
  region: number;
  offset: number;
}

export const NULL_OFFSET: RegionOffset = Object.freeze({ region: 0, offset: 0 });

export function isNull(o: RegionOffset): boolean {
  return o.region === 0 && o.offset === 0;
}

export function packOffset(o: RegionOffset): bigint {
  return (BigInt(o.region) << 48n) | BigInt(o.offset);
}

export function unpackOffset(v: bigint): RegionOffset {
  return { region: Number(v >> 48n), offset: Number(v & 0xffffffffffffn) };
}

export function formatOffset(o: RegionOffset): string {
  return `region ${o.region} offset 0x${o.offset.toString(16)}`;
}

// ---- GUIDs (Windows layout: Data1..3 little-endian, Data4 raw) ----

export function guidToString(b: Uint8Array): string {
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = Array.from(b.subarray(from, to));
    if (reverse) part.reverse();
    return part.map((x) => x.toString(16).padStart(2, '0')).join('');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

export function guidFromString(s: string): Uint8Array {
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i.exec(s);
  if (!m) throw new Error(`not a GUID: ${s}`);
  const bytes = (h: string): number[] => h.match(/../g)!.map((x) => parseInt(x, 16));
  return Uint8Array.from([...bytes(m[1]!).reverse(), ...bytes(m[2]!).reverse(), ...bytes(m[3]!).reverse(), ...bytes(m[4]!), ...bytes(m[5]!)]);
}

export function regionFileName(guid: Uint8Array, index: number): string {
  return `region_${guidToString(guid)}_${index}`;
}

export function objectIdFileName(guid: Uint8Array, index: number): string {
  return `objectid_${guidToString(guid)}_${index}`;
}

// ---- little helpers over DataView ----

export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function setU64(v: DataView, at: number, x: bigint): void {
  v.setBigUint64(at, BigInt.asUintN(64, x), true);
}

// ---- CommonHeader (32 bytes) ----

export interface CommonHeader {
  magic: string;
  headerLength: number;
  type: number;
  reserved: number;
  version: FormatVersion;
  reserved3: bigint;
}

export function encodeCommonHeader(out: Uint8Array, h: Omit<CommonHeader, 'magic'>): void {
  const v = view(out);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  v.setUint32(8, h.headerLength, true);
  out[12] = h.type;
  out[13] = h.reserved;
  v.setUint16(14, 0, true);
  v.setUint32(16, h.version.major, true);
  v.setUint32(20, h.version.minor, true);
  setU64(v, 24, h.reserved3);
}

export function decodeCommonHeader(b: Uint8Array): CommonHeader {
  const v = view(b);
  return {
    magic: String.fromCharCode(...b.subarray(0, 8)),
    headerLength: v.getUint32(8, true),
    type: b[12]!,
    reserved: b[13]!,
    version: { major: v.getUint32(16, true), minor: v.getUint32(20, true) },
    reserved3: v.getBigUint64(24, true),
  };
}

// ---- RegionSet (24 bytes) ----

export interface RegionSet {
  id: Uint8Array;
  count: number;
}

export function encodeRegionSet(out: Uint8Array, at: number, s: RegionSet): void {
  out.set(s.id, at);
  view(out).setUint16(at + 16, s.count, true);
}

export function decodeRegionSet(b: Uint8Array, at: number): RegionSet {
  return { id: b.slice(at, at + 16), count: view(b).getUint16(at + 16, true) };
}

// ---- FilesystemHeader (72 bytes + 24 per parent) ----

export interface FilesystemHeader {
  common: CommonHeader;
  regions: RegionSet;
  filesystemOffset: RegionOffset;
  reserved: number;
  parents: RegionSet[];
}

/** Values seen in every real `.cim` header (spec §3, §4.1); their meaning is unknown. */
export const OBSERVED_CIM_RESERVED3 = 7n;
export const OBSERVED_FS_RESERVED = 7;

export function encodeFilesystemHeader(h: { version: FormatVersion; regions: RegionSet; filesystemOffset: RegionOffset; parents: RegionSet[] }): Uint8Array {
  const out = new Uint8Array(FILESYSTEM_HEADER_SIZE + REGION_SET_SIZE * h.parents.length);
  // HeaderLength: 72 was observed with no parents; we keep the fixed structure size (see report).
  encodeCommonHeader(out, { headerLength: FILESYSTEM_HEADER_SIZE, type: FileType.Filesystem, reserved: 0, version: h.version, reserved3: OBSERVED_CIM_RESERVED3 });
  encodeRegionSet(out, 32, h.regions);
  const v = view(out);
  setU64(v, 56, packOffset(h.filesystemOffset));
  v.setUint32(64, OBSERVED_FS_RESERVED, true);
  v.setUint16(70, h.parents.length, true);
  h.parents.forEach((p, i) => encodeRegionSet(out, FILESYSTEM_HEADER_SIZE + REGION_SET_SIZE * i, p));
  return out;
}

/** Decodes the fixed part; the caller reads `parentCount` region sets after it. */
export function decodeFilesystemHeaderFixed(b: Uint8Array): Omit<FilesystemHeader, 'parents'> & { parentCount: number } {
  const v = view(b);
  return {
    common: decodeCommonHeader(b),
    regions: decodeRegionSet(b, 32),
    filesystemOffset: unpackOffset(v.getBigUint64(56, true)),
    reserved: v.getUint32(64, true),
    parentCount: v.getUint16(70, true),
  };
}

// ---- RegionHeader (40 bytes) and ObjectIdHeader (48 bytes) ----

export function encodeRegionHeader(version: FormatVersion, type: RegionTypeValue): Uint8Array {
  const out = new Uint8Array(REGION_HEADER_SIZE);
  encodeCommonHeader(out, { headerLength: REGION_HEADER_SIZE, type: FileType.Region, reserved: 0, version, reserved3: 0n });
  // Index: observed 0 in every real region file (spec §5.1); the objectid file carries the number.
  view(out).setUint16(32, 0, true);
  out[34] = type;
  return out;
}

export interface RegionHeader {
  common: CommonHeader;
  index: number;
  type: number;
}

export function decodeRegionHeader(b: Uint8Array): RegionHeader {
  return { common: decodeCommonHeader(b), index: view(b).getUint16(32, true), type: b[34]! };
}

export interface ObjectIdEntry {
  length: number;
  digest: Uint8Array;
  offset: number;
}

export function encodeObjectIdFile(version: FormatVersion, index: number, type: RegionTypeValue, entries: ObjectIdEntry[]): Uint8Array {
  const out = new Uint8Array(OBJECTID_HEADER_SIZE + OBJECTID_ENTRY_SIZE * entries.length);
  encodeCommonHeader(out, { headerLength: OBJECTID_HEADER_SIZE, type: FileType.ObjectId, reserved: 0, version, reserved3: 0n });
  const v = view(out);
  v.setUint16(32, index, true);
  out[34] = type;
  v.setUint32(40, OBJECTID_HEADER_SIZE, true);
  v.setUint32(44, entries.length, true);
  entries.forEach((e, i) => {
    const at = OBJECTID_HEADER_SIZE + OBJECTID_ENTRY_SIZE * i;
    setU64(v, at, BigInt(e.length));
    out.set(e.digest, at + 8);
    setU64(v, at + 32, BigInt(e.offset));
  });
  return out;
}

export interface ObjectIdFile {
  common: CommonHeader;
  index: number;
  type: number;
  tableOffset: number;
  entries: ObjectIdEntry[];
}

/** Returns undefined-free data or throws a plain Error with the byte offset; callers wrap it. */
export function decodeObjectIdFile(b: Uint8Array): ObjectIdFile {
  if (b.length < OBJECTID_HEADER_SIZE) throw new RangeError(`objectid file of ${b.length} bytes is shorter than its 48-byte header`);
  const v = view(b);
  const tableOffset = v.getUint32(40, true);
  const count = v.getUint32(44, true);
  if (tableOffset < OBJECTID_HEADER_SIZE || tableOffset + count * OBJECTID_ENTRY_SIZE > b.length) {
    throw new RangeError(`objectid table at ${tableOffset} with ${count} entries runs past the end (${b.length} bytes)`);
  }
  const entries: ObjectIdEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = tableOffset + OBJECTID_ENTRY_SIZE * i;
    entries.push({ length: Number(v.getBigUint64(at, true)), digest: b.slice(at + 8, at + 32), offset: Number(v.getBigUint64(at + 32, true)) });
  }
  return { common: decodeCommonHeader(b), index: v.getUint16(32, true), type: b[34]!, tableOffset, entries };
}

// ---- Filesystem object (24 bytes) ----

export interface FilesystemObject {
  upcaseTableOffset: RegionOffset;
  fileTableDirectoryOffset: RegionOffset;
  fileTableDirectoryLength: number;
  rootDirectory: number;
}

export function encodeFilesystemObject(f: FilesystemObject): Uint8Array {
  const out = new Uint8Array(FILESYSTEM_OBJECT_SIZE);
  const v = view(out);
  setU64(v, 0, packOffset(f.upcaseTableOffset));
  setU64(v, 8, packOffset(f.fileTableDirectoryOffset));
  v.setUint32(16, f.fileTableDirectoryLength, true);
  v.setUint32(20, f.rootDirectory, true);
  return out;
}

export function decodeFilesystemObject(b: Uint8Array): FilesystemObject {
  const v = view(b);
  return {
    upcaseTableOffset: unpackOffset(v.getBigUint64(0, true)),
    fileTableDirectoryOffset: unpackOffset(v.getBigUint64(8, true)),
    fileTableDirectoryLength: v.getUint32(16, true),
    rootDirectory: v.getUint32(20, true),
  };
}

// ---- File table directory entry (16 bytes) ----

export interface FtdEntry {
  offset: RegionOffset;
  count: number;
  entrySize: number;
}

export function encodeFtd(entries: FtdEntry[]): Uint8Array {
  const out = new Uint8Array(FTD_ENTRY_SIZE * entries.length);
  const v = view(out);
  entries.forEach((e, i) => {
    setU64(v, i * 16, packOffset(e.offset));
    v.setUint16(i * 16 + 8, e.count, true);
    v.setUint16(i * 16 + 10, e.entrySize, true);
  });
  return out;
}

export function decodeFtdEntry(b: Uint8Array, at: number): FtdEntry {
  const v = view(b);
  return { offset: unpackOffset(v.getBigUint64(at, true)), count: v.getUint16(at + 8, true), entrySize: v.getUint16(at + 10, true) };
}

// ---- Stream (16 bytes) and LengthAndType ----

export interface StreamRecord {
  dataOffset: RegionOffset;
  size: number;
  type: number;
  sparse: boolean;
}

export function packLengthAndType(size: number, type: number, sparse: boolean): bigint {
  return BigInt(size) | (BigInt(type) << 48n) | (sparse ? 1n << 56n : 0n);
}

export function encodeStream(out: Uint8Array, at: number, s: StreamRecord): void {
  const v = view(out);
  setU64(v, at, packOffset(s.dataOffset));
  setU64(v, at + 8, packLengthAndType(s.size, s.type, s.sparse));
}

export function decodeStream(b: Uint8Array, at: number): StreamRecord {
  const v = view(b);
  const lt = v.getBigUint64(at + 8, true);
  return {
    dataOffset: unpackOffset(v.getBigUint64(at, true)),
    size: Number(lt & 0xffffffffffffn),
    type: Number((lt >> 48n) & 0xffn),
    sparse: ((lt >> 56n) & 1n) === 1n,
  };
}

// ---- File record (88 bytes in v1, 96 in v2) ----

export interface FileRecord {
  flags: number;
  eaLength: number;
  reparseTag: number;
  creationTime: bigint;
  lastWriteTime: bigint;
  changeTime: bigint;
  lastAccessTime: bigint;
  defaultStream: StreamRecord;
  sdOffset: RegionOffset;
  eaOffset: RegionOffset;
  reparseOffset: RegionOffset;
  streamTableOffset: RegionOffset;
  parentFileId: number;
  baseRegionIndex: number;
}

export function encodeFileRecord(out: Uint8Array, at: number, r: FileRecord, entrySize: number): void {
  const v = view(out);
  v.setUint16(at, r.flags, true);
  v.setUint16(at + 2, r.eaLength, true);
  v.setUint32(at + 4, r.reparseTag >>> 0, true);
  setU64(v, at + 8, r.creationTime);
  setU64(v, at + 16, r.lastWriteTime);
  setU64(v, at + 24, r.changeTime);
  setU64(v, at + 32, r.lastAccessTime);
  encodeStream(out, at + 40, r.defaultStream);
  setU64(v, at + 56, packOffset(r.sdOffset));
  setU64(v, at + 64, packOffset(r.eaOffset));
  setU64(v, at + 72, packOffset(r.reparseOffset));
  setU64(v, at + 80, packOffset(r.streamTableOffset));
  if (entrySize >= FILE_RECORD_SIZE_V2) {
    v.setUint32(at + 88, r.parentFileId, true);
    v.setUint16(at + 92, r.baseRegionIndex, true);
  }
}

/** `b` holds at least 88 bytes from `at`; v2 fields read as 0 when the record is shorter. */
export function decodeFileRecord(b: Uint8Array, at: number, entrySize: number): FileRecord {
  const v = view(b);
  const long = entrySize >= FILE_RECORD_SIZE_V2;
  return {
    flags: v.getUint16(at, true),
    eaLength: v.getUint16(at + 2, true),
    reparseTag: v.getUint32(at + 4, true),
    creationTime: v.getBigUint64(at + 8, true),
    lastWriteTime: v.getBigUint64(at + 16, true),
    changeTime: v.getBigUint64(at + 24, true),
    lastAccessTime: v.getBigUint64(at + 32, true),
    defaultStream: decodeStream(b, at + 40),
    sdOffset: unpackOffset(v.getBigUint64(at + 56, true)),
    eaOffset: unpackOffset(v.getBigUint64(at + 64, true)),
    reparseOffset: unpackOffset(v.getBigUint64(at + 72, true)),
    streamTableOffset: unpackOffset(v.getBigUint64(at + 80, true)),
    parentFileId: long ? v.getUint32(at + 88, true) : 0,
    baseRegionIndex: long ? v.getUint16(at + 92, true) : 0,
  };
}

// ---- attributes <-> Flags (spec §10) ----

const ATTR_FLAG_PAIRS: [number, number][] = [
  [0x1, FileFlag.ReadOnly],
  [0x2, FileFlag.Hidden],
  [0x4, FileFlag.System],
  [0x20, FileFlag.Archive],
  [0x200, FileFlag.Sparse],
];

export function flagsFromAttributes(attributes: number): number {
  let f = 0;
  for (const [a, fl] of ATTR_FLAG_PAIRS) if (attributes & a) f |= fl;
  return f;
}

/** Rebuilds Windows attributes: the stored bits plus DIRECTORY and REPARSE_POINT from structure. */
export function attributesFromRecord(r: FileRecord): number {
  let a = 0;
  for (const [attr, fl] of ATTR_FLAG_PAIRS) if (r.flags & fl) a |= attr;
  if (r.defaultStream.type === StreamType.LinkTable) a |= 0x10;
  if (!isNull(r.reparseOffset)) a |= 0x400;
  return a;
}

/** The attribute bits a CIM can keep; anything else is lost on the way through (spec §10). */
export const STORABLE_ATTRIBUTES = 0x1 | 0x2 | 0x4 | 0x10 | 0x20 | 0x200 | 0x400;
