// Records of a plain (uncompressed) tar read by position, synchronously: only the headers are
// read (a pread at each header, sized reads for PAX and GNU long-name bodies) and entry data is
// skipped by moving the position, as bsdtar lists a tar file. It drives the same
// RecordAssembler as the streaming TarReader and reports the same errors at the same offsets;
// only the I/O differs. No digests: the data is never read.

import { endOfInput } from './byte-source.js';
import { BLOCK, isZeroBlock } from './header.js';
import { RecordAssembler, dataPaddingWhat, dataWhat, metaPaddingWhat, metaWhat, padding, type TarRecord } from './records.js';

/** A file read by position, synchronously (fs.readSync on a descriptor). */
export interface SyncRandomAccessInput {
  size: number;
  /** Reads `length` bytes into `buffer` at `offset` from the input's `position`; returns the bytes read (fewer only at the end). */
  readSync(buffer: Buffer, offset: number, length: number, position: number): number;
}

/** First read after a skip: the headers of one entry (PAX header, its records, the header) and a bit. */
const FIRST_READ = 4 * 1024;
/** Reads that follow each other (small entries packed together) grow up to this. */
const MAX_READ = 64 * 1024;

export class TarScanner {
  /** Offset of the next byte to take. */
  offset = 0;
  /** End of the input (lowered if the file turns out shorter than its size said). */
  private end: number;
  private readonly buffer = Buffer.allocUnsafeSlow(MAX_READ);
  /** The window (the shared buffer, or a larger one for a big body) holds the input's bytes [windowStart, windowEnd). */
  private window = this.buffer;
  private windowStart = 0;
  private windowEnd = 0;
  private nextRead = FIRST_READ;
  private finished = false;
  private current: TarRecord | undefined;
  private readonly assembler = new RecordAssembler();

  constructor(private readonly input: SyncRandomAccessInput) {
    this.end = input.size;
  }

  /** The next record (its data skipped), or undefined at the end of the archive. */
  next(): TarRecord | undefined {
    if (this.finished) return undefined;
    const rec = this.current;
    if (rec && rec.dataSize > 0) {
      this.skip(rec.dataSize, dataWhat, rec);
      const pad = padding(rec.dataSize);
      if (pad) this.skip(pad, dataPaddingWhat, rec);
    }
    this.current = undefined;
    const asm = this.assembler;
    for (;;) {
      const at = this.offset;
      const block = this.take(BLOCK, 'tar header');
      if (block < 0) {
        this.finished = true;
        asm.endOfInput();
        return undefined;
      }
      if (isZeroBlock(this.window, block)) {
        const second = this.take(BLOCK, 'end-of-archive marker');
        this.finished = true;
        asm.zeroBlock(at, second < 0 ? undefined : this.window, second);
        return undefined;
      }
      const step = asm.header(this.window, at, block);
      if (typeof step === 'number') {
        const metaAt = asm.metaAt;
        const body = this.take(step, metaWhat, metaAt);
        if (body < 0) asm.meta(undefined);
        else asm.meta(this.window, body, body + step);
        const pad = padding(step);
        if (pad) this.skip(pad, metaPaddingWhat, metaAt);
        continue;
      }
      this.current = step;
      return step;
    }
  }

  /**
   * Exactly n bytes at the current offset: where they start in `this.window` (valid until the
   * next call; no view is made, that costs more than the header's parsing); -1 when the input
   * ends right here; the same Corrupt error as ByteSource.readExact when it ends part way.
   * `what` names the bytes for that error; a function is called (with `at`) only then, so the
   * usual case builds no message.
   */
  private take(n: number, what: string | ((at: number) => string), at = 0): number {
    const start = this.offset;
    if (start < this.windowStart || start + n > this.windowEnd) this.fill(start, n);
    const have = Math.min(n, this.windowEnd - start);
    if (have < n) {
      if (have === 0) return -1;
      throw endOfInput(start, typeof what === 'string' ? what : what(at), have, n);
    }
    this.offset = start + n;
    // An int32 (the window is small): past 1 GiB the offsets are doubles in V8, and a double
    // here would make the header code deoptimize and run slower for the rest of the tar.
    return (start - this.windowStart) | 0;
  }

  /** Reads at `position` so that n bytes (or all that is left) are in the window. */
  private fill(position: number, n: number): void {
    const sequential = position === this.windowEnd;
    this.nextRead = sequential ? Math.min(this.nextRead * 2, MAX_READ) : FIRST_READ;
    const len = Math.max(0, Math.min(Math.max(n, this.nextRead), this.end - position));
    // a body larger than the shared buffer (a PAX header of up to 1 MiB) gets one of its own
    this.window = len > this.buffer.length ? Buffer.allocUnsafe(len) : this.buffer;
    let got = 0;
    while (got < len) {
      const r = this.input.readSync(this.window, got, len - got, position + got);
      if (r === 0) {
        this.end = position + got; // the file shrank under us: the caller reports the truncation
        break;
      }
      got += r;
    }
    this.windowStart = position;
    this.windowEnd = position + got;
  }

  /** Moves over n bytes; the same Corrupt error as ByteSource.skip (naming `what(subject)`) when the input ends first. */
  private skip<T>(n: number, what: (subject: T) => string, subject: T): void {
    const start = this.offset;
    const left = this.end - start;
    if (n > left) {
      this.offset = this.end;
      throw endOfInput(start, what(subject), left, n);
    }
    this.offset = start + n;
  }
}
