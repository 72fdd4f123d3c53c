// Pulls bytes from an async iterator of chunks with exact-length and skip operations, without
// copying when a request fits inside the current chunk. The tar reader sits on top of it.

import { corrupt } from '../../errors.js';

const EMPTY = Buffer.alloc(0);

/** The input ended `got` bytes into an `n`-byte read of `what` that began at offset `start`. */
export function endOfInput(start: number, what: string, got: number, n: number) {
  return corrupt(`unexpected end of input at offset ${start} while reading ${what} (${got} of ${n} bytes)`, { offset: start });
}

/** A source that can move forward without reading (a file read by position). */
export interface SkipAhead {
  /** Skips up to n bytes not yet read; returns how many it skipped (fewer at the end). */
  skipAhead(n: number): number;
  /** True when each chunk is overwritten by the next one (a reused read buffer). */
  reusesChunks?(): boolean;
  /**
   * With reused chunks: the caller is done with each piece of data before it asks this source
   * for anything more, so readSome may hand out views instead of copies.
   */
  transientData?: boolean;
}

export class ByteSource {
  private chunk: Buffer = EMPTY;
  private pos = 0;
  private ended = false;
  /** Bytes handed out or skipped so far: the offset of the next byte in the stream. */
  offset = 0;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly seek?: SkipAhead,
  ) {}

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return false;
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        return false;
      }
      const v = r.value;
      this.chunk = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      this.pos = 0;
    }
    return true;
  }

  /**
   * The next n bytes when they are already buffered (a view, as readExact's), else undefined and
   * nothing is consumed: lets callers skip a promise per header on the common path.
   */
  takeBuffered(n: number): Buffer | undefined {
    if (this.pos + n > this.chunk.length) return undefined;
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.offset += n;
    return out;
  }

  /**
   * Exactly n bytes; undefined when the stream ends cleanly before the first byte; a Corrupt
   * error naming `what` when it ends part way. The bytes may be a view valid only until the
   * next call on this source (see `reusesChunks`): copy them to keep them longer.
   */
  async readExact(n: number, what: string): Promise<Buffer | undefined> {
    if (this.pos + n <= this.chunk.length) {
      const out = this.chunk.subarray(this.pos, this.pos + n);
      this.pos += n;
      this.offset += n;
      return out;
    }
    const start = this.offset;
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      if (!(await this.fill())) {
        if (got === 0) return undefined;
        throw endOfInput(start, what, got, n);
      }
      const take = Math.min(n - got, this.chunk.length - this.pos);
      const part = this.chunk.subarray(this.pos, this.pos + take);
      parts.push(this.seek?.reusesChunks?.() ? Buffer.from(part) : part); // the next fill may overwrite it
      this.pos += take;
      this.offset += take;
      got += take;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, n);
  }

  /** Up to `max` bytes (at least 1), or undefined at the end of the stream; the caller may keep them (unless transientData). */
  async readSome(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill())) return undefined;
    const take = Math.min(max, this.chunk.length - this.pos);
    const view = this.chunk.subarray(this.pos, this.pos + take);
    this.pos += take;
    this.offset += take;
    return this.seek?.reusesChunks?.() && !this.seek.transientData ? Buffer.from(view) : view; // entry data may outlive the chunk
  }

  /**
   * Skips as much of n bytes as the buffer and seeking cover, without waiting; returns how many
   * are left for skipRemaining (0 on the common path, so no promise per entry).
   */
  skipAvailable(n: number): number {
    let left = n;
    const buffered = Math.min(left, this.chunk.length - this.pos);
    this.pos += buffered;
    this.offset += buffered;
    left -= buffered;
    if (left > 0 && this.seek) {
      const skipped = this.seek.skipAhead(left);
      this.offset += skipped;
      left -= skipped;
    }
    return left;
  }

  /** Finishes a skip of n bytes begun at offset `start` with `left` still to go, by reading. */
  async skipRemaining(n: number, left: number, start: number, what: string): Promise<void> {
    while (left > 0) {
      if (!(await this.fill())) throw endOfInput(start, what, n - left, n);
      const take = Math.min(left, this.chunk.length - this.pos);
      this.pos += take;
      this.offset += take;
      left -= take;
    }
  }

  /** Skips n bytes; a Corrupt error naming `what` if the stream ends first. */
  async skip(n: number, what: string): Promise<void> {
    const start = this.offset;
    const left = this.skipAvailable(n);
    if (left > 0) await this.skipRemaining(n, left, start, what);
  }

  /** Reads to the end (so digests cover every byte); returns how many bytes were left. */
  async drain(): Promise<number> {
    let n = 0;
    while (await this.fill()) {
      n += this.chunk.length - this.pos;
      this.offset += this.chunk.length - this.pos;
      this.pos = this.chunk.length;
    }
    return n;
  }
}
