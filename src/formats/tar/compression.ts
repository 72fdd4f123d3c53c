// Compression detected by magic bytes (gzip 1f 8b, zstd 28 b5 2f fd, else plain tar), with
// sha256 of the compressed and the uncompressed bytes taken on the same pass.
//
// gzip: node:zlib. zstd: Node 20 has none built in; we decode with fzstd (pure JavaScript, no
// install step, streaming). Native zstd addons on npm (zstd-napi …) fetch or compile their
// binaries at install time, which our rules forbid. Compressing is in compress.ts.

import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { corrupt, isWcError } from '../../errors.js';
import { detectCompression, type Compression } from './magic.js';
import { streamDigest, type StreamDigest } from '../shared-digest.js';
import { inflateOnWorker, isGzipFileInput, type GzipFileInput } from './inflate-worker.js';

export { detectCompression, type Compression } from './magic.js';

export interface StreamStats {
  /** sha256, taken off the caller's thread; absent when digests were not asked for. */
  hash?: StreamDigest;
  bytes: number;
}

function newStats(digests: boolean): StreamStats {
  return digests ? { hash: streamDigest('sha256'), bytes: 0 } : { bytes: 0 };
}

async function* tap(src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, stats: StreamStats, onChunk?: () => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    const wait = stats.hash?.update(b);
    if (wait) await wait;
    stats.bytes += b.length;
    onChunk?.();
    yield b;
  }
}

/**
 * Input that can be read at any position (a file). Without digests a plain tar is then read
 * only where headers are: entry data is skipped by moving the position, as bsdtar does.
 */
export interface RandomAccessInput {
  size: number;
  read(buffer: Buffer, position: number): Promise<number>;
}

export function isRandomAccessInput(x: unknown): x is RandomAccessInput {
  return typeof x === 'object' && x !== null && typeof (x as RandomAccessInput).read === 'function' && typeof (x as RandomAccessInput).size === 'number';
}

/**
 * Sequential chunks of a random-access input from `start`, with skipAhead moving the position.
 * After a skip the next read is small (`chunkSize`: a header or two is all that is needed);
 * reads that follow each other grow up to SEQUENTIAL_CHUNK.
 */
