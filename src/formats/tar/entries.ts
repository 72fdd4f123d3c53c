// Tar records -> Entries (spec 1.3-1.10), with the order and path checks, for both readers of a
// layer tar: the streaming decoder (decode.ts) and the header scanner of plain tar files
// (scan.ts). The decisions on the points spec section 8 leaves open are listed in decode.ts.

import type { Readable } from 'node:stream';
import { corrupt, WcError } from '../../errors.js';
import { FILE_ATTRIBUTE, type Entry, type ExtendedAttribute, type FileInfo, type LinkEntry } from '../entry.js';
import { paxTimeToFiletime, unixNsToFiletime } from '../backup/filetime.js';
import { encodeReparsePoint } from '../backup/reparse.js';
import { sddlToSd } from '../backup/sddl.js';
import { TYPE } from './header.js';
import type { TarRecord } from './records.js';
import { checkLayerPath, EntryValidator, type ValidateOptions } from './paths.js';
import { KEY, WHITEOUT_PREFIX, compareUtf8 } from './windows.js';

export interface EntryOptions {
  /** Converts a legacy `MSWINDOWS.sd` SDDL string to a self-relative security descriptor (default sddlToSd). */
  sddlToSecurityDescriptor?: (sddl: string) => Uint8Array;
  /** Run the path-safety validator (paths.ts) over the entries (default true). */
  validate?: boolean;
  validateOptions?: ValidateOptions;
  /**
   * The entries are only read, never changed or kept past the listing (the listings set this):
   * equal security descriptors may then be one shared Uint8Array, decoded once.
   */
  shareSecurityDescriptors?: boolean;
}

/** Extra facts about where an entry came from (not part of the Entry model); decodeLayerTar records them for its entries. */
export interface EntrySource {
  offset: number;
  typeflag: number;
}
export const entrySource = new WeakMap<Entry, EntrySource>();

/**
 * The checks that look at an entry in the context of the ones before it: an ADS must follow
 * its file, and the validator (paths, duplicates, links, on request parents).
 */
export class EntrySequence {
  private group: string | undefined; // path of the last file/directory, for ADS grouping
  private readonly validator: EntryValidator | undefined;
  /** Entries accepted so far. */
  count = 0;

  constructor(options: EntryOptions) {
    this.validator = options.validate === false ? undefined : new EntryValidator(options.validateOptions);
  }

  /** Throws when `entry` (made from `rec`) may not come here; otherwise records it. */
  accept(entry: Entry, rec: TarRecord): void {
    if (entry.kind === 'file' || entry.kind === 'directory') this.group = entry.path;
    else if (entry.kind === 'stream') {
      if (this.group !== entry.path) {
        // The reference would create a file with ':' in its name, which hcsshim rejects.
        throw corrupt(`${rec.name}: alternate data stream does not follow its file '${entry.path}' (offset ${rec.offset})`, { entry: rec.name, offset: rec.offset });
      }
    } else this.group = undefined;
    this.validator?.check(entry);
    this.count++;
  }
}

function fail(rec: TarRecord, message: string): WcError {
  return corrupt(`${rec.name}: ${message} (entry at offset ${rec.offset})`, { entry: rec.name, offset: rec.offset });
}

/** `C:`, `c:x`: a drive letter. */
function hasDriveLetter(name: string): boolean {
  const c = name.charCodeAt(0) | 0x20; // lower case for ASCII letters
  return name.charCodeAt(1) === 0x3a && c >= 0x61 && c <= 0x7a;
}

/**
 * The Entry a record stands for, or undefined for the archive root itself. `attachData` gives a
 * file or stream entry with data its `data` stream (the decoder's); a listing passes none.
 */
