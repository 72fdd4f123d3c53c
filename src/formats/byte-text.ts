// Text from a byte range without making a Buffer view per call. Node's Buffer.prototype slice
// decoders accept any Uint8Array and skip the view and the encoding lookup of
// Buffer.toString(enc, start, end): several times faster on the many short names and strings of
// a hive or a tar header. They are not documented, so each falls back to Buffer.toString where
// it is missing. UTF-16 is in src/formats/backup/utf16.ts.

type SliceDecoder = (this: Uint8Array, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as Record<string, SliceDecoder | undefined>;
const latin1Slice = proto.latin1Slice;
const utf8Slice = proto.utf8Slice;
const base64Slice = proto.base64Slice;

function view(b: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(b.buffer, b.byteOffset + start, end - start);
}

export function decodeLatin1(b: Uint8Array): string {
  return latin1Slice ? latin1Slice.call(b, 0, b.length) : view(b, 0, b.length).toString('latin1');
}

/** decodeLatin1 of bytes [start, end) of `b`, without a view. */
export function decodeLatin1At(b: Uint8Array, start: number, end: number): string {
  return latin1Slice ? latin1Slice.call(b, start, end) : view(b, start, end).toString('latin1');
}

/** UTF-8 text of bytes [start, end) of `b` (invalid sequences become U+FFFD), without a view. */
export function decodeUtf8At(b: Uint8Array, start: number, end: number): string {
  return utf8Slice ? utf8Slice.call(b, start, end) : view(b, start, end).toString('utf8');
}

/** Base64 of bytes [start, end) of `b`, without a view. */
export function toBase64At(b: Uint8Array, start: number, end: number): string {
  return base64Slice ? base64Slice.call(b, start, end) : view(b, start, end).toString('base64');
}
