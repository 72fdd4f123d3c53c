// Dirty hives: replaying transaction logs into the primary image, as Windows does at load.
// New format (file type 6, Windows 8.1+): HvLE entries with Marvin32 hashes, applied in
// sequence order across .LOG1/.LOG2. Old format (file type 1/2): a DIRT bitmap of 512-byte
// pages. A log that does not apply is ignored; a hive that stays dirty is returned as it is.

import { baseBlockChecksum, BINS_START, parseBaseBlock, resealBaseBlock, type BaseBlock } from './baseblock.js';
import { marvin32 } from './marvin32.js';

export interface ReplayResult {
  /** The recovered primary image (a new buffer). */
  image: Uint8Array;
  format: 'new' | 'old' | 'none';
  entriesApplied: number;
  pagesApplied: number;
  /** Sequence number of the last entry applied (new format). */
  lastSequence?: number;
}

interface LogEntry {
  sequence: number;
  flags: number;
  binsSize: number;
  pages: { offset: number; data: Uint8Array }[];
}

function u32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

function headerOk(b: Uint8Array): boolean {
  return b.length >= 512 && u32(b, 0) === 0x66676572 && baseBlockChecksum(b) === u32(b, 508);
}

/** The valid entries of a new-format log, in file order, stopping at the first bad one. */
export function readNewLogEntries(log: Uint8Array): LogEntry[] {
  const out: LogEntry[] = [];
  const dv = new DataView(log.buffer, log.byteOffset, log.length);
  let off = 512;
  while (off + 40 <= log.length) {
    if (u32(log, off) !== 0x454c7648) break; // 'HvLE'
    const size = dv.getUint32(off + 4, true);
    if (size < 40 || size % 512 !== 0 || off + size > log.length) break;
    const entry = log.subarray(off, off + size);
    const hash1 = dv.getBigUint64(off + 24, true);
    const hash2 = dv.getBigUint64(off + 32, true);
    if (marvin32(entry.subarray(40)) !== hash1 || marvin32(entry.subarray(0, 32)) !== hash2) break;
    const binsSize = dv.getUint32(off + 16, true);
    const count = dv.getUint32(off + 20, true);
    if (binsSize % 4096 !== 0 || 40 + 8 * count > size) break;
    const pages: LogEntry['pages'] = [];
    let data = 40 + 8 * count;
    let ok = true;
    for (let i = 0; i < count; i++) {
      const pageOff = dv.getUint32(off + 40 + 8 * i, true);
      const pageSize = dv.getUint32(off + 44 + 8 * i, true);
      if (data + pageSize > size || pageOff + pageSize > binsSize) {
        ok = false;
        break;
      }
      pages.push({ offset: pageOff, data: entry.subarray(data, data + pageSize) });
      data += pageSize;
    }
    if (!ok) break;
    out.push({ sequence: dv.getUint32(off + 12, true), flags: dv.getUint32(off + 8, true), binsSize, pages });
    off += size;
  }
  return out;
}

function grow(image: Uint8Array, size: number): Uint8Array {
  if (image.length >= size) return image;
  const bigger = new Uint8Array(size);
  bigger.set(image);
  return bigger;
}

