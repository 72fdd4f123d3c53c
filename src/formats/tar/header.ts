// The 512-byte ustar header: writing it exactly as Go's archive/tar does (go-winio's writer),
// and reading it the way Go, GNU tar and bsdtar accept it.
//
// Why our own header code rather than tar-stream's: byte-exactness with go-winio output is a
// requirement (spec 7.1 golden digest). tar-stream 3.2.2 formats numeric fields as octal
// followed by a space (Go: NUL), writes its own PAX header names (Go: `dir/PaxHeaders.0/base`),
// and chooses between ustar and PAX by other rules, so its bytes cannot match Go's. Owning the
// ~200 lines of header code also lets the reader bound every allocation and report offsets.

import { corrupt } from '../../errors.js';
import { decodeLatin1At, decodeUtf8At } from '../byte-text.js';

export const BLOCK = 512;
export const NAME_SIZE = 100;
export const PREFIX_SIZE = 155;

export const TYPE = {
  REG: 0x30, // '0'
  REG_OLD: 0x00, // '\0'
  LINK: 0x31, // '1'
  SYMLINK: 0x32, // '2'
  CHAR: 0x33,
  BLOCK: 0x34,
  DIR: 0x35, // '5'
  FIFO: 0x36,
  CONT: 0x37, // '7'
  PAX: 0x78, // 'x'
  PAX_GLOBAL: 0x67, // 'g'
  GNU_LONGNAME: 0x4c, // 'L'
  GNU_LONGLINK: 0x4b, // 'K'
  GNU_SPARSE: 0x53, // 'S'
} as const;

/** Largest value an octal field of `size` bytes holds with Go's width-1 digits + NUL. */
export function fitsOctal(size: number, value: number): boolean {
  return value >= 0 && value < 8 ** (size - 1);
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0) return false;
  }
  return true;
}

/** Go toASCII: drops every non-ASCII (and NUL) character. */
export function toAscii(s: string): string {
  if (isAscii(s)) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80 && c !== 0) out += ch;
  }
  return out;
}

/** Fields of a header as Go's writer fills them. Strings are ASCII by the time they get here. */
export interface HeaderFields {
  name: string;
  mode: number;
  size: number;
  mtime: number; // whole seconds; written as zeros when it does not fit
  typeflag: number;
  linkname: string;
  prefix?: string;
  /** Extended (x) headers leave uname..devminor NUL; real headers format devmajor/devminor. */
  raw?: boolean;
}

/** Go formatter.formatString: copy, NUL-terminate if room; a truncated field never ends in '/'. */
function putString(block: Buffer, off: number, size: number, s: string): void {
  const bytes = Buffer.from(s, 'latin1');
  bytes.copy(block, off, 0, Math.min(size, bytes.length));
  if (bytes.length > size && block[off + size - 1] === 0x2f) {
    let n = size - 1;
    while (n > 0 && bytes[n - 1] === 0x2f) n--;
    block[off + n] = 0;
  }
}

/** Go formatter.formatOctal: zero-padded to width-1 digits then NUL; zeros when it does not fit. */
function putOctal(block: Buffer, off: number, size: number, value: number): void {
  const v = fitsOctal(size, value) ? value : 0;
  const s = v.toString(8).padStart(size - 1, '0');
  block.write(s, off, 'latin1');
  block[off + size - 1] = 0;
}

export function encodeHeader(h: HeaderFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  putString(b, 0, 100, h.name);
  putOctal(b, 100, 8, h.mode);
  putOctal(b, 108, 8, 0);
  putOctal(b, 116, 8, 0);
  putOctal(b, 124, 12, h.size);
  putOctal(b, 136, 12, h.mtime);
  b[156] = h.typeflag;
  putString(b, 157, 100, h.linkname);
  if (!h.raw) {
    putOctal(b, 329, 8, 0);
    putOctal(b, 337, 8, 0);
  }
  if (h.prefix) putString(b, 345, 155, h.prefix);
  b.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  b.write(sum.toString(8).padStart(6, '0'), 148, 'latin1');
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/** Go splitUSTARPath: split a long ASCII name at a '/' into prefix (<=155) and name (<=100). */
export function splitUstarPath(name: string): { prefix: string; name: string } | undefined {
  let length = name.length;
  if (length <= NAME_SIZE || !isAscii(name)) return undefined;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name[length - 1] === '/') length--;
  const i = name.lastIndexOf('/', length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || i > PREFIX_SIZE) return undefined;
  return { prefix: name.slice(0, i), name: name.slice(i + 1) };
}

