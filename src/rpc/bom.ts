// Windows PowerShell 5.1 (.NET Framework) can put a UTF-8 BOM in front of the first byte it
// writes to a child's stdin. The framing would then fail on the first header, so drop it.

import { Transform, type TransformCallback } from 'node:stream';

const BOM = [0xef, 0xbb, 0xbf];

export class StripLeadingBom extends Transform {
  private checked = 0; // how many leading bytes have been compared with the BOM so far
  private held: Buffer[] = [];

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (this.checked === -1) return done(null, chunk);
    let i = 0;
    while (i < chunk.length && this.checked < 3) {
      if (chunk[i] !== BOM[this.checked]) {
        // Not a BOM after all: give back what was held and pass everything through.
        this.checked = -1;
        for (const h of this.held) this.push(h);
        this.held = [];
        return done(null, chunk);
      }
      this.checked++;
      i++;
    }
    if (this.checked === 3) {
      this.checked = -1;
      this.held = [];
      return done(null, chunk.subarray(i));
    }
    this.held.push(chunk.subarray(0, i));
    done();
  }

  override _flush(done: TransformCallback): void {
    for (const h of this.held) this.push(h);
    done();
  }
}
