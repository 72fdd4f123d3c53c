// An Entry stream written out as a Windows layer tar (plain, gzip or zstd) to a file (staged to
// a temporary name, renamed on success), to a Writable (with back-pressure), or to nowhere
// (only the digests are wanted), with the diffID and the blob digest taken on the way.
// Shared by export, `wclayer sample` and layer verification.

import { createHash, type Hash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { WcError, cancelled, fromNodeError, isWcError } from '../errors.js';
import type { Entry } from '../formats/entry.js';
import { compressChunks, encodeLayerTarChunks, type Compression } from '../formats/tar/index.js';
import { writeFileAtomic } from '../hive/index.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';

export interface LayerTarOutputOptions extends TaskOptions {
  /** A file path (staged, renamed on success), a Writable (not ended), or null to discard the bytes. */
  output: string | Writable | null;
  compression?: Compression;
  /** gzip 1-9 (default 6), zstd 1-19 (default 3). */
  level?: number;
  /** Replace an existing output file (default false: AlreadyExists). */
  overwrite?: boolean;
}

export interface LayerTarOutputResult {
  /** `sha256:` of the uncompressed tar. */
  diffId: string;
  /** `sha256:` of the bytes written (equals diffId without compression). */
  compressedDigest: string;
  compression: Compression;
  /** Bytes written to the output. */
  bytes: number;
  /** Bytes of the uncompressed tar. */
  tarSize: number;
  entries: number;
  /** The output file's full path, when the output was a file. */
  output?: string;
}

async function* hashing(chunks: AsyncIterable<Uint8Array>, hash: Hash, count: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) {
    hash.update(c);
    count.bytes += c.length;
    yield c;
  }
}

async function* counting(entries: AsyncIterable<Entry>, count: { entries: number }): AsyncGenerator<Entry> {
  for await (const e of entries) {
    count.entries++;
    yield e;
  }
}

/** Writes every chunk to `out`, waiting for 'drain' when it is full; rejects on the stream's error. */
export async function writeToStream(chunks: AsyncIterable<Uint8Array>, out: Writable, signal?: AbortSignal): Promise<void> {
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const onError = (e: Error) => {
    // `wclayer export | head`: the reader left; say so plainly rather than as an internal error
    failure = (e as NodeJS.ErrnoException).code === 'EPIPE' ? new WcError('Cancelled', 'the reader of the output went away (broken pipe)') : e;
    wake?.();
  };
  const onDrain = () => wake?.();
  out.on('error', onError);
  out.on('drain', onDrain);
  out.on('close', onDrain);
  signal?.addEventListener('abort', onDrain);
  try {
    for await (const c of chunks) {
      if (failure) throw failure;
      if (out.destroyed || out.writableEnded) throw new WcError('FailedPrecondition', 'the output stream was closed before the layer tar was written');
      if (!out.write(c)) {
        await new Promise<void>((res) => {
          wake = res;
          if (failure || !out.writableNeedDrain || out.destroyed) res();
        });
        wake = undefined;
        throwIfCancelled(signal, 'writing the layer tar');
      }
    }
    if (failure) throw failure;
  } finally {
    out.off('error', onError);
    out.off('drain', onDrain);
    out.off('close', onDrain);
    signal?.removeEventListener('abort', onDrain);
  }
}

/** Encodes `entries` as a layer tar into options.output; see LayerTarOutputOptions. */
export async function writeLayerTar(entries: AsyncIterable<Entry>, options: LayerTarOutputOptions): Promise<LayerTarOutputResult> {
  const compression = options.compression ?? 'none';
  if (!['none', 'gzip', 'zstd'].includes(compression)) throw new WcError('InvalidArgument', `unknown compression '${String(compression)}' (expected none, gzip or zstd)`, { parameter: 'compression' });
  const tarHash = createHash('sha256');
  const outHash = createHash('sha256');
  const tarCount = { bytes: 0 };
  const outCount = { bytes: 0 };
  const entryCount = { entries: 0 };
  const report = options.onProgress;
  const tar = encodeLayerTarChunks(counting(entries, entryCount), {
    signal: options.signal,
    onProgress: report ? (p) => report({ ...p, bytesDone: tarCount.bytes }) : undefined,
  });
  const compressed = compressChunks(hashing(tar, tarHash, tarCount), compression, options.level);
  const out = hashing(compressed, outHash, outCount);
  let output: string | undefined;
  try {
    if (typeof options.output === 'string') {
      output = resolve(options.output);
      await writeFileAtomic(output, out, { overwrite: options.overwrite ?? false });
    } else if (options.output === null) {
      for await (const c of out) void c;
    } else {
      await writeToStream(out, options.output, options.signal);
    }
    throwIfCancelled(options.signal, 'writing the layer tar');
  } catch (e) {
    if (options.signal?.aborted) throw isWcError(e) && e.code === 'Cancelled' ? e : cancelled('writing the layer tar was cancelled');
    throw isWcError(e) ? e : fromNodeError(e, output ?? 'output');
  }
  const diffId = `sha256:${tarHash.digest('hex')}`;
  const compressedDigest = `sha256:${outHash.digest('hex')}`;
  report?.({ entriesDone: entryCount.entries, bytesDone: tarCount.bytes });
  return { diffId, compressedDigest, compression, bytes: outCount.bytes, tarSize: tarCount.bytes, entries: entryCount.entries, ...(output ? { output } : {}) };
}
