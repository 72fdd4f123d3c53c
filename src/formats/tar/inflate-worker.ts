// gzip file → tar bytes on a worker thread, so the caller's thread only parses and writes.
//
//   file ──pread──▶ worker: inflate straight into a ring of shared slots, sha256 (diffID) ──▶ caller
//
// The worker reads the caller's open file descriptor by position and inflates synchronously
// through the zlib handle into the slot being filled: no output chunk is allocated or copied,
// and the diffID is hashed while the bytes are still in this core's cache. The caller gets each
// slot as a Buffer view and hands it back when it pulls the next one. Memory stays bounded: the
// ring and one input buffer. Node's public zlib API has no synchronous streaming call, so the
// handle (what zlib's own *Sync functions drive) is used when it has the expected shape, and
// the stream API otherwise (slower: a pool thread per chunk, a fresh buffer and a copy each).

import { Worker } from 'node:worker_threads';
import { corrupt, fromNodeError } from '../../errors.js';
import type { Compression } from './magic.js';
import type { StreamDigest } from '../shared-digest.js';

const SLOT_SIZE = 1 << 20;
// 16 MiB of read-ahead: the inflating thread keeps going through the caller's pauses (a hash
// back-log, a garbage collection); 4 slots left it waiting and cost 0.2-0.3 s of 7 on 2 GB.
const SLOTS = 16;
const READ_SIZE = 1 << 20;
const INFLATE_AHEAD = 2 << 20;

/** How the worker drives zlib: through the handle when it can (the default), or the stream API. */
export type InflateEngine = 'handle' | 'stream';

/** A gzip file read through inflateOnWorker(): an open descriptor the caller keeps and closes. */
export interface GzipFileInput {
  readonly gzipFd: number;
  readonly size: number;
  /** Tests force 'stream' to cover the fallback. */
  readonly engine?: InflateEngine;
  /** Slots in the ring (default SLOTS); tests use few, so that a small input wraps around. */
  readonly ringSlots?: number;
}

export function isGzipFileInput(x: unknown): x is GzipFileInput {
  return typeof x === 'object' && x !== null && typeof (x as GzipFileInput).gzipFd === 'number';
}

// The ring is run through shared counters, not messages (a message costs a thread wake-up
// each): ctl[PRODUCED] slots filled so far (the worker), ctl[CONSUMED] slots handed back (the
// caller), ctl[DONE] set once the worker posted its last message; slot i's length is ctl[LEN + i]
// and the input bytes consumed when it was filled inBytes[i]. Slot n of the stream is slot
// n % slots of the ring. Each side waits only when the ring is full or empty. Messages out, once:
// { end, tar, input, inBytes, tarBytes } (hex digests) or { error: { message, code } }.
// Node 20 has Atomics.waitAsync; the ES2022 lib we compile against does not declare it.
const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<unknown> | string } }).waitAsync;
const PRODUCED = 0;
const CONSUMED = 1;
const DONE = 2;
const LEN = 4;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createReadStream, readSync } = require('node:fs');
const zlib = require('node:zlib');
const { createHash } = require('node:crypto');
const { fd, ring, ctlBuffer, inBuffer, slotSize, slots, readSize, ahead, inputDigest, engine } = workerData;
const bytes = new Uint8Array(ring);
const ctl = new Int32Array(ctlBuffer);
const slotIn = new Float64Array(inBuffer);
const tarHash = createHash('sha256');
const inHash = inputDigest ? createHash('sha256') : undefined;
let inBytes = 0;
let tarBytes = 0;
let produced = 0;
function take() {
  // Blocks this thread while the ring is full.
  for (;;) {
    const consumed = Atomics.load(ctl, ${CONSUMED});
    if (produced - consumed < slots) return produced % slots;
    Atomics.wait(ctl, ${CONSUMED}, consumed, 50);
  }
}
function publish(slot, length) {
  ctl[${LEN} + slot] = length;
  slotIn[slot] = inBytes;
  Atomics.store(ctl, ${PRODUCED}, ++produced);
  Atomics.notify(ctl, ${PRODUCED});
}
function finish(message) {
  parentPort.postMessage(message);
  Atomics.store(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${PRODUCED});
}
function ended() {
  return { end: true, tar: tarHash.digest('hex'), input: inHash ? inHash.digest('hex') : undefined, inBytes, tarBytes };
}

