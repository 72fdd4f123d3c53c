// tar (plain, gzip or zstd) → layer, in one pass: the decoder hashes the tar (diffID), and the
// input (blob digest) when asked, while the entries stream into the format's writer. The writer
// stages the layer beside layerPath and renames it into place only on close(), which happens after the
// diffID has been checked against expectedDiffId, so a bad tar, a digest mismatch, a failed
// write or a cancellation leaves nothing at layerPath nor any staging folder.
// After the layer is in place its layerchain.json is written (moby windowsfilter convention).

import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { WcError, fromNodeError, invalidArgument } from '../errors.js';
import { decodeLayerTar, detectCompression, type Compression } from '../formats/tar/index.js';
import type { GzipFileInput } from '../formats/tar/inflate-worker.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';
import { layerFormat, type LayerFormatName } from './formats.js';
import { writeLayerChain } from './layerchain.js';
import { writeEntries } from './writer.js';

export interface ImportLayerOptions extends TaskOptions {
  /** The layer tar: a file path, or a stream of its bytes (stdin, a socket …). */
  input: Readable | string;
  /** Where the new layer goes; must not exist. */
  layerPath: string;
  /** Parent layer folders, nearest parent first, base last. None: a base layer. */
  parents?: readonly string[];
  /** Default 'legacy'. */
  format?: LayerFormatName;
  /** `sha256:<hex>`: the layer is kept only when the tar's diffID is this. */
  expectedDiffId?: string;
  /** Also compute the blob digest (sha256 of the input as given): a second hash of every input byte, so off by default. */
  blobDigest?: boolean;
}

export interface ImportLayerResult {
  layerPath: string;
  format: LayerFormatName;
  parents: string[];
  /** `sha256:` of the uncompressed tar. */
  diffId: string;
  /** `sha256:` of the input as given (the blob digest); only with blobDigest. */
  compressedDigest?: string;
  compression: Compression;
  /** Entries written (files, directories, streams, links, whiteouts). */
  entries: number;
  /** Data bytes written (default and alternate streams). */
  bytes: number;
  tarSize: number;
  compressedSize: number;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** gzip files from this size on are inflated on a worker thread (starting one costs ~30 ms). */
export const WORKER_INFLATE_MIN = 1 << 20;

async function isGzipFile(fh: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  const { bytesRead } = await fh.read(head, 0, 2, 0); // by position: the stream still starts at 0
  return detectCompression(head.subarray(0, bytesRead)) === 'gzip';
}

/** Checks that every parent is an existing folder; returns their full paths. */
export async function resolveParents(parents: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const p of parents) {
    if (typeof p !== 'string' || !p) throw invalidArgument('parent layer paths must be non-empty strings', { parameter: 'parents' });
    const full = resolve(p);
    const st = await stat(full).catch(() => undefined);
    if (!st?.isDirectory()) throw new WcError('NotFound', `cannot create layer with missing parent ${full}`, { path: full });
    out.push(full);
  }
  return out;
}

export async function importLayer(options: ImportLayerOptions): Promise<ImportLayerResult> {
  const { signal, onProgress } = options;
  if (!options.layerPath) throw invalidArgument('a layer path is required', { parameter: 'layerPath' });
  const layerPath = resolve(options.layerPath);
  const formatName = options.format ?? 'legacy';
  const format = layerFormat(formatName);
  const expected = options.expectedDiffId?.toLowerCase();
  if (expected !== undefined && !DIGEST.test(expected)) {
    throw invalidArgument(`expected diffID '${options.expectedDiffId}' is not of the form sha256:<64 hex digits>`, { parameter: 'expectedDiffId' });
  }
  const parents = await resolveParents(options.parents);
  throwIfCancelled(signal, 'importing the layer');

  let fh: FileHandle | undefined;
  let input: Readable | GzipFileInput;
  let inputSize: number | undefined;
  if (typeof options.input === 'string') {
    const file = resolve(options.input);
    try {
      fh = await open(file, 'r');
      const st = await fh.stat();
      if (st.isDirectory()) throw invalidArgument(`${file} is a directory, not a layer tar`, { path: file });
      inputSize = st.size;
      input = st.isFile() && st.size >= WORKER_INFLATE_MIN && (await isGzipFile(fh)) ? { gzipFd: fh.fd, size: st.size } : fh.createReadStream({ highWaterMark: 1 << 20 });
    } catch (e) {
      await fh?.close();
      throw fromNodeError(e, file);
    }
  } else {
    input = options.input;
  }

  try {
    const writer = await format.create(layerPath, { parents, ...(signal ? { signal } : {}) });
    const decoded = decodeLayerTar(input, { signal, inputSize, onProgress, inputDigest: options.blobDigest === true, transientData: true }); // writeEntries awaits each write
    const written = await writeEntries(writer, decoded.entries, { signal, close: false }); // aborts the writer on error
    let r;
    try {
      r = await decoded.result;
      throwIfCancelled(signal, 'importing the layer');
      if (expected !== undefined && r.diffId !== expected) {
        throw new WcError('DigestMismatch', `the layer tar's diffID is ${r.diffId}, expected ${expected}; the layer was not kept`, {
          expected,
          actual: r.diffId,
          path: layerPath,
        });
      }
      await writer.close();
    } catch (e) {
      await writer.abort().catch(() => undefined);
      throw e;
    }
    try {
      await writeLayerChain(layerPath, parents);
    } catch (e) {
      await rm(layerPath, { recursive: true, force: true });
      throw e;
    }
    return {
      layerPath,
      format: format.name,
      parents,
      diffId: r.diffId!,
      ...(r.compressedDigest ? { compressedDigest: r.compressedDigest } : {}),
      compression: r.compression,
      entries: written.entries,
      bytes: written.bytes,
      tarSize: r.tarSize,
      compressedSize: r.compressedSize,
    };
  } finally {
    if ('destroyed' in input && !input.destroyed && typeof options.input === 'string') input.destroy();
    await fh?.close().catch(() => undefined);
  }
}
