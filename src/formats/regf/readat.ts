// Random access to hive bytes. The reader asks only for what it needs, so a file-backed source
// (src/hive/file-readat.ts) never has to hold a 100 MB hive in memory; tests use a buffer.

export interface ReadAt {
  /** Total size in bytes. */
  readonly size: number;
  /** Bytes [offset, offset + length); may return fewer only at the end of the source. */
  read(offset: number, length: number): Promise<Uint8Array> | Uint8Array;
  /** The same read, synchronously (file sources offer it: the reader then never holds the whole file). */
  readSync?(offset: number, length: number): Uint8Array;
  /** The same read into memory the caller reuses: fills `target` from `offset`; returns the bytes read (fewer only at the end). */
  readIntoSync?(offset: number, target: Uint8Array): number;
}

/** A ReadAt over bytes already in memory; `bytes` lets the reader take views without copying. */
export interface BufferReadAt extends ReadAt {
  readonly bytes: Uint8Array;
}

export function bufferReadAt(bytes: Uint8Array): BufferReadAt {
  return {
    bytes,
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
    readSync: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)),
  };
}

export function isBufferReadAt(src: ReadAt): src is BufferReadAt {
  return (src as Partial<BufferReadAt>).bytes instanceof Uint8Array;
}

/** Reads all of a source into one buffer (log replay works on whole images). */
export async function readAll(src: ReadAt): Promise<Uint8Array> {
  if (isBufferReadAt(src)) return src.bytes;
  const out = new Uint8Array(src.size);
  const step = 1 << 22;
  for (let off = 0; off < src.size; off += step) {
    out.set(await src.read(off, Math.min(step, src.size - off)), off);
  }
  return out;
}
