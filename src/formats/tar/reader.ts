// Tar records from a byte stream: one call to next() per real entry, with PAX ('x') and GNU
// long-name ('L', 'K') headers folded into it (records.ts). The data of the current record is
// read with readData() or skipped automatically by the next call to next(). Every allocation is
// bounded: headers are 512 bytes, metadata entries at most MAX_PAX_SIZE, data is streamed.

import { corrupt } from '../../errors.js';
import type { ByteSource } from './byte-source.js';
import { BLOCK, isZeroBlock } from './header.js';
import { RecordAssembler, dataPaddingWhat, dataWhat, metaPaddingWhat, metaWhat, padding, type TarRecord } from './records.js';

export { isHeaderOnly, type TarRecord } from './records.js';

export class TarReader {
  private remaining = 0;
  private pad = 0;
  private finished = false;
  private current: TarRecord | undefined;
  private readonly assembler = new RecordAssembler();

  constructor(private readonly src: ByteSource) {}

  /** Bytes of the current record's data not read yet. */
  get dataRemaining(): number {
    return this.remaining;
  }

  async next(): Promise<TarRecord | undefined> {
    if (this.finished) return undefined;
    if (this.remaining > 0 || this.pad > 0) {
      const skipping = this.skipRest();
      if (skipping) await skipping;
    }
    const asm = this.assembler;
    for (;;) {
      const at = this.src.offset;
      const block = this.src.takeBuffered(BLOCK) ?? (await this.src.readExact(BLOCK, 'tar header'));
      if (!block) {
        this.finished = true;
        asm.endOfInput();
        return undefined;
      }
      if (isZeroBlock(block)) {
        const second = await this.src.readExact(BLOCK, 'end-of-archive marker');
        this.finished = true;
        asm.zeroBlock(at, second);
        return undefined;
      }
      const step = asm.header(block, at);
      if (typeof step === 'number') {
        const metaAt = asm.metaAt;
        asm.meta(this.src.takeBuffered(step) ?? (await this.src.readExact(step, metaWhat(metaAt))));
        const pad = padding(step);
        if (pad) {
          const start = this.src.offset;
          const left = this.src.skipAvailable(pad);
          if (left > 0) await this.src.skipRemaining(pad, left, start, metaPaddingWhat(metaAt));
        }
        continue;
      }
      this.remaining = step.dataSize;
      this.pad = padding(step.dataSize);
      this.current = step;
      return step;
    }
  }

  /** Reads up to `max` bytes of the current record's data; undefined when all of it was read. */
  async readData(max: number): Promise<Buffer | undefined> {
    if (this.remaining === 0) return undefined;
    const b = await this.src.readSome(Math.min(max, this.remaining));
    if (!b) {
      const rec = this.current!;
      throw corrupt(`${rec.name}: unexpected end of input in the entry's data (${rec.dataSize - this.remaining} of ${rec.dataSize} bytes, entry at offset ${rec.offset})`, {
        offset: rec.offset,
        entry: rec.name,
      });
    }
    this.remaining -= b.length;
    return b;
  }

  /** Skips the current record's unread data and padding; a promise only when that needs reading. */
  private skipRest(): Promise<void> | undefined {
    const rec = this.current;
    const data = this.remaining;
    const pad = this.pad;
    this.remaining = 0;
    this.pad = 0;
    // Synchronous on the common path (buffered or seekable); messages are built only on failure.
    let start = this.src.offset;
    const dataLeft = data > 0 ? this.src.skipAvailable(data) : 0;
    if (dataLeft > 0) {
      return (async () => {
        await this.src.skipRemaining(data, dataLeft, start, dataWhat(rec));
        if (pad > 0) await this.src.skip(pad, dataPaddingWhat(rec));
      })();
    }
    start = this.src.offset;
    const padLeft = pad > 0 ? this.src.skipAvailable(pad) : 0;
    if (padLeft > 0) return this.src.skipRemaining(pad, padLeft, start, dataPaddingWhat(rec));
    return undefined;
  }
}
