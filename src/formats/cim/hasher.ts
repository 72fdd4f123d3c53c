// SHA-512 of streamed file data, computed on a worker thread so that hashing runs beside the
// reading and writing instead of after them (object IDs need the digest of every data object,
// spec §6.3). Chunks are gathered into 1 MiB batches and handed over by transfer; at most
// MAX_PENDING bytes wait in the worker, so a slow hash slows the writer instead of filling memory.

import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const BATCH = 1 << 20;
const MAX_PENDING = 16 << 20;

export interface StreamHasher {
  update(chunk: Uint8Array): Promise<void> | void;
  /** The SHA-512 of everything given since the last digest(); starts a new hash. */
  digest(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Hashes on the calling thread. */
export class InlineHasher implements StreamHasher {
  private hash: Hash = createHash('sha512');
  update(chunk: Uint8Array): void {
    this.hash.update(chunk);
  }
  async digest(): Promise<Uint8Array> {
    const d = new Uint8Array(this.hash.digest());
    this.hash = createHash('sha512');
    return d;
  }
  async close(): Promise<void> {}
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let h = createHash('sha512');
parentPort.on('message', (m) => {
  if (m.chunk) { h.update(new Uint8Array(m.chunk, 0, m.length)); parentPort.postMessage({ ack: m.length }); }
  else if (m.digest) { const d = h.digest(); h = createHash('sha512'); parentPort.postMessage({ digest: d }); }
});
`;

/** Hashes on a worker thread (the constructor throws where workers are unavailable). */
export class WorkerHasher implements StreamHasher {
  private readonly worker: Worker;
  private batch = new Uint8Array(BATCH);
  private batchLen = 0;
  private pending = 0;
  private waiters: (() => void)[] = [];
  private digests: { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { ack?: number; digest?: Uint8Array }) => {
      if (m.ack !== undefined) {
        this.pending -= m.ack;
        this.idleCheck();
        if (this.pending <= MAX_PENDING / 2) for (const w of this.waiters.splice(0)) w();
      } else if (m.digest) {
        this.digests.shift()?.resolve(new Uint8Array(m.digest));
        this.idleCheck();
      }
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      for (const w of this.waiters.splice(0)) w();
      for (const d of this.digests.splice(0)) d.reject(this.failure);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('the hashing worker thread ended')));
  }

  /** The worker keeps the process alive only while it has work, so an idle writer never pins it. */
  private idleCheck(): void {
    if (this.pending === 0 && this.digests.length === 0) this.worker.unref();
  }

  private send(): void {
    if (this.batchLen === 0) return;
    this.worker.ref();
    const buf = this.batch.buffer as ArrayBuffer;
    this.worker.postMessage({ chunk: buf, length: this.batchLen }, [buf]);
    this.pending += this.batchLen;
    this.batch = new Uint8Array(BATCH);
    this.batchLen = 0;
  }

  async update(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    let done = 0;
    while (done < chunk.length) {
      const n = Math.min(chunk.length - done, BATCH - this.batchLen);
      this.batch.set(chunk.subarray(done, done + n), this.batchLen);
      this.batchLen += n;
      done += n;
      if (this.batchLen === BATCH) this.send();
    }
    if (this.pending > MAX_PENDING) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  async digest(): Promise<Uint8Array> {
    if (this.failure) throw this.failure;
    this.send();
    const p = new Promise<Uint8Array>((resolve, reject) => this.digests.push({ resolve, reject }));
    this.worker.ref();
    this.worker.postMessage({ digest: true });
    return p;
  }

  async close(): Promise<void> {
    this.failure ??= new Error('the hasher is closed');
    await this.worker.terminate();
  }
}