export function recordToEntry(rec: TarRecord, options: EntryOptions, attachData?: (entry: { size: number; data?: Readable }, rec: TarRecord) => void): Entry | undefined {
  let name = rec.name;
  while (name.startsWith('./')) name = name.slice(2);
  let trailingSlash = false;
  while (name.length > 1 && name.endsWith('/')) {
    name = name.slice(0, -1);
    trailingSlash = true;
  }
  if (name === '' || name === '.') return undefined; // the archive root itself
  // `C:x` would otherwise read as stream `x` of a file `C`: name the real problem.
  if (hasDriveLetter(name)) checkLayerPath(name);
  // The last component starts after `baseAt`; it is sliced out only when it is needed.
  const baseAt = name.lastIndexOf('/') + 1;
  if (name.startsWith(WHITEOUT_PREFIX, baseAt)) {
    const target = name.slice(baseAt + WHITEOUT_PREFIX.length);
    if (target === '') throw fail(rec, 'whiteout without a name');
    return { kind: 'whiteout', path: name.slice(0, baseAt) + target };
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
  const colon = name.indexOf(':', baseAt);
  const isRegular = t === TYPE.REG || t === TYPE.REG_OLD || t === TYPE.CONT;
  if (colon >= 0 && isRegular && !trailingSlash) {
    let stream = name.slice(colon + 1);
    if (stream.endsWith(':$DATA')) stream = stream.slice(0, -':$DATA'.length);
    if (stream === '' || stream.includes(':')) throw fail(rec, `stream types other than $DATA are not supported`);
    const entry: Entry = { kind: 'stream', path: name.slice(0, colon), name: stream, size: rec.size };
    attachData?.(entry, rec);
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
    attachData?.(entry, rec);
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

/**
 * Security descriptors by their base64 text, decoded once: a layer repeats a few thousands of
 * times. Only text that passed base64Strict is kept; the map is emptied when it grows large.
 */
const decodedDescriptors = new Map<string, Uint8Array>();
const DESCRIPTOR_CACHE_LIMIT = 256;

function securityDescriptorOf(rec: TarRecord, text: string, options: EntryOptions): Uint8Array {
  let sd = decodedDescriptors.get(text);
  if (sd === undefined) {
    sd = base64Strict(rec, KEY.rawsd, text);
    if (decodedDescriptors.size >= DESCRIPTOR_CACHE_LIMIT) decodedDescriptors.clear();
    decodedDescriptors.set(text, sd);
  }
  // A decoder's entries go to writers and callers that may keep or change them: each gets its own copy.
  return options.shareSecurityDescriptors ? sd : sd.slice();
}

/** The last MSWINDOWS.fileattr text and its value (a layer uses a handful). */
let lastAttrText = '';
let lastAttributes = 0;

function paxTime(rec: TarRecord, key: string): bigint | undefined {
  const v = rec.pax.get(key);
  if (v === undefined) return undefined;
  try {
    return paxTimeToFiletime(v);
  } catch {
    throw fail(rec, `PAX record '${key}' is not a valid time: '${v.slice(0, 40)}'`);
  }
}

function fileInfo(rec: TarRecord, options: EntryOptions): FileInfo {
  const lastWriteTime = paxTime(rec, 'mtime') ?? unixNsToFiletime(BigInt(rec.mtime) * 1_000_000_000n);
  const attrText = rec.pax.get(KEY.fileattr);
  let attributes: number;
  if (attrText === lastAttrText) attributes = lastAttributes;
  else if (attrText !== undefined) {
    if (!/^[0-9]{1,10}$/.test(attrText) || Number(attrText) > 0xffffffff) throw fail(rec, `invalid MSWINDOWS.fileattr '${attrText.slice(0, 40)}'`);
    attributes = Number(attrText);
    lastAttrText = attrText;
    lastAttributes = attributes;
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
    if (rawsd !== '') info.securityDescriptor = securityDescriptorOf(rec, rawsd, options); // valid non-empty base64 is never 0 bytes
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
  let keys: string[] | undefined; // most entries have none: no array for them
  if (rec.paxOtherKeys) for (const k of rec.pax.keys()) if (k.startsWith(KEY.xattrPrefix)) (keys ??= []).push(k);
  for (const k of keys?.sort(compareUtf8) ?? []) {
    const eaName = k.slice(KEY.xattrPrefix.length);
    if (eaName === '') throw fail(rec, `PAX record '${k}' has no extended attribute name`);
    eas.push({ name: eaName, value: base64Strict(rec, k, rec.pax.get(k)!), flags: 0 });
  }
  if (eas.length) info.extendedAttributes = eas;
  return info;
}
