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
import { corrupt, WcError } from '../../errors.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { FILE_ATTRIBUTE, type Entry, type ExtendedAttribute, type FileInfo, type LinkEntry } from '../entry.js';
import { paxTimeToFiletime, unixNsToFiletime } from '../backup/filetime.js';
import { encodeReparsePoint } from '../backup/reparse.js';
import { sddlToSd } from '../backup/sddl.js';
import { ByteSource } from './byte-source.js';
import { decompressInput, type Compression, type RandomAccessInput } from './compression.js';
import { TYPE } from './header.js';
import { TarReader, type TarRecord } from './reader.js';
import { checkLayerPath, EntryValidator, type ValidateOptions } from './paths.js';
import { KEY, WHITEOUT_PREFIX, compareUtf8 } from './windows.js';

export interface DecodeOptions extends TaskOptions {
  /** Converts a legacy `MSWINDOWS.sd` SDDL string to a self-relative security descriptor (default sddlToSd). */
  sddlToSecurityDescriptor?: (sddl: string) => Uint8Array;
  /** Size of the input in bytes, for progress percentages. */
  inputSize?: number;
  /** Compute the sha256 digests (default true); without them a plain tar file is read by position. */
  digests?: boolean;
  /** Run the path-safety validator (paths.ts) over the entries (default true). */
  validate?: boolean;
  validateOptions?: ValidateOptions;
}

