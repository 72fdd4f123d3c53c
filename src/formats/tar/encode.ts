// Entry stream -> Windows layer tar, byte for byte as go-winio's backuptar (with Go's
// archive/tar) and hcsshim's exporter write it (spec 1.2-1.9, golden vector 7.1).
//
// Decisions on the points spec section 8 leaves open (writing side):
//  8.1  ADS entries are written `file:stream` (go-winio form), never `file:stream:$DATA`.
//  8.2  EA records are sorted by key like every PAX record (Go sorts), so output is stable.
//  8.7  Hard links are written (hcsshim's form: typeflag 1, mode 0644, linkname = target's tar
//       name, PAX fileattr/creationtime/atime/ctime when the link entry carries info).
//  8.8  Nothing is lost after the data: our entries carry EAs up front, so they are written.
// Other writing decisions: a regular file always gets mode 0100000 (go-winio gives mode 0 to
// an empty file whose backup stream has no data stream, which an Entry cannot express); a
// reparse point other than a symlink or mount point fails like go-winio (`unsupported reparse
// point <tag>`); EA flags are not stored (the tar format has no place for them).

import { Readable } from 'node:stream';
import { invalidArgument, WcError } from '../../errors.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { FILE_ATTRIBUTE, type Entry, type FileInfo } from '../entry.js';
import { filetimeToUnixNs, formatPaxTime, splitUnixNs } from '../backup/filetime.js';
import { reparseTarget } from '../backup/reparse.js';
import { BLOCK, NAME_SIZE, TYPE, encodeHeader, fitsOctal, isAscii, splitUstarPath, toAscii } from './header.js';
import { formatPaxRecords, MAX_PAX_SIZE } from './pax.js';
import { validateEntries, type ValidateOptions } from './paths.js';
import { KEY, MODE, WHITEOUT_PREFIX } from './windows.js';

export interface EncodeOptions extends TaskOptions {
  /** Run the path-safety validator over the entries first (default true). */
  validate?: boolean;
  validateOptions?: ValidateOptions;
}

const ZEROS = Buffer.alloc(2 * BLOCK);

interface HeaderRequest {
  name: string;
  linkname: string;
  mode: number;
  size: number;
  typeflag: number;
  /** Unix ns; undefined for Go's zero time (written as 0, no record). */
  mtime?: bigint;
  atime?: bigint;
  ctime?: bigint;
  /** Non-standard records (MSWINDOWS.*, LIBARCHIVE.*). */
  records: Map<string, string>;
  /** The caller asked Go for FormatPAX (go-winio entries) rather than the default format. */
  wantPax: boolean;
}

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Go path.Clean(path.Join(dir, "PaxHeaders.0", file)) for the extended header's name. */
function paxHeaderName(realName: string): string {
  const slash = realName.lastIndexOf('/');
  const dir = realName.slice(0, slash + 1);
  const file = realName.slice(slash + 1);
  const rooted = dir.startsWith('/');
  const out: string[] = [];
  for (const part of [...dir.split('/'), 'PaxHeaders.0', ...file.split('/')]) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  let name = toAscii((rooted ? '/' : '') + out.join('/'));
  if (name.length > NAME_SIZE) name = name.slice(0, NAME_SIZE);
  return name.replace(/\/+$/, '');
}

