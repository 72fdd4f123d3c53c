// Compressing a tar for export: gzip through node:zlib, zstd through @bokuweb/zstd-wasm (the
// zstd library compiled to WebAssembly and shipped inside the npm package: no install-time
// download or compiler). That binding only compresses whole buffers, so the stream is cut into
// independent 4 MiB frames; a zstd stream may be any sequence of frames (RFC 8878 section 3),
// which every decoder (zstd, containerd, our fzstd-based reader) reads as one. Memory stays
// bounded by one frame; the ratio loss against a single frame is small at this size.

import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import zstd from '@bokuweb/zstd-wasm';
import type { Compression } from './compression.js';

const ZSTD_FRAME = 4 * 1024 * 1024;

let zstdReady: Promise<void> | undefined;

async function* gzipChunks(chunks: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Buffer> {
  const input = Readable.from(chunks, { objectMode: false });
  const z = createGzip({ level, chunkSize: 256 * 1024 });
  pipeline(input, z, () => {});
  try {
    for await (const c of z) yield c as Buffer;
  } finally {
    input.destroy();
    z.destroy();
  }
}

async function* zstdChunks(chunks: AsyncIterable<Uint8Array>, level: number): AsyncGenerator<Buffer> {
  await (zstdReady ??= zstd.init());
  let pending: Buffer[] = [];
  let size = 0;
  const frame = (): Buffer => {
    const input = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending = [];
    size = 0;
    const out = zstd.compress(input, level);
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  };
  for await (const c of chunks) {
    let b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    while (b.length > 0) {
      const take = Math.min(b.length, ZSTD_FRAME - size);
      pending.push(b.subarray(0, take));
      size += take;
      b = b.subarray(take);
      if (size === ZSTD_FRAME) yield frame();
    }
  }
  if (size > 0 || pending.length === 0) yield frame(); // an empty input still gets one (empty) frame
}

/** The chunks compressed as `kind` (levels: gzip 1-9, default 6; zstd 1-19, default 3). */
export function compressChunks(chunks: AsyncIterable<Uint8Array>, kind: Compression, level?: number): AsyncGenerator<Buffer> {
  if (kind === 'gzip') return gzipChunks(chunks, level ?? 6);
  if (kind === 'zstd') return zstdChunks(chunks, level ?? 3);
  return (async function* () {
    for await (const c of chunks) yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  })();
}
