// The page-aligned data region (spec §5.2) with write-time dedup (spec §6): each object of more
// than SMALL_DATA_MAX bytes is placed only once its SHA-512 is known, so a duplicate is never
// written, and the bytes on disk do not depend on when digests arrive. That lets the hashing run
// on a worker thread beside the parsing and the writes:
//
//   caller's chunk ──copy──▶ shared block ──▶ hasher (reads the block in place)
//                                         └─▶ region file (writev from the block, once placed)
//
// Objects up to HOLD_MAX bytes wait in the blocks for their digest (several may wait at once);
// a larger object is written as it streams, after everything before it is placed, and cut back
// off the file if it turns out to be a duplicate. The blocks form a bounded pool: when none is
// free the writer waits for digests and writes, which is the back-pressure.

import { WorkerHasher, InlineHasher, type Block, type BlockHasher } from './hasher.js';
import type { AppendSink } from './io.js';
import { alignedCopyStart, newBlock } from '../hash-worker.js';
import { PAGE_SIZE, type RegionOffset, type StreamRecord } from './layout.js';
import { DIGEST_SIZE, ObjectIdList, type ObjectIndex } from './objectid.js';

const BLOCK_SIZE = 1 << 20;
const MAX_BLOCKS = 24;
/** Larger objects stream straight to the file instead of waiting for their digest in memory. */
export const HOLD_MAX = 8 << 20;
/** Placed bytes are written in batches of about this size (one writev each). */
const WRITE_BATCH = 4 << 20;
/** Inline hashing until this many bytes went through: small images never start a worker. */
const WORKER_AFTER = 4 << 20;

const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

interface Segment {
  block: Block;
  start: number;
  end: number;
}

/** An object whose bytes wait in blocks for its digest. */
interface Waiting {
  rec: StreamRecord;
  size: number;
  segments: Segment[];
  digest: Uint8Array | undefined;
  error: unknown;
  done: Promise<void>;
}

/** The object being written. */
interface Current {
  rec: StreamRecord;
  size: number;
  written: number;
  hasher: BlockHasher;
  /** Held objects: their segments. Streamed ones: undefined (bytes go straight to the file). */
  segments: Segment[] | undefined;
  /** Streamed: set at the first byte, so an object never written leaves no padding behind. */
  started: boolean;
  /** Streamed: where the object starts, and the length to cut back to if it is a duplicate. */
  start: number;
  rollbackTo: number;
}

export interface DataRegionOptions {
  sink: AppendSink;
  /** The region's index in the image's region array. */
  index: number;
  objects: ObjectIndex;
  hashOnWorker: boolean;
}

export class DataRegion {
  readonly ids = new ObjectIdList();
  dataBytes = 0;
  dedupedBytes = 0;
  private readonly sink: AppendSink;
  private readonly regionIndex: number;
  private readonly objects: ObjectIndex;
  private readonly inline: InlineHasher;
  private worker: WorkerHasher | undefined;
  private workerAllowed: boolean;
  private bytesSeen = 0;
  private failure: Error | undefined;

  private readonly free: Block[] = [];
  private blockCount = 0;
  private fill: Block | undefined;
  private fillPos = 0;
  private releaseWaiters: (() => void)[] = [];

  private readonly waiting: Waiting[] = [];
  private cur: Current | undefined;

  /** Region length including placed bytes not yet handed to the sink. */
  private length: number;
  private batch: Uint8Array[] = [];
  private batchSegments: Segment[] = [];
  private batchBytes = 0;
  private writes = new Set<Promise<void>>();

  constructor(options: DataRegionOptions) {
    this.sink = options.sink;
    this.regionIndex = options.index;
    this.objects = options.objects;
    this.workerAllowed = options.hashOnWorker;
    this.length = options.sink.length;
    this.inline = new InlineHasher((b) => this.release(b));
  }

  // ---- blocks ----

  private release(b: Block): void {
    if (--b.refs === 0) {
      this.free.push(b);
      for (const w of this.releaseWaiters.splice(0)) w();
    }
  }

  private nextRelease(): Promise<void> {
    return new Promise<void>((r) => this.releaseWaiters.push(r));
  }

  private async takeBlock(): Promise<Block> {
    for (;;) {
      this.check();
      let b = this.free.pop();
      if (!b && this.blockCount < MAX_BLOCKS) {
        this.blockCount++;
        b = newBlock(BLOCK_SIZE);
      }
      if (b) {
        b.refs = 1; // the fill reference, dropped when the next block takes over
        return b;
      }
      // None free: get the hasher going, place what can be placed, write it, then wait.
      this.worker?.flush();
      await this.place(false);
      this.flushWrites();
      if (this.free.length) continue;
      const head = this.waiting[0];
      const released = this.nextRelease();
      await (head && head.digest === undefined && head.error === undefined ? Promise.race([head.done, released]) : released);
    }
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }

  // ---- objects ----

  private hasherFor(size: number): BlockHasher {
    this.bytesSeen += size;
    if (!this.workerAllowed || this.bytesSeen < WORKER_AFTER) return this.inline;
    if (!this.worker) {
      try {
        this.worker = new WorkerHasher(
          (b) => this.release(b),
          (e) => {
            this.failure ??= e;
            for (const w of this.releaseWaiters.splice(0)) w();
          },
        );
      } catch {
        this.workerAllowed = false;
        return this.inline;
      }
    }
    return this.worker;
  }

  /** Starts an object of `size` bytes (> SMALL_DATA_MAX); `rec.dataOffset` is set once it is placed. */
  begin(rec: StreamRecord, size: number): void {
    this.check();
    const hasher = this.hasherFor(size);
    this.cur = { rec, size, written: 0, hasher, segments: size <= HOLD_MAX ? [] : undefined, started: false, start: 0, rollbackTo: 0 };
  }

