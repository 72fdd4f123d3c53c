// UTF-16LE by code unit, so any JS string (even one with a lone surrogate) survives a round trip
// exactly; Windows names are sequences of 16-bit units, not necessarily valid Unicode.

export function encodeUtf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 * i] = u & 0xff;
    out[2 * i + 1] = u >>> 8;
  }
  return out;
}

/** Decodes whole 16-bit units; the caller guarantees an even length. */
export function decodeUtf16le(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode(b[i]! | (b[i + 1]! << 8));
  return s;
}
