// Name comparison and link tables (spec §2.4, §13, §14). A directory is a link table of
// FileIDs and a stream table a link table of Stream records, both sorted by the comparison of
// §13.1: code units mapped through the image's upcase table, surrogate pairs compared as code
// points without upcasing, a proper prefix first. Equal under it means "the same name".

import { MAX_NAME_UNITS, view } from './layout.js';

function isHigh(u: number): boolean {
  return u >= 0xd800 && u <= 0xdbff;
}
function isLow(u: number): boolean {
  return u >= 0xdc00 && u <= 0xdfff;
}

export function compareNames(a: string, b: string, upcase: Uint16Array): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    let ca = a.charCodeAt(i++);
    let cb = b.charCodeAt(j++);
    if (isHigh(ca) && i < a.length && isLow(a.charCodeAt(i))) ca = 0x10000 + ((ca - 0xd800) << 10) + (a.charCodeAt(i++) - 0xdc00);
    else ca = upcase[ca]!;
    if (isHigh(cb) && j < b.length && isLow(b.charCodeAt(j))) cb = 0x10000 + ((cb - 0xd800) << 10) + (b.charCodeAt(j++) - 0xdc00);
    else cb = upcase[cb]!;
    if (ca !== cb) return ca < cb ? -1 : 1;
  }
  return (a.length - i) === (b.length - j) ? 0 : i === a.length ? -1 : 1;
}

/** Tables whose ASCII half is JavaScript's toUpperCase (the default one is): names then take a fast path. */
const asciiLikeJs = new WeakMap<Uint16Array, boolean>();

function upcasesAsciiLikeJs(upcase: Uint16Array): boolean {
  let same = asciiLikeJs.get(upcase);
  if (same === undefined) {
    same = true;
    for (let u = 0; u < 0x80; u++) if (upcase[u] !== String.fromCharCode(u).toUpperCase().charCodeAt(0)) same = false;
    asciiLikeJs.set(upcase, same);
  }
  return same;
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A string that is equal for two names exactly when compareNames says they are equal. It is a
 * flat string (no rope of one-character pieces) and the name itself when already upper case,
 * because writers keep one key per directory entry for the whole image.
 */
export function nameKey(name: string, upcase: Uint16Array): string {
  let key: string;
  if (ASCII.test(name) && upcasesAsciiLikeJs(upcase)) key = name.toUpperCase();
  else {
    const units = new Uint16Array(name.length);
    for (let i = 0; i < name.length; i++) {
      const u = name.charCodeAt(i);
      if (isHigh(u) && i + 1 < name.length && isLow(name.charCodeAt(i + 1))) {
        units[i] = u;
        units[i + 1] = name.charCodeAt(i + 1);
        i++;
      } else units[i] = upcase[u]!;
    }
    key = Buffer.from(units.buffer, units.byteOffset, units.byteLength).toString('utf16le');
  }
  return key === name ? name : key;
}

/**
 * A copy of `s` that holds no longer string alive: a path component cut from a whole path is a
 * view of it, so keeping the component for an image's lifetime would keep every full path.
 */
export function ownCopy(s: string): string {
  if (s.length < 13) return s; // V8 copies short substrings anyway
  return ASCII.test(s) ? Buffer.from(s, 'latin1').toString('latin1') : Buffer.from(s, 'utf16le').toString('utf16le');
}

/** Why a name cannot be stored, or undefined if it can. */
export function invalidNameReason(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.length > MAX_NAME_UNITS) return `name longer than ${MAX_NAME_UNITS} UTF-16 units`;
  if (name === '.' || name === '..') return `'${name}' is not a file name`;
  if (/[\\/:\0]/.test(name)) return 'name contains \\, /, : or NUL';
  return undefined;
}

export interface LinkEntry {
  name: string;
  /** The FileID (4 bytes) or Stream record (16 bytes) stored for the name. */
  value: Uint8Array;
}

/** Encodes entries that the caller has already sorted with compareNames. */
export function encodeLinkTable(entries: LinkEntry[], valueSize: number): Uint8Array {
  const n = entries.length;
  let length = 8 + (valueSize + 4) * n;
  for (const e of entries) length += 2 + 2 * e.name.length;
  const out = new Uint8Array(length);
  const v = view(out);
  v.setUint32(0, length, true);
  v.setUint32(4, n, true);
  let nameAt = 8 + (valueSize + 4) * n;
  entries.forEach((e, i) => {
    if (e.value.length !== valueSize) throw new RangeError(`link value of ${e.value.length} bytes, expected ${valueSize}`);
    out.set(e.value, 8 + valueSize * i);
    v.setUint32(8 + valueSize * n + 4 * i, nameAt, true);
    v.setUint16(nameAt, e.name.length, true);
    for (let k = 0; k < e.name.length; k++) v.setUint16(nameAt + 2 + 2 * k, e.name.charCodeAt(k), true);
    nameAt += 2 + 2 * e.name.length;
  });
  return out;
}

export interface DecodedLinkTable {
  count: number;
  value(i: number): Uint8Array;
  name(i: number): string;
}

/**
 * Checks the frame of a link table and gives lazy access to it. Throws RangeError with the
 * position relative to the table on any inconsistency; the reader turns that into Corrupt.
 */
export function decodeLinkTable(b: Uint8Array, valueSize: number): DecodedLinkTable {
  if (b.length < 8) throw new RangeError(`link table of ${b.length} bytes is shorter than its 8-byte header`);
  const v = view(b);
  const length = v.getUint32(0, true);
  const count = v.getUint32(4, true);
  if (length < 8 || length > b.length) throw new RangeError(`link table Length ${length} outside 8..${b.length}`);
  if (8 + (valueSize + 4) * count > length) throw new RangeError(`link table of ${length} bytes cannot hold ${count} entries`);
  const namesFrom = 8 + (valueSize + 4) * count;
  const name = (i: number): string => {
    const at = v.getUint32(8 + valueSize * count + 4 * i, true);
    if (at < namesFrom || at + 2 > length) throw new RangeError(`name ${i} offset ${at} outside the name area ${namesFrom}..${length}`);
    const units = v.getUint16(at, true);
    if (at + 2 + 2 * units > length) throw new RangeError(`name ${i} at ${at} (${units} units) runs past the table end ${length}`);
    let s = '';
    for (let k = 0; k < units; k++) s += String.fromCharCode(v.getUint16(at + 2 + 2 * k, true));
    return s;
  };
  return { count, value: (i) => b.subarray(8 + valueSize * i, 8 + valueSize * (i + 1)), name };
}
