// The CIM codec's file access on a real directory: random-access reads of an image's files, and
// for writing, files created under temporary names (`.tmp-<random>-<name>`) that only get their
// real names on commit, the `.cim` last and never over an existing one. A failed or abandoned
// write removes its temporary files and leaves the directory as it was.

import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { WcError, fromNodeError } from '../errors.js';
import type { AppendFileOptions, AppendSink, CimFileResolver, CimOutput, RandomAccessSource } from '../formats/cim/io.js';
import { directAppendSink, openDirect } from './direct-sink.js';
import { writeViews } from '../fs/write-views.js';

export class FsSource implements RandomAccessSource {
  private constructor(
    private readonly fh: fs.FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FsSource> {
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path, constants.O_RDONLY);
    } catch (e) {
      throw fromNodeError(e, path);
    }
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new WcError('FailedPrecondition', `${path} is not a regular file`, { path });
    }
    return new FsSource(fh, st.size);
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buf = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const { bytesRead } = await this.fh.read(buf, done, n - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Reads the files of one image directory. */
export class FsDirectory implements CimFileResolver {
  constructor(readonly dir: string) {}

  open(name: string): Promise<RandomAccessSource> {
    return FsSource.open(join(this.dir, name));
  }

  async exists(name: string): Promise<boolean> {
    try {
      await fs.access(join(this.dir, name));
      return true;
    } catch {
      return false;
    }
  }
}

const BUFFER_SIZE = 4 << 20;

/**
 * Appends through two buffers: while one is being written by the thread pool, the next fills,
 * so the caller's hashing and reading overlap the disk writes. Bytes are always copied, so the
 * caller may reuse its chunk as soon as append() returns.
 */
class FsAppendSink implements AppendSink {
  private buf = Buffer.allocUnsafe(BUFFER_SIZE);
  private spare = Buffer.allocUnsafe(BUFFER_SIZE);
  private bufLen = 0;
  /** Bytes handed to the file (written or being written). */
  private fileLen = 0;
  private inflight: Promise<void> | undefined;

  constructor(private readonly fh: fs.FileHandle) {}

  get length(): number {
    return this.fileLen + this.bufLen;
  }

  async append(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, BUFFER_SIZE - this.bufLen);
      this.buf.set(bytes.subarray(done, done + n), this.bufLen);
      this.bufLen += n;
      done += n;
      if (this.bufLen === BUFFER_SIZE) await this.startFlush();
    }
  }

  /** Waits for the write in flight, then starts writing the current buffer and swaps buffers. */
  private async startFlush(): Promise<void> {
    await this.inflight;
    if (this.bufLen === 0) return;
    const full = this.buf;
    const n = this.bufLen;
    this.buf = this.spare;
    this.spare = full;
    this.bufLen = 0;
    this.chain([full.subarray(0, n)], n);
  }

  /** Queues a positioned write after the one in flight; the chain keeps the writes in order. */
  private chain(views: readonly Uint8Array[], n: number): Promise<void> {
    const at = this.fileLen;
    this.fileLen += n;
    const before = this.inflight;
    const p = (async () => {
      await before;
      await writeViews(this.fh, views, at);
    })();
    // Keep the rejection observed; it is rethrown by the next await of `inflight`.
    p.catch(() => undefined);
    this.inflight = p;
    return p;
  }

  appendViews(views: readonly Uint8Array[]): Promise<void> {
    // Positions are taken now, in call order: buffered bytes go first, in a copy of their own
    // (the buffers may both be busy).
    if (this.bufLen) {
      const head = Buffer.from(this.buf.subarray(0, this.bufLen));
      this.bufLen = 0;
      this.chain([head], head.length);
    }
    let n = 0;
    for (const v of views) n += v.length;
    return this.chain(views, n);
  }

  async truncate(length: number): Promise<void> {
    if (length >= this.fileLen) {
      this.bufLen = Math.min(this.bufLen, length - this.fileLen);
      return;
    }
    await this.inflight;
    this.bufLen = 0;
    await this.fh.truncate(length);
    this.fileLen = length;
  }

  async finish(): Promise<void> {
    await this.startFlush();
    await this.inflight;
    await this.fh.close();
  }
}

/** A new image's files in `dir`, staged under temporary names until commit. */
export class FsImageOutput extends FsDirectory implements CimOutput {
  private readonly prefix = `.tmp-${randomBytes(6).toString('hex')}-`;
  private readonly staged: string[] = [];
  private readonly handles: fs.FileHandle[] = [];

  private tmp(name: string): string {
    return join(this.dir, this.prefix + name);
  }

  async createAppendFile(name: string, options?: AppendFileOptions): Promise<AppendSink> {
    this.staged.push(name);
    try {
      // read too: a direct sink cut back into written pages reads the last one back
      const fh = await fs.open(this.tmp(name), options?.bulk ? 'wx+' : 'wx');
      this.handles.push(fh);
      const direct = options?.bulk ? await openDirect(this.tmp(name)) : undefined;
      if (direct) {
        this.handles.push(direct);
        const sink = await directAppendSink(direct, fh);
        if (sink) return sink;
        await direct.close();
      }
      return new FsAppendSink(fh);
    } catch (e) {
      throw fromNodeError(e, join(this.dir, name));
    }
  }

  async writeFile(name: string, bytes: Uint8Array): Promise<void> {
    this.staged.push(name);
    try {
      await fs.writeFile(this.tmp(name), bytes, { flag: 'wx' });
    } catch (e) {
      throw fromNodeError(e, join(this.dir, name));
    }
  }

  async commit(lastName: string): Promise<void> {
    const published: string[] = [];
    try {
      for (const name of this.staged) {
        if (name === lastName) continue;
        await fs.rename(this.tmp(name), join(this.dir, name));
        published.push(name);
      }
      // link() refuses to replace an existing file, so a concurrent image of the same name wins cleanly.
      await fs.link(this.tmp(lastName), join(this.dir, lastName));
    } catch (e) {
      // Without its .cim the new region files are orphans: take them back.
      for (const name of published) await fs.rm(join(this.dir, name), { force: true });
      throw fromNodeError(e, join(this.dir, lastName));
    }
    await fs.unlink(this.tmp(lastName));
    this.staged.length = 0;
  }

  async abort(): Promise<void> {
    for (const fh of this.handles) await fh.close().catch(() => undefined);
    for (const name of this.staged) await fs.rm(this.tmp(name), { force: true });
    this.staged.length = 0;
  }
}
