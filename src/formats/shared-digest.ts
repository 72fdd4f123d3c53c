// A running digest (sha256 of a tar stream, say) taken on the shared hashing thread
// (hash-worker.ts) instead of the caller's: each chunk is copied into a small pool of shared
// blocks and hashed there, so the caller's thread is free for parsing and writing. Falls back
// to hashing inline where worker threads are unavailable.

import { createHash, type Hash } from 'node:crypto';
import { alignedCopyStart, hashWorker, newBlock, type Block, type HashAlgorithm, type HashWorker } from './hash-worker.js';

const BLOCK_SIZE = 1 << 20;
const MAX_BLOCKS = 4;

export interface StreamDigest {
  /** Adds `chunk`. With no promise returned it is already copied; else await the promise (back-pressure) before reusing it. */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** Hex digest of everything added; ends the digest. */
  hex(): Promise<string>;
  /** Lets go of the shared memory (also after hex()); safe to call more than once. */
  close(): void;
}

class InlineDigest implements StreamDigest {
  private readonly hash: Hash;
  constructor(algorithm: HashAlgorithm) {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): undefined {
    this.hash.update(chunk);
    return undefined;
  }
  async hex(): Promise<string> {
    return this.hash.digest('hex');
  }
  close(): void {}
}

class WorkerDigest implements StreamDigest {
  /** Opened on first use, so a digest never fed leaves nothing on the thread. */
  private stream: number | undefined;
  private readonly blocks: Block[] = [];
  private readonly free: Block[] = [];
  private fill: Block | undefined;
  private fillPos = 0;
  private waiter: (() => void) | undefined;
  private readonly stopListening: () => void;
  private failure: Error | undefined;
  private ended = false;

  constructor(
    private readonly worker: HashWorker,
    private readonly algorithm: HashAlgorithm,
  ) {
    this.stopListening = worker.onFailure((e) => {
      this.failure = e;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private readonly release = (b: Block): void => {
    if (--b.refs === 0) {
      this.free.push(b);
      this.wake();
    }
  };

  private async take(): Promise<void> {
    for (;;) {
      if (this.failure) throw this.failure;
      let b = this.free.pop();
      if (!b && this.blocks.length < MAX_BLOCKS) {
        b = newBlock(BLOCK_SIZE);
        this.blocks.push(b);
        this.worker.register(b, this.release);
      }
      if (b) {
        b.refs = 1; // the fill reference
        this.fill = b;
        this.fillPos = 0;
        return;
      }
      this.worker.flush();
      await new Promise<void>((r) => (this.waiter = r));
    }
  }

  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.failure) throw this.failure;
    let done = 0;
    while (done < chunk.length) {
      if (!this.fill || this.fillPos === BLOCK_SIZE) {
        const old = this.fill;
        this.fill = undefined;
        if (old) this.release(old);
        // Only here may it wait: the rest of the chunk is copied after the wait.
        const p = this.take();
        if (this.fill) continue;
        return p.then(() => this.update(chunk.subarray(done)));
      }
      const b = this.fill;
      this.fillPos = alignedCopyStart(b, this.fillPos, chunk, done);
      if (this.fillPos === BLOCK_SIZE) continue;
      const n = Math.min(chunk.length - done, BLOCK_SIZE - this.fillPos);
      b.bytes.set(chunk.subarray(done, done + n), this.fillPos);
      b.refs++;
      this.stream ??= this.worker.open(this.algorithm);
      this.worker.update(this.stream, b, this.fillPos, this.fillPos + n);
      this.fillPos += n;
      done += n;
    }
    return undefined;
  }

  async hex(): Promise<string> {
    if (this.failure) throw this.failure;
    this.ended = true;
    const d = this.worker.digest(this.stream ?? this.worker.open(this.algorithm));
    this.worker.flush();
    return Buffer.from(await d).toString('hex');
  }

  close(): void {
    this.stopListening();
    if (!this.ended) {
      this.ended = true;
      if (!this.failure && this.stream !== undefined) void this.worker.digest(this.stream).catch(() => undefined); // ends the stream there
    }
    for (const b of this.blocks.splice(0)) this.worker.forget(b);
    this.worker.flush();
  }
}

/** A digest on the shared hashing thread, or inline where there is none. */
export function streamDigest(algorithm: HashAlgorithm): StreamDigest {
  let worker: HashWorker;
  try {
    worker = hashWorker();
  } catch {
    return new InlineDigest(algorithm);
  }
  return new WorkerDigest(worker, algorithm);
}
