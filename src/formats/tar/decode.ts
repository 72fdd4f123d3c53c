// Windows layer tar (plain, gzip or zstd) -> AsyncIterable<Entry>, following go-winio's
// FileInfoFromHeader / WriteBackupStreamFromTarFile and hcsshim's import loop (spec 1.3-1.10),
// with the digests of the compressed input and of the tar (the diffID) taken on the same pass.
//
// Decisions on the points spec section 8 leaves open (reading side):
//  8.1  ADS names: `file:stream` and `file:stream:$DATA` are both accepted; the stream name is
//       reported without `:$DATA`; any other stream type (`file:s:$FOO`) is Corrupt.
//  8.2  EAs (`MSWINDOWS.xattr.*`) are returned sorted by key (byte order), not in random map
//       order, so decoding is deterministic and re-encoding is byte-identical.
//  8.3  A missing `atime`/`ctime` becomes the entry's LastWriteTime, not the reference's
//       1754-08-30 value (GO_ZERO_TIME_FILETIME), which is an overflow artefact. A missing
//       `LIBARCHIVE.creationtime` becomes LastWriteTime, as in the reference.
//  8.4  Opaque markers `.wh..wh..opq` are not special: like the reference they yield a whiteout
//       of a child literally named `.wh..opq`.
//  8.5  `MSWINDOWS.sd` (SDDL, pre-2016 writers) is converted with src/formats/backup's sddlToSd
//       (or the caller's `sddlToSecurityDescriptor`); SDDL that does not parse is Corrupt,
//       naming the entry. `MSWINDOWS.rawsd` wins when both are present.
//  8.6  Only the presence of `MSWINDOWS.mountpoint` matters; its value is ignored.
//  8.14 Missing `MSWINDOWS.fileattr` means 0, or FILE_ATTRIBUTE_DIRECTORY for a directory.
//  8.17 A backslash in a tar name is not a separator here: path safety (paths.ts) rejects it.
// Other reading decisions: a leading `./` is stripped and the entry `./` itself skipped; a
// trailing `/` is stripped (and makes a typeflag-0 entry a directory); typeflag `\0` and `7`
// are regular files; `3`, `4`, `6` become empty files (as in the reference); PAX global
// headers are skipped (reader.ts); GNU sparse entries are Unsupported; an archive that ends
// without the two zero blocks is accepted (Go and GNU tar do too). Times use the reference's
// 64-bit arithmetic, so a FILETIME 0 written by go-winio reads back as 184467440737095516
// (year 2185), exactly as hcsshim would import it.
//
// Entry data: `data` is a non-enumerable getter creating the Readable on first use, so a
// listing that never touches it skips the bytes (by position for plain tar files). It is valid
// until the next entry is requested; unread bytes are then skipped.

import { Readable } from 'node:stream';
import { WcError } from '../../errors.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { offerPlainData, type Entry } from '../entry.js';
import { ByteSource } from './byte-source.js';
import { decompressInput, type Compression, type RandomAccessInput } from './compression.js';
import type { GzipFileInput } from './inflate-worker.js';
import { EntrySequence, entrySource, recordToEntry, type EntryOptions } from './entries.js';
import { TarReader, type TarRecord } from './reader.js';

export { entrySource, type EntrySource } from './entries.js';

export interface DecodeOptions extends TaskOptions, EntryOptions {
  /** Size of the input in bytes, for progress percentages. */
  inputSize?: number;
  /** Compute the sha256 digests (default true); without them a plain tar file is read by position. */
  digests?: boolean;
  /** With digests, also the digest of the input as given (default true; only a blob-digest check needs it). */
  inputDigest?: boolean;
  /**
   * The consumer is done with each data chunk before it pulls the next one or the next entry
   * (writeEntries: it awaits each write). Chunks may then be views into memory the decoder
   * reuses (no copy), and data streams read nothing ahead.
   */
  transientData?: boolean;
}

export interface DecodeResult {
  compression: Compression;
  /** `sha256:<hex>` of the input bytes as given (the layer blob digest); absent with digests or inputDigest false. */
  compressedDigest?: string;
  compressedSize: number;
  /** `sha256:<hex>` of the uncompressed tar (the diffID); absent with digests: false. */
  diffId?: string;
  tarSize: number;
  entries: number;
}

export interface DecodedTar {
  entries: AsyncIterable<Entry>;
  /** Settles when the iteration has ended: the digests, or the error that ended it. */
  result: Promise<DecodeResult>;
}

const DATA_CHUNK = 256 * 1024;

