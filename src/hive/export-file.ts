// Hive export to a file (staged under a temporary name, renamed on success) or to a writable
// stream such as stdout. Kept apart from operations.ts so that `wclayer hive export` loads only
// the reader and the exporter (merge, writer and validation are start-up time it does not need).

import type { Writable } from 'node:stream';
import { exportJsonBytes, exportRegTo, type TextSink } from '../formats/regf/export.js';
import type { Hive, RegKey } from '../formats/regf/reader.js';
import { withHiveFile, type OpenHiveFileOptions } from './files.js';
import type { TaskOptions } from '../task.js';

export interface ExportOptions extends OpenHiveFileOptions, TaskOptions {
  format?: 'json' | 'reg';
  key?: string;
  /** .reg only: what the root is called, e.g. HKEY_LOCAL_MACHINE\SYSTEM. */
  prefix?: string;
  /** .reg only: 'utf16le' (regedit's own, with BOM; default) or 'utf8'. */
  encoding?: 'utf16le' | 'utf8';
  overwrite?: boolean;
}

/**
 * The export as encoded chunks: JSON (made as UTF-8 bytes), or .reg with a BOM first when it is
 * to be UTF-16LE. A chunk is valid until the next is asked for (its buffer is reused).
 */
function exportBuffers(hive: Hive, from: RegKey, options: ExportOptions): Generator<Uint8Array> {
  const task: TaskOptions = {};
  if (options.signal) task.signal = options.signal;
  if (options.onProgress) task.onProgress = options.onProgress;
  if ((options.format ?? 'json') === 'json') return exportJsonBytes(hive, from, task);
  const encoding = textEncoding(options);
  const sink = new EncodedChunks(encoding);
  if (encoding === 'utf16le') sink.add('\ufeff');
  return exportRegTo(hive, from, { ...task, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) }, sink);
}

/** The key to export from; query.ts (and what it loads) only for the NotFound error of a missing one. */
async function startKey(hive: Hive, path: string): Promise<RegKey> {
  return hive.key(path) ?? (await import('../formats/regf/query.js')).requireKey(hive, path);
}

function textEncoding(options: ExportOptions): 'utf8' | 'utf16le' {
  return options.format === 'reg' ? (options.encoding ?? 'utf16le') : 'utf8';
}

const OUT_CHUNK = 1 << 20;

// Buffer's per-encoding writers skip write()'s argument handling, which costs microseconds per
// call until optimized (a third of a cold export). Not documented: fall back to write().
type EncodeInto = (this: Buffer, text: string, offset: number) => number;
const proto = Buffer.prototype as unknown as Record<string, EncodeInto | undefined>;

/**
 * Encodes texts straight into 1 MiB buffers as they come (no long string is built, so the
 * garbage collector has little to keep alive); a buffer is handed on when the next text does
 * not fit. A text larger than a buffer becomes a buffer of its own. Two buffers take turns
 * (fresh memory costs a page fault per 4 KiB), so a chunk is valid only until the consumer asks
 * for the next one: consumers write each chunk out completely first.
 */
class EncodedChunks implements TextSink<Uint8Array> {
  private buf = Buffer.allocUnsafe(OUT_CHUNK);
  private spare = Buffer.allocUnsafe(OUT_CHUNK);
  private used = 0;
  private readonly ready: Uint8Array[] = [];
  private readonly perChar: number;
  private readonly write: EncodeInto;

  constructor(private readonly encoding: 'utf8' | 'utf16le') {
    this.perChar = encoding === 'utf8' ? 3 : 2;
    this.write = proto[encoding === 'utf8' ? 'utf8Write' : 'ucs2Write'] ?? function (this: Buffer, text: string, offset: number) {
      return this.write(text, offset, encoding);
    };
  }

  add(text: string): void {
    if (this.used + text.length * this.perChar > OUT_CHUNK) {
      this.flush();
      if (text.length * this.perChar > OUT_CHUNK) {
        this.ready.push(Buffer.from(text, this.encoding));
        return;
      }
    }
    this.used += this.write.call(this.buf, text, this.used);
  }

  private flush(): void {
    if (this.used === 0) return;
    this.ready.push(this.buf.subarray(0, this.used));
    [this.buf, this.spare] = [this.spare, this.buf];
    this.used = 0;
  }

  take(end: boolean): Uint8Array | undefined {
    if (end) this.flush();
    if (this.ready.length === 0) return undefined;
    // Rarely more than one is ready (a huge text after a partly filled buffer): hand them on together.
    const out = this.ready.length === 1 ? this.ready[0]! : Buffer.concat(this.ready);
    this.ready.length = 0;
    return out;
  }
}

/**
 * How an export opens the hive: every cell it reads is used before the next read, so a small
 * cache whose dropped blocks lend their memory to the next (transientViews) serves it; the
 * cells of a walk lie close together, so 4 MiB re-read little (a 12 MiB hive: about 23 MiB read).
 */
function openForExport(options: ExportOptions): ExportOptions {
  return { ...options, cacheBytes: 4 << 20, transientViews: true };
}

export async function exportHiveFile(path: string, output: string, options: ExportOptions = {}): Promise<{ output: string; bytes: number; format: string }> {
  const format = options.format ?? 'json';
  return withHiveFile(path, openForExport(options), async (hive) => {
    const from = await startKey(hive, options.key ?? '');
    // Loaded here: staging (and the crypto module it names files with) is not needed for stdout.
    const { writeFileAtomic } = await import('../fs/stage.js');
    const bytes = await writeFileAtomic(output, exportBuffers(hive, from, options), { overwrite: options.overwrite ?? false });
    // Everything read is written out: the next hive may read into this one's memory.
    hive.recycle();
    return { output, bytes, format };
  });
}

/** The same export written to a stream (the CLI's `-` for stdout), one chunk at a time. */
export async function exportHiveToStream(path: string, out: Writable, options: ExportOptions = {}): Promise<{ bytes: number; format: string }> {
  const format = options.format ?? 'json';
  return withHiveFile(path, openForExport(options), async (hive) => {
    const from = await startKey(hive, options.key ?? '');
    let bytes = 0;
    for (const b of exportBuffers(hive, from, options)) {
      bytes += b.length;
      // Wait until the stream is done with the chunk: its buffer is reused.
      await new Promise<void>((resolve, reject) => out.write(b, (e) => (e ? reject(e) : resolve())));
    }
    hive.recycle();
    return { bytes, format };
  });
}
