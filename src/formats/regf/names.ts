// Key and value names: decoding, Windows-style case folding, ordering and the lh name hash.
// Windows compares names by uppercasing each UTF-16 code unit on its own (no length-changing
// mappings: ß stays ß). We use Unicode simple uppercase when it is one BMP code unit.

let upcaseTable: Uint16Array | undefined;

function table(): Uint16Array {
  if (upcaseTable) return upcaseTable;
  const t = new Uint16Array(65536);
  for (let c = 0; c < 65536; c++) {
    if (c >= 0x61 && c <= 0x7a) t[c] = c - 32;
    else if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff)) t[c] = c;
    else {
      const u = String.fromCharCode(c).toUpperCase();
      t[c] = u.length === 1 ? u.charCodeAt(0) : c;
    }
  }
  upcaseTable = t;
  return t;
}

export function upcaseUnit(c: number): number {
  return table()[c]!;
}

export function upcaseName(name: string): string {
  const t = table();
  let out = '';
  let changed = false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const u = t[c]!;
    if (u !== c) changed = true;
    out += String.fromCharCode(u);
  }
  return changed ? out : name;
}

/** Orders names the way subkey lists must be sorted: uppercased, code unit by code unit. */
export function compareNames(a: string, b: string): number {
  const t = table();
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = t[a.charCodeAt(i)]!;
    const y = t[b.charCodeAt(i)]!;
    if (x !== y) return x - y;
  }
  return a.length - b.length;
}

export function namesEqual(a: string, b: string): boolean {
  return a.length === b.length && compareNames(a, b) === 0;
}

/** The lh leaf hash: h = h * 37 + upcase(c) over the name's code units, mod 2^32. */
export function lhHash(name: string): number {
  const t = table();
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 37) + t[name.charCodeAt(i)]!) >>> 0;
  return h;
}

/** True when every code unit fits one byte, so the name may be stored compressed (Latin-1). */
export function isCompressible(name: string): boolean {
  for (let i = 0; i < name.length; i++) if (name.charCodeAt(i) > 0xff) return false;
  return true;
}

// Node's Buffer.prototype slice decoders accept any Uint8Array and skip creating a Buffer view
// per call (4x faster on the many short names and strings of a hive). They are not documented,
// so fall back to Buffer.from(...).toString() where they are missing. UTF-16 is in
// src/formats/backup/utf16.ts.
type SliceDecoder = (this: Uint8Array, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as Record<string, SliceDecoder | undefined>;
const latin1Slice = proto.latin1Slice;
const base64Slice = proto.base64Slice;

export function decodeLatin1(b: Uint8Array): string {
  return latin1Slice ? latin1Slice.call(b, 0, b.length) : Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** decodeLatin1 of bytes [start, end) of `b`, without a view. */
export function decodeLatin1At(b: Uint8Array, start: number, end: number): string {
  return latin1Slice ? latin1Slice.call(b, start, end) : Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/** toBase64 of bytes [start, end) of `b`, without a view. */
export function toBase64At(b: Uint8Array, start: number, end: number): string {
  return base64Slice ? base64Slice.call(b, start, end) : Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('base64');
}

export function toBase64(b: Uint8Array): string {
  return base64Slice ? base64Slice.call(b, 0, b.length) : Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
}

export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
