// Value types and data: names of the REG_* types, decoding data into JSON-friendly form and
// encoding JavaScript values into data for the writer. Unknown types and odd sizes stay bytes.

import { invalidArgument } from '../../errors.js';
import { decodeUtf16le as decodeUtf16, encodeUtf16le as encodeUtf16 } from '../backup/utf16.js';

export const REG_NONE = 0;
export const REG_SZ = 1;
export const REG_EXPAND_SZ = 2;
export const REG_BINARY = 3;
export const REG_DWORD = 4;
export const REG_DWORD_BIG_ENDIAN = 5;
export const REG_LINK = 6;
export const REG_MULTI_SZ = 7;
export const REG_RESOURCE_LIST = 8;
export const REG_FULL_RESOURCE_DESCRIPTOR = 9;
export const REG_RESOURCE_REQUIREMENTS_LIST = 10;
export const REG_QWORD = 11;

export const TYPE_NAMES: readonly string[] = [
  'REG_NONE',
  'REG_SZ',
  'REG_EXPAND_SZ',
  'REG_BINARY',
  'REG_DWORD',
  'REG_DWORD_BIG_ENDIAN',
  'REG_LINK',
  'REG_MULTI_SZ',
  'REG_RESOURCE_LIST',
  'REG_FULL_RESOURCE_DESCRIPTOR',
  'REG_RESOURCE_REQUIREMENTS_LIST',
  'REG_QWORD',
];

export type RegTypeName = (typeof TYPE_NAMES)[number];

/** 'REG_SZ' for 1; `0x…` for types without a name. */
export function typeName(type: number): string {
  return type < TYPE_NAMES.length ? TYPE_NAMES[type]! : `0x${type.toString(16).padStart(8, '0')}`;
}

/** Accepts a number, a REG_* name (with or without the prefix) or a hex string. */
export function parseType(t: number | string): number {
  if (typeof t === 'number') {
    if (!Number.isInteger(t) || t < 0 || t > 0xffffffff) throw invalidArgument(`value type ${t} is not a 32-bit unsigned integer`);
    return t;
  }
  const up = t.toUpperCase();
  const i = TYPE_NAMES.indexOf(up.startsWith('REG_') ? up : `REG_${up}`);
  if (i >= 0) return i;
  if (/^(0X)?[0-9A-F]{1,8}$/.test(up)) return parseInt(up.replace(/^0X/, ''), 16);
  throw invalidArgument(`unknown value type '${t}'`);
}

/** UTF-16LE string data up to the first NUL (a missing terminator is tolerated). */
export function decodeString(data: Uint8Array): string {
  const s = decodeUtf16(data.subarray(0, data.length & ~1));
  const nul = s.indexOf('\0');
  return nul >= 0 ? s.slice(0, nul) : s;
}

/** REG_MULTI_SZ: NUL-separated strings, ended by an empty string (which may be missing). */
export function decodeMultiString(data: Uint8Array): string[] {
  const s = decodeUtf16(data.subarray(0, data.length & ~1));
  const parts = s.split('\0');
  // Drop the terminator's empty strings at the end; keep empty strings in the middle.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

export function encodeString(s: string): Uint8Array {
  return encodeUtf16(s + '\0');
}

export function encodeMultiString(list: string[]): Uint8Array {
  return encodeUtf16(list.map((x) => x + '\0').join('') + '\0');
}

/** A value's data in JSON-friendly form, by type. Data whose size does not fit its type stays bytes. */
export type DecodedValue =
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'number'; value: number }
  | { kind: 'bigint'; value: bigint }
  | { kind: 'bytes'; value: Uint8Array };

export function decodeValue(type: number, data: Uint8Array): DecodedValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      if (data.length % 2 === 0) return { kind: 'string', value: decodeString(data) };
      break;
    case REG_MULTI_SZ:
      if (data.length % 2 === 0) return { kind: 'strings', value: decodeMultiString(data) };
      break;
    case REG_DWORD:
      if (data.length === 4) return { kind: 'number', value: dv.getUint32(0, true) };
      break;
    case REG_DWORD_BIG_ENDIAN:
      if (data.length === 4) return { kind: 'number', value: dv.getUint32(0, false) };
      break;
    case REG_QWORD:
      if (data.length === 8) return { kind: 'bigint', value: dv.getBigUint64(0, true) };
      break;
  }
  return { kind: 'bytes', value: data };
}

/** What the writer accepts as value data: bytes as they are, or a JavaScript value to encode. */
export type ValueData = Uint8Array | string | string[] | number | bigint;

/** The type a JavaScript value implies when none is given. */
export function impliedType(data: ValueData): number {
  if (data instanceof Uint8Array) return REG_BINARY;
  if (typeof data === 'string') return REG_SZ;
  if (Array.isArray(data)) return REG_MULTI_SZ;
  if (typeof data === 'bigint') return REG_QWORD;
  return REG_DWORD;
}

/** Encodes data for a type: strings as UTF-16LE with NUL, numbers as DWORD/QWORD, bytes as is. */
export function encodeValue(type: number, data: ValueData, where = 'value'): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') {
    if (type === REG_MULTI_SZ) return encodeMultiString([data]);
    return encodeString(data);
  }
  if (Array.isArray(data)) return encodeMultiString(data);
  const size = type === REG_QWORD || typeof data === 'bigint' && type !== REG_DWORD && type !== REG_DWORD_BIG_ENDIAN ? 8 : 4;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  if (size === 8) {
    const v = BigInt(data);
    if (v < 0n || v > 0xffffffffffffffffn) throw invalidArgument(`${where}: ${v} does not fit a QWORD`);
    dv.setBigUint64(0, v, true);
  } else {
    const v = Number(data);
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) throw invalidArgument(`${where}: ${v} does not fit a DWORD`);
    dv.setUint32(0, v >>> 0, type !== REG_DWORD_BIG_ENDIAN);
  }
  return out;
}
