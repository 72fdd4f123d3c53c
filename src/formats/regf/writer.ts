// The hive writer: serializes a tree of keys and values into a fresh, compact, clean hive
// (no logs). Cells are laid out depth-first into 4 KiB bins (bigger bins for big cells), each
// cell at its minimal size, free space only at bin tails. Subkeys are sorted by uppercased name
// into lh leaves of at most 507 entries (an ri above more); values of up to 4 bytes are inline,
// up to 16344 bytes in one cell, bigger ones in db segments; one sk cell per distinct
// descriptor, linked in a ring with exact reference counts; max-length fields exact.

import { invalidArgument } from '../../errors.js';
import { BASE_BLOCK_SIZE, BINS_START, buildBaseBlock, HIVE_FLAG_LAYERED, NIL } from './baseblock.js';
import { compareNames, encodeLatin1, isCompressible, lhHash, upcaseName } from './names.js';
import { encodeUtf16le as encodeUtf16 } from '../backup/utf16.js';
import { unixMsToFiletime } from '../backup/filetime.js';
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
import { DEFAULT_KEY_SECURITY } from './security.js';
import type { HiveKeyInput, HiveValueInput } from './tree.js';
import { encodeValue, impliedType, parseType } from './values.js';

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

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Lays cells out into bins inside one growing buffer (file offsets include the base block). */
class CellWriter {
  buf = new Uint8Array(1 << 16);
  dv = new DataView(this.buf.buffer);
  private binStart = 0;
  private binEnd = 0;
  private cursor = 0;

  private ensure(fileSize: number): void {
    if (fileSize <= this.buf.length) return;
    let n = this.buf.length;
    while (n < fileSize) n *= 2;
    const b = new Uint8Array(n);
    b.set(this.buf);
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }

  /** Turns what is left of the current bin into one free cell. */
  private closeBin(): void {
    const rest = this.binEnd - this.cursor;
    if (rest > 0) this.dv.setInt32(BINS_START + this.cursor, rest, true);
    this.cursor = this.binEnd;
  }

  private openBin(minCell: number): void {
    this.closeBin();
    const size = Math.max(4096, Math.ceil((minCell + 32) / 4096) * 4096);
    this.binStart = this.binEnd;
    this.binEnd = this.binStart + size;
    this.ensure(BINS_START + this.binEnd);
    const at = BINS_START + this.binStart;
    this.buf.set([0x68, 0x62, 0x69, 0x6e], at); // 'hbin'
    this.dv.setUint32(at + 4, this.binStart, true);
    this.dv.setUint32(at + 8, size, true);
    this.cursor = this.binStart + 32;
  }

  /** Allocates a cell for `payload` bytes; returns its cell offset. */
  alloc(payload: number): number {
    const size = align8(4 + payload);
    if (this.cursor + size > this.binEnd) this.openBin(size);
    const off = this.cursor;
    this.cursor += size;
    this.dv.setInt32(BINS_START + off, -size, true);
    return off;
  }

  /** File position of byte `field` of the cell data at cell offset `off`. */
  at(off: number, field = 0): number {
    return BINS_START + off + 4 + field;
  }

  finish(): number {
    this.closeBin();
    return this.binEnd;
  }
}

interface Prepared {
  input: HiveKeyInput;
  sdKey: string;
  children: Prepared[];
  depth: number;
}

function sdKeyOf(sd: Uint8Array): string {
  return Buffer.from(sd.buffer, sd.byteOffset, sd.length).toString('base64');
}

/**
 * Serializes a tree into hive bytes. Names are checked (unique per parent, case-insensitive;
 * key names 1..255 characters without backslash). Layer information is written only for
 * minor version 6, which also sets the header's layered-keys flag.
 */
