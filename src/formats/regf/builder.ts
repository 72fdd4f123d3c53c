// The hive builder: lays keys and values out as cells in 4 KiB bins (bigger bins for big cells)
// and hands each bin to a sink as soon as nothing in it is waiting for a later write, so a
// hive of any size is written with a few bins in memory. Keys arrive depth-first through
// openKey/closeKey; a key's nk cell is reserved when it opens and filled when it closes (its
// subkey list and counts are known only then), so the bins holding the open keys' nk cells, one
// per level at most, are the only ones kept. Cells are at their minimal size, free space only at
// bin tails; subkeys are sorted by uppercased name into lh leaves of at most 507 entries (an ri
// above more); values of up to 4 bytes are inline, up to 16344 bytes in one cell, bigger ones in
// db segments; one sk cell per distinct descriptor (all given up front: they follow the root nk),
// linked in a ring with exact reference counts; max-length fields exact.

import { invalidArgument } from '../../errors.js';
import { encodeUtf16le as encodeUtf16 } from '../backup/utf16.js';
import { unixMsToFiletime } from '../backup/filetime.js';
import { BASE_BLOCK_SIZE, BINS_START, buildBaseBlock, HIVE_FLAG_LAYERED, NIL } from './baseblock.js';
import { compareNames, encodeLatin1, isCompressible, lhHash, upcaseName } from './names.js';
import {
  BIG_DATA_SEGMENT,
  KEY_COMP_NAME,
  KEY_HIVE_ENTRY,
  KEY_NO_DELETE,
  LAYER_INHERIT_CLASS,
  MAX_DEPTH,
  MAX_LEAF_ENTRIES,
  NK_FIXED,
  SK_FIXED,
  VALUE_COMP_NAME,
  VALUE_TOMBSTONE,
  VK_FIXED,
} from './records.js';
import type { HiveValueInput, LayerInfo } from './tree.js';
import { encodeValue, impliedType, parseType } from './values.js';

/** Where the hive's bytes go: bins in any order, the base block last (position 0). */
export interface HiveSink {
  write(bytes: Uint8Array, position: number): void;
}

export interface WriteOptions {
  /** 5 (default) or 6 (layered delta hive); 3 and 4 write lf leaves (3 without big data). */
  minorVersion?: 3 | 4 | 5 | 6;
  /** FILETIME for keys without a timestamp and for the header (default: now). */
  timestamp?: bigint;
  /** Stored in the header's debugging name field (last 31 characters). */
  fileName?: string;
  /** Both header sequence numbers (default 1). */
  sequence?: number;
}

/** The current time as a FILETIME. */
export function nowFiletime(): bigint {
  return unixMsToFiletime(Date.now());
}

/** What the builder needs of a key; `securityDescriptor` is the effective one (inherited already). */
export interface KeyRecord {
  name: string;
  className?: string | undefined;
  timestamp?: bigint | undefined;
  securityDescriptor: Uint8Array;
  flags?: number | undefined;
  userFlags?: number | undefined;
  layer?: LayerInfo | undefined;
}

/** Descriptors are matched by content; this is the content key. */
export function descriptorKey(sd: Uint8Array): string {
  return Buffer.from(sd.buffer, sd.byteOffset, sd.length).toString('base64');
}

/** Counts keys per distinct descriptor, in first-seen order: the builder's `descriptors`. */
export class DescriptorTable {
  readonly entries = new Map<string, { bytes: Uint8Array; refs: number }>();
  /** The same array object (a reader caches one per sk cell) skips the content key. */
  private readonly byObject = new Map<Uint8Array, string>();

  key(sd: Uint8Array): string {
    let k = this.byObject.get(sd);
    if (k === undefined) {
      k = descriptorKey(sd);
      if (this.byObject.size < 65536) this.byObject.set(sd, k);
    }
    return k;
  }

