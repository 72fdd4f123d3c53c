// Appending the bulk data of a CIM (the data region: nearly every byte of a layer) with direct
// I/O on Linux. Written through the page cache, each byte is copied into a freshly allocated
// cache page; that copy and the page allocation cost as much CPU as hashing the data, and the
// layer is rarely read back soon. With O_DIRECT the device reads our buffers itself, and the
// writes overlap the parsing and hashing on the thread pool.
//
// Direct I/O wants the memory address, the file position and the length aligned. Positions and
// lengths are made whole pages by filling page-aligned buffers and writing only full buffers.
// The buffers live in a WebAssembly memory, which V8 maps at a page boundary (an ordinary
// ArrayBuffer comes from malloc, 16 bytes past one: direct writes from there ran 30 times
// slower on the test machine's disk). A one-page probe write checks all of this once;
// where anything is refused (another OS, a file system without direct I/O such as tmpfs,
// WCLAYER_DIRECT_IO=0) the caller falls back to buffered writes.

import { constants, promises as fs } from 'node:fs';
import type { AppendSink } from '../formats/cim/io.js';
import { writeViews } from '../fs/write-views.js';

const PAGE = 4096;
const BUFFER_SIZE = 4 << 20;
const BUFFERS = 4;
const WASM_PAGE = 64 << 10;
// The lib we compile against (ES2022, no DOM) does not declare WebAssembly; Node has it.
const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;

/** Whether direct I/O may be tried at all here. */
export function directIoAllowed(): boolean {
  return typeof constants.O_DIRECT === 'number' && process.platform === 'linux' && process.env.WCLAYER_DIRECT_IO !== '0';
}

/** `path` opened again for direct writes; undefined where direct I/O is off or refused. */
export async function openDirect(path: string): Promise<fs.FileHandle | undefined> {
  if (!directIoAllowed()) return undefined;
  try {
    return await fs.open(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch {
    return undefined;
  }
}

/**
 * A sink appending to an empty file through `direct` (from openDirect), with `buffered` (the
 * same file) for truncation; the sink closes both when finished. Undefined when the device
 * takes no direct write from our memory: the caller then writes buffered.
 */
export async function directAppendSink(direct: fs.FileHandle, buffered: fs.FileHandle): Promise<AppendSink | undefined> {
  const memory = new Uint8Array(new wasm.Memory({ initial: (BUFFERS * BUFFER_SIZE) / WASM_PAGE }).buffer);
  try {
    await direct.write(memory, 0, PAGE, 0);
  } catch {
    return undefined;
  }
  await buffered.truncate(0); // the probe's page
  return new DirectAppendSink(direct, buffered, memory);
}

/** Whether `sink` writes with direct I/O (for tests and diagnostics). */
export function isDirectSink(sink: AppendSink): boolean {
  return sink instanceof DirectAppendSink;
}

class DirectAppendSink implements AppendSink {
  private readonly buffers: Uint8Array[];
  /** The buffer being filled, and how far. */
  private current = 0;
  private fill = 0;
  /** Bytes handed to the device (all whole buffers, so always page-aligned). */
  private written = 0;
  /** Each buffer's write in flight, if any. */
  private readonly busy: (Promise<void> | undefined)[];
  private failure: unknown;
  private accepted = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly direct: fs.FileHandle,
    private readonly buffered: fs.FileHandle,
    memory: Uint8Array,
  ) {
    this.buffers = Array.from({ length: BUFFERS }, (_, i) => memory.subarray(i * BUFFER_SIZE, (i + 1) * BUFFER_SIZE));
    this.busy = new Array(BUFFERS).fill(undefined);
  }

  /** Bytes appended so far, copied in or still queued (the length grows at once). */
  get length(): number {
    return this.accepted;
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Runs `op` after every operation asked for before it: appends that wait for a free buffer
   * must not let a later append copy its bytes in first.
   */
  private queued(op: () => Promise<void>): Promise<void> {
    const p = this.queue.then(() => {
      this.check();
      return op();
    });
    this.queue = p.catch(() => undefined);
    return p;
  }

  append(bytes: Uint8Array): Promise<void> {
    this.accepted += bytes.length;
    return this.queued(() => this.copyIn(bytes));
  }

  /** Copies too (direct writes need aligned memory), so the views are free when this settles. */
  appendViews(views: readonly Uint8Array[]): Promise<void> {
    for (const v of views) this.accepted += v.length;
    return this.queued(async () => {
      for (const v of views) await this.copyIn(v);
    });
  }

  /** Copies `bytes` in; a full buffer is written out and the next one taken (waiting if it is busy). */
  private async copyIn(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, BUFFER_SIZE - this.fill);
      this.buffers[this.current]!.set(bytes.subarray(done, done + n), this.fill);
      this.fill += n;
      done += n;
      if (this.fill === BUFFER_SIZE) await this.submit();
    }
  }

  /** Writes the full current buffer at its place at the end of the file (several may be in flight). */
  private async submit(): Promise<void> {
    const i = this.current;
    const p = writeViews(this.direct, [this.buffers[i]!], this.written);
    p.catch((e: unknown) => void (this.failure ??= e));
    this.busy[i] = p;
    this.written += BUFFER_SIZE;
    this.current = (i + 1) % BUFFERS;
    this.fill = 0;
    const next = this.busy[this.current];
    if (next) {
      await next.catch(() => undefined);
      this.busy[this.current] = undefined;
      this.check();
    }
  }

  private async drain(): Promise<void> {
    await Promise.allSettled(this.busy);
    this.busy.fill(undefined);
    this.check();
  }

  truncate(length: number): Promise<void> {
    if (length < this.accepted) this.accepted = length;
    return this.queued(() => this.cut(length));
  }

  private async cut(length: number): Promise<void> {
    if (length >= this.written) {
      this.fill = Math.min(this.fill, length - this.written);
      return;
    }
    // Cut into what is on disk: the page holding the new end comes back into the buffer.
    await this.drain();
    await this.buffered.truncate(length);
    this.written = length - (length % PAGE);
    this.fill = length - this.written;
    if (this.fill > 0) {
      const buf = this.buffers[this.current]!;
      const { bytesRead } = await this.buffered.read(buf, 0, this.fill, this.written);
      if (bytesRead !== this.fill) throw new Error(`short read of ${bytesRead} bytes while cutting the file back to ${length}`);
    }
  }

  finish(): Promise<void> {
    return this.queue.then(() => this.close());
  }

  private async close(): Promise<void> {
    try {
      await this.drain();
      if (this.fill > 0) {
        // The last page goes out whole (zero-padded), then the file is cut to its length.
        const length = this.written + this.fill;
        const whole = Math.ceil(this.fill / PAGE) * PAGE;
        const buf = this.buffers[this.current]!;
        buf.fill(0, this.fill, whole);
        await writeViews(this.direct, [buf.subarray(0, whole)], this.written);
        await this.buffered.truncate(length);
        this.written = length;
        this.fill = 0;
      }
    } finally {
      await this.direct.close();
      await this.buffered.close();
    }
  }
}
