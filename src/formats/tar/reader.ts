// Tar records from a byte stream: one call to next() per real entry, with PAX ('x') and GNU
// long-name ('L', 'K') headers folded into it. The data of the current record is read with
// readData() or skipped automatically by the next call to next(). Every allocation is bounded:
// headers are 512 bytes, metadata entries at most MAX_PAX_SIZE, data is streamed.

import { corrupt, WcError } from '../../errors.js';
import type { ByteSource } from './byte-source.js';
import { BLOCK, TYPE, decodeHeader, isZeroBlock } from './header.js';
import { MAX_PAX_SIZE, parsePaxRecords } from './pax.js';

export interface TarRecord {
  name: string;
  linkname: string;
  typeflag: number;
  mode: number;
  /** Logical size (PAX `size` applied). */
  size: number;
  /** ustar mtime field, whole seconds. */
  mtime: number;
  pax: Map<string, string>;
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

function hasSparseRecord(pax: Map<string, string>): boolean {
  for (const k of pax.keys()) if (k.startsWith('GNU.sparse.')) return true;
  return false;
}

function padding(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

export class TarReader {
  private remaining = 0;
  private pad = 0;
  private finished = false;
  private current: TarRecord | undefined;

  constructor(private readonly src: ByteSource) {}

  /** Bytes of the current record's data not read yet. */
  get dataRemaining(): number {
    return this.remaining;
  }

  async next(): Promise<TarRecord | undefined> {
    if (this.finished) return undefined;
    if (this.remaining > 0 || this.pad > 0) {
      const skipping = this.skipRest();
      if (skipping) await skipping;
    }
    let pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    let firstOffset: number | undefined;
    let sawPax = false;
    for (;;) {
      const at = this.src.offset;
      const block = this.src.takeBuffered(BLOCK) ?? (await this.src.readExact(BLOCK, 'tar header'));
      if (!block) {
        this.finished = true;
        if (firstOffset !== undefined) throw corrupt(`extended header at offset ${firstOffset} is not followed by an entry`, { offset: firstOffset });
        return undefined; // clean end without the two zero blocks: accepted, like Go and GNU tar
      }
      if (isZeroBlock(block)) {
        const second = await this.src.readExact(BLOCK, 'end-of-archive marker');
        if (second && !isZeroBlock(second)) throw corrupt(`a zero block at offset ${at} is followed by a non-zero block`, { offset: at });
        if (firstOffset !== undefined) throw corrupt(`extended header at offset ${firstOffset} is not followed by an entry`, { offset: firstOffset });
        this.finished = true;
        return undefined;
      }
      const h = decodeHeader(block, at);
      firstOffset ??= at;
      const t = h.typeflag;
      if (t === TYPE.PAX || t === TYPE.PAX_GLOBAL) {
        if (h.size > MAX_PAX_SIZE) throw corrupt(`extended header at offset ${at} is ${h.size} bytes, more than the ${MAX_PAX_SIZE} allowed`, { offset: at });
        const records = await this.readMeta(h.size, at, (data) => parsePaxRecords(data, h.name || (t === TYPE.PAX ? '(extended header)' : '(global header)'), at));
        if (t === TYPE.PAX) {
          // Go keeps only the latest 'x' header before an entry; merging is a superset of that.
          if (pax.size === 0) pax = records;
          else for (const [k, v] of records) pax.set(k, v);
          sawPax = true;
        } else {
          // Decision (spec 7.2 #15): global headers are skipped, neither applied nor turned into
          // an entry (their records were still validated above). Go returns them as entries
          // (hcsshim would import a file named after the header); containerd's applier ignores
          // them. Layer writers never emit them.
          firstOffset = undefined;
        }
        continue;
      }
      if (t === TYPE.GNU_LONGNAME || t === TYPE.GNU_LONGLINK) {
        if (h.size > MAX_LONG_NAME) throw corrupt(`GNU long-name header at offset ${at} is ${h.size} bytes, more than the ${MAX_LONG_NAME} allowed`, { offset: at });
        const s = await this.readMeta(h.size, at, (data) => {
          const nul = data.indexOf(0);
          return data.toString('utf8', 0, nul < 0 ? data.length : nul);
        });
        if (t === TYPE.GNU_LONGNAME) longName = s;
        else longLink = s;
        continue;
      }
      if (t === TYPE.GNU_SPARSE || (pax.size > 0 && hasSparseRecord(pax))) {
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
      const name = pax.get('path') ?? longName ?? h.name;
      const linkname = pax.get('linkpath') ?? longLink ?? h.linkname;
      const dataSize = isHeaderOnly(t) ? 0 : size;
      this.remaining = dataSize;
      this.pad = padding(dataSize);
      this.current = {
        name,
        linkname,
        typeflag: t,
        mode: h.mode,
        size,
        mtime: h.mtime,
        pax,
        offset: firstOffset,
        format: sawPax ? 'pax' : h.format,
        dataSize,
      };
      pax = new Map();
      return this.current;
    }
  }

  /** Reads up to `max` bytes of the current record's data; undefined when all of it was read. */
  async readData(max: number): Promise<Buffer | undefined> {
    if (this.remaining === 0) return undefined;
    const b = await this.src.readSome(Math.min(max, this.remaining));
    if (!b) {
      const rec = this.current!;
      throw corrupt(`${rec.name}: unexpected end of input in the entry's data (${rec.dataSize - this.remaining} of ${rec.dataSize} bytes, entry at offset ${rec.offset})`, {
        offset: rec.offset,
        entry: rec.name,
      });
    }
    this.remaining -= b.length;
    return b;
  }

  /** Skips the current record's unread data and padding; a promise only when that needs reading. */
  private skipRest(): Promise<void> | undefined {
    const rec = this.current;
    const data = this.remaining;
    const pad = this.pad;
    this.remaining = 0;
    this.pad = 0;
    // Synchronous on the common path (buffered or seekable); messages are built only on failure.
    let start = this.src.offset;
    const dataLeft = data > 0 ? this.src.skipAvailable(data) : 0;
    if (dataLeft > 0) {
      return (async () => {
        await this.src.skipRemaining(data, dataLeft, start, `the data of ${rec?.name ?? 'an entry'}`);
        if (pad > 0) await this.src.skip(pad, `the padding of ${rec?.name ?? 'an entry'}`);
      })();
    }
    start = this.src.offset;
    const padLeft = pad > 0 ? this.src.skipAvailable(pad) : 0;
    if (padLeft > 0) return this.src.skipRemaining(pad, padLeft, start, `the padding of ${rec?.name ?? 'an entry'}`);
    return undefined;
  }

  /** Reads a metadata entry's data and hands it to `use` before moving on (the bytes may be a view the next read overwrites). */
  private async readMeta<T>(size: number, at: number, use: (data: Buffer) => T): Promise<T> {
    const data = this.src.takeBuffered(size) ?? (await this.src.readExact(size, `the extended header at offset ${at}`)) ?? Buffer.alloc(0);
    if (size > 0 && data.length === 0) throw corrupt(`unexpected end of input in the extended header at offset ${at}`, { offset: at });
    const out = use(data);
    const pad = padding(size);
    if (pad) {
      const start = this.src.offset;
      const left = this.src.skipAvailable(pad);
      if (left > 0) await this.src.skipRemaining(pad, left, start, `the padding of the extended header at offset ${at}`);
    }
    return out;
  }
}