  add(sd: Uint8Array): void {
    const k = this.key(sd);
    const e = this.entries.get(k);
    if (e) e.refs++;
    else this.entries.set(k, { bytes: sd, refs: 1 });
  }
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

const NAME_LIMIT = 255;

/** One bin being filled or waiting for reserved cells; flushed to the sink when `waiting` is 0 and it is no longer current. */
interface Bin {
  start: number; // offset in the bins area
  bytes: Uint8Array;
  view: DataView;
  waiting: number;
}

/** A cell: its offset (what other records point to) and where its data lies in its bin. */
interface Cell {
  off: number;
  bin: Bin;
  /** Index of the cell's first data byte in bin.bytes. */
  p: number;
}

interface OpenKey {
  record: KeyRecord;
  path: string;
  nk: Cell;
  nameBytes: Uint8Array;
  compName: boolean;
  classOff: number;
  classLen: number;
  valueCount: number;
  valueList: number;
  maxValueName: number;
  maxValueData: number;
  children: { name: string; off: number }[];
  maxSubName: number;
  maxSubClass: number;
}

function nameBytesOf(name: string): { bytes: Uint8Array; comp: boolean } {
  return isCompressible(name) ? { bytes: encodeLatin1(name), comp: true } : { bytes: encodeUtf16(name), comp: false };
}

function checkKeyName(name: string, path: string): void {
  if (name.length === 0 || name.length > NAME_LIMIT || name.includes('\\')) {
    throw invalidArgument(`'${path}': a key name must have 1 to ${NAME_LIMIT} characters and no backslash`, { key: path });
  }
}

export class HiveBuilder {
  private readonly minor: 3 | 4 | 5 | 6;
  private readonly layered: boolean;
  private readonly now: bigint;
  private readonly sdOffsets = new Map<string, number>();
  private current: Bin | undefined;
  private cursor = 0; // next free offset in the bins area
  private binEnd = 0;
  private readonly stack: OpenKey[] = [];
  private rootOff = -1;
  private done = false;

  constructor(
    private readonly sink: HiveSink,
    private readonly descriptors: DescriptorTable,
    private readonly options: WriteOptions = {},
  ) {
    const minor = options.minorVersion ?? 5;
    if (![3, 4, 5, 6].includes(minor)) throw invalidArgument(`minor version ${minor} is not one of 3, 4, 5, 6`);
    this.minor = minor;
    this.layered = minor === 6;
    this.now = options.timestamp ?? nowFiletime();
  }

  // ---- bins and cells -----------------------------------------------------------------------

  private release(bin: Bin): void {
    if (bin.waiting === 0 && bin !== this.current) this.sink.write(bin.bytes, BINS_START + bin.start);
  }

  /** Turns what is left of the current bin into one free cell and lets it go. */
  private closeBin(): void {
    const bin = this.current;
    if (!bin) return;
    const rest = this.binEnd - this.cursor;
    if (rest > 0) bin.view.setInt32(this.cursor - bin.start, rest, true);
    this.cursor = this.binEnd;
    this.current = undefined;
    this.release(bin);
  }

  private openBin(minCell: number): void {
    this.closeBin();
    const size = Math.max(4096, Math.ceil((minCell + 32) / 4096) * 4096);
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    bytes[0] = 0x68; // 'hbin'
    bytes[1] = 0x62;
    bytes[2] = 0x69;
    bytes[3] = 0x6e;
    view.setUint32(4, this.binEnd, true);
    view.setUint32(8, size, true);
    this.current = { start: this.binEnd, bytes, view, waiting: 0 };
    this.binEnd += size;
    this.cursor = this.current.start + 32;
  }

  /** Reserves a cell for `payload` bytes; its bin stays in memory until `seal`. */
  private alloc(payload: number): Cell {
    const size = align8(4 + payload);
    if (!this.current || this.cursor + size > this.binEnd) this.openBin(size);
    const bin = this.current!;
    const off = this.cursor;
    this.cursor += size;
    bin.view.setInt32(off - bin.start, -size, true);
    bin.waiting++;
    return { off, bin, p: off - bin.start + 4 };
  }

  private seal(cell: Cell): void {
    cell.bin.waiting--;
    this.release(cell.bin);
  }

  /** A cell holding `bytes`, written at once. */
  private dataCell(bytes: Uint8Array): number {
    const c = this.alloc(bytes.length);
    c.bin.bytes.set(bytes, c.p);
    this.seal(c);
    return c.off;
  }

