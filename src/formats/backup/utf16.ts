// UTF-16LE by code unit, so any JS string (even one with a lone surrogate) survives a round trip
// exactly; Windows names are sequences of 16-bit units, not necessarily valid Unicode. The one
// UTF-16 codec of src/formats (backup streams, reparse points, registry names and strings).

// Node's Buffer.prototype.ucs2Slice accepts any Uint8Array and skips creating a Buffer view per
// call (much faster on the many short names of a hive). It is not documented, so fall back to
// Buffer.from(...).toString() where it is missing. Both copy code units as they are.
type SliceDecoder = (this: Uint8Array, start: number, end: number) => string;
const ucs2Slice = (Buffer.prototype as unknown as Record<string, SliceDecoder | undefined>).ucs2Slice;

export function encodeUtf16le(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 2);
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    out[2 * i] = u & 0xff;
    out[2 * i + 1] = u >>> 8;
  }
  return out;
}

/** Decodes whole 16-bit units (an odd last byte is ignored), keeping unpaired surrogates and NULs. */
export function decodeUtf16le(b: Uint8Array): string {
  const len = b.length & ~1;
  return ucs2Slice ? ucs2Slice.call(b, 0, len) : Buffer.from(b.buffer, b.byteOffset, len).toString('utf16le');
}

/** decodeUtf16le of bytes [start, end) of `b`, without a view (an odd last byte is ignored). */
export function decodeUtf16leAt(b: Uint8Array, start: number, end: number): string {
  const stop = start + ((end - start) & ~1);
  return ucs2Slice ? ucs2Slice.call(b, start, stop) : Buffer.from(b.buffer, b.byteOffset + start, stop - start).toString('utf16le');
}