function replayNew(primary: Uint8Array, logs: Uint8Array[], header: BaseBlock | undefined): ReplayResult | undefined {
  const candidates = logs.filter((l) => headerOk(l) && u32(l, 28) === 6);
  if (candidates.length === 0) return undefined;
  // Entries of both logs by sequence number; each log holds a consecutive run.
  const bySeq = new Map<number, LogEntry>();
  let newestLog: Uint8Array | undefined;
  let newestSeq = -1;
  for (const l of candidates) {
    for (const e of readNewLogEntries(l)) {
      if (!bySeq.has(e.sequence)) bySeq.set(e.sequence, e);
      if (e.sequence > newestSeq) {
        newestSeq = e.sequence;
        newestLog = l;
      }
    }
  }
  let image: Uint8Array = primary.slice();
  if (!header) {
    // The primary's header is unusable: take the base-block copy of the log with the latest entries.
    if (!newestLog) return undefined;
    image.set(newestLog.subarray(0, 512), 0);
    new DataView(image.buffer).setUint32(28, 0, true);
    resealBaseBlock(image);
    header = parseBaseBlock(image);
  }
  const from = header.secondarySequence;
  const seqs = [...bySeq.keys()].filter((s) => s >= from).sort((a, b) => a - b);
  if (seqs.length === 0) return undefined;
  let expected = seqs[0]!;
  let entries = 0;
  let pages = 0;
  let last: LogEntry | undefined;
  for (const s of seqs) {
    if (s !== expected) break;
    const e = bySeq.get(s)!;
    image = grow(image, BINS_START + e.binsSize);
    for (const p of e.pages) image.set(p.data, BINS_START + p.offset);
    entries++;
    pages += e.pages.length;
    last = e;
    expected++;
  }
  if (!last) return undefined;
  const dv = new DataView(image.buffer);
  dv.setUint32(4, last.sequence, true);
  dv.setUint32(8, last.sequence, true);
  dv.setUint32(40, last.binsSize, true);
  dv.setUint32(144, (dv.getUint32(144, true) & ~1) | (last.flags & 1), true);
  dv.setUint32(28, 0, true);
  resealBaseBlock(image);
  return { image, format: 'new', entriesApplied: entries, pagesApplied: pages, lastSequence: last.sequence };
}

function replayOld(primary: Uint8Array, logs: Uint8Array[], header: BaseBlock | undefined): ReplayResult | undefined {
  for (const l of logs) {
    if (!headerOk(l)) continue;
    const type = u32(l, 28);
    if (type !== 1 && type !== 2) continue;
    const lh = parseBaseBlock(l);
    if (lh.primarySequence !== lh.secondarySequence) continue;
    // The log must belong to this state of the primary: same last-written time.
    const primaryTime = header ? header.lastWritten : new DataView(primary.buffer, primary.byteOffset).getBigUint64(BINS_START + 20, true);
    if (lh.lastWritten !== primaryTime) continue;
    const sector = Math.max(1, lh.clusteringFactor) * 512;
    if (l.length < sector + 4 || u32(l, sector) !== 0x54524944) continue; // 'DIRT'
    const bits = lh.binsSize / 512;
    const bitmap = l.subarray(sector + 4, sector + 4 + Math.ceil(bits / 8));
    let pageAt = Math.ceil((sector + 4 + bitmap.length) / 512) * 512;
    const image = grow(primary.slice(), BINS_START + lh.binsSize);
    let pages = 0;
    for (let i = 0; i < bits; i++) {
      if (!(bitmap[i >> 3]! & (1 << (i & 7)))) continue;
      if (pageAt + 512 > l.length) break;
      image.set(l.subarray(pageAt, pageAt + 512), BINS_START + 512 * i);
      pageAt += 512;
      pages++;
    }
    image.set(l.subarray(0, 512), 0);
    new DataView(image.buffer).setUint32(28, 0, true);
    resealBaseBlock(image);
    return { image, format: 'old', entriesApplied: 1, pagesApplied: pages };
  }
  return undefined;
}

/**
 * Replays logs into a dirty primary image. Returns the recovered image, or the primary
 * unchanged (format 'none') when no log applies.
 */
export function replayLogs(primary: Uint8Array, logs: Uint8Array[]): ReplayResult {
  const header = headerOk(primary) ? parseBaseBlock(primary) : undefined;
  const clean = header && header.primarySequence === header.secondarySequence;
  if (!clean) {
    const r = replayNew(primary, logs, header) ?? replayOld(primary, logs, header);
    if (r) return r;
  }
  return { image: primary, format: 'none', entriesApplied: 0, pagesApplied: 0 };
}