export interface DecodeResult {
  compression: Compression;
  /** `sha256:<hex>` of the input bytes as given (the layer blob digest); absent with digests: false. */
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

/** Extra facts about where an entry came from, for listings (not part of the Entry model). */
export interface EntrySource {
  offset: number;
  typeflag: number;
}
export const entrySource = new WeakMap<Entry, EntrySource>();

const DATA_CHUNK = 256 * 1024;

export function decodeLayerTar(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | RandomAccessInput, options: DecodeOptions = {}): DecodedTar {
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
  const decompressed = decompressInput(input, onInput, digests);

  async function* run(): AsyncGenerator<Entry> {
    // skipAhead is looked up late: it exists only once the input turned out to be a plain tar
    const src = new ByteSource(decompressed.chunks, { skipAhead: (n) => decompressed.seek?.skipAhead(n) ?? 0, reusesChunks: () => decompressed.seek !== undefined });
    const reader = new TarReader(src);
    const state: DataState = { generation: 0, inflight: undefined };
    // Validation runs inside this loop (not as a wrapping stage) so its error is also the
    // result's rejection reason.
    const validator = options.validate === false ? undefined : new EntryValidator(options.validateOptions);
    let settled = false;
    try {
      let group: string | undefined; // path of the last file/directory, for ADS grouping
      for (;;) {
        throwIfCancelled(options.signal, 'reading the tar');
        state.generation++;
        if (state.inflight) await state.inflight;
        const rec = await reader.next();
        if (!rec) break;
        const entry = toEntry(rec, reader, state, options);
        if (!entry) continue;
        if (entry.kind === 'file' || entry.kind === 'directory') group = entry.path;
        else if (entry.kind === 'stream') {
          if (group !== entry.path) {
            // The reference would create a file with ':' in its name, which hcsshim rejects.
            throw corrupt(`${rec.name}: alternate data stream does not follow its file '${entry.path}' (offset ${rec.offset})`, { entry: rec.name, offset: rec.offset });
          }
        } else group = undefined;
        validator?.check(entry);
        entriesDone++;
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
      if (c.hash && u.hash) {
        r.compressedDigest = `sha256:${await c.hash.hex()}`;
        r.diffId = compression === 'none' ? r.compressedDigest : `sha256:${await u.hash.hex()}`;
      }
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
function dataStream(reader: TarReader, state: DataState, name: string): Readable {
  const generation = state.generation;
  let reading = false;
  const r = new Readable({
    highWaterMark: DATA_CHUNK,
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

function attachData(entry: { size: number; data?: Readable }, reader: TarReader, state: DataState, name: string): void {
  if (entry.size === 0) return;
  let stream: Readable | undefined;
  Object.defineProperty(entry, 'data', {
    enumerable: false,
    configurable: true,
    get: () => (stream ??= dataStream(reader, state, name)),
  });
}

function fail(rec: TarRecord, message: string): WcError {
  return corrupt(`${rec.name}: ${message} (entry at offset ${rec.offset})`, { entry: rec.name, offset: rec.offset });
}

function splitName(name: string): { dir: string; base: string } {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: name } : { dir: name.slice(0, slash + 1), base: name.slice(slash + 1) };
}

function toEntry(rec: TarRecord, reader: TarReader, state: DataState, options: DecodeOptions): Entry | undefined {
  let name = rec.name;
  while (name.startsWith('./')) name = name.slice(2);
  let trailingSlash = false;
  while (name.length > 1 && name.endsWith('/')) {
    name = name.slice(0, -1);
    trailingSlash = true;
  }
  if (name === '' || name === '.') return undefined; // the archive root itself
  // `C:x` would otherwise read as stream `x` of a file `C`: name the real problem.
  if (/^[A-Za-z]:/.test(name)) checkLayerPath(name);
  const { dir, base } = splitName(name);
  if (base.startsWith(WHITEOUT_PREFIX)) {
    const target = base.slice(WHITEOUT_PREFIX.length);
    if (target === '') throw fail(rec, 'whiteout without a name');
    return { kind: 'whiteout', path: dir + target };
  }
  const t = rec.typeflag;
  if (t === TYPE.LINK) {
    let target = rec.linkname;
    while (target.startsWith('./')) target = target.slice(2); // stripped like names, so `./` tars link up
    if (target === '') throw fail(rec, 'hard link without a target');
    const link: LinkEntry = { kind: 'link', path: name, target };
    // PAX records on links are ignored by importers; kept so re-encoding is byte-identical.
    if (rec.pax.has(KEY.fileattr) || rec.pax.has(KEY.creationtime)) link.info = fileInfo(rec, options);
    return link;
  }
  const colon = base.indexOf(':');
  const isRegular = t === TYPE.REG || t === TYPE.REG_OLD || t === TYPE.CONT;
  if (colon >= 0 && isRegular && !trailingSlash) {
    let stream = base.slice(colon + 1);
    if (stream.endsWith(':$DATA')) stream = stream.slice(0, -':$DATA'.length);
    if (stream === '' || stream.includes(':')) throw fail(rec, `stream types other than $DATA are not supported`);
    const entry: Entry = { kind: 'stream', path: dir + base.slice(0, colon), name: stream, size: rec.size };
    attachData(entry, reader, state, rec.name);
    return entry;
  }
  const info = fileInfo(rec, options);
  if (t === TYPE.DIR || (trailingSlash && (t === TYPE.REG || t === TYPE.REG_OLD))) {
    return { kind: 'directory', path: name, info };
  }
  if (t === TYPE.SYMLINK) {
    if (rec.linkname === '') throw fail(rec, 'symbolic link without a target');
    info.reparseData = encodeReparsePoint(rec.linkname.replace(/\//g, '\\'), rec.pax.has(KEY.mountpoint));
    if (info.attributes & FILE_ATTRIBUTE.DIRECTORY) return { kind: 'directory', path: name, info };
    return { kind: 'file', path: name, info, size: 0 };
  }
  if (isRegular) {
    const entry: Entry = { kind: 'file', path: name, info, size: rec.size };
    attachData(entry, reader, state, rec.name);
    return entry;
  }
  if (t === TYPE.CHAR || t === TYPE.BLOCK || t === TYPE.FIFO) return { kind: 'file', path: name, info, size: 0 };
  throw new WcError('Unsupported', `${rec.name}: tar entry type '${String.fromCharCode(t)}' (0x${t.toString(16)}) is not supported (entry at offset ${rec.offset})`, {
    entry: rec.name,
    offset: rec.offset,
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// Layers repeat a few descriptors thousands of times: the last text that passed is not checked again.
let lastValidBase64 = '';

function base64Strict(rec: TarRecord, key: string, s: string): Uint8Array {
  if (s !== lastValidBase64) {
    if (s.length % 4 !== 0 || !BASE64.test(s)) throw fail(rec, `PAX record '${key}' is not valid base64`);
    lastValidBase64 = s;
  }
  const b = Buffer.from(s, 'base64');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function paxTime(rec: TarRecord, key: string): bigint | undefined {
  const v = rec.pax.get(key);
  if (v === undefined) return undefined;
  try {
    return paxTimeToFiletime(v);
  } catch {
    throw fail(rec, `PAX record '${key}' is not a valid time: '${v.slice(0, 40)}'`);
  }
}

function fileInfo(rec: TarRecord, options: DecodeOptions): FileInfo {
  const lastWriteTime = paxTime(rec, 'mtime') ?? unixNsToFiletime(BigInt(rec.mtime) * 1_000_000_000n);
  const attrText = rec.pax.get(KEY.fileattr);
  let attributes: number;
  if (attrText !== undefined) {
    if (!/^[0-9]{1,10}$/.test(attrText) || Number(attrText) > 0xffffffff) throw fail(rec, `invalid MSWINDOWS.fileattr '${attrText.slice(0, 40)}'`);
    attributes = Number(attrText);
  } else {
    attributes = rec.typeflag === TYPE.DIR ? FILE_ATTRIBUTE.DIRECTORY : 0;
  }
  const info: FileInfo = {
    attributes,
    creationTime: paxTime(rec, KEY.creationtime) ?? lastWriteTime,
    lastAccessTime: paxTime(rec, 'atime') ?? lastWriteTime,
    lastWriteTime,
    changeTime: paxTime(rec, 'ctime') ?? lastWriteTime,
  };
  const rawsd = rec.pax.get(KEY.rawsd);
  const sddl = rec.pax.get(KEY.sd);
  if (rawsd !== undefined) {
    const sd = base64Strict(rec, KEY.rawsd, rawsd);
    if (sd.length > 0) info.securityDescriptor = sd;
  } else if (sddl !== undefined) {
    let sd: Uint8Array;
    try {
      sd = (options.sddlToSecurityDescriptor ?? sddlToSd)(sddl);
    } catch (e) {
      if (e instanceof WcError && e.code === 'InvalidArgument') throw fail(rec, `PAX record '${KEY.sd}' is not valid SDDL: ${e.message}`);
      if (e instanceof WcError && e.code === 'Unsupported') {
        throw new WcError('Unsupported', `${rec.name}: PAX record '${KEY.sd}': ${e.message} (entry at offset ${rec.offset})`, { entry: rec.name, offset: rec.offset });
      }
      throw e;
    }
    if (sd.length > 0) info.securityDescriptor = sd;
  }
  const eas: ExtendedAttribute[] = [];
  const keys = [...rec.pax.keys()].filter((k) => k.startsWith(KEY.xattrPrefix)).sort(compareUtf8);
  for (const k of keys) {
    const eaName = k.slice(KEY.xattrPrefix.length);
    if (eaName === '') throw fail(rec, `PAX record '${k}' has no extended attribute name`);
    eas.push({ name: eaName, value: base64Strict(rec, k, rec.pax.get(k)!), flags: 0 });
  }
  if (eas.length) info.extendedAttributes = eas;
  return info;
}