  /** A cell holding a list of u32 cell offsets. */
  private offsetList(offsets: readonly number[]): number {
    const c = this.alloc(4 * offsets.length);
    for (let i = 0; i < offsets.length; i++) c.bin.view.setUint32(c.p + 4 * i, offsets[i]!, true);
    this.seal(c);
    return c.off;
  }

  // ---- records -------------------------------------------------------------------------------

  private writeDescriptors(): void {
    const cells: Cell[] = [];
    for (const [key, { bytes, refs }] of this.descriptors.entries) {
      const c = this.alloc(SK_FIXED + bytes.length);
      c.bin.bytes[c.p] = 0x73; // 'sk'
      c.bin.bytes[c.p + 1] = 0x6b;
      c.bin.view.setUint32(c.p + 12, refs, true);
      c.bin.view.setUint32(c.p + 16, bytes.length, true);
      c.bin.bytes.set(bytes, c.p + SK_FIXED);
      this.sdOffsets.set(key, c.off);
      cells.push(c);
    }
    // The ring (next at +4, previous at +8) needs every offset: the cells wait until now.
    cells.forEach((c, i) => {
      c.bin.view.setUint32(c.p + 4, cells[(i + 1) % cells.length]!.off, true);
      c.bin.view.setUint32(c.p + 8, cells[(i + cells.length - 1) % cells.length]!.off, true);
      this.seal(c);
    });
  }

  private writeValue(v: HiveValueInput, path: string): { off: number; size: number } {
    const type = v.tombstone ? 0 : v.type !== undefined ? parseType(v.type) : v.data !== undefined ? impliedType(v.data) : 0;
    const data = v.tombstone || v.data === undefined ? new Uint8Array(0) : encodeValue(type, v.data, `'${path}' value '${v.name}'`);
    const nb = nameBytesOf(v.name);
    const vk = this.alloc(VK_FIXED + nb.bytes.length);
    let sizeField: number;
    let dataField: number;
    if (v.tombstone) {
      sizeField = 0;
      dataField = NIL;
    } else if (data.length <= 4) {
      sizeField = (0x80000000 | data.length) >>> 0;
      dataField = 0;
      for (let i = data.length - 1; i >= 0; i--) dataField = (dataField * 256 + data[i]!) >>> 0;
    } else if (data.length <= BIG_DATA_SEGMENT || this.minor < 4) {
      sizeField = data.length;
      dataField = this.dataCell(data);
    } else {
      sizeField = data.length;
      const segments: number[] = [];
      for (let at = 0; at < data.length; at += BIG_DATA_SEGMENT) {
        // every segment cell has the full segment size, the last one padded with zeros
        const s = this.alloc(BIG_DATA_SEGMENT);
        s.bin.bytes.set(data.subarray(at, at + BIG_DATA_SEGMENT), s.p);
        this.seal(s);
        segments.push(s.off);
      }
      const list = this.offsetList(segments);
      const db = this.alloc(12);
      db.bin.bytes[db.p] = 0x64; // 'db'
      db.bin.bytes[db.p + 1] = 0x62;
      db.bin.view.setUint16(db.p + 2, segments.length, true);
      db.bin.view.setUint32(db.p + 4, list, true);
      this.seal(db);
      dataField = db.off;
    }
    const b = vk.bin.bytes;
    const d = vk.bin.view;
    const p = vk.p;
    b[p] = 0x76; // 'vk'
    b[p + 1] = 0x6b;
    d.setUint16(p + 2, nb.bytes.length, true);
    d.setUint32(p + 4, sizeField, true);
    d.setUint32(p + 8, dataField, true);
    d.setUint32(p + 12, type, true);
    d.setUint16(p + 16, (nb.comp ? VALUE_COMP_NAME : 0) | (v.tombstone ? VALUE_TOMBSTONE : 0), true);
    b.set(nb.bytes, p + VK_FIXED);
    this.seal(vk);
    return { off: vk.off, size: data.length };
  }

