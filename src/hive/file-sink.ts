// A hive sink over an open file: the builder's bins go out with positional writes, consecutive
// ones gathered into larger writes (most bins follow each other; the few held back for an open
// key's nk cell land later at their own place).

import { writeSync } from 'node:fs';
import type { HiveSink } from '../formats/regf/builder.js';

const GATHER = 1 << 20;

export class FileHiveSink implements HiveSink {
  private readonly buffer = Buffer.allocUnsafe(GATHER);
  private start = 0; // file position of buffer[0]
  private length = 0;

  constructor(private readonly fd: number) {}

  write(bytes: Uint8Array, position: number): void {
    if (this.length > 0 && (position !== this.start + this.length || this.length + bytes.length > GATHER)) this.flush();
    if (bytes.length > GATHER) return this.writeAt(bytes, position);
    if (this.length === 0) this.start = position;
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** Writes what is gathered; call once the builder has finished. */
  flush(): void {
    if (this.length === 0) return;
    this.writeAt(this.buffer.subarray(0, this.length), this.start);
    this.length = 0;
  }

  private writeAt(bytes: Uint8Array, position: number): void {
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
  }
}
