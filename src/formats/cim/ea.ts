// The EA buffer a File record points at (spec §16) is the FILE_FULL_EA_INFORMATION chain of
// src/formats/backup/ea.ts, with two CIM rules on top: names are 1..254 bytes, and the last
// entry is not padded (the SAMPLE image's 2-entry buffer is 131 bytes). Decoding needs no
// wrapper: the backup decoder accepts the missing padding.

import { invalidArgument } from '../../errors.js';
import { encodeExtendedAttributes } from '../backup/ea.js';
import type { ExtendedAttribute } from '../entry.js';

export function encodeCimEaBuffer(eas: readonly ExtendedAttribute[]): Uint8Array {
  for (const ea of eas) {
    const n = Buffer.byteLength(ea.name, 'utf8');
    if (n === 0 || n > 254) throw invalidArgument(`EA name '${ea.name}' must be 1..254 bytes`);
  }
  const chain = encodeExtendedAttributes(eas);
  if (chain.length === 0) return chain;
  const v = new DataView(chain.buffer, chain.byteOffset, chain.byteLength);
  let last = 0;
  for (let next = v.getUint32(0, true); next !== 0; next = v.getUint32(last, true)) last += next;
  return chain.subarray(0, last + 8 + chain[last + 5]! + 1 + v.getUint16(last + 6, true));
}