export function decodeLayerTar(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | RandomAccessInput | GzipFileInput, options: DecodeOptions = {}): DecodedTar {
  let resolve!: (r: DecodeResult) => void;
  let reject!: (e: unknown) => void;
  const result = new Promise<DecodeResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  result.catch(() => {}); // the caller may only care about the entries
  let entriesDone = 0;
  const progress = options.onProgress;
  const digests = options.digests !== false;
  const onInput = (bytes: number) => {
    throwIfCancelled(options.signal, 'reading the tar'); // also inside one huge entry
    progress?.({ bytesDone: bytes, bytesTotal: options.inputSize, entriesDone });
  };
  const decompressed = decompressInput(input, onInput, digests, options.inputDigest !== false);

  async function* run(): AsyncGenerator<Entry> {
    // skipAhead is looked up late: it exists only once the input turned out to be a plain tar
    const src = new ByteSource(decompressed.chunks, {
      skipAhead: (n) => decompressed.seek?.skipAhead(n) ?? 0,
      reusesChunks: () => decompressed.seek !== undefined || decompressed.reusesChunks === true,
      transientData: options.transientData === true,
    });
    const reader = new TarReader(src);
    const state: DataState = { generation: 0, inflight: undefined };
    // Validation runs inside this loop (not as a wrapping stage) so its error is also the
    // result's rejection reason.
    const sequence = new EntrySequence(options);
    const highWaterMark = options.transientData ? 0 : DATA_CHUNK;
    const attach = (entry: { size: number; data?: Readable }, rec: TarRecord) => attachData(entry as Entry & typeof entry, reader, state, rec.name, highWaterMark);
    let settled = false;
    try {
      for (;;) {
        throwIfCancelled(options.signal, 'reading the tar');
        state.generation++;
        if (state.inflight) await state.inflight;
        const rec = await reader.next();
        if (!rec) break;
        const entry = recordToEntry(rec, options, attach);
        if (!entry) continue;
        sequence.accept(entry, rec);
        entriesDone = sequence.count;
        entrySource.set(entry, { offset: rec.offset, typeflag: rec.typeflag });
        yield entry;
      }
      state.generation++;
      if (state.inflight) await state.inflight;
      await src.drain();
      const compression = await decompressed.compression;
      const c = decompressed.compressed;
      const u = compression === 'none' ? c : decompressed.uncompressed;
      const r: DecodeResult = { compression, compressedSize: c.bytes, tarSize: u.bytes, entries: entriesDone };
      if (c.hash) r.compressedDigest = `sha256:${await c.hash.hex()}`;
      if (digests) r.diffId = compression === 'none' && r.compressedDigest ? r.compressedDigest : `sha256:${await decompressed.uncompressed.hash!.hex()}`;
      progress?.({ bytesDone: c.bytes, bytesTotal: options.inputSize ?? c.bytes, entriesDone });
      settled = true;
      resolve(r);
    } catch (e) {
      settled = true;
      reject(e);
      throw e;
    } finally {
      if (!settled) reject(new WcError('Cancelled', 'the tar was not read to the end, so it has no digests'));
      await decompressed.chunks.return(undefined);
      decompressed.close();
    }
  }
  return { entries: run(), result };
}

interface DataState {
  generation: number;
  inflight: Promise<void> | undefined;
}

/** A Readable over the current record's data, valid until the next entry is requested. */
function dataStream(reader: TarReader, state: DataState, name: string, highWaterMark: number): Readable {
  const generation = state.generation;
  let reading = false;
  const r = new Readable({
    highWaterMark,
    read() {
      if (reading) return;
      reading = true;
      state.inflight = (async () => {
        try {
          for (;;) {
            if (state.generation !== generation) {
              r.destroy(new WcError('FailedPrecondition', `${name}: data read after the next entry was requested`));
              return;
            }
            const b = await reader.readData(DATA_CHUNK);
            if (!b) {
              r.push(null);
              return;
            }
            if (!r.push(b)) return;
          }
        } catch (e) {
          r.destroy(e as Error);
        } finally {
          reading = false;
        }
      })();
    },
  });
  return r;
}

/** The current record's data as plain chunks (offerPlainData), valid until the next entry is requested. */
async function* dataChunks(reader: TarReader, state: DataState, name: string, generation: number): AsyncGenerator<Uint8Array> {
  for (;;) {
    if (state.generation !== generation) throw new WcError('FailedPrecondition', `${name}: data read after the next entry was requested`);
    const b = await reader.readData(DATA_CHUNK);
    if (!b) return;
    yield b;
  }
}

function attachData(entry: Entry & { size: number; data?: Readable }, reader: TarReader, state: DataState, name: string, highWaterMark: number): void {
  if (entry.size === 0) return;
  let stream: Readable | undefined;
  let chunks = false;
  Object.defineProperty(entry, 'data', {
    enumerable: false,
    configurable: true,
    get: () => {
      if (chunks) throw new WcError('FailedPrecondition', `${name}: data already read as plain chunks`);
      return (stream ??= dataStream(reader, state, name, highWaterMark));
    },
  });
  offerPlainData(entry, () => {
    if (stream || chunks) return undefined;
    chunks = true;
    return dataChunks(reader, state, name, state.generation);
  });
}

