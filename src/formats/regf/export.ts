// Whole-hive exports as text streams (async generators of chunks, so a caller can pipe them to
// a file with back-pressure): JSON (one object per key with its values) and .reg (REGEDIT5).
// The text is written directly, key by key, as the walk reaches it: no object per key or value
// and no JSON.stringify of objects (the export of a large hive was mostly that and its garbage).
// The JSON text is exactly JSON.stringify of keyJson/valueJson (query.ts) with the values array
// added; test/regf/export.test.ts holds the two to each other over the whole corpus.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import type { Hive, RegKey, RegValue } from './reader.js';
import { toBase64 } from './names.js';
import { decodeUtf16le } from '../backup/utf16.js';
import { REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_EXPAND_SZ, REG_LINK, REG_MULTI_SZ, REG_QWORD, REG_SZ, typeName } from './values.js';

/** Text is handed on in chunks of about this many characters. */
const CHUNK = 1 << 16;

const LAYER_NAMES = ['merge', 'tombstone', 'supersedeLocal', 'supersedeTree'];

/** The JSON text of each named type ("REG_SZ" with quotes), by type code. */
const TYPE_JSON: string[] = [];
for (let t = 0; t <= REG_QWORD; t++) TYPE_JSON.push(`"${typeName(t)}"`);

function typeJson(type: number): string {
  return type < TYPE_JSON.length ? TYPE_JSON[type]! : `"${typeName(type)}"`;
}

/**
 * A 64-bit unsigned number given as two 32-bit halves, in decimal, exactly, without BigInt:
 * 2^32 = 42949 * 10^5 + 67296, so hi * 2^32 + lo = (hi * 42949) * 10^5 + (hi * 67296 + lo),
 * and both parts stay below 2^53.
 */
export function u64Decimal(hi: number, lo: number): string {
  const b = hi * 67296 + lo;
  const top = hi * 42949 + Math.floor(b / 100000);
  const low = b % 100000;
  if (top === 0) return String(low);
  const l = String(low);
  return String(top) + (l.length === 5 ? l : '00000'.slice(l.length) + l);
}

/** FILETIME halves → milliseconds since the Unix epoch (floor), exactly: 2^32 = 429496 * 10^4 + 7296. */
function filetimeHalvesToUnixMs(hi: number, lo: number): number {
  return hi * 429496 + Math.floor((hi * 7296 + lo) / 10000) - 11644473600000;
}

const MAX_DATE_MS = 8_640_000_000_000_000;

/** Key timestamps as JSON: filetimeToIso (ISO at ms precision, null out of range) and the raw decimal. */
function timestampJson(ft: bigint): string {
  const hi = Number(ft >> 32n);
  const lo = Number(ft & 0xffffffffn);
  const ms = filetimeHalvesToUnixMs(hi, lo);
  const iso = ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS ? `"${new Date(ms).toISOString()}"` : 'null';
  return `"timestamp":${iso},"timestampRaw":"${u64Decimal(hi, lo)}"`;
}

/** JSON.stringify(keyJson(hive, key)) without its closing brace. */
function keyJsonText(hive: Hive, key: RegKey): string {
  let s = `{"path":${JSON.stringify(key.path)},"name":${JSON.stringify(key.name)},${timestampJson(key.timestamp)},"subkeyCount":${key.subkeyCount},"valueCount":${key.valueCount},"flags":${key.flags}`;
  const cls = hive.className(key);
  if (cls !== undefined) s += `,"className":${JSON.stringify(cls)}`;
  if (hive.layered && key.layerByte !== 0) s += `,"layer":"${LAYER_NAMES[key.layerSemantics]!}","inheritClass":${key.inheritClass}`;
  return s;
}

