// The LayerWriter contract, shaped like hcsshim's internal/wclayer LayerWriter, and
// writeEntries(), which drives any writer from an Entry stream.
//
// hcsshim's Write takes a Win32 backup stream carrying SD, EAs, reparse data and ADS. Here the
// metadata travels in FileInfo (as in the Entry model) and write() carries only the bytes of
// the current data stream: the default stream after add(), or an alternate stream after
// addAlternateStream(). Implementations: the legacy/base writer (src/layer/legacy/) and, later,
// the CIM writer. test/layer/writer-contract.ts is the behaviour every implementation passes.

import { plainDataOf, type Entry, type FileEntry, type FileInfo, type LayerPath, type StreamEntry } from '../formats/entry.js';
import { WcError, invalidArgument, isWcError } from '../errors.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';

export interface LayerWriter {
  /**
   * Starts a file or directory (FILE_ATTRIBUTE_DIRECTORY in info.attributes decides). For a
   * file, `size` is the length of its default data stream when known; write() then must
   * deliver exactly that many bytes before the next call.
   */
  add(path: LayerPath, info: FileInfo, size?: number): Promise<void>;
  /** Adds `path` as another name of `target` (added earlier, or for non-base layers, in a parent). */
  addLink(path: LayerPath, target: LayerPath): Promise<void>;
  /** Starts alternate stream `name` of the file (or directory) added just before. */
  addAlternateStream(path: LayerPath, name: string, size?: number): Promise<void>;
  /** Records the deletion of `path` from the layers below (a whiteout / tombstone). */
  remove(path: LayerPath): Promise<void>;
  /** Data of the current stream. Resolves when the bytes are handed to the OS: await it (back-pressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the layer; it exists at its final path only once this resolves. */
  close(): Promise<void>;
  /** Gives up: removes everything written so far. Safe to call any time, more than once. */
  abort(): Promise<void>;
}

export interface WriteEntriesOptions extends TaskOptions {
  /** Call writer.close() after the last entry (default true). Pass false to close it yourself, e.g. after checking a digest. */
  close?: boolean;
}

export interface WriteEntriesResult {
  entries: number;
  /** Bytes of data written (default and alternate streams). */
  bytes: number;
}

const PROGRESS_EVERY = 64;

/**
 * Feeds every entry to `writer` in order, streaming each entry's data with back-pressure.
 * Cancellation is checked between entries and between data chunks. On any error (bad entry,
 * writer refusal, source failure, cancellation) the writer is aborted, so nothing is left,
 * and the error is rethrown.
 */
export async function writeEntries(writer: LayerWriter, entries: AsyncIterable<Entry> | Iterable<Entry>, options: WriteEntriesOptions = {}): Promise<WriteEntriesResult> {
  const { signal, onProgress } = options;
  const done: WriteEntriesResult = { entries: 0, bytes: 0 };
  const report = (message?: string): void => onProgress?.({ entriesDone: done.entries, bytesDone: done.bytes, ...(message ? { message } : {}) });
  try {
    for await (const entry of entries) {
      throwIfCancelled(signal, 'writing the layer');
      await writeOne(writer, entry, done, signal);
      done.entries++;
      if (done.entries % PROGRESS_EVERY === 0) report(entry.path);
    }
    throwIfCancelled(signal, 'writing the layer');
    if (options.close !== false) await writer.close();
  } catch (e) {
    await writer.abort().catch(() => undefined);
    throw isWcError(e) ? e : new WcError('Internal', `writing the layer failed: ${(e as Error)?.message ?? String(e)}`, {}, { cause: e });
  }
  report();
  return done;
}

async function writeOne(writer: LayerWriter, entry: Entry, done: WriteEntriesResult, signal: AbortSignal | undefined): Promise<void> {
  switch (entry.kind) {
    case 'directory':
      if (!(entry.info.attributes & 0x10)) throw invalidArgument(`directory entry ${entry.path} lacks FILE_ATTRIBUTE_DIRECTORY in its attributes`, { entry: entry.path });
      return writer.add(entry.path, entry.info);
    case 'file':
      if (entry.info.attributes & 0x10) {
        entry.data?.destroy();
        throw invalidArgument(`file entry ${entry.path} has FILE_ATTRIBUTE_DIRECTORY in its attributes`, { entry: entry.path });
      }
      await writer.add(entry.path, entry.info, entry.size);
      return pump(writer, entry, done, signal);
    case 'stream':
      await writer.addAlternateStream(entry.path, entry.name, entry.size);
      return pump(writer, entry, done, signal);
    case 'link':
      return writer.addLink(entry.path, entry.target);
    case 'whiteout':
      return writer.remove(entry.path);
    default:
      throw invalidArgument(`unknown entry kind '${(entry as { kind: unknown }).kind}'`);
  }
}

async function pump(writer: LayerWriter, entry: FileEntry | StreamEntry, done: WriteEntriesResult, signal: AbortSignal | undefined): Promise<void> {
  // Each entry's data is read to the end before the next, so plain chunks do where offered.
  const plain = entry.size > 0 ? plainDataOf(entry) : undefined;
  const stream = plain ? undefined : entry.data;
  const chunks = plain ?? stream;
  if (!chunks) return;
  try {
    for await (const chunk of chunks as AsyncIterable<Uint8Array | string>) {
      throwIfCancelled(signal, 'writing the layer');
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      await writer.write(bytes);
      done.bytes += bytes.length;
    }
  } finally {
    if (stream && !stream.destroyed) stream.destroy();
  }
}
