// Hashing on a worker thread, over bytes in shared memory blocks that the worker reads in place
// (nothing is copied or transferred). Used for the CIM data objects' SHA-512 (cim/hasher.ts)
// and the tar decoder's sha256 digests (shared-digest.ts). Work is batched: a message goes when
// POST_BYTES or POST_OPS are waiting, when a caller is about to wait on the worker, or after
// POST_DELAY_MS otherwise (a message per file would cost more than the hashing).

import { Worker } from 'node:worker_threads';

const POST_BYTES = 1 << 20;
const POST_OPS = 4096;
const POST_DELAY_MS = 2;

/** A piece of shared memory that holds data-region bytes until they are hashed and written. */
export interface Block {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** Users not done with the block (hash work, objects holding bytes, writes in flight). */
  refs: number;
}

export type ReleaseBlock = (block: Block) => void;

// Messages in: { blocks?: [id, SharedArrayBuffer][], ops: Int32Array } where ops is a flat list of
// (1, stream, block, start, end) = hash these bytes into that stream, (2, stream) = the stream's
// digest (the stream ends), (3, stream, algorithm index) = open a stream, (4, block) = forget a
// block. Messages out: { acks: block ids (Int32Array), digests }. Typed arrays, because cloning a
// plain array of numbers costs a lot more per message.
const ALGORITHMS = ['sha256', 'sha512'] as const;
export type HashAlgorithm = (typeof ALGORITHMS)[number];

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const blocks = new Map();
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.blocks) for (const [id, sab] of m.blocks) blocks.set(id, new Uint8Array(sab));
  const acks = [];
  const digests = [];
  const ops = m.ops;
  for (let i = 0; i < ops.length; ) {
    const op = ops[i];
    if (op === 1) {
      hashes.get(ops[i + 1]).update(blocks.get(ops[i + 2]).subarray(ops[i + 3], ops[i + 4]));
      acks.push(ops[i + 2]);
      i += 5;
    } else if (op === 2) {
      digests.push(hashes.get(ops[i + 1]).digest());
      hashes.delete(ops[i + 1]);
      i += 2;
    } else if (op === 3) {
      hashes.set(ops[i + 1], createHash(workerData.algorithms[ops[i + 2]]));
      i += 3;
    } else {
      blocks.delete(ops[i + 1]);
      i += 2;
    }
  }
  const a = Int32Array.from(acks);
  parentPort.postMessage({ acks: a, digests }, [a.buffer]);
});
`;

let nextBlockId = 1;

/** A new block of `size` bytes of shared memory. */
export function newBlock(size: number): Block {
  return { id: nextBlockId++, bytes: new Uint8Array(new SharedArrayBuffer(size)), refs: 0 };
}

/**
 * Where in `block` (filled up to `fillPos`) to copy `chunk[done..]`: V8 copies into shared
 * memory a byte at a time unless source and target share their alignment mod 8, so up to 7
 * bytes of the block are skipped to make them match. `block.bytes.length` when the block has no
 * room left after the skip.
 */
export function alignedCopyStart(block: Block, fillPos: number, chunk: Uint8Array, done: number): number {
  const start = fillPos + ((chunk.byteOffset + done - fillPos) & 7);
  return Math.min(start, block.bytes.length);
}

/**
 * The process's hashing thread: running hashes ("streams") over bytes in shared blocks, for any
 * number of users at once. Digests come back in the order they were asked for. Get it through
 * hashWorker(); it keeps the process alive only while it has work.
 */
export class HashWorker {
  private readonly worker: Worker;
  private readonly blocks = new Map<number, { block: Block; release: ReleaseBlock }>();
  private newBlocks: [number, SharedArrayBuffer][] = [];
  private ops = new Int32Array(1024);
  private opLen = 0;
  private opBytes = 0;
  private nextStream = 1;
  private scheduled: NodeJS.Timeout | undefined;
  /** Messages sent and not answered. */
  private outstanding = 0;
  private digests: { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }[] = [];
  private readonly failureListeners = new Set<(e: Error) => void>();
  failure: Error | undefined;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { algorithms: ALGORITHMS } });
    this.worker.unref();
    this.worker.on('message', (m: { acks: Int32Array; digests: Uint8Array[] }) => {
      this.outstanding--;
      for (const id of m.acks) {
        const b = this.blocks.get(id);
        if (b) b.release(b.block);
      }
      for (const d of m.digests) this.digests.shift()?.resolve(new Uint8Array(d));
      if (this.outstanding === 0) this.worker.unref();
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', () => this.fail(new Error('the hashing worker thread ended')));
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    if (shared === this) shared = undefined;
    for (const d of this.digests.splice(0)) d.reject(e);
    for (const l of this.failureListeners) l(e);
  }

  /** Calls `listener` if the thread fails; returns the function that stops listening. */
  onFailure(listener: (e: Error) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private push(...values: number[]): void {
    if (this.opLen + values.length > this.ops.length) {
      const bigger = new Int32Array(this.ops.length * 2);
      bigger.set(this.ops.subarray(0, this.opLen));
      this.ops = bigger;
    }
    this.ops.set(values, this.opLen);
    this.opLen += values.length;
  }

  private schedule(): void {
    if (this.opBytes >= POST_BYTES || this.opLen >= POST_OPS) this.flush();
    else this.scheduled ??= setTimeout(() => this.flush(), POST_DELAY_MS);
  }

  /** Lets the thread read `block`; `release` is called each time it is done with a range of it. */
  register(block: Block, release: ReleaseBlock): void {
    this.blocks.set(block.id, { block, release });
    this.newBlocks.push([block.id, block.bytes.buffer as SharedArrayBuffer]);
  }

  /** The thread lets go of `block` (after its last range was released). */
  forget(block: Block): void {
    if (!this.blocks.delete(block.id)) return;
    this.push(4, block.id);
    this.schedule();
  }

  /** Starts a running hash; returns its stream number. */
  open(algorithm: HashAlgorithm): number {
    if (this.failure) throw this.failure;
    const stream = this.nextStream++;
    this.push(3, stream, ALGORITHMS.indexOf(algorithm));
    return stream;
  }

  /** Hashes bytes [start, end) of a registered block into `stream`; its release follows once read. */
  update(stream: number, block: Block, start: number, end: number): void {
    if (this.failure) throw this.failure;
    this.push(1, stream, block.id, start, end);
    this.opBytes += end - start;
    this.schedule();
  }

  /** The digest of everything hashed into `stream`, which then ends. */
  digest(stream: number): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure);
    this.push(2, stream);
    this.schedule();
    return new Promise<Uint8Array>((resolve, reject) => this.digests.push({ resolve, reject }));
  }

  /** Sends the batched work now. */
  flush(): void {
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
    if (this.opLen === 0 || this.failure) return;
    this.opBytes = 0;
    const ops = this.ops.slice(0, this.opLen);
    this.opLen = 0;
    const m = this.newBlocks.length ? { blocks: this.newBlocks, ops } : { ops };
    this.newBlocks = [];
    this.outstanding++;
    this.worker.ref();
    this.worker.postMessage(m, [ops.buffer]);
  }
}

let shared: HashWorker | undefined;

/** The shared hashing thread, started on first use; throws where workers are unavailable. */
export function hashWorker(): HashWorker {
  shared ??= new HashWorker();
  return shared;
}