// ---------------------------------------------------------------------------------------------
// Reading

export interface RawHeader {
  name: string;
  linkname: string;
  mode: number;
  size: number;
  mtime: number;
  typeflag: number;
  format: 'ustar' | 'gnu' | 'v7';
}

/** Whether the block at `o` in `b` is all zeros. */
export function isZeroBlock(b: Uint8Array, o = 0): boolean {
  for (let i = o; i < o + BLOCK; i++) if (b[i] !== 0) return false;
  return true;
}

function cString(b: Buffer, off: number, size: number): string {
  let end = off;
  const max = off + size;
  let ascii = true;
  while (end < max && b[end] !== 0) {
    if (b[end]! > 127) ascii = false;
    end++;
  }
  return end === off ? '' : ascii ? decodeLatin1At(b, off, end) : decodeUtf8At(b, off, end);
}

/** Sum of the bytes [start, end) of a header; end - start a multiple of 4 (four bytes per turn: half the time of one). */
function byteSum(b: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 4) sum += b[i]! + b[i + 1]! + b[i + 2]! + b[i + 3]!;
  return sum;
}

/** Octal (spaces/NULs trimmed) or GNU base-256; numbers beyond 2^53 are refused. */
function parseNumber(b: Buffer, off: number, size: number, field: string, at: number): number {
  if ((b[off]! & 0x80) !== 0) {
    if (b[off] === 0xff) throw corrupt(`tar header at offset ${at}: negative base-256 ${field}`, { offset: at });
    let v = b[off]! & 0x7f;
    for (let i = 1; i < size; i++) {
      v = v * 256 + b[off + i]!;
      if (v > Number.MAX_SAFE_INTEGER) throw corrupt(`tar header at offset ${at}: ${field} too large`, { offset: at });
    }
    return v;
  }
  let start = off;
  let end = off + size;
  while (start < end && (b[start] === 0x20 || b[start] === 0)) start++;
  while (end > start && (b[end - 1] === 0x20 || b[end - 1] === 0)) end--;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x37) throw corrupt(`tar header at offset ${at}: invalid octal ${field} '${b.toString('latin1', off, off + size).replace(/\0/g, '\\0')}'`, { offset: at });
    v = v * 8 + (c - 0x30);
  }
  if (v > Number.MAX_SAFE_INTEGER) throw corrupt(`tar header at offset ${at}: ${field} too large`, { offset: at });
  return v;
}

/** The magic and version fields: 'ustar\0' '00' (POSIX), 'ustar ' ' \0' (GNU), else v7. Compared in place: one string less per header. */
function formatOf(b: Buffer, o: number): 'ustar' | 'gnu' | 'v7' {
  if (b[o + 257] !== 0x75 || b[o + 258] !== 0x73 || b[o + 259] !== 0x74 || b[o + 260] !== 0x61 || b[o + 261] !== 0x72) return 'v7';
  if (b[o + 262] === 0 && b[o + 263] === 0x30 && b[o + 264] === 0x30) return 'ustar';
  if (b[o + 262] === 0x20 && b[o + 263] === 0x20 && b[o + 264] === 0) return 'gnu';
  return 'v7';
}

/**
 * Parses the header block at `o` in `b` (a reader's buffer: no view is made per header); `at`
 * is its offset in the uncompressed tar (for messages).
 */
export function decodeHeader(b: Buffer, at: number, o = 0): RawHeader {
  const stored = parseNumber(b, o + 148, 8, 'checksum', at);
  const unsigned = 8 * 0x20 + byteSum(b, o, o + 148) + byteSum(b, o + 156, o + BLOCK); // the checksum field counts as spaces
  let signed = unsigned;
  if (stored !== unsigned) {
    // some old writers summed signed chars; accept that too, like Go and GNU tar
    for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && b[o + i]! > 127) signed -= 256;
  }
  if (stored !== unsigned && stored !== signed) {
    throw corrupt(`tar header at offset ${at}: bad checksum (stored ${stored}, computed ${unsigned})`, { offset: at });
  }
  const format = formatOf(b, o);
  let name = cString(b, o, 100);
  if (format === 'ustar') {
    const prefix = cString(b, o + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  return {
    name,
    linkname: cString(b, o + 157, 100),
    mode: parseNumber(b, o + 100, 8, 'mode', at),
    size: parseNumber(b, o + 124, 12, 'size', at),
    mtime: parseNumber(b, o + 136, 12, 'mtime', at),
    typeflag: b[o + 156]!,
    format,
  };
}