  private writeLeaf(children: readonly { name: string; off: number }[]): number {
    const useLh = this.minor >= 5;
    const c = this.alloc(4 + 8 * children.length);
    const b = c.bin.bytes;
    const d = c.bin.view;
    b[c.p] = 0x6c; // 'lh' / 'lf'
    b[c.p + 1] = useLh ? 0x68 : 0x66;
    d.setUint16(c.p + 2, children.length, true);
    for (let i = 0; i < children.length; i++) {
      const at = c.p + 4 + 8 * i;
      const child = children[i]!;
      d.setUint32(at, child.off, true);
      if (useLh) d.setUint32(at + 4, lhHash(child.name), true);
      else for (let k = 0; k < 4 && k < child.name.length; k++) b[at + 4 + k] = child.name.charCodeAt(k) & 0xff;
    }
    this.seal(c);
    return c.off;
  }

  // ---- keys ----------------------------------------------------------------------------------

  /**
   * Starts a key (the root first, then depth-first): writes its class name and values and
   * reserves its nk cell. Its subkeys follow, each opened and closed, then `closeKey`.
   * `path` names the key in error messages.
   */
  openKey(record: KeyRecord, values: readonly HiveValueInput[], path: string): void {
    if (this.done) throw invalidArgument('the hive is already finished');
    const isRoot = this.stack.length === 0;
    if (isRoot && this.rootOff >= 0) throw invalidArgument('a hive has one root key');
    if (!isRoot) checkKeyName(record.name, path);
    if (this.stack.length > MAX_DEPTH) throw invalidArgument(`'${path}': keys nest deeper than ${MAX_DEPTH} levels`, { key: path });
    if (record.layer && !this.layered) throw invalidArgument(`'${path}': layer information needs minorVersion 6`, { key: path });
    const nb = nameBytesOf(record.name);
    const nk = this.alloc(NK_FIXED + nb.bytes.length);
    if (isRoot) {
      // The root nk comes first (cell offset 0x20), then the sk cells, then everything else.
      this.rootOff = nk.off;
      this.writeDescriptors();
    } else {
      const parent = this.stack[this.stack.length - 1]!;
      parent.children.push({ name: record.name, off: nk.off });
      parent.maxSubName = Math.max(parent.maxSubName, record.name.length * 2);
      parent.maxSubClass = Math.max(parent.maxSubClass, (record.className?.length ?? 0) * 2);
    }
    let classOff = NIL;
    let classLen = 0;
    if (record.className !== undefined && record.className.length > 0) {
      const cb = encodeUtf16(record.className);
      classOff = this.dataCell(cb);
      classLen = cb.length;
    }
    let maxValueName = 0;
    let maxValueData = 0;
    const vkOffs: number[] = [];
    const names = values.length > 1 ? new Set<string>() : undefined;
    for (const v of values) {
      if (names) {
        const up = upcaseName(v.name);
        if (names.has(up)) throw invalidArgument(`'${path}': two values named '${v.name}'`, { key: path });
        names.add(up);
      }
      if (v.tombstone && !this.layered) throw invalidArgument(`'${path}': tombstone value '${v.name}' needs minorVersion 6`, { key: path });
      const w = this.writeValue(v, path);
      vkOffs.push(w.off);
      maxValueName = Math.max(maxValueName, v.name.length * 2);
      maxValueData = Math.max(maxValueData, w.size);
    }
    this.stack.push({
      record,
      path,
      nk,
      nameBytes: nb.bytes,
      compName: nb.comp,
      classOff,
      classLen,
      valueCount: vkOffs.length,
      valueList: vkOffs.length ? this.offsetList(vkOffs) : NIL,
      maxValueName,
      maxValueData,
      children: [],
      maxSubName: 0,
      maxSubClass: 0,
    });
  }

