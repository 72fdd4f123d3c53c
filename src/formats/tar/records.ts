// Tar headers -> records: folds PAX ('x', 'g') and GNU long-name ('L', 'K') headers into the real
// entry that follows them. No I/O: a driver hands over each header block and the bodies of
// metadata entries. Two drivers share it: TarReader (reader.ts, any byte stream, asynchronous)
// and TarScanner (scan.ts, a plain tar file read by position, synchronous), so both read every
// tar the same way and fail with the same errors.

import { corrupt, WcError } from '../../errors.js';
import { BLOCK, TYPE, decodeHeader, isZeroBlock } from './header.js';
import { decodeUtf8At } from '../byte-text.js';
import { MAX_PAX_SIZE, parsePaxRecords, type PaxStats } from './pax.js';

export interface TarRecord {
  name: string;
  linkname: string;
  typeflag: number;
  mode: number;
  /** Logical size (PAX `size` applied). */
  size: number;
  /** ustar mtime field, whole seconds. */
  mtime: number;
  /** Records of the entry's PAX header (the one shared empty map when it has none: read only). */
  pax: Map<string, string>;
  /** Some PAX key is not a common one (pax.ts COMMON_KEYS): only then can there be MSWINDOWS.xattr.* or sparse records to look for. */
  paxOtherKeys: boolean;
  /** Offset of the record's first header (its PAX header when it has one) in the tar. */
  offset: number;
  format: 'ustar' | 'gnu' | 'v7' | 'pax';
  /** Bytes of data stored after the header (0 for header-only types whatever `size` says). */
  dataSize: number;
}

/** Typeflags that carry no data even when the size field is non-zero (Go isHeaderOnlyType). */
export function isHeaderOnly(typeflag: number): boolean {
  return typeflag === TYPE.LINK || typeflag === TYPE.SYMLINK || typeflag === TYPE.CHAR || typeflag === TYPE.BLOCK || typeflag === TYPE.DIR || typeflag === TYPE.FIFO;
}

const MAX_LONG_NAME = 64 * 1024;

