// A ReadAt over a file: positional reads on an open descriptor, nothing read ahead of need.
// readSync serves the hive reader, whose cell walks are synchronous (small reads of cached
// blocks; a page-cache hit costs microseconds, far less than a promise per cell).

import { readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fromNodeError } from '../errors.js';
import type { ReadAt } from '../formats/regf/readat.js';

export interface FileReadAt extends ReadAt {
  readonly path: string;
  close(): Promise<void>;
}

export async function openFileReadAt(path: string): Promise<FileReadAt> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fromNodeError(e, path);
  }
  const size = (await fh.stat()).size;
  const readIntoSync = (offset: number, target: Uint8Array): number => {
    const len = Math.max(0, Math.min(target.length, size - offset));
    let done = 0;
    while (done < len) {
      const n = readSync(fh.fd, target, done, len - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  };
  return {
    path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const len = Math.max(0, Math.min(length, size - offset));
      const buf = new Uint8Array(len);
      let done = 0;
      while (done < len) {
        const { bytesRead } = await fh.read(buf, done, len - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === len ? buf : buf.subarray(0, done);
    },
    readSync(offset: number, length: number): Uint8Array {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const done = readIntoSync(offset, buf);
      return done === buf.length ? buf : buf.subarray(0, done);
    },
    readIntoSync,
    close: () => fh.close(),
  };
}
