// Compression detected by magic bytes (gzip 1f 8b, zstd 28 b5 2f fd, else plain tar), with
// sha256 of the compressed and the uncompressed bytes taken on the same pass.
//
// gzip: node:zlib. zstd: Node 20 has none built in; we decode with fzstd (pure JavaScript, no
// install step, streaming). Native zstd addons on npm (zstd-napi …) fetch or compile their
// binaries at install time, which our rules forbid. fzstd cannot compress: writing .tar.zst is
// left to a later change (see tar/README in the report).

import { createHash, type Hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { corrupt, isWcError } from '../../errors.js';

export type Compression = 'none' | 'gzip' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export interface StreamStats {
  hash: Hash;
  bytes: number;
}

function newStats(): StreamStats {
  return { hash: createHash('sha256'), bytes: 0 };
}

async function* tap(src: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, stats: StreamStats, onChunk?: () => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    stats.hash.update(b);
    stats.bytes += b.length;
    onChunk?.();
    yield b;
  }
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
  compressed: StreamStats;
  uncompressed: StreamStats;
}

/**
 * Wraps raw input bytes: detects the compression from the first bytes, decompresses, and
 * hashes both sides. `onInput` is called after each raw chunk (progress).
 */
export function decompressInput(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, onInput?: (bytes: number) => void): DecompressedInput {
  const compressed = newStats();
  const uncompressed = newStats();
  let resolveCompression!: (c: Compression) => void;
  const compression = new Promise<Compression>((r) => (resolveCompression = r));
  async function* run(): AsyncGenerator<Buffer> {
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
    const plain = kind === 'gzip' ? gunzip(all) : kind === 'zstd' ? unzstd(all) : all;
    yield* tap(plain, uncompressed);
  }
  return { compression, chunks: run(), compressed, uncompressed };
}
