// PAX extended-header records: "<len> <key>=<value>\n", <len> counting the whole record
// including its own digits (Go archive/tar formatPAXRecord / parsePAXRecord).

import { corrupt, invalidArgument, type WcError } from '../../errors.js';
import { decodeUtf8At } from '../byte-text.js';
import { compareUtf8, KEY } from './windows.js';

/** Go refuses extended headers larger than this (maxSpecialFileSize); so do we. */
export const MAX_PAX_SIZE = 1 << 20;

export function formatPaxRecord(key: string, value: string): string {
  if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
    throw invalidArgument(`invalid PAX record key '${key}' (empty, or contains '=' or NUL) or value containing NUL`, { key });
  }
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let size = bodyLen + String(bodyLen).length;
  // Adding the length digits may add one more digit; recompute once, as Go does.
  if (String(size).length + bodyLen !== size) size = String(size).length + bodyLen;
  return `${size}${body}`;
}

/** Records sorted by key in byte order (Go sorts keys before writing). */
export function formatPaxRecords(records: Map<string, string>): Buffer {
  const keys = [...records.keys()].sort(compareUtf8);
  return Buffer.from(keys.map((k) => formatPaxRecord(k, records.get(k)!)).join(''), 'utf8');
}

/** Keys that layers carry on nearly every entry, as constants: a key read from the bytes is one of them when it can be. */
const COMMON_KEYS = ['path', 'linkpath', 'size', 'mtime', 'atime', 'ctime', 'uid', 'gid', 'uname', 'gname', KEY.fileattr, KEY.rawsd, KEY.sd, KEY.mountpoint, KEY.creationtime];
const COMMON_KEYS_BY_LENGTH: string[][] = [];
for (const k of COMMON_KEYS) (COMMON_KEYS_BY_LENGTH[k.length] ??= []).push(k);

/**
 * The common key in bytes [start, end) of `data` as a shared constant (no new string, and a Map
 * finds it by its cached hash), or undefined when the key is another one.
 */
function commonKeyAt(data: Buffer, start: number, end: number): string | undefined {
  const candidates = COMMON_KEYS_BY_LENGTH[end - start];
  if (candidates) {
    for (const k of candidates) {
      let i = k.length - 1; // from the end: the MSWINDOWS. keys share their start
      while (i >= 0 && data[start + i] === k.charCodeAt(i)) i--;
      if (i < 0) return k;
    }
  }
  return undefined;
}

/** What parsePaxRecords tells besides the records. */
export interface PaxStats {
  /** Records whose key is not a common one (COMMON_KEYS): sparse maps, MSWINDOWS.xattr.*, vendor keys. */
  otherKeys: number;
}

function malformed(where: string, pos: number, at: number, why: string): WcError {
  return corrupt(`${where}: malformed PAX record at byte ${pos} of the extended header at offset ${at}: ${why}`, { offset: at, entry: where });
}

/**
 * Parses a whole extended header, bytes [start, end) of `data` (a reader's buffer: no view is
 * made per header); later duplicates win. `where` names the entry for messages.
 */
export function parsePaxRecords(data: Buffer, where: string, at: number, stats?: PaxStats, start = 0, end = data.length): Map<string, string> {
  const out = new Map<string, string>();
  const nul = data.indexOf(0, start); // the padding after the body usually stops the search at once
  const hasNul = nul >= 0 && nul < end; // without one, no record needs the NUL checks
  let pos = start;
  while (pos < end) {
    // The usual length field, a few digits and a space, is read in place; anything else takes
    // the general path below, which also words the errors.
    let space = pos;
    let len = 0;
    while (space < end && space - pos < 15 && data[space]! >= 0x30 && data[space]! <= 0x39) len = len * 10 + data[space++]! - 0x30;
    if (space === pos || data[space] !== 0x20) {
      space = data.indexOf(0x20, pos);
      if (space < 0 || space >= end || space - pos > 20) throw malformed(where, pos - start, at, 'no length field');
      const lenText = data.toString('latin1', pos, space);
      if (!/^[0-9]+$/.test(lenText)) throw malformed(where, pos - start, at, `length '${lenText}' is not a decimal number`);
      len = Number(lenText);
    }
    if (len < 5 || pos + len > end || len <= space - pos + 1) throw malformed(where, pos - start, at, `length ${len} does not fit the ${end - pos} bytes left`);
    const recordEnd = pos + len;
    if (data[recordEnd - 1] !== 0x0a) throw malformed(where, pos - start, at, 'record does not end in a newline');
    let eq = space + 1; // keys are short: a loop beats a call to indexOf
    while (eq < recordEnd - 1 && data[eq] !== 0x3d) eq++;
    if (eq >= recordEnd - 1) throw malformed(where, pos - start, at, "no '=' in the record");
    let key = commonKeyAt(data, space + 1, eq);
    if (key === undefined) {
      key = decodeUtf8At(data, space + 1, eq);
      if (stats) stats.otherKeys++;
    }
    const value = decodeUtf8At(data, eq + 1, recordEnd - 1);
    if (key === '' || (hasNul && (key.includes('\0') || value.includes('\0')))) throw malformed(where, pos - start, at, 'empty key or NUL in the record');
    out.set(key, value);
    pos = recordEnd;
  }
  return out;
}
