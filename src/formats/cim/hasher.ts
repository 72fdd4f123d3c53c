// SHA-512 of the CIM data objects (object IDs, spec §6.3), on the calling thread or on a worker
// (hash-worker.ts) beside the parsing and the I/O; the bytes live in data-region.ts's blocks.

import { createHash, type Hash } from 'node:crypto';
import { hashWorker, type Block, type ReleaseBlock } from '../hash-worker.js';

export type { Block, ReleaseBlock };

export interface BlockHasher {
  /** Adds bytes [start, end) of `block` to the current object; calls release(block) once read. */
  update(block: Block, start: number, end: number): void;
  /** Ends the current object: its SHA-512. */
  digest(): Promise<Uint8Array>;
  /** Sends batched work now (before waiting on a digest). */
  flush(): void;
  close(): Promise<void>;
}


/** Hashes on the calling thread, at once. */
export class InlineHasher implements BlockHasher {
  private hash: Hash = createHash('sha512');
  constructor(private readonly release: ReleaseBlock) {}
  update(block: Block, start: number, end: number): void {
    this.hash.update(block.bytes.subarray(start, end));
    this.release(block);
  }
  async digest(): Promise<Uint8Array> {
    const d = new Uint8Array(this.hash.digest());
    this.hash = createHash('sha512');
    return d;
  }
  flush(): void {}
  async close(): Promise<void> {}
}

/** SHA-512 of the data objects on the shared hashing thread (hash-worker.ts). */
export class WorkerHasher implements BlockHasher {
  private readonly worker = hashWorker();
  private stream: number | undefined;
  private readonly known = new Set<Block>();
  private readonly stopListening: () => void;

  constructor(
    private readonly release: ReleaseBlock,
    onFailure: (e: Error) => void,
  ) {
    this.stopListening = this.worker.onFailure(onFailure);
  }

  update(block: Block, start: number, end: number): void {
    if (!this.known.has(block)) {
      this.known.add(block);
      this.worker.register(block, this.release);
    }
    this.stream ??= this.worker.open('sha512');
    this.worker.update(this.stream, block, start, end);
  }

  digest(): Promise<Uint8Array> {
    const stream = this.stream ?? this.worker.open('sha512');
    this.stream = undefined;
    return this.worker.digest(stream);
  }

  flush(): void {
    this.worker.flush();
  }

  /** Lets go of the blocks (the thread stays for others; it idles without work). */
  async close(): Promise<void> {
    this.stopListening();
    if (this.stream !== undefined) void this.worker.digest(this.stream).catch(() => undefined); // ends the stream
    this.stream = undefined;
    for (const b of this.known) this.worker.forget(b);
    this.known.clear();
    this.worker.flush();
  }
}
