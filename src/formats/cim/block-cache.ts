// A small read cache for metadata regions: security descriptors, EAs, reparse buffers and link
// tables are small objects written next to each other, so a few aligned blocks turn thousands of
// tiny reads into a few larger ones. Large reads bypass it. Data regions are read uncached: their
// read order follows the directory walk, not the write order, and caching would read far more
// than asked.

import type { RandomAccessSource } from './io.js';

const BLOCK = 64 * 1024;
const MAX_BLOCKS = 32;

export class BlockCachedSource implements RandomAccessSource {
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(private readonly inner: RandomAccessSource) {}

  get size(): number {
    return this.inner.size;
  }

  private async block(index: number): Promise<Uint8Array> {
    const have = this.blocks.get(index);
    if (have) {
      // Map order is insertion order: re-insert to mark as recently used.
      this.blocks.delete(index);
      this.blocks.set(index, have);
      return have;
    }
    const b = await this.inner.read(index * BLOCK, BLOCK);
    this.blocks.set(index, b);
    if (this.blocks.size > MAX_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return b;
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    if (length >= BLOCK) return this.inner.read(position, length);
    const first = Math.floor(position / BLOCK);
    const last = Math.floor((position + length - 1) / BLOCK);
    if (first === last) {
      const b = await this.block(first);
      const from = position - first * BLOCK;
      // A copy: callers may keep or change what they get without touching the cache.
      return b.slice(from, Math.min(b.length, from + length));
    }
    const out = new Uint8Array(length);
    let done = 0;
    for (let i = first; i <= last && done < length; i++) {
      const b = await this.block(i);
      const from = i === first ? position - first * BLOCK : 0;
      const part = b.subarray(from, Math.min(b.length, from + length - done));
      out.set(part, done);
      done += part.length;
      if (part.length === 0) break;
    }
    return done === length ? out : out.subarray(0, done);
  }

  close(): Promise<void> {
    this.blocks.clear();
    return this.inner.close();
  }
}
