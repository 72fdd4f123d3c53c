// Extended attributes as carried in BACKUP_EA_DATA: a FILE_FULL_EA_INFORMATION chain.
// Each entry: NextEntryOffset u32, Flags u8, EaNameLength u8, EaValueLength u16, the name,
// a NUL, the value, padded to a multiple of 4. Spec: layer-format.md 2.5.

import { corrupt, invalidArgument } from '../../errors.js';
import type { ExtendedAttribute } from '../entry.js';

export type { ExtendedAttribute } from '../entry.js';

/** FILE_NEED_EA: the file cannot be interpreted without this attribute. */
export const FILE_NEED_EA = 0x80;
export const MAX_EA_NAME_BYTES = 255;
export const MAX_EA_VALUE_BYTES = 65535;

const EA_HEADER_SIZE = 8;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function entryLength(nameBytes: number, valueBytes: number): number {
  return EA_HEADER_SIZE + nameBytes + 1 + valueBytes;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Encodes EAs as a FILE_FULL_EA_INFORMATION chain, every entry (the last too) padded to 4
 * bytes. Names are written as UTF-8 bytes, as go-winio does. An empty list gives an empty buffer.
 */
export function encodeExtendedAttributes(eas: readonly ExtendedAttribute[]): Uint8Array {
  const names = eas.map((ea, i) => {
    const name = utf8.encode(ea.name);
    if (name.length > MAX_EA_NAME_BYTES) throw invalidArgument(`extended attribute name too large: ${ea.name.slice(0, 40)}…`, { index: i });
    if (name.includes(0)) throw invalidArgument('extended attribute name contains NUL', { index: i });
    if (ea.value.length > MAX_EA_VALUE_BYTES) throw invalidArgument(`extended attribute value too large: ${ea.name}`, { index: i });
    if (!Number.isInteger(ea.flags) || ea.flags < 0 || ea.flags > 0xff) throw invalidArgument(`extended attribute flags ${ea.flags} are not a byte: ${ea.name}`, { index: i });
    return name;
  });
  const total = eas.reduce((n, ea, i) => n + pad4(entryLength(names[i]!.length, ea.value.length)), 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let o = 0;
  eas.forEach((ea, i) => {
    const name = names[i]!;
    const size = pad4(entryLength(name.length, ea.value.length));
    dv.setUint32(o, i === eas.length - 1 ? 0 : size, true);
    dv.setUint8(o + 4, ea.flags);
    dv.setUint8(o + 5, name.length);
    dv.setUint16(o + 6, ea.value.length, true);
    out.set(name, o + EA_HEADER_SIZE);
    out.set(ea.value, o + EA_HEADER_SIZE + name.length + 1);
    o += size;
  });
  return out;
}

/**
 * Decodes a FILE_FULL_EA_INFORMATION chain. Padding after the last entry is optional; an entry
 * whose NextEntryOffset is 0 ends the chain. Every length is checked against the buffer and a
 * NextEntryOffset must move past its own entry, so loops and overlaps are Corrupt.
 * Values are copies, so the result does not pin the input buffer.
 */
export function decodeExtendedAttributes(buf: Uint8Array): ExtendedAttribute[] {
  const out: ExtendedAttribute[] = [];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 0;
  while (o < buf.length) {
    const remaining = buf.length - o;
    if (remaining < EA_HEADER_SIZE) {
      throw corrupt(`invalid extended attribute buffer: ${remaining} bytes at offset ${o} are too few for an entry header`, { offset: o });
    }
    const next = dv.getUint32(o, true);
    const flags = dv.getUint8(o + 4);
    const nameLength = dv.getUint8(o + 5);
    const valueLength = dv.getUint16(o + 6, true);
    const length = entryLength(nameLength, valueLength);
    if (length > remaining) {
      throw corrupt(`invalid extended attribute buffer: entry at offset ${o} needs ${length} bytes, ${remaining} remain`, { offset: o });
    }
    if (next !== 0 && (next > remaining || next < length)) {
      throw corrupt(`invalid extended attribute buffer: NextEntryOffset ${next} of the entry at offset ${o} is outside ${length}..${remaining}`, { offset: o });
    }
    const nameBytes = buf.subarray(o + EA_HEADER_SIZE, o + EA_HEADER_SIZE + nameLength);
    let name: string;
    try {
      name = utf8Strict.decode(nameBytes);
    } catch {
      throw corrupt(`invalid extended attribute buffer: name at offset ${o + EA_HEADER_SIZE} is not UTF-8`, { offset: o + EA_HEADER_SIZE });
    }
    if (nameBytes.includes(0)) {
      throw corrupt(`invalid extended attribute buffer: name at offset ${o + EA_HEADER_SIZE} contains NUL`, { offset: o + EA_HEADER_SIZE });
    }
    const valueStart = o + EA_HEADER_SIZE + nameLength + 1;
    out.push({ name, flags, value: buf.slice(valueStart, valueStart + valueLength) });
    if (next === 0) break;
    o += next;
  }
  return out;
}