function positionalChunks(
  input: RandomAccessInput,
  start: number,
  chunkSize: number,
  onRead?: (position: number) => void,
  reuseBuffer = false,
): { it: AsyncGenerator<Buffer>; skipAhead: (n: number) => number } {
  let position = start;
  let skipped = false;
  let want = SEQUENTIAL_CHUNK;
  // Reading into fresh memory costs a page fault per 4 KiB, more than the read itself; with
  // reuseBuffer each chunk is a view that the next read overwrites (ByteSource copies what it keeps).
  let shared: Buffer | undefined;
  async function* it(): AsyncGenerator<Buffer> {
    while (position < input.size) {
      // grow by 4x while reads follow each other, so a run of small files after a skip costs
      // a few small reads rather than one large read of data that is about to be skipped
      want = skipped ? chunkSize : Math.min(want * 4, SEQUENTIAL_CHUNK);
      skipped = false;
      const len = Math.min(want, input.size - position);
      const buf = reuseBuffer ? (shared ??= Buffer.allocUnsafeSlow(Math.min(SEQUENTIAL_CHUNK, input.size))).subarray(0, len) : Buffer.allocUnsafe(len);
      const n = await input.read(buf, position);
      if (n === 0) return; // the file shrank under us: the reader reports the truncation
      position += n;
      onRead?.(position);
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
  }
  return {
    it: it(),
    skipAhead: (n: number) => {
      const s = Math.max(0, Math.min(n, input.size - position));
      position += s;
      skipped = true;
      return s;
    },
  };
}

/** Re-yields `first` then the rest of `it`. */
async function* prepend(first: Buffer[], it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  for (const b of first) yield b;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

async function* gunzip(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const input = Readable.from(src, { objectMode: false, highWaterMark: 1 << 20 });
  const z = createGunzip({ chunkSize: 256 * 1024 });
  pipeline(input, z, () => {});
  try {
    for await (const c of z) yield c as Buffer;
  } catch (e) {
    // zlib's own errors carry Z_* codes; anything else (a read error, an abort) passes through.
    if (isWcError(e) || !String((e as NodeJS.ErrnoException).code ?? '').startsWith('Z_')) throw e;
    throw corrupt(`gzip data is corrupt: ${(e as Error).message}`);
  } finally {
    input.destroy();
    z.destroy();
  }
}

async function* unzstd(src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const d = new Decompress((chunk) => {
    if (chunk.length) out.push(Buffer.from(chunk)); // copy: do not keep a view on the decoder's memory
  });
  const push = (c: Uint8Array, final: boolean) => {
    try {
      d.push(c, final);
    } catch (e) {
      throw corrupt(`zstd data is corrupt: ${(e as Error).message}`);
    }
  };
  for await (const c of src) {
    push(c, false);
    while (out.length) yield out.shift()!;
  }
  push(new Uint8Array(0), true);
  while (out.length) yield out.shift()!;
}

export interface DecompressedInput {
  compression: Promise<Compression>;
  chunks: AsyncGenerator<Buffer>;
  /**
   * Set (for plain tars read by position without digests) once the compression is known. Its
   * chunks are then views into one reused buffer, valid until the next chunk is pulled.
   */
  seek: { skipAhead(n: number): number } | undefined;
  /** True when each chunk is a view that the next pull overwrites (copy what you keep). */
  reusesChunks?: boolean;
  compressed: StreamStats;
  uncompressed: StreamStats;
  /** Lets go of the digests' resources (after taking them, or on failure). */
  close(): void;
}

const SEQUENTIAL_CHUNK = 1 << 20;
const POSITIONAL_CHUNK = 4 * 1024;

/**
 * Wraps raw input bytes: detects the compression from the first bytes, decompresses, and
 * hashes both sides when `digests` is on (the input side only when `inputDigest` is on too: it
 * costs a hash of every input byte that only a blob-digest check needs). `onInput` is called as
 * input is consumed (progress).
 */
export function decompressInput(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | RandomAccessInput | GzipFileInput,
  onInput?: (bytes: number) => void,
  digests = true,
  inputDigest = true,
): DecompressedInput {
  if (isGzipFileInput(source)) return { ...inflateOnWorker(source, onInput, digests, inputDigest), seek: undefined, reusesChunks: true };
  return decompressStream(source, onInput, digests, inputDigest);
}

function decompressStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | RandomAccessInput, onInput: ((bytes: number) => void) | undefined, digests: boolean, inputDigest: boolean): DecompressedInput {
  const compressed = newStats(digests && inputDigest);
  const uncompressed = newStats(digests);
  let resolveCompression!: (c: Compression) => void;
  const compression = new Promise<Compression>((r) => (resolveCompression = r));
  const close = (): void => {
    compressed.hash?.close();
    uncompressed.hash?.close();
  };
  const out: DecompressedInput = { compression, chunks: undefined as unknown as AsyncGenerator<Buffer>, seek: undefined, compressed, uncompressed, close };
  async function* run(): AsyncGenerator<Buffer> {
    if (isRandomAccessInput(source)) {
      const head = Buffer.alloc(Math.min(4, source.size));
      const got = await source.read(head, 0);
      const kind = detectCompression(head.subarray(0, got));
      if (kind === 'none' && !digests) {
        resolveCompression(kind);
        const p = positionalChunks(
          source,
          0,
          POSITIONAL_CHUNK,
          (pos) => {
            compressed.bytes = pos;
            onInput?.(pos);
          },
          true,
        );
        out.seek = p;
        // bytes counts positions reached, skipped ones included
        yield* p.it;
        compressed.bytes = source.size;
        return;
      }
      source = positionalChunks(source, 0, SEQUENTIAL_CHUNK).it;
    }
    const raw = tap(source, compressed, () => onInput?.(compressed.bytes));
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < 4) {
      const r = await raw.next();
      if (r.done) break;
      head.push(r.value);
      headLen += r.value.length;
    }
    const kind = detectCompression(Buffer.concat(head));
    resolveCompression(kind);
    const all = prepend(head, raw);
    if (kind === 'none') {
      // the tar is the input: one hash serves both digests
      yield* compressed.hash || !uncompressed.hash ? all : tap(all, uncompressed);
      return;
    }
    yield* tap(kind === 'gzip' ? gunzip(all) : unzstd(all), uncompressed);
  }
  out.chunks = run();
  return out;
}
