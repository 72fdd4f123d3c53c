// The hive reader: random access over a ReadAt. Opening reads the base block only; keys,
// values, descriptors and data are read when asked for, through a small block cache, so a large
// hive is never read whole. After the (async) open every read is synchronous: buffer sources
// give views, file sources positional reads (ReadAt.readSync); a cell walk then costs no promise
// per cell. Every pointer is checked (inside the bins, at the start of an
// allocated cell of the right kind and size) and every failure is a Corrupt WcError naming the
// offset and the key path being read. Walks carry a visited set and a depth limit, so cycles in
// lists end in an error instead of a hang.

import { corrupt, WcError } from '../../errors.js';
import { BINS_START, checkPrimaryHeader, HIVE_FLAG_LAYERED, NIL, parseBaseBlock, type BaseBlock } from './baseblock.js';
import type { ReplayResult } from './log-replay.js';
import { decodeLatin1At, lhHash, namesEqual } from './names.js';
import { decodeUtf16le as decodeUtf16, decodeUtf16leAt } from '../backup/utf16.js';
import { bufferReadAt, isBufferReadAt, readAll, type ReadAt } from './readat.js';
import {
  BIG_DATA_SEGMENT,
  KEY_COMP_NAME,
  LAYER_INHERIT_CLASS,
  MAX_DEPTH,
  NK_FIXED,
  sig,
  SK_FIXED,
  VALUE_COMP_NAME,
  VALUE_TOMBSTONE,
  VK_FIXED,
  type LayerSemantics,
} from './records.js';

export interface RegKey {
  /** Cell offset of the nk record. */
  readonly offset: number;
  /** The timestamp's low and high 32 bits (what a text export needs, without a bigint). */
  readonly timeLow: number;
  readonly timeHigh: number;
  /** Backslash-separated path from the root ('' for the root itself). */
  readonly path: string;
  readonly name: string;
  /** nk flags (KEY_*). */
  readonly flags: number;
  readonly timestamp: bigint;
  readonly accessBits: number;
  /** nk byte +13 as stored. */
  readonly layerByte: number;
  readonly layerSemantics: LayerSemantics;
  readonly inheritClass: boolean;
  readonly parentOffset: number;
  readonly subkeyCount: number;
  readonly subkeyListOffset: number;
  readonly valueCount: number;
  readonly valueListOffset: number;
  readonly securityOffset: number;
  readonly classOffset: number;
  readonly classLength: number;
  /** u16 at +54: virtualization control, user (Wow64) and debug flags, kept verbatim. */
  readonly userFlags: number;
}

export interface RegValue {
  readonly offset: number;
  /** Path of the key holding the value (for messages). */
  readonly keyPath: string;
  /** '' for the default value. */
  readonly name: string;
  readonly type: number;
  /** Data size in bytes (bit 31 of the stored field removed). */
  readonly size: number;
  readonly inline: boolean;
  /** Raw data-offset field: a cell offset, or the inline data. */
  readonly dataField: number;
  readonly flags: number;
  /** A layered-hive value that deletes the same-named value of the layers above. */
  readonly tombstone: boolean;
}

export interface OpenOptions {
  /** Transaction logs (.LOG1, .LOG2 or .LOG), replayed when the primary is dirty. */
  logs?: ReadAt[];
  /** Bytes of cache for file-backed sources (default 64 MiB). */
  cacheBytes?: number;
  /**
   * For a caller that uses each data view (valueData(), cell()) before its next call into the
   * hive, as the exporter does: a block dropped from a full cache then lends its memory to the
   * next block read, so a small cache touches no fresh memory (a page fault per 4 KiB on first
   * touch, costlier than the read itself on a virtual machine). Views may change after that.
   */
  transientViews?: boolean;
}

// Hive walks read with good locality: a 4 MiB cache of 64 KiB blocks reads a 12 MiB hive's
// export in about 23 MiB of reads (larger blocks, more re-reads; smaller, more reads).
const BLOCK = 64 * 1024;
const EMPTY = new Uint8Array(0);

/**
 * Cache blocks handed back by recycle(), for the next hive to read into: memory fresh from the
 * system costs a page fault per 4 KiB on first touch, which on a virtual machine took longer
 * than reading the hive (a warm backend exporting one hive after another). At most 32 MiB kept.
 */