/** JSON.stringify of a string list (REG_MULTI_SZ decoded: the terminator's empty strings dropped). */
function multiJson(all: string): { text: string; units: number } {
  const parts = all.split('\0');
  let n = parts.length;
  while (n > 0 && parts[n - 1] === '') n--;
  let text = '[';
  let units = 1;
  for (let i = 0; i < n; i++) {
    if (i > 0) text += ',';
    text += JSON.stringify(parts[i]!);
    units += parts[i]!.length + 1;
  }
  return { text: text + ']', units };
}

/**
 * JSON.stringify(valueJson(hive, v, true)): the decoded value where the type and size allow one,
 * and the base64 bytes unless the decoded value gives them back exactly.
 */
function valueJsonText(hive: Hive, v: RegValue): string {
  const type = v.type;
  const head = `{"name":${JSON.stringify(v.name)},"type":${typeJson(type)},"typeCode":${type},"size":`;
  // The common inline DWORD needs no data buffer: its bytes are the data field itself.
  if (v.inline && v.size === 4 && !v.tombstone && (type === REG_DWORD || type === REG_DWORD_BIG_ENDIAN)) {
    const f = v.dataField;
    return `${head}4,"value":${type === REG_DWORD ? f : ((f & 0xff) << 24 | (f & 0xff00) << 8 | (f >>> 8) & 0xff00 | f >>> 24) >>> 0}}`;
  }
  const data = hive.valueData(v);
  const size = data.length;
  let value: string | undefined;
  let exact = false;
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      if (size % 2 === 0) {
        const all = decodeUtf16le(data);
        const nul = all.indexOf('\0');
        const s = nul >= 0 ? all.slice(0, nul) : all;
        value = JSON.stringify(s);
        exact = size === 2 * (s.length + 1);
      }
      break;
    case REG_MULTI_SZ:
      if (size % 2 === 0) {
        const m = multiJson(decodeUtf16le(data));
        value = m.text;
        exact = size === 2 * m.units;
      }
      break;
    case REG_DWORD:
    case REG_DWORD_BIG_ENDIAN:
      if (size === 4) {
        const le = (data[0]! | data[1]! << 8 | data[2]! << 16 | data[3]! << 24) >>> 0;
        const be = (data[3]! | data[2]! << 8 | data[1]! << 16 | data[0]! << 24) >>> 0;
        value = String(type === REG_DWORD ? le : be);
        exact = true;
      }
      break;
    case REG_QWORD:
      if (size === 8) {
        const lo = (data[0]! | data[1]! << 8 | data[2]! << 16 | data[3]! << 24) >>> 0;
        const hi = (data[4]! | data[5]! << 8 | data[6]! << 16 | data[7]! << 24) >>> 0;
        value = `"${u64Decimal(hi, lo)}"`;
        exact = true;
      }
      break;
  }
  let s = head + size;
  if (value !== undefined) s += `,"value":${value}`;
  if (!exact) s += `,"data":"${toBase64(data)}"`;
  if (v.tombstone) s += ',"tombstone":true';
  return s + '}';
}

/**
 * JSON document: {"format":"wclayer-hive-export","version":1,"header":{…},"keys":[{…key,
 * "values":[…]}, …]} with keys in depth-first order, parents first. Values carry their decoded
 * form, plus the base64 bytes whenever the decoded form would not give them back exactly.
 */
export async function* exportJson(hive: Hive, from?: RegKey, options: TaskOptions = {}): AsyncGenerator<string> {
  yield* exportJsonChunks(hive, from, options);
}