/** Zero bytes after `n` bytes of data up to the next 512-byte boundary. */
export function padding(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/** The records of an entry without a PAX header. Never written to: meta() replaces it. */
const NO_PAX: Map<string, string> = new Map();

function hasSparseRecord(pax: Map<string, string>): boolean {
  for (const k of pax.keys()) if (k.startsWith('GNU.sparse.')) return true;
  return false;
}

/** What a driver names when the input ends inside a metadata entry's body or padding. */
export function metaWhat(at: number): string {
  return `the extended header at offset ${at}`;
}
export function metaPaddingWhat(at: number): string {
  return `the padding of the extended header at offset ${at}`;
}
/** What a driver names when the input ends inside an entry's data or its padding. */
export function dataWhat(rec: TarRecord | undefined): string {
  return `the data of ${rec?.name ?? 'an entry'}`;
}
export function dataPaddingWhat(rec: TarRecord | undefined): string {
  return `the padding of ${rec?.name ?? 'an entry'}`;
}

/**
 * One record at a time: call header() with each block; it returns the record, or the size of a
 * metadata body to read and pass to meta() before the next header. A zero block goes to
 * zeroBlock(), the end of the input (where a header would start) to endOfInput().
 */
export class RecordAssembler {
  private pax = NO_PAX;
  private readonly paxStats: PaxStats = { otherKeys: 0 };
  private longName: string | undefined;
  private longLink: string | undefined;
  private firstOffset: number | undefined;
  private sawPax = false;
  /** The metadata header whose body meta() expects. */
  private metaType = 0;
  private metaName = '';
  private metaSize = 0;
  /** Offset of the metadata header whose body is expected (for the drivers' messages). */
  metaAt = 0;

  private dangling(): void {
    const at = this.firstOffset;
    if (at !== undefined) throw corrupt(`extended header at offset ${at} is not followed by an entry`, { offset: at });
  }

  /** The input ended cleanly where a header would start (no end-of-archive marker: accepted, like Go and GNU tar). */
  endOfInput(): void {
    this.dangling();
  }

  /** A zero block at `at`; `second` is the block after it (undefined when the input ends there). */
  zeroBlock(at: number, second: Buffer | undefined, secondAt = 0): void {
    if (second && !isZeroBlock(second, secondAt)) throw corrupt(`a zero block at offset ${at} is followed by a non-zero block`, { offset: at });
    this.dangling();
  }

  /**
   * A non-zero header block at offset `at` in the tar (at `o` in `block`): the record it
   * completes, or the size of the metadata body to read next.
   */
  header(block: Buffer, at: number, o = 0): TarRecord | number {
    const h = decodeHeader(block, at, o);
    this.firstOffset ??= at;
    const t = h.typeflag;
    if (t === TYPE.PAX || t === TYPE.PAX_GLOBAL) {
      if (h.size > MAX_PAX_SIZE) throw corrupt(`extended header at offset ${at} is ${h.size} bytes, more than the ${MAX_PAX_SIZE} allowed`, { offset: at });
      return this.expectMeta(t, h.name || (t === TYPE.PAX ? '(extended header)' : '(global header)'), h.size, at);
    }
    if (t === TYPE.GNU_LONGNAME || t === TYPE.GNU_LONGLINK) {
      if (h.size > MAX_LONG_NAME) throw corrupt(`GNU long-name header at offset ${at} is ${h.size} bytes, more than the ${MAX_LONG_NAME} allowed`, { offset: at });
      return this.expectMeta(t, h.name, h.size, at);
    }
    const pax = this.pax;
    const paxOtherKeys = this.paxStats.otherKeys > 0;
    if (t === TYPE.GNU_SPARSE || (paxOtherKeys && hasSparseRecord(pax))) {
      throw new WcError('Unsupported', `${h.name}: GNU sparse tar entries are not supported (offset ${at})`, { offset: at, entry: h.name });
    }
    let size = h.size;
    const paxSize = pax.get('size');
    if (paxSize !== undefined) {
      if (!/^[0-9]{1,16}$/.test(paxSize) || Number(paxSize) > Number.MAX_SAFE_INTEGER) {
        throw corrupt(`${h.name}: invalid PAX size '${paxSize.slice(0, 40)}' at offset ${at}`, { offset: at, entry: h.name });
      }
      size = Number(paxSize);
    }
    const record: TarRecord = {
      name: pax.get('path') ?? this.longName ?? h.name,
      linkname: pax.get('linkpath') ?? this.longLink ?? h.linkname,
      typeflag: t,
      mode: h.mode,
      size,
      mtime: h.mtime,
      pax,
      paxOtherKeys,
      offset: this.firstOffset,
      format: this.sawPax ? 'pax' : h.format,
      dataSize: isHeaderOnly(t) ? 0 : size,
    };
    this.pax = NO_PAX;
    this.paxStats.otherKeys = 0;
    this.longName = undefined;
    this.longLink = undefined;
    this.firstOffset = undefined;
    this.sawPax = false;
    return record;
  }

  private expectMeta(type: number, name: string, size: number, at: number): number {
    this.metaType = type;
    this.metaName = name;
    this.metaSize = size;
    this.metaAt = at;
    return size;
  }

  /**
   * The body of the metadata entry header() asked for, bytes [start, end) of `data` (undefined
   * when the input ended before its first byte). The bytes are used before this returns: they
   * may be a reused buffer.
   */
  meta(data: Buffer | undefined, start = 0, end = data?.length ?? 0): void {
    const at = this.metaAt;
    if (this.metaSize > 0 && (!data || end <= start)) throw corrupt(`unexpected end of input in the extended header at offset ${at}`, { offset: at });
    const body = data ?? Buffer.alloc(0);
    const t = this.metaType;
    if (t === TYPE.PAX || t === TYPE.PAX_GLOBAL) {
      const stats: PaxStats = t === TYPE.PAX ? this.paxStats : { otherKeys: 0 };
      const records = parsePaxRecords(body, this.metaName, at, stats, start, end);
      if (t === TYPE.PAX) {
        // Go keeps only the latest 'x' header before an entry; merging is a superset of that.
        if (this.pax.size === 0) this.pax = records;
        else for (const [k, v] of records) this.pax.set(k, v);
        this.sawPax = true;
      } else {
        // Decision (spec 7.2 #15): global headers are skipped, neither applied nor turned into
        // an entry (their records were still validated above). Go returns them as entries
        // (hcsshim would import a file named after the header); containerd's applier ignores
        // them. Layer writers never emit them.
        this.firstOffset = undefined;
      }
      return;
    }
    const nul = body.indexOf(0, start);
    const s = decodeUtf8At(body, start, nul < 0 || nul > end ? end : nul);
    if (t === TYPE.GNU_LONGNAME) this.longName = s;
    else this.longLink = s;
  }
}