const spareBlocks: Uint8Array[] = [];
const MAX_SPARE_BLOCKS = (32 << 20) / BLOCK;
/** The visited bits of a finished walk (up to 4 MiB: a 128 MiB hive's), for the next walk. */
let spareSeen: Uint8Array | undefined;
const MAX_SPARE_SEEN = 4 << 20;

/** Zeroed memory for a walk's visited bits, a finished walk's when it is large enough. */
function takeSeen(length: number): Uint8Array {
  const spare = spareSeen;
  if (!spare || spare.length < length) return new Uint8Array(length);
  spareSeen = undefined;
  return spare.subarray(0, length).fill(0);
}

function giveSeen(seen: Uint8Array): void {
  const whole = new Uint8Array(seen.buffer);
  if (whole.length <= MAX_SPARE_SEEN && (!spareSeen || spareSeen.length < whole.length)) spareSeen = whole;
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

function u16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

function u32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/** A parsed nk record. The timestamp is kept as two numbers and made a bigint only when asked for. */
class KeyNode implements RegKey {
  constructor(
    readonly offset: number,
    readonly path: string,
    readonly name: string,
    readonly flags: number,
    /** FILETIME, low and high 32 bits. */
    readonly timeLow: number,
    readonly timeHigh: number,
    readonly accessBits: number,
    readonly layerByte: number,
    readonly parentOffset: number,
    readonly subkeyCount: number,
    readonly subkeyListOffset: number,
    readonly valueCount: number,
    readonly valueListOffset: number,
    readonly securityOffset: number,
    readonly classOffset: number,
    readonly classLength: number,
    readonly userFlags: number,
  ) {}

  get timestamp(): bigint {
    return (BigInt(this.timeHigh) << 32n) | BigInt(this.timeLow);
  }

  get layerSemantics(): LayerSemantics {
    return (this.layerByte & 3) as LayerSemantics;
  }

  get inheritClass(): boolean {
    return (this.layerByte & LAYER_INHERIT_CLASS) !== 0;
  }
}

export class Hive {
  readonly header: BaseBlock;
  /** The primary was dirty (bad checksum or sequence numbers differ) when opened. */
  readonly wasDirty: boolean;
  /** What log replay did, when it ran. */
  readonly replay: ReplayResult | undefined;
  readonly layered: boolean;

  private readonly buf: Uint8Array | undefined;
  /** Cached blocks: the bytes (a view of `memory` when the file ends inside the block). */
  private readonly blocks = new Map<number, { bytes: Uint8Array; memory: Uint8Array; used: number }>();
  private clock = 0;
  private lastIndex = -1;
  private lastBlock: Uint8Array | undefined;
  private readonly readSync: (offset: number, length: number) => Uint8Array;
  private readonly readIntoSync: ((offset: number, target: Uint8Array) => number) | undefined;
  private readonly maxBlocks: number;
  /** Per 4 KiB page of the bins: start of the bin holding it (+1; 0 = unknown) and its end. */
  private readonly pageBinStart: Int32Array;
  private readonly pageBinEnd: Int32Array;
  private readonly sdCache = new Map<number, Uint8Array>();
  /**
   * The bytes that the last at(), cellAt() or valueDataAt() positioned: they return an index
   * into it. Hot paths read cells in place this way, without a view or DataView per cell.
   */
  current: Uint8Array = EMPTY;
  /** Data length of the cell the last cellAt() found (its size field less 4). */
  private cellLength = 0;
  private readonly inlineData = new Uint8Array(4);
  private valueOffsets = new Uint32Array(64);

  private constructor(
    private readonly src: ReadAt,
    header: BaseBlock,
    wasDirty: boolean,
    replay: ReplayResult | undefined,
    cacheBytes: number,
    private readonly transientViews: boolean,
  ) {
    this.header = header;
    this.wasDirty = wasDirty;
    this.replay = replay;
    this.layered = (header.flags & HIVE_FLAG_LAYERED) !== 0 && header.minorVersion >= 6;
    this.buf = isBufferReadAt(src) ? src.bytes : undefined;
    this.readSync = src.readSync ? src.readSync.bind(src) : () => {
      throw new Error('a Hive needs a buffer or a ReadAt with readSync');
    };
    this.readIntoSync = src.readIntoSync?.bind(src);
    this.maxBlocks = Math.max(4, Math.floor(cacheBytes / BLOCK));
    const pages = header.binsSize / 4096;
    this.pageBinStart = new Int32Array(pages);
    this.pageBinEnd = new Int32Array(pages);
  }

  static async open(src: ReadAt, options: OpenOptions = {}): Promise<Hive> {
    const headBytes = await src.read(0, Math.min(4096, src.size));
    let header = parseBaseBlock(headBytes);
    const dirty = !header.checksumValid || header.primarySequence !== header.secondarySequence;
    let replay: ReplayResult | undefined;
    if (dirty && options.logs && options.logs.length > 0) {
      const primary = await readAll(src);
      const logs = await Promise.all(options.logs.map((l) => readAll(l)));
      // Loaded only for a dirty hive with logs: most opens never need it.
      const { replayLogs } = await import('./log-replay.js');
      replay = replayLogs(primary, logs);
      src = bufferReadAt(replay.image);
      header = parseBaseBlock(replay.image);
    }
    if (!header.checksumValid) {
      throw corrupt(`hive base block checksum is wrong (stored ${hex(header.checksum)})${dirty && !options.logs?.length ? ' and no transaction logs were given' : ''}`, { offset: 508 });
    }
    // The reader works synchronously once open: a source that can only read asynchronously is
    // read into memory here (file and buffer sources read lazily).
    if (!isBufferReadAt(src) && !src.readSync) src = bufferReadAt(await readAll(src));
    if (header.fileType !== 0) throw corrupt(`hive file type is ${header.fileType}, not a primary hive (0): is this a log file?`, { offset: 28 });
    checkPrimaryHeader(header, src.size);
    return new Hive(src, header, dirty, replay, options.cacheBytes ?? 64 * 1024 * 1024, options.transientViews ?? false);
  }

  /** Opens a hive held in memory. */
  static fromBytes(bytes: Uint8Array, options: OpenOptions = {}): Promise<Hive> {
    return Hive.open(bufferReadAt(bytes), options);
  }

  // ---- raw access -------------------------------------------------------------------------

  /** `what` names the record; a value stands for its data (named only when this fails: no string per read). */
  private fail(what: string | RegValue, cellOffset: number, path: string | undefined, reason: string): WcError {
    if (typeof what !== 'string') what = `data of value '${what.name}'`;
    const where = path === undefined ? '' : ` while reading key '${path === '' ? '\\' : path}'`;
    return corrupt(`${what} at cell offset ${hex(cellOffset)} (file offset ${hex(cellOffset + BINS_START)})${where}: ${reason}`, {
      offset: cellOffset + BINS_START,
      cellOffset,
      ...(path === undefined ? {} : { key: path }),
    });
  }

  private block(index: number): Uint8Array {
    if (index === this.lastIndex) return this.lastBlock!;
    let entry = this.blocks.get(index);
    if (!entry) {
      // A full cache drops its least recently used block first (a scan, once per block read);
      // with transient views the new block is read into its memory.
      let memory: Uint8Array | undefined;
      if (this.blocks.size >= this.maxBlocks) {
        let oldest = -1;
        let oldestUse = Infinity;
        for (const [i, e] of this.blocks) {
          if (e.used < oldestUse) {
            oldest = i;
            oldestUse = e.used;
          }
        }
        const dropped = this.blocks.get(oldest)!;
        this.blocks.delete(oldest);
        if (this.transientViews && dropped.memory.length === BLOCK) memory = dropped.memory;
      }
      entry = this.readBlock(index, memory);
      this.blocks.set(index, entry);
    }
    entry.used = ++this.clock;
    this.lastIndex = index;
    this.lastBlock = entry.bytes;
    return entry.bytes;
  }

  /** A block read into `memory`, else into a recycled block (see spareBlocks), else into new memory. */
  private readBlock(index: number, memory: Uint8Array | undefined): { bytes: Uint8Array; memory: Uint8Array; used: number } {
    const start = index * BLOCK;
    const length = Math.min(BLOCK, this.src.size - start);
    if (this.readIntoSync) memory ??= spareBlocks.pop();
    if (!memory) {
      const bytes = this.readSync(start, length);
      return { bytes, memory: bytes, used: 0 };
    }
    const got = this.readIntoSync!(start, memory);
    return { bytes: got === BLOCK ? memory : memory.subarray(0, got), memory, used: 0 };
  }

  /**
   * Hands the cached blocks over for later hives to read into (see spareBlocks): for a caller
   * that is done with everything this hive gave it. Any data view it handed out (valueData(),
   * cell()) may then change under its holder. The hive itself still works (it reads again).
   */
  recycle(): void {
    for (const e of this.blocks.values()) {
      if (spareBlocks.length < MAX_SPARE_BLOCKS && e.memory.length === BLOCK) spareBlocks.push(e.memory);
    }
    this.blocks.clear();
    this.lastIndex = -1;
    this.lastBlock = undefined;
    this.current = EMPTY;
  }

  /** File bytes [off, off+len); the caller has checked the range lies inside the file. */
  private bytes(off: number, len: number): Uint8Array {
    if (this.buf) return this.buf.subarray(off, off + len);
    const first = Math.floor(off / BLOCK);
    const last = Math.floor((off + len - 1) / BLOCK);
    if (first === last) {
      const b = this.block(first);
      return b.subarray(off - first * BLOCK, off - first * BLOCK + len);
    }
    if (len > 2 * BLOCK) return this.readSync(off, len);
    const out = new Uint8Array(len);
    for (let i = first; i <= last; i++) {
      const b = this.block(i);
      const from = Math.max(off, i * BLOCK);
      const to = Math.min(off + len, (i + 1) * BLOCK);
      out.set(b.subarray(from - i * BLOCK, to - i * BLOCK), from - off);
    }
    return out;
  }

  /** Positions `current` on file bytes [off, off+len) (checked by the caller) and returns their index in it. */
  private at(off: number, len: number): number {
    if (this.buf) {
      this.current = this.buf;
      return off;
    }
    const first = Math.floor(off / BLOCK);
    if (first === Math.floor((off + len - 1) / BLOCK) || len === 0) {
      this.current = this.block(first);
      return off - first * BLOCK;
    }
    this.current = this.bytes(off, len);
    return 0;
  }

  /** Finds the hive bin holding a cell offset by walking back to its header; remembers it for every page it covers. */
  private findBin(cellOffset: number, what: string | RegValue, path: string | undefined): void {
    const page = Math.floor(cellOffset / 4096);
    for (let p = page; p >= 0; p--) {
      const h = this.bytes(BINS_START + p * 4096, 16);
      if (h[0] !== 0x68 || h[1] !== 0x62 || h[2] !== 0x69 || h[3] !== 0x6e) continue; // 'hbin'
      const dv = new DataView(h.buffer, h.byteOffset, 16);
      const start = p * 4096;
      const size = dv.getUint32(8, true);
      if (dv.getUint32(4, true) !== start) throw this.fail('hive bin', start, path, `its offset field says ${hex(dv.getUint32(4, true))}`);
      if (size === 0 || size % 4096 !== 0 || start + size > this.header.binsSize) throw this.fail('hive bin', start, path, `bad bin size ${hex(size)}`);
      if (start + size <= cellOffset) break;
      for (let q = p; q < p + size / 4096; q++) {
        this.pageBinStart[q] = start + 1;
        this.pageBinEnd[q] = start + size;
      }
      return;
    }
    throw this.fail(what, cellOffset, path, 'no valid hive bin header covers this offset');
  }

  /** The data of the allocated cell at a cell offset (without its size field). */
  cell(offset: number, what: string, path?: string): Uint8Array {
    const p = this.cellAt(offset, what, path);
    return this.current.subarray(p, p + this.cellLength);
  }

  /** cell() in place: positions `current` on the cell's data, sets cellLength and returns the index. */
  private cellAt(offset: number, what: string | RegValue, path: string | undefined): number {
    if (offset === NIL) throw this.fail(what, offset, path, 'nil pointer');
    if (offset % 4 !== 0 || offset < 32 || offset + 8 > this.header.binsSize) {
      throw this.fail(what, offset, path, 'pointer outside the hive bins');
    }
    const page = Math.floor(offset / 4096);
    if (this.pageBinStart[page] === 0) this.findBin(offset, what, path);
    const binStart = this.pageBinStart[page]! - 1;
    const binEnd = this.pageBinEnd[page]!;
    if (offset < binStart + 32) throw this.fail(what, offset, path, 'pointer into a hive bin header');
    const sp = this.at(BINS_START + offset, 4);
    const b = this.current;
    const size = b[sp]! | (b[sp + 1]! << 8) | (b[sp + 2]! << 16) | (b[sp + 3]! << 24);
    if (size >= 0) throw this.fail(what, offset, path, 'pointer to a free cell');
    const len = -size;
    if (len < 8 || offset + len > binEnd) throw this.fail(what, offset, path, `bad cell size ${len}`);
    this.cellLength = len - 4;
    return this.at(BINS_START + offset + 4, len - 4);
  }

  /** File bytes within the hive bins area (validation, diagnostics). */
  rawBytes(fileOffset: number, length: number): Uint8Array {
    if (fileOffset < 0 || fileOffset + length > BINS_START + this.header.binsSize) {
      throw corrupt(`read of ${length} bytes at file offset ${hex(fileOffset)} is outside the hive bins`, { offset: fileOffset });
    }
    return this.bytes(fileOffset, length);
  }

  /** The nk's largest-length fields (bytes), for validation. */
  maxFields(key: RegKey): { maxSubkeyName: number; maxSubkeyClass: number; maxValueName: number; maxValueData: number } {
    const d = this.cell(key.offset, 'key node', key.path);
    const dv = new DataView(d.buffer, d.byteOffset, d.length);
    return { maxSubkeyName: dv.getUint16(52, true), maxSubkeyClass: dv.getUint32(56, true), maxValueName: dv.getUint32(60, true), maxValueData: dv.getUint32(64, true) };
  }

  // ---- keys -------------------------------------------------------------------------------

  /** The key at a cell offset; parentPath names where it was reached from (undefined = root). */
  keyAtOffset(offset: number, parentPath?: string): RegKey {
    const what = 'key node';
    const p = this.cellAt(offset, what, parentPath);
    const d = this.current;
    const len = this.cellLength;
    if (len < NK_FIXED || d[p] !== 0x6e || d[p + 1] !== 0x6b) {
      throw this.fail(what, offset, parentPath, `expected an 'nk' record, found '${sig(d.subarray(p, p + len))}'`);
    }
    const nameLen = u16(d, p + 72);
    if (NK_FIXED + nameLen > len) throw this.fail(what, offset, parentPath, `name length ${nameLen} overruns the cell`);
    const flags = u16(d, p + 2);
    const nameStart = p + NK_FIXED;
    const name = flags & KEY_COMP_NAME ? decodeLatin1At(d, nameStart, nameStart + nameLen) : decodeUtf16leAt(d, nameStart, nameStart + nameLen);
    return new KeyNode(
      offset,
      parentPath === undefined ? '' : parentPath === '' ? name : `${parentPath}\\${name}`,
      name,
      flags,
      u32(d, p + 4),
      u32(d, p + 8),
      d[p + 12]!,
      d[p + 13]!,
      u32(d, p + 16),
      u32(d, p + 20),
      u32(d, p + 28),
      u32(d, p + 36),
      u32(d, p + 40),
      u32(d, p + 44),
      u32(d, p + 48),
      u16(d, p + 74),
      u16(d, p + 54),
    );
  }

  root(): RegKey {
    return this.keyAtOffset(this.header.rootCellOffset);
  }

  /** Leaf entries of a key's subkey list: nk offsets and, for lh leaves, the name hashes. */
  subkeyEntries(key: RegKey): { offsets: number[]; hashes: (number | undefined)[] } {
    const offsets: number[] = [];
    const hashes: (number | undefined)[] = [];
    this.readSubkeyList(key, offsets, hashes);
    return { offsets, hashes };
  }

  /** The nk offsets of a key's subkey list into `offsets` (and the lh hashes into `hashes` when given). */
  private readSubkeyList(key: RegKey, offsets: number[], hashes: (number | undefined)[] | undefined): void {
    if (key.subkeyCount === 0) return;
    if (key.subkeyListOffset === NIL) throw this.fail('key node', key.offset, key.path, `${key.subkeyCount} subkeys but no subkey list`);
    const p = this.cellAt(key.subkeyListOffset, 'subkey list', key.path);
    if (this.current[p] === 0x72 && this.current[p + 1] === 0x69) {
      // ri: read the leaf offsets first (reading a leaf moves `current`).
      const d = this.current;
      const len = this.cellLength;
      const n = len >= 4 ? u16(d, p + 2) : 0;
      if (4 + 4 * n > len) throw this.fail('subkey list', key.subkeyListOffset, key.path, `${n} entries overrun the cell`);
      const leaves: number[] = [];
      for (let i = 0; i < n; i++) leaves.push(u32(d, p + 4 + 4 * i));
      for (const leaf of leaves) this.readLeaf(key, leaf, this.cellAt(leaf, 'subkey list leaf', key.path), offsets, hashes);
      return;
    }
    this.readLeaf(key, key.subkeyListOffset, p, offsets, hashes);
  }

  /** One lf/lh/li leaf at index p of `current` (cellLength long). */
  private readLeaf(key: RegKey, at: number, p: number, offsets: number[], hashes: (number | undefined)[] | undefined): void {
    const d = this.current;
    const len = this.cellLength;
    const s = len >= 2 ? String.fromCharCode(d[p]!, d[p + 1]!) : '';
    const n = len >= 4 ? u16(d, p + 2) : 0;
    if (s === 'ri') throw this.fail('subkey list', at, key.path, 'an index root entry points to another index root');
    const step = s === 'li' ? 4 : s === 'lf' || s === 'lh' ? 8 : 0;
    if (step === 0) throw this.fail('subkey list', at, key.path, `expected 'lf', 'lh', 'li' or 'ri', found '${s}'`);
    if (4 + step * n > len) throw this.fail('subkey list', at, key.path, `${n} entries overrun the cell`);
    const lh = s === 'lh';
    for (let i = 0; i < n; i++) {
      offsets.push(u32(d, p + 4 + step * i));
      if (hashes) hashes.push(lh ? u32(d, p + 8 + step * i) : undefined);
    }
  }

  /** The direct subkeys of a key, in list order (sorted on disk). */
  subkeys(key: RegKey): RegKey[] {
    const offsets: number[] = [];
    this.readSubkeyList(key, offsets, undefined);
    const out: RegKey[] = [];
    for (const o of offsets) out.push(this.keyAtOffset(o, key.path));
    return out;
  }

  /** One subkey by name (case-insensitive). Uses lh hashes as a filter, then checks names. */
  subkey(key: RegKey, name: string): RegKey | undefined {
    const { offsets, hashes } = this.subkeyEntries(key);
    const h = lhHash(name);
    let skipped = false;
    for (let i = 0; i < offsets.length; i++) {
      if (hashes[i] !== undefined && hashes[i] !== h) {
        skipped = true;
        continue;
      }
      const k = this.keyAtOffset(offsets[i]!, key.path);
      if (namesEqual(k.name, name)) return k;
    }
    // Hives written by other tools may carry wrong hashes (hivex hashes UTF-8): look again.
    if (skipped) {
      for (let i = 0; i < offsets.length; i++) {
        if (hashes[i] === undefined || hashes[i] === h) continue;
        const k = this.keyAtOffset(offsets[i]!, key.path);
        if (namesEqual(k.name, name)) return k;
      }
    }
    return undefined;
  }

  /** A key by backslash-separated path from the root, case-insensitive; undefined if absent. */
  key(path: string): RegKey | undefined {
    let k = this.root();
    const parts = path.split('\\').filter((p) => p.length > 0);
    if (parts.length > MAX_DEPTH) return undefined;
    for (const part of parts) {
      const next = this.subkey(k, part);
      if (!next) return undefined;
      k = next;
    }
    return k;
  }

  // ---- values -----------------------------------------------------------------------------

  values(key: RegKey): RegValue[] {
    if (key.valueCount === 0) return [];
    if (key.valueListOffset === NIL) throw this.fail('key node', key.offset, key.path, `${key.valueCount} values but no value list`);
    const p = this.cellAt(key.valueListOffset, 'value list', key.path);
    if (this.cellLength < 4 * key.valueCount) throw this.fail('value list', key.valueListOffset, key.path, `${key.valueCount} entries overrun the cell`);
    // The offsets first (into memory kept for the next list): reading a value moves `current`.
    const n = key.valueCount;
    if (this.valueOffsets.length < n) this.valueOffsets = new Uint32Array(Math.max(n, 2 * this.valueOffsets.length));
    const list = this.current;
    const offsets = this.valueOffsets;
    for (let i = 0; i < n; i++) offsets[i] = u32(list, p + 4 * i);
    const out = new Array<RegValue>(n);
    for (let i = 0; i < n; i++) out[i] = this.valueAtOffset(offsets[i]!, key.path);
    return out;
  }

  valueAtOffset(offset: number, keyPath: string): RegValue {
    const p = this.cellAt(offset, 'value', keyPath);
    const d = this.current;
    const len = this.cellLength;
    if (len < VK_FIXED || d[p] !== 0x76 || d[p + 1] !== 0x6b) throw this.fail('value', offset, keyPath, `expected a 'vk' record, found '${sig(d.subarray(p, p + len))}'`);
    const nameLen = u16(d, p + 2);
    if (VK_FIXED + nameLen > len) throw this.fail('value', offset, keyPath, `name length ${nameLen} overruns the cell`);
    const flags = u16(d, p + 16);
    const nameStart = p + VK_FIXED;
    const sizeField = u32(d, p + 4);
    return {
      offset,
      keyPath,
      name: flags & VALUE_COMP_NAME ? decodeLatin1At(d, nameStart, nameStart + nameLen) : decodeUtf16leAt(d, nameStart, nameStart + nameLen),
      type: u32(d, p + 12),
      size: sizeField & 0x7fffffff,
      inline: (sizeField & 0x80000000) !== 0,
      dataField: u32(d, p + 8),
      flags,
      tombstone: this.layered && (flags & VALUE_TOMBSTONE) !== 0,
    };
  }

  value(key: RegKey, name: string): RegValue | undefined {
    for (const v of this.values(key)) if (namesEqual(v.name, name)) return v;
    return undefined;
  }

  /** The value's data, exactly `size` bytes (inline, single cell or big-data segments). */
  valueData(v: RegValue): Uint8Array {
    const p = this.valueDataAt(v);
    if (this.current === this.inlineData) return this.inlineData.slice(0, v.size);
    if (v.size === 0 || v.tombstone) return new Uint8Array(0);
    return this.current.subarray(p, p + v.size);
  }

  /** valueData() in place: positions `current` on the data (v.size bytes) and returns its index. */
  valueDataAt(v: RegValue): number {
    if (v.size === 0 || v.tombstone) {
      this.current = EMPTY;
      return 0;
    }
    if (v.inline) {
      if (v.size > 4) throw this.fail(`value '${v.name}'`, v.offset, v.keyPath, `inline data of ${v.size} bytes (at most 4 fit)`);
      const b = this.inlineData;
      const f = v.dataField;
      b[0] = f & 0xff;
      b[1] = (f >>> 8) & 0xff;
      b[2] = (f >>> 16) & 0xff;
      b[3] = f >>> 24;
      this.current = b;
      return 0;
    }
    // No value can be bigger than the hive's bins: this bounds what a damaged size can allocate.
    if (v.size > this.header.binsSize) throw this.fail(`value '${v.name}'`, v.offset, v.keyPath, `data size ${v.size} exceeds the hive bins`);
    const p = this.cellAt(v.dataField, v, v.keyPath);
    if (this.cellLength >= v.size) return p;
    const d = this.current;
    if (v.size > BIG_DATA_SEGMENT && this.header.minorVersion >= 4 && d[p] === 0x64 && d[p + 1] === 0x62 && this.cellLength >= 8) {
      const big = this.bigData(v, d.subarray(p, p + this.cellLength));
      this.current = big;
      return 0;
    }
    throw this.fail(`data of value '${v.name}'`, v.dataField, v.keyPath, `cell holds ${this.cellLength} bytes, the value declares ${v.size}`);
  }

  private bigData(v: RegValue, db: Uint8Array): Uint8Array {
    const where = `big data of value '${v.name}'`;
    const dv = new DataView(db.buffer, db.byteOffset, db.length);
    const count = dv.getUint16(2, true);
    const need = Math.ceil(v.size / BIG_DATA_SEGMENT);
    if (count < need) throw this.fail(where, v.dataField, v.keyPath, `${count} segments cannot hold ${v.size} bytes`);
    const listOff = dv.getUint32(4, true);
    // A copy of the list's entries: reading the segments may reuse the list's block (transientViews).
    const list = this.cell(listOff, `segment list of value '${v.name}'`, v.keyPath).slice(0, 4 * need);
    if (list.length < 4 * need) throw this.fail(where, listOff, v.keyPath, `segment list too short for ${need} segments`);
    const ldv = new DataView(list.buffer, list.byteOffset, list.length);
    const out = new Uint8Array(v.size);
    let done = 0;
    for (let i = 0; i < need; i++) {
      const segOff = ldv.getUint32(4 * i, true);
      const seg = this.cell(segOff, `segment ${i} of value '${v.name}'`, v.keyPath);
      const take = Math.min(BIG_DATA_SEGMENT, v.size - done);
      if (seg.length < take) throw this.fail(where, segOff, v.keyPath, `segment ${i} holds ${seg.length} bytes, ${take} needed`);
      out.set(seg.subarray(0, take), done);
      done += take;
    }
    return out;
  }

  // ---- security and class ----------------------------------------------------------------

  securityDescriptor(key: RegKey): Uint8Array {
    const cached = this.sdCache.get(key.securityOffset);
    if (cached) return cached;
    const d = this.cell(key.securityOffset, 'security record', key.path);
    if (d.length < SK_FIXED || d[0] !== 0x73 || d[1] !== 0x6b) throw this.fail('security record', key.securityOffset, key.path, `expected an 'sk' record, found '${sig(d)}'`);
    const size = new DataView(d.buffer, d.byteOffset, d.length).getUint32(16, true);
    if (SK_FIXED + size > d.length) throw this.fail('security record', key.securityOffset, key.path, `descriptor of ${size} bytes overruns the cell`);
    const sd = d.slice(SK_FIXED, SK_FIXED + size);
    this.sdCache.set(key.securityOffset, sd);
    return sd;
  }

  className(key: RegKey): string | undefined {
    if (key.classOffset === NIL || key.classLength === 0) return undefined;
    const d = this.cell(key.classOffset, 'class name', key.path);
    if (key.classLength > d.length) throw this.fail('class name', key.classOffset, key.path, `length ${key.classLength} overruns the cell`);
    return decodeUtf16(d.subarray(0, key.classLength));
  }

  // ---- walking ----------------------------------------------------------------------------

  /**
   * Every key below `from` (default: root), parents before children, subkeys in list order.
   * A key reached twice (a cycle or a shared subtree) or nesting past 512 levels is Corrupt.
   */
  *walk(from?: RegKey): Generator<{ key: RegKey; depth: number }> {
    const start = from ?? (this.root());
    // One bit per possible cell (offsets are multiples of 4 inside the bins): no set to grow.
    const seen = takeSeen((this.header.binsSize >>> 5) + 1);
    seen[start.offset >>> 5] |= 1 << ((start.offset >>> 2) & 7);
    const stack: { key: RegKey; depth: number }[] = [{ key: start, depth: 0 }];
    // A walk dropped early (return()) also gives its memory back.
    try {
      while (stack.length) {
        const item = stack.pop()!;
        yield item;
        if (item.key.subkeyCount === 0) continue;
        if (item.depth >= MAX_DEPTH) throw this.fail('key node', item.key.offset, item.key.path, `keys nest deeper than ${MAX_DEPTH} levels`);
        const children = this.subkeys(item.key);
        for (const c of children) {
          const bit = 1 << ((c.offset >>> 2) & 7);
          if (seen[c.offset >>> 5]! & bit) throw this.fail('key node', c.offset, item.key.path, 'key is listed twice (cycle in the subkey lists)');
          seen[c.offset >>> 5]! |= bit;
        }
        for (let i = children.length - 1; i >= 0; i--) stack.push({ key: children[i]!, depth: item.depth + 1 });
      }
    } finally {
      giveSeen(seen);
    }
  }
}