// The zlib handle inflates into the slot in place. writeSync reports a zlib error by calling
// handle.onerror(message, errno, code) before it returns (taken over here, so the stream does
// not close the handle under us); _writeState holds [availOut, availIn] after each call.
function handleOf(z) {
  const h = z._handle;
  return h && typeof h.writeSync === 'function' && typeof h.onerror === 'function' && z._writeState instanceof Uint32Array ? h : undefined;
}
function inflateInPlace(z, handle) {
  const state = z._writeState;
  let failure;
  handle.onerror = (message, errno, code) => {
    failure = failure || Object.assign(new Error(String(message)), { errno, code });
  };
  const input = Buffer.allocUnsafe(readSize);
  let inOff = 0;
  let inLen = 0;
  let eof = false;
  let slot = take();
  let pos = 0;
  for (;;) {
    if (inLen === 0 && !eof) {
      const n = readSync(fd, input, 0, readSize, inBytes);
      if (n === 0) eof = true;
      else {
        if (inHash) inHash.update(input.subarray(0, n));
        inBytes += n;
        inOff = 0;
        inLen = n;
      }
    }
    const at = slot * slotSize + pos;
    const room = slotSize - pos;
    handle.writeSync(eof ? zlib.constants.Z_FINISH : zlib.constants.Z_NO_FLUSH, input, inOff, inLen, bytes, at, room);
    if (failure) throw failure;
    const availOut = state[0];
    const availIn = state[1];
    const got = room - availOut;
    if (got > 0) {
      tarHash.update(bytes.subarray(at, at + got));
      pos += got;
      tarBytes += got;
    }
    inOff += inLen - availIn;
    inLen = availIn;
    if (pos === slotSize) {
      publish(slot, pos);
      slot = take();
      pos = 0;
    }
    // Room left over means zlib wants more input; with input left too, the gzip stream ended
    // (what follows it is ignored, as the stream API does); at the end of the file, it is done.
    if (availOut > 0 && (eof || inLen > 0)) break;
  }
  if (pos > 0) publish(slot, pos);
}
async function inflateStreamed(z) {
  const input = createReadStream(null, { fd, start: 0, autoClose: false, highWaterMark: readSize });
  input.on('data', (c) => {
    inBytes += c.length;
    if (inHash) inHash.update(c);
  });
  input.on('error', (e) => z.destroy(e));
  input.pipe(z);
  let slot = -1;
  let pos = 0;
  for await (const c of z) {
    tarHash.update(c);
    tarBytes += c.length;
    let done = 0;
    while (done < c.length) {
      if (slot < 0) {
        slot = take();
        pos = 0;
      }
      const n = Math.min(c.length - done, slotSize - pos);
      bytes.set(c.subarray(done, done + n), slot * slotSize + pos);
      pos += n;
      done += n;
      if (pos === slotSize) {
        publish(slot, pos);
        slot = -1;
      }
    }
  }
  if (slot >= 0 && pos > 0) publish(slot, pos);
}
async function run() {
  if (engine !== 'stream') {
    const z = zlib.createGunzip();
    const handle = handleOf(z);
    if (handle) {
      try {
        return inflateInPlace(z, handle);
      } finally {
        z.close();
      }
    }
    z.close();
  }
  return inflateStreamed(zlib.createGunzip({ chunkSize: 256 * 1024, readableHighWaterMark: ahead }));
}
run().then(
  () => finish(ended()),
  (e) => finish({ error: { message: String((e && e.message) || e), code: e && e.code } }),
);
`;

interface EndMessage {
  end: true;
  tar: string;
  input: string | undefined;
  inBytes: number;
  tarBytes: number;
}
interface ErrorMessage {
  error: { message: string; code?: string };
}
type Message = EndMessage | ErrorMessage;

export interface InflatedInput {
  compression: Promise<Compression>;
  /** Tar bytes: views into a shared slot, valid until the next chunk is pulled (copy what you keep). */
  chunks: AsyncGenerator<Buffer>;
  compressed: { hash?: StreamDigest; bytes: number };
  uncompressed: { hash?: StreamDigest; bytes: number };
  close(): void;
}

/** A digest the worker computes: hex() waits for the end of the input. */
function pendingDigest(ended: Promise<EndMessage>, which: 'tar' | 'input'): StreamDigest {
  return {
    update: () => undefined,
    hex: async () => (await ended)[which]!,
    close: () => {},
  };
}

/**
 * Inflates `input` on a worker thread. `digests`: take the tar's sha256 (the diffID);
 * `inputDigest`: also the input's. `onInput` is called with the input bytes consumed so far.
 */
export function inflateOnWorker(input: GzipFileInput, onInput?: (bytes: number) => void, digests = true, inputDigest = false): InflatedInput {
  const slots = input.ringSlots ?? SLOTS;
  const ring = new SharedArrayBuffer(SLOT_SIZE * slots);
  let resolveEnd!: (m: EndMessage) => void;
  let rejectEnd!: (e: unknown) => void;
  const ended = new Promise<EndMessage>((res, rej) => {
    resolveEnd = res;
    rejectEnd = rej;
  });
  ended.catch(() => {});
  const compressed: InflatedInput['compressed'] = { bytes: 0 };
  const uncompressed: InflatedInput['uncompressed'] = { bytes: 0 };
  if (digests) uncompressed.hash = pendingDigest(ended, 'tar');
  if (digests && inputDigest) compressed.hash = pendingDigest(ended, 'input');

  let worker: Worker | undefined;
  const stop = (): void => {
    const w = worker;
    worker = undefined;
    if (w) void w.terminate();
  };

  async function* run(): AsyncGenerator<Buffer> {
    const ctlBuffer = new SharedArrayBuffer(4 * (LEN + slots));
    const ctl = new Int32Array(ctlBuffer);
    const inBuffer = new SharedArrayBuffer(8 * slots);
    const slotIn = new Float64Array(inBuffer);
    const views = Array.from({ length: slots }, (_, i) => Buffer.from(ring, i * SLOT_SIZE, SLOT_SIZE));
    let last: Message | undefined;
    let wake: (() => void) | undefined;
    const deliver = (m: Message): void => {
      last ??= m;
      const w = wake;
      wake = undefined;
      w?.();
    };
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { fd: input.gzipFd, ring, ctlBuffer, inBuffer, slotSize: SLOT_SIZE, slots, readSize: READ_SIZE, ahead: INFLATE_AHEAD, inputDigest, engine: input.engine ?? 'handle' },
    });
    worker = w;
    w.on('message', deliver);
    w.on('error', (e) => deliver({ error: { message: e.message, code: (e as NodeJS.ErrnoException).code } }));
    w.on('exit', () => deliver({ error: { message: 'the inflating worker thread ended early' } }));
    let taken = 0;
    try {
      for (;;) {
        if (taken > 0) {
          // the previous slot is done with: hand it back
          Atomics.store(ctl, CONSUMED, taken);
          Atomics.notify(ctl, CONSUMED);
        }
        let produced = Atomics.load(ctl, PRODUCED);
        while (produced === taken && (Atomics.load(ctl, DONE) === 0 || !last)) {
          if (last && 'error' in last) break;
          const waiting = waitAsync(ctl, PRODUCED, produced);
          if (waiting.async) {
            const woken = new Promise<void>((r) => (wake = r));
            await Promise.race([waiting.value as Promise<unknown>, woken]);
          }
          produced = Atomics.load(ctl, PRODUCED);
        }
        if (produced === taken) {
          const m = last!;
          if ('error' in m) {
            const { message, code } = m.error;
            if (code?.startsWith('Z_')) throw corrupt(`gzip data is corrupt: ${message}`);
            throw fromNodeError(Object.assign(new Error(message), code ? { code } : {}));
          }
          compressed.bytes = m.inBytes;
          uncompressed.bytes = m.tarBytes;
          resolveEnd(m);
          return;
        }
        const slot = taken % slots;
        const length = ctl[LEN + slot]!;
        taken++;
        compressed.bytes = slotIn[slot]!;
        uncompressed.bytes += length;
        onInput?.(compressed.bytes);
        yield length === SLOT_SIZE ? views[slot]! : views[slot]!.subarray(0, length);
      }
    } catch (e) {
      rejectEnd(e);
      throw e;
    } finally {
      rejectEnd(new Error('the tar was not read to the end'));
      stop();
    }
  }

  return {
    compression: Promise.resolve('gzip'),
    chunks: run(),
    compressed,
    uncompressed,
    close: stop,
  };
}