/** exportJson's chunks, synchronously (the walk reads cells synchronously). */
export function* exportJsonChunks(hive: Hive, from?: RegKey, options: TaskOptions = {}): Generator<string> {
  const h = hive.header;
  const header = {
    majorVersion: h.majorVersion,
    minorVersion: h.minorVersion,
    primarySequence: h.primarySequence,
    secondarySequence: h.secondarySequence,
    flags: h.flags,
    layered: hive.layered,
    wasDirty: hive.wasDirty,
    logsReplayed: hive.replay?.entriesApplied ?? 0,
  };
  yield `{"format":"wclayer-hive-export","version":1,"header":${JSON.stringify(header)},"keys":[`;
  let n = 0;
  let chunk = '';
  for (const { key } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    chunk += (n === 1 ? '\n' : ',\n') + keyJsonText(hive, key) + ',"values":[';
    const values = hive.values(key);
    for (let i = 0; i < values.length; i++) chunk += (i === 0 ? '' : ',') + valueJsonText(hive, values[i]!);
    chunk += ']}';
    if (chunk.length > CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + '\n]}\n';
}

/** regedit's quoting inside "…": backslash and double quote escaped. */
function regQuote(s: string): string {
  if (s.indexOf('\\') < 0 && s.indexOf('"') < 0) return s;
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

const HEX_PAIRS: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIRS.push(i.toString(16).padStart(2, '0'));

/** hex bytes in regedit's layout: comma separated, lines continued with "\" at about 80 columns. */
function regHex(prefix: string, data: Uint8Array): string {
  let out = prefix;
  let line = prefix.length;
  const last = data.length - 1;
  for (let i = 0; i <= last; i++) {
    out += HEX_PAIRS[data[i]!]!;
    line += 2;
    if (i < last) {
      out += ',';
      line++;
      if (line > 76) {
        out += '\\\r\n  ';
        line = 2;
      }
    }
  }
  return out;
}

/** Whether REG_SZ data is exactly one string and its terminating NUL (so "…" gives the bytes back). */
function isOneTerminatedString(data: Uint8Array): boolean {
  const n = data.length;
  if (n < 2 || n % 2 !== 0 || data[n - 1] !== 0 || data[n - 2] !== 0) return false;
  for (let i = 0; i < n - 2; i += 2) if (data[i] === 0 && data[i + 1] === 0) return false;
  return true;
}

export function regValueLine(name: string, type: number, data: Uint8Array): string {
  const lhs = name === '' ? '@=' : `"${regQuote(name)}"=`;
  if (type === REG_SZ && isOneTerminatedString(data)) return `${lhs}"${regQuote(decodeUtf16le(data.subarray(0, data.length - 2)))}"`;
  if (type === REG_DWORD && data.length === 4) {
    const n = (data[0]! | data[1]! << 8 | data[2]! << 16 | data[3]! << 24) >>> 0;
    const hex = n.toString(16);
    return `${lhs}dword:${hex.length === 8 ? hex : '00000000'.slice(hex.length) + hex}`;
  }
  if (type === REG_BINARY) return regHex(`${lhs}hex:`, data);
  return regHex(`${lhs}hex(${type.toString(16)}):`, data);
}

export interface RegExportOptions extends TaskOptions {
  /** What the hive's root is called in the file, e.g. HKEY_LOCAL_MACHINE\SYSTEM. */
  prefix?: string;
}

/** .reg text ("Windows Registry Editor Version 5.00"), CRLF line ends; encode it as UTF-16LE with a BOM for regedit. */
export async function* exportReg(hive: Hive, from?: RegKey, options: RegExportOptions = {}): AsyncGenerator<string> {
  yield* exportRegChunks(hive, from, options);
}

/** exportReg's chunks, synchronously. */
export function* exportRegChunks(hive: Hive, from?: RegKey, options: RegExportOptions = {}): Generator<string> {
  const prefix = options.prefix ?? 'HKEY_LOCAL_MACHINE\\HIVE';
  yield 'Windows Registry Editor Version 5.00\r\n\r\n';
  let n = 0;
  let chunk = '';
  for (const { key } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    chunk += `[${prefix}${key.path ? '\\' + key.path : ''}]\r\n`;
    for (const v of hive.values(key)) {
      if (v.tombstone) continue;
      chunk += regValueLine(v.name, v.type, hive.valueData(v)) + '\r\n';
    }
    chunk += '\r\n';
    if (chunk.length > CHUNK) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}
