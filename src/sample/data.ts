// Deterministic file contents produced on demand. A layer shares one 1 MiB pool of
// pseudo-random bytes; each file's bytes are a per-file mix of slices of that pool, runs of one
// byte and repeated text, so data is cheap to make (memcpy speed), compresses partly like real
// binaries, and is never held whole in memory: a Readable fills one chunk per read().

import { Readable } from 'node:stream';
import type { Rng } from './random.js';

const POOL_SIZE = 1 << 20;
const CHUNK_SIZE = 64 * 1024;
const PHRASES = [
  'This program cannot be run in DOS mode.\r\n',
  '<?xml version="1.0" encoding="utf-8"?>\r\n<assembly xmlns="urn:schemas-microsoft-com:asm.v3" manifestVersion="1.0">\r\n',
  'Microsoft Windows Container Sample Layer \u00a9 generated data\r\n',
  '[ZoneTransfer]\r\nZoneId=3\r\n',
].map((s) => Buffer.from(s, 'utf8'));

export class DataPool {
  readonly bytes: Buffer;

  constructor(rng: Rng) {
    this.bytes = Buffer.allocUnsafe(POOL_SIZE);
    const words = new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, POOL_SIZE / 4);
    for (let i = 0; i < words.length; i++) words[i] = rng.u32();
  }

  /** A Readable of exactly `size` deterministic bytes driven by `rng` (the file's own generator). */
  stream(rng: Rng, size: number): Readable {
    let left = size;
    const pool = this.bytes;
    return new Readable({
      highWaterMark: CHUNK_SIZE,
      read() {
        if (left === 0) {
          this.push(null);
          return;
        }
        const n = Math.min(CHUNK_SIZE, left);
        const chunk = Buffer.allocUnsafe(n);
        let o = 0;
        while (o < n) {
          const len = Math.min(n - o, 64 + (rng.u32() & 0x3fff));
          const kind = rng.u32() & 7;
          if (kind < 5) {
            const at = rng.u32() % (POOL_SIZE - len);
            pool.copy(chunk, o, at, at + len);
          } else if (kind < 7) {
            chunk.fill(kind === 5 ? 0 : rng.u32() & 0xff, o, o + len);
          } else {
            const phrase = PHRASES[rng.u32() % PHRASES.length]!;
            for (let p = o; p < o + len; p += phrase.length) phrase.copy(chunk, p, 0, Math.min(phrase.length, o + len - p));
          }
          o += len;
        }
        left -= n;
        this.push(chunk);
      },
    });
  }
}
