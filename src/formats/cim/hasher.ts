// SHA-512 of the data objects (object IDs, spec §6.3), taken either on the calling thread or on
// a worker thread beside the parsing and the I/O. The bytes live in shared blocks (see
// data-region.ts): the worker reads them in place, so nothing is copied or transferred; it
// reports back which blocks it is done with and the digests, in order. Work is batched: a
// message goes when POST_BYTES are waiting, or at the next turn of the event loop.

import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

const POST_BYTES = 512 << 10;

/** A piece of shared memory that holds data-region bytes until they are hashed and written. */
export interface Block {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** Users not done with the block (hash work, objects holding bytes, writes in flight). */
  refs: number;
}

export interface BlockHasher {
  /** Adds bytes [start, end) of `block` to the current object; calls release(block) once read. */
  update(block: Block, start: number, end: number): void;
  /** Ends the current object: its SHA-512. */
  digest(): Promise<Uint8Array>;
  /** Sends batched work now (before waiting on a digest). */
  flush(): void;
  close(): Promise<void>;
}

export type ReleaseBlock = (block: Block) => void;

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

// Messages in: { blocks?: [id, SharedArrayBuffer][], ops: number[] } where ops is a flat list of
// (1, block, start, end) = hash these bytes, (2) = digest of the object so far.
// Messages out: { acks: block ids, digests: Uint8Array[] }.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const blocks = new Map();
let h = createHash('sha512');
parentPort.on('message', (m) => {
  if (m.blocks) for (const [id, sab] of m.blocks) blocks.set(id, new Uint8Array(sab));
  const acks = [];
  const digests = [];
  const ops = m.ops;
  for (let i = 0; i < ops.length; ) {
    if (ops[i] === 1) {
      h.update(blocks.get(ops[i + 1]).subarray(ops[i + 2], ops[i + 3]));
      acks.push(ops[i + 1]);
      i += 4;
    } else {
      digests.push(h.digest());
      h = createHash('sha512');
      i += 1;
    }
  }
  parentPort.postMessage({ acks, digests });
});
`;

/** Hashes on a worker thread (the constructor throws where workers are unavailable). */
export class WorkerHasher implements BlockHasher {
  private readonly worker: Worker;
  private readonly known = new Set<number>();
  private readonly byId = new Map<number, Block>();
  private newBlocks: [number, SharedArrayBuffer][] = [];
  private ops: number[] = [];
  private opBytes = 0;
  private scheduled: NodeJS.Immediate | undefined;
  /** Messages sent and not answered. */
  private outstanding = 0;
  private digests: { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(
    private readonly release: ReleaseBlock,
    private readonly onFailure: (e: Error) => void,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { acks: number[]; digests: Uint8Array[] }) => {
      this.outstanding--;
      for (const id of m.acks) this.release(this.byId.get(id)!);
      for (const d of m.digests) this.digests.shift()?.resolve(new Uint8Array(d));
      // Keep the process alive only while there is work, so an idle writer never pins it.
      if (this.outstanding === 0) this.worker.unref();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('the hashing worker thread ended')));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const d of this.digests.splice(0)) d.reject(e);
    this.onFailure(e);
  }

  private schedule(): void {
    if (this.opBytes >= POST_BYTES) this.flush();
    else this.scheduled ??= setImmediate(() => this.flush());
  }

  update(block: Block, start: number, end: number): void {
    if (this.failure) throw this.failure;
    if (!this.known.has(block.id)) {
      this.known.add(block.id);
      this.byId.set(block.id, block);
      this.newBlocks.push([block.id, block.bytes.buffer as SharedArrayBuffer]);
    }
    this.ops.push(1, block.id, start, end);
    this.opBytes += end - start;
    this.schedule();
  }

  digest(): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    this.ops.push(2);
    this.schedule();
    return new Promise<Uint8Array>((resolve, reject) => this.digests.push({ resolve, reject }));
  }

  flush(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.ops.length === 0 || this.failure) return;
    this.opBytes = 0;
    const m = this.newBlocks.length ? { blocks: this.newBlocks, ops: this.ops } : { ops: this.ops };
    this.newBlocks = [];
    this.ops = [];
    this.outstanding++;
    this.worker.ref();
    this.worker.postMessage(m);
  }

  async close(): Promise<void> {
    this.fail(new Error('the hasher is closed'));
    await this.worker.terminate();
  }
}