export function writeHive(root: HiveKeyInput, options: WriteOptions = {}): Uint8Array {
  const minor = options.minorVersion ?? 5;
  if (![3, 4, 5, 6].includes(minor)) throw invalidArgument(`minor version ${minor} is not one of 3, 4, 5, 6`);
  const layered = minor === 6;
  const now = options.timestamp ?? nowFiletime();
  const cells = new CellWriter();

  // Pass 1: effective descriptors (a key without one shares its parent's), checks, sk set.
  const sdBytes = new Map<string, Uint8Array>();
  const sdRefs = new Map<string, number>();
  const prepare = (input: HiveKeyInput, parentSd: Uint8Array, path: string, depth: number, isRoot: boolean): Prepared => {
    if (depth > MAX_DEPTH) throw invalidArgument(`'${path}': keys nest deeper than ${MAX_DEPTH} levels`);
    if (!isRoot && (input.name.length === 0 || input.name.length > 255 || input.name.includes('\\'))) {
      throw invalidArgument(`'${path}': a key name must have 1 to 255 characters and no backslash`, { key: path });
    }
    if (input.layer && !layered) throw invalidArgument(`'${path}': layer information needs minorVersion 6`, { key: path });
    const sd = input.securityDescriptor ?? parentSd;
    const sdKey = sdKeyOf(sd);
    sdBytes.set(sdKey, sd);
    sdRefs.set(sdKey, (sdRefs.get(sdKey) ?? 0) + 1);
    const subs = [...(input.subkeys ?? [])].sort((a, b) => compareNames(a.name, b.name));
    for (let i = 1; i < subs.length; i++) {
      if (compareNames(subs[i - 1]!.name, subs[i]!.name) === 0) throw invalidArgument(`'${path}': two subkeys named '${subs[i]!.name}'`, { key: path });
    }
    const names = new Set<string>();
    for (const v of input.values ?? []) {
      const up = upcaseName(v.name);
      if (names.has(up)) throw invalidArgument(`'${path}': two values named '${v.name}'`, { key: path });
      names.add(up);
      if (v.tombstone && !layered) throw invalidArgument(`'${path}': tombstone value '${v.name}' needs minorVersion 6`, { key: path });
    }
    return {
      input,
      sdKey,
      depth,
      children: subs.map((c) => prepare(c, sd, path ? `${path}\\${c.name}` : c.name, depth + 1, false)),
    };
  };
  const tree = prepare(root, root.securityDescriptor ?? DEFAULT_KEY_SECURITY, '', 0, true);

  const nameBytes = (name: string): { bytes: Uint8Array; comp: boolean } =>
    isCompressible(name) ? { bytes: encodeLatin1(name), comp: true } : { bytes: encodeUtf16(name), comp: false };

  // The root nk comes first (cell offset 0x20), then the sk cells, then everything else.
  const rootName = nameBytes(root.name);
  const rootOff = cells.alloc(NK_FIXED + rootName.bytes.length);
  const sdOffsets = new Map<string, number>();
  const skList: number[] = [];
  for (const [key, sd] of sdBytes) {
    const off = cells.alloc(SK_FIXED + sd.length);
    sdOffsets.set(key, off);
    skList.push(off);
    const p = cells.at(off);
    cells.buf.set([0x73, 0x6b], p); // 'sk'
    cells.dv.setUint32(p + 12, sdRefs.get(key)!, true);
    cells.dv.setUint32(p + 16, sd.length, true);
    cells.buf.set(sd, p + SK_FIXED);
  }
  skList.forEach((off, i) => {
    const p = cells.at(off);
    cells.dv.setUint32(p + 4, skList[(i + 1) % skList.length]!, true);
    cells.dv.setUint32(p + 8, skList[(i + skList.length - 1) % skList.length]!, true);
  });

  const writeValue = (v: HiveValueInput, path: string): { off: number; nameChars: number; size: number } => {
    const type = v.tombstone ? 0 : v.type !== undefined ? parseType(v.type) : v.data !== undefined ? impliedType(v.data) : 0;
    const data = v.tombstone || v.data === undefined ? new Uint8Array(0) : encodeValue(type, v.data, `'${path}' value '${v.name}'`);
    const nb = nameBytes(v.name);
    const off = cells.alloc(VK_FIXED + nb.bytes.length);
    let sizeField: number;
    let dataField: number;
    if (v.tombstone) {
      sizeField = 0;
      dataField = NIL;
    } else if (data.length <= 4) {
      sizeField = (0x80000000 | data.length) >>> 0;
      dataField = 0;
      for (let i = data.length - 1; i >= 0; i--) dataField = (dataField * 256 + data[i]!) >>> 0;
    } else if (data.length <= BIG_DATA_SEGMENT || minor < 4) {
      sizeField = data.length;
      dataField = cells.alloc(data.length);
      cells.buf.set(data, cells.at(dataField));
    } else {
      sizeField = data.length;
      const segments = Math.ceil(data.length / BIG_DATA_SEGMENT);
      const segOffs: number[] = [];
      for (let i = 0; i < segments; i++) {
        const s = cells.alloc(BIG_DATA_SEGMENT);
        cells.buf.set(data.subarray(i * BIG_DATA_SEGMENT, (i + 1) * BIG_DATA_SEGMENT), cells.at(s));
        segOffs.push(s);
      }
      const list = cells.alloc(4 * segments);
      segOffs.forEach((s, i) => cells.dv.setUint32(cells.at(list, 4 * i), s, true));
      dataField = cells.alloc(12);
      const p = cells.at(dataField);
      cells.buf.set([0x64, 0x62], p); // 'db'
      cells.dv.setUint16(p + 2, segments, true);
      cells.dv.setUint32(p + 4, list, true);
    }
    const p = cells.at(off);
    cells.buf.set([0x76, 0x6b], p); // 'vk'
    cells.dv.setUint16(p + 2, nb.bytes.length, true);
    cells.dv.setUint32(p + 4, sizeField, true);
    cells.dv.setUint32(p + 8, dataField, true);
    cells.dv.setUint32(p + 12, type, true);
    cells.dv.setUint16(p + 16, (nb.comp ? VALUE_COMP_NAME : 0) | (v.tombstone ? VALUE_TOMBSTONE : 0), true);
    cells.buf.set(nb.bytes, p + VK_FIXED);
    return { off, nameChars: v.name.length, size: data.length };
  };

  const writeLeaf = (children: Prepared[], offs: number[]): number => {
    const useLh = minor >= 5;
    const leaf = cells.alloc(4 + 8 * children.length);
    const p = cells.at(leaf);
    cells.buf.set(useLh ? [0x6c, 0x68] : [0x6c, 0x66], p); // 'lh' / 'lf'
    cells.dv.setUint16(p + 2, children.length, true);
    children.forEach((c, i) => {
      cells.dv.setUint32(p + 4 + 8 * i, offs[i]!, true);
      if (useLh) cells.dv.setUint32(p + 8 + 8 * i, lhHash(c.input.name), true);
      else for (let k = 0; k < 4 && k < c.input.name.length; k++) cells.buf[p + 8 + 8 * i + k] = c.input.name.charCodeAt(k) & 0xff;
    });
    return leaf;
  };

  const writeKey = (k: Prepared, nkOff: number, parentOff: number, path: string): void => {
    const input = k.input;
    const isRoot = k.depth === 0;
    const nb = isRoot ? rootName : nameBytes(input.name);
    let classOff = NIL;
    let classLen = 0;
    if (input.className !== undefined && input.className.length > 0) {
      const cb = encodeUtf16(input.className);
      classOff = cells.alloc(cb.length);
      classLen = cb.length;
      cells.buf.set(cb, cells.at(classOff));
    }
    const values = input.values ?? [];
    let maxValueName = 0;
    let maxValueData = 0;
    const vkOffs: number[] = [];
    for (const v of values) {
      const w = writeValue(v, path);
      vkOffs.push(w.off);
      maxValueName = Math.max(maxValueName, w.nameChars * 2);
      maxValueData = Math.max(maxValueData, w.size);
    }
    let valueList = NIL;
    if (vkOffs.length) {
      valueList = cells.alloc(4 * vkOffs.length);
      vkOffs.forEach((o, i) => cells.dv.setUint32(cells.at(valueList, 4 * i), o, true));
    }
    const childOffs: number[] = [];
    let maxSubName = 0;
    let maxSubClass = 0;
    for (const c of k.children) {
      const off = cells.alloc(NK_FIXED + nameBytes(c.input.name).bytes.length);
      childOffs.push(off);
      maxSubName = Math.max(maxSubName, c.input.name.length * 2);
      maxSubClass = Math.max(maxSubClass, (c.input.className?.length ?? 0) * 2);
      writeKey(c, off, nkOff, path ? `${path}\\${c.input.name}` : c.input.name);
    }
    let subList = NIL;
    if (k.children.length > MAX_LEAF_ENTRIES) {
      const leaves: number[] = [];
      for (let i = 0; i < k.children.length; i += MAX_LEAF_ENTRIES) {
        leaves.push(writeLeaf(k.children.slice(i, i + MAX_LEAF_ENTRIES), childOffs.slice(i, i + MAX_LEAF_ENTRIES)));
      }
      subList = cells.alloc(4 + 4 * leaves.length);
      const p = cells.at(subList);
      cells.buf.set([0x72, 0x69], p); // 'ri'
      cells.dv.setUint16(p + 2, leaves.length, true);
      leaves.forEach((l, i) => cells.dv.setUint32(p + 4 + 4 * i, l, true));
    } else if (k.children.length > 0) {
      subList = writeLeaf(k.children, childOffs);
    }

    const p = cells.at(nkOff);
    const d = cells.dv;
    let flags = (input.flags ?? 0) & ~(KEY_HIVE_ENTRY | KEY_COMP_NAME) & 0xffff;
    if (isRoot) flags |= KEY_HIVE_ENTRY | KEY_NO_DELETE;
    if (nb.comp) flags |= KEY_COMP_NAME;
    cells.buf.set([0x6e, 0x6b], p); // 'nk'
    d.setUint16(p + 2, flags, true);
    d.setBigUint64(p + 4, input.timestamp ?? now, true);
    const layer = layered && input.layer ? (input.layer.semantics & 3) | (input.layer.inheritClass ? LAYER_INHERIT_CLASS : 0) : 0;
    cells.buf[p + 13] = layer;
    d.setUint32(p + 16, isRoot ? 0 : parentOff, true);
    d.setUint32(p + 20, k.children.length, true);
    d.setUint32(p + 28, subList, true);
    d.setUint32(p + 32, NIL, true);
    d.setUint32(p + 36, vkOffs.length, true);
    d.setUint32(p + 40, valueList, true);
    d.setUint32(p + 44, sdOffsets.get(k.sdKey)!, true);
    d.setUint32(p + 48, classOff, true);
    d.setUint16(p + 52, maxSubName, true);
    d.setUint16(p + 54, input.userFlags ?? 0, true);
    d.setUint32(p + 56, maxSubClass, true);
    d.setUint32(p + 60, maxValueName, true);
    d.setUint32(p + 64, maxValueData, true);
    d.setUint16(p + 72, nb.bytes.length, true);
    d.setUint16(p + 74, classLen, true);
    cells.buf.set(nb.bytes, p + NK_FIXED);
  };
  writeKey(tree, rootOff, 0, '');

  const binsSize = cells.finish();
  const out = cells.buf.slice(0, BASE_BLOCK_SIZE + binsSize);
  out.set(
    buildBaseBlock({
      minorVersion: minor,
      rootCellOffset: rootOff,
      binsSize,
      flags: layered ? HIVE_FLAG_LAYERED : 0,
      lastWritten: now,
      sequence: options.sequence ?? 1,
      ...(options.fileName !== undefined ? { fileName: options.fileName } : {}),
    }),
    0,
  );
  return out;
}
