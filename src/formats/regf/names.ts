// Key and value names: decoding, Windows-style case folding, ordering and the lh name hash.
// Windows compares names by uppercasing each UTF-16 code unit on its own (no length-changing
// mappings: ß stays ß). We use Unicode simple uppercase when it is one BMP code unit.

import { toBase64At } from '../byte-text.js';

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

// The slice decoders live in src/formats/byte-text.ts (the tar codec uses them too).
export { decodeLatin1, decodeLatin1At, toBase64At } from '../byte-text.js';

export function toBase64(b: Uint8Array): string {
  return toBase64At(b, 0, b.length);
}

export function encodeLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