  /** Forgets the current object: none of its bytes came (the stream stays sparse). */
  cancel(): void {
    this.cur = undefined;
  }

  /** Bytes of the current object; copied, so the caller may reuse `chunk` when this resolves. */
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    const c = this.cur!;
    if (!c.segments && !c.started) {
      // Too big to hold: everything before it is placed first, so its offset is what it would
      // be had every object been hashed inline.
      await this.place(true);
      c.rollbackTo = this.length;
      this.padToPage();
      c.start = this.length;
      c.started = true;
    }
    let done = 0;
    while (done < chunk.length) {
      if (!this.fill || this.fillPos === BLOCK_SIZE) {
        const old = this.fill;
        this.fill = undefined;
        if (old) this.release(old);
        this.fill = await this.takeBlock();
        this.fillPos = 0;
      }
      const b = this.fill;
      this.fillPos = alignedCopyStart(b, this.fillPos, chunk, done);
      if (this.fillPos === BLOCK_SIZE) continue;
      const n = Math.min(chunk.length - done, BLOCK_SIZE - this.fillPos);
      const start = this.fillPos;
      b.bytes.set(chunk.subarray(done, done + n), start);
      this.fillPos += n;
      done += n;
      b.refs++;
      c.hasher.update(b, start, start + n);
      if (c.segments) {
        const last = c.segments[c.segments.length - 1];
        if (last && last.block === b && last.end === start) last.end += n;
        else {
          b.refs++;
          c.segments.push({ block: b, start, end: start + n });
        }
      } else {
        b.refs++;
        this.queueWrite(b.bytes.subarray(start, start + n), { block: b, start, end: start + n });
        this.length += n;
      }
    }
    c.written += chunk.length;
    if (this.batchBytes >= WRITE_BATCH) this.flushWrites();
  }

  /** Ends the current object (all `size` bytes written). */
  async end(): Promise<void> {
    const c = this.cur!;
    this.cur = undefined;
    if (c.segments) {
      const w: Waiting = { rec: c.rec, size: c.size, segments: c.segments, digest: undefined, error: undefined, done: Promise.resolve() };
      w.done = c.hasher.digest().then(
        (d) => void (w.digest = d.subarray(0, DIGEST_SIZE)),
        (e: unknown) => void (w.error = e),
      );
      this.waiting.push(w);
      await this.place(false);
      return;
    }
    const pending = c.hasher.digest();
    c.hasher.flush();
    const digest = (await pending).subarray(0, DIGEST_SIZE);
    const found = this.objects.find(c.size, digest);
    if (found) {
      c.rec.dataOffset = found;
      this.dedupedBytes += c.size;
      // It is the last thing in the region: cut it (and its padding) back off.
      await this.drainWrites();
      await this.sink.truncate(c.rollbackTo);
      this.length = c.rollbackTo;
    } else this.record(c.rec, c.size, digest, c.start);
  }

  private record(rec: StreamRecord, size: number, digest: Uint8Array, offset: number): void {
    rec.dataOffset = { region: this.regionIndex, offset } satisfies RegionOffset;
    this.ids.push(size, digest, offset);
    this.objects.add(size, digest, rec.dataOffset);
    this.dataBytes += size;
  }

  /** Places waiting objects, in order, whose digest is known; with `all`, waits for every one. */
  private async place(all: boolean): Promise<void> {
    while (this.waiting.length) {
      const w = this.waiting[0]!;
      if (w.digest === undefined && w.error === undefined) {
        if (!all) break;
        this.worker?.flush();
        await w.done;
      }
      this.waiting.shift();
      if (w.error !== undefined) throw w.error;
      const found = this.objects.find(w.size, w.digest!);
      if (found) {
        w.rec.dataOffset = found;
        this.dedupedBytes += w.size;
        for (const s of w.segments) this.release(s.block);
        continue;
      }
      this.padToPage();
      this.record(w.rec, w.size, w.digest!, this.length);
      for (const s of w.segments) this.queueWrite(s.block.bytes.subarray(s.start, s.end), s);
      this.length += w.size;
    }
    if (this.batchBytes >= WRITE_BATCH) this.flushWrites();
  }

  // ---- writes ----

  private padToPage(): void {
    const n = (PAGE_SIZE - (this.length % PAGE_SIZE)) % PAGE_SIZE;
    if (n === 0) return;
    this.queueWrite(ZERO_PAGE.subarray(0, n));
    this.length += n;
  }

  /** Adds bytes to the next write; a segment's block reference goes with them until written. */
  private queueWrite(bytes: Uint8Array, segment?: Segment): void {
    this.batch.push(bytes);
    if (segment) this.batchSegments.push(segment);
    this.batchBytes += bytes.length;
  }

  private flushWrites(): void {
    if (this.batch.length === 0) return;
    const views = this.batch;
    const segments = this.batchSegments;
    this.batch = [];
    this.batchSegments = [];
    this.batchBytes = 0;
    const p = this.sink.appendViews(views).then(
      () => {
        for (const s of segments) this.release(s.block);
      },
      (e: unknown) => {
        this.failure ??= e instanceof Error ? e : new Error(String(e));
        for (const w of this.releaseWaiters.splice(0)) w();
      },
    );
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
  }

  private async drainWrites(): Promise<void> {
    this.flushWrites();
    while (this.writes.size) await Promise.all(this.writes);
    this.check();
  }

  /** Places every object, pads the region to a page and waits for the writes (before commit). */
  async finish(): Promise<void> {
    await this.place(true);
    this.padToPage();
    await this.drainWrites();
  }

  /** Stops the hashing worker and waits for writes in flight (after a failure or a commit). */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await w?.close();
    await Promise.allSettled([...this.writes]);
  }
}