/** One entry's header blocks (and extended header), choosing ustar or PAX the way Go does. */
export function buildHeader(h: HeaderRequest): Buffer {
  const records = new Map(h.records);
  let ustarOk = records.size === 0;
  let preferPax = false;
  let mtimeSeconds = 0;
  if (h.mtime !== undefined) {
    const { seconds, nanos } = splitUnixNs(h.mtime);
    const fits = seconds >= 0n && seconds < 8n ** 11n;
    mtimeSeconds = fits ? Number(seconds) : 0;
    if (!fits || nanos !== 0n) {
      preferPax = true;
      records.set('mtime', formatPaxTime(h.mtime));
    }
    if (!fits) ustarOk = false;
  }
  for (const [k, t] of [['atime', h.atime], ['ctime', h.ctime]] as const) {
    if (t === undefined) continue;
    records.set(k, formatPaxTime(t));
    ustarOk = false; // USTAR has no field for these
    preferPax = true;
  }
  let split: { prefix: string; name: string } | undefined;
  if (!isAscii(h.name) || utf8Length(h.name) > NAME_SIZE) {
    split = splitUstarPath(h.name);
    if (!split) ustarOk = false;
    records.set('path', h.name);
  }
  if (!isAscii(h.linkname) || utf8Length(h.linkname) > NAME_SIZE) {
    ustarOk = false;
    records.set('linkpath', h.linkname);
  }
  if (!fitsOctal(12, h.size)) {
    ustarOk = false;
    records.set('size', String(h.size));
  }
  if (h.wantPax && preferPax) ustarOk = false;
  if (ustarOk) {
    return encodeHeader({ name: split ? split.name : h.name, prefix: split?.prefix, linkname: h.linkname, mode: h.mode, size: h.size, mtime: mtimeSeconds, typeflag: h.typeflag });
  }
  records.delete('path');
  records.delete('linkpath');
  if (!isAscii(h.name) || utf8Length(h.name) > NAME_SIZE) records.set('path', h.name);
  if (!isAscii(h.linkname) || utf8Length(h.linkname) > NAME_SIZE) records.set('linkpath', h.linkname);
  const data = formatPaxRecords(records);
  if (data.length > MAX_PAX_SIZE) throw invalidArgument(`${h.name}: PAX records take ${data.length} bytes, more than the ${MAX_PAX_SIZE} Go allows`, { path: h.name });
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  const xhdr = encodeHeader({ name: paxHeaderName(h.name), linkname: '', mode: 0, size: data.length, mtime: 0, typeflag: TYPE.PAX, raw: true });
  const main = encodeHeader({ name: toAscii(h.name), linkname: toAscii(h.linkname), mode: h.mode, size: h.size, mtime: mtimeSeconds, typeflag: h.typeflag });
  return Buffer.concat([xhdr, data, Buffer.alloc(pad), main]);
}

function windowsRecords(path: string, info: FileInfo, withMetadata: boolean): Map<string, string> {
  const r = new Map<string, string>();
  r.set(KEY.fileattr, String(info.attributes >>> 0));
  r.set(KEY.creationtime, formatPaxTime(filetimeToUnixNs(info.creationTime)));
  if (!withMetadata) return r;
  if (info.securityDescriptor && info.securityDescriptor.length > 0) r.set(KEY.rawsd, Buffer.from(info.securityDescriptor).toString('base64'));
  const names = new Set<string>();
  for (const ea of info.extendedAttributes ?? []) {
    if (ea.name === '' || ea.name.includes('=') || ea.name.includes('\0')) throw invalidArgument(`${path}: extended attribute name '${ea.name}' cannot be written to a PAX key`, { path });
    if (utf8Length(ea.name) > 255) throw invalidArgument(`${path}: extended attribute name too large`, { path });
    if (ea.value.length > 65535) throw invalidArgument(`${path}: extended attribute value too large`, { path });
    if (names.has(ea.name)) throw invalidArgument(`${path}: duplicate extended attribute '${ea.name}'`, { path });
    names.add(ea.name);
    r.set(KEY.xattrPrefix + ea.name, Buffer.from(ea.value).toString('base64'));
  }
  return r;
}

function times(info: FileInfo): { mtime: bigint; atime: bigint; ctime: bigint } {
  return { mtime: filetimeToUnixNs(info.lastWriteTime), atime: filetimeToUnixNs(info.lastAccessTime), ctime: filetimeToUnixNs(info.changeTime) };
}

async function* dataBlocks(path: string, size: number, data: AsyncIterable<Uint8Array> | undefined): AsyncGenerator<Buffer> {
  if (size === 0) return;
  if (!data) throw invalidArgument(`${path}: entry of ${size} bytes has no data stream`, { path });
  let n = 0;
  for await (const c of data) {
    const b = Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    n += b.length;
    if (n > size) throw invalidArgument(`${path}: data stream is longer than the entry's size ${size}`, { path });
    yield b;
  }
  if (n !== size) throw invalidArgument(`${path}: data stream has ${n} bytes, the entry's size is ${size}`, { path });
  const pad = (BLOCK - (size % BLOCK)) % BLOCK;
  if (pad) yield ZEROS.subarray(0, pad);
}