  /** Ends the innermost open key: its subkey lists, then its nk cell. */
  closeKey(): void {
    const k = this.stack.pop();
    if (!k) throw invalidArgument('closeKey without an open key');
    const children = k.children;
    children.sort((a, b) => compareNames(a.name, b.name));
    for (let i = 1; i < children.length; i++) {
      if (compareNames(children[i - 1]!.name, children[i]!.name) === 0) throw invalidArgument(`'${k.path}': two subkeys named '${children[i]!.name}'`, { key: k.path });
    }
    let subList = NIL;
    if (children.length > MAX_LEAF_ENTRIES) {
      const leaves: number[] = [];
      for (let i = 0; i < children.length; i += MAX_LEAF_ENTRIES) leaves.push(this.writeLeaf(children.slice(i, i + MAX_LEAF_ENTRIES)));
      const ri = this.alloc(4 + 4 * leaves.length);
      ri.bin.bytes[ri.p] = 0x72; // 'ri'
      ri.bin.bytes[ri.p + 1] = 0x69;
      ri.bin.view.setUint16(ri.p + 2, leaves.length, true);
      leaves.forEach((l, i) => ri.bin.view.setUint32(ri.p + 4 + 4 * i, l, true));
      this.seal(ri);
      subList = ri.off;
    } else if (children.length > 0) {
      subList = this.writeLeaf(children);
    }

    const r = k.record;
    const isRoot = this.stack.length === 0;
    const parentOff = isRoot ? 0 : this.stack[this.stack.length - 1]!.nk.off;
    const b = k.nk.bin.bytes;
    const d = k.nk.bin.view;
    const p = k.nk.p;
    let flags = (r.flags ?? 0) & ~(KEY_HIVE_ENTRY | KEY_COMP_NAME) & 0xffff;
    if (isRoot) flags |= KEY_HIVE_ENTRY | KEY_NO_DELETE;
    if (k.compName) flags |= KEY_COMP_NAME;
    b[p] = 0x6e; // 'nk'
    b[p + 1] = 0x6b;
    d.setUint16(p + 2, flags, true);
    d.setBigUint64(p + 4, r.timestamp ?? this.now, true);
    b[p + 13] = this.layered && r.layer ? (r.layer.semantics & 3) | (r.layer.inheritClass ? LAYER_INHERIT_CLASS : 0) : 0;
    d.setUint32(p + 16, parentOff, true);
    d.setUint32(p + 20, children.length, true);
    d.setUint32(p + 28, subList, true);
    d.setUint32(p + 32, NIL, true);
    d.setUint32(p + 36, k.valueCount, true);
    d.setUint32(p + 40, k.valueList, true);
    const sk = this.sdOffsets.get(this.descriptors.key(r.securityDescriptor));
    if (sk === undefined) throw invalidArgument(`'${k.path}': its security descriptor is not in the descriptor table`, { key: k.path });
    d.setUint32(p + 44, sk, true);
    d.setUint32(p + 48, k.classOff, true);
    d.setUint16(p + 52, k.maxSubName, true);
    d.setUint16(p + 54, r.userFlags ?? 0, true);
    d.setUint32(p + 56, k.maxSubClass, true);
    d.setUint32(p + 60, k.maxValueName, true);
    d.setUint32(p + 64, k.maxValueData, true);
    d.setUint16(p + 72, k.nameBytes.length, true);
    d.setUint16(p + 74, k.classLen, true);
    b.set(k.nameBytes, p + NK_FIXED);
    this.seal(k.nk);
  }

  /** Writes the last bin and the base block; returns the file size. */
  finish(): number {
    if (this.done) throw invalidArgument('the hive is already finished');
    if (this.rootOff < 0 || this.stack.length) throw invalidArgument('finish with keys still open (or no root key)');
    this.closeBin();
    this.done = true;
    const binsSize = this.binEnd;
    this.sink.write(
      buildBaseBlock({
        minorVersion: this.minor,
        rootCellOffset: this.rootOff,
        binsSize,
        flags: this.layered ? HIVE_FLAG_LAYERED : 0,
        lastWritten: this.now,
        sequence: this.options.sequence ?? 1,
        ...(this.options.fileName !== undefined ? { fileName: this.options.fileName } : {}),
      }),
      0,
    );
    return BASE_BLOCK_SIZE + binsSize;
  }
}

/** A sink that keeps the pieces and joins them at the end (small hives, tests). */
export class MemorySink implements HiveSink {
  private readonly pieces: { bytes: Uint8Array; position: number }[] = [];
  private end = 0;

  write(bytes: Uint8Array, position: number): void {
    this.pieces.push({ bytes, position });
    this.end = Math.max(this.end, position + bytes.length);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.end);
    for (const { bytes, position } of this.pieces) out.set(bytes, position);
    return out;
  }
}