/** The tar bytes, chunk by chunk (header blocks and data as they come). */
export async function* encodeLayerTarChunks(entries: AsyncIterable<Entry>, options: EncodeOptions = {}): AsyncGenerator<Buffer> {
  const source = options.validate === false ? entries : validateEntries(entries, options.validateOptions);
  let main: { path: string; mode: number; info: FileInfo } | undefined; // what an ADS copies
  let count = 0;
  for await (const e of source) {
    throwIfCancelled(options.signal, 'writing the tar');
    switch (e.kind) {
      case 'whiteout': {
        const slash = e.path.lastIndexOf('/');
        const name = e.path.slice(0, slash + 1) + WHITEOUT_PREFIX + e.path.slice(slash + 1);
        // hcsshim writes a zero-value header in Go's default format (spec 1.8 step 2).
        yield buildHeader({ name, linkname: '', mode: 0, size: 0, typeflag: TYPE.REG, records: new Map(), wantPax: false });
        main = undefined;
        break;
      }
      case 'link': {
        const t = e.info ? times(e.info) : undefined;
        yield buildHeader({
          name: e.path,
          linkname: e.target,
          mode: MODE.LINK,
          size: 0,
          typeflag: TYPE.LINK,
          mtime: t?.mtime,
          atime: t?.atime,
          ctime: t?.ctime,
          records: e.info ? windowsRecords(e.path, e.info, false) : new Map(),
          wantPax: true,
        });
        main = undefined;
        break;
      }
      case 'file':
      case 'directory': {
        const info = e.info;
        const isDir = e.kind === 'directory';
        const records = windowsRecords(e.path, info, true);
        let mode = isDir ? MODE.DIR : 0;
        let typeflag: number = isDir ? TYPE.DIR : TYPE.REG;
        let linkname = '';
        let size = isDir ? 0 : e.size;
        if (info.reparseData) {
          const rp = reparseTarget(info.reparseData);
          if (!isDir && e.size !== 0) throw invalidArgument(`${e.path}: a symbolic link or mount point cannot have data (size ${e.size})`, { path: e.path });
          typeflag = TYPE.SYMLINK;
          mode |= MODE.SYMLINK;
          linkname = rp.target;
          size = 0;
          if (rp.isMountPoint) records.set(KEY.mountpoint, '1');
        } else if (!isDir) {
          mode |= MODE.REG;
        }
        if (isDir && (info.attributes & FILE_ATTRIBUTE.DIRECTORY) === 0) {
          throw invalidArgument(`${e.path}: directory entry without FILE_ATTRIBUTE_DIRECTORY (attributes ${info.attributes})`, { path: e.path });
        }
        if (!isDir && (info.attributes & FILE_ATTRIBUTE.DIRECTORY) !== 0) {
          throw invalidArgument(`${e.path}: file entry with FILE_ATTRIBUTE_DIRECTORY set (attributes ${info.attributes})`, { path: e.path });
        }
        const t = times(info);
        yield buildHeader({ name: e.path, linkname, mode, size, typeflag, ...t, records, wantPax: true });
        if (e.kind === 'file' && typeflag === TYPE.REG) yield* dataBlocks(e.path, size, e.data);
        main = { path: e.path, mode, info };
        break;
      }
      case 'stream': {
        if (!main || main.path !== e.path) throw invalidArgument(`alternate data stream '${e.path}:${e.name}' does not follow its file`, { path: e.path });
        const name = `${e.path}:${e.name}`;
        yield buildHeader({ name, linkname: '', mode: main.mode, size: e.size, typeflag: TYPE.REG, ...times(main.info), records: new Map(), wantPax: true });
        yield* dataBlocks(name, e.size, e.data);
        break;
      }
      default:
        throw new WcError('Internal', `unknown entry kind '${(e as { kind: string }).kind}'`);
    }
    count++;
    options.onProgress?.({ entriesDone: count, message: e.path });
  }
  yield ZEROS;
}

/** Joins small pieces (headers, small files) into larger writes; big data chunks pass as they are. */
async function* coalesce(chunks: AsyncIterable<Buffer>, target: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    if (c.length >= target) {
      if (size) yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
      yield c;
      continue;
    }
    pending.push(c);
    size += c.length;
    if (size >= target) {
      yield Buffer.concat(pending, size);
      pending = [];
      size = 0;
    }
  }
  if (size) yield Buffer.concat(pending, size);
}

/** The tar as a Readable with back-pressure (small pieces joined into writes of ~256 KiB). */
export function encodeLayerTar(entries: AsyncIterable<Entry>, options: EncodeOptions = {}): Readable {
  return Readable.from(coalesce(encodeLayerTarChunks(entries, options), 256 * 1024), { objectMode: false, highWaterMark: 1 << 20 });
}
