// Whole-hive exports as text streams (async generators of chunks, so a caller can pipe them to
// a file with back-pressure): JSON (one object per key with its values) and .reg (REGEDIT5).
// The text is written directly, key by key, as the walk reaches it: no object per key or value
// and no JSON.stringify of objects (the export of a large hive was mostly that and its garbage).
// The JSON text is exactly JSON.stringify of keyJson/valueJson (query.ts) with the values array
// added; test/regf/export.test.ts holds the two to each other over the whole corpus.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import type { Hive, RegKey, RegValue } from './reader.js';
import { decodeLatin1At, toBase64At } from './names.js';
import { decodeUtf16le, decodeUtf16leAt } from '../backup/utf16.js';
import { REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_EXPAND_SZ, REG_LINK, REG_MULTI_SZ, REG_QWORD, REG_SZ, typeName } from './values.js';

/** Text is handed on in chunks of about this many characters. */
const CHUNK = 1 << 16;

const LAYER_NAMES = ['merge', 'tombstone', 'supersedeLocal', 'supersedeTree'];

/** The JSON text of each named type ("REG_SZ" with quotes), by type code. */
const TYPE_JSON: string[] = [];
for (let t = 0; t <= REG_QWORD; t++) TYPE_JSON.push(`"${typeName(t)}"`);

/** Types without a name ("0xffff0011"), made once each. */
const otherTypeJson = new Map<number, string>();

function typeJson(type: number): string {
  if (type < TYPE_JSON.length) return TYPE_JSON[type]!;
  let t = otherTypeJson.get(type);
  if (t === undefined) otherTypeJson.set(type, (t = `"${typeName(type)}"`));
  return t;
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

const DIGITS2: string[] = [];
for (let i = 0; i < 100; i++) DIGITS2.push(String(i).padStart(2, '0'));

/**
 * new Date(ms).toISOString() without a Date (a key's time is formatted for every key): the
 * civil date from the day count (the proleptic Gregorian calendar, as Date uses), for years
 * 0000-9999; other years go through Date, whose form for them is ±YYYYYY.
 */
export function isoFromUnixMs(ms: number): string {
  const days = Math.floor(ms / 86400000);
  let t = ms - days * 86400000;
  const hour = Math.floor(t / 3600000);
  t -= hour * 3600000;
  const minute = Math.floor(t / 60000);
  t -= minute * 60000;
  const second = Math.floor(t / 1000);
  const milli = t - second * 1000;
  // Days since 0000-03-01 in 400-year eras of 146097 days; March-based months put the leap day last.
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const m3 = milli < 10 ? '00' + milli : milli < 100 ? '0' + milli : String(milli);
  return `${DIGITS2[Math.floor(year / 100)]}${DIGITS2[year % 100]}-${DIGITS2[month]}-${DIGITS2[day]}T${DIGITS2[hour]}:${DIGITS2[minute]}:${DIGITS2[second]}.${m3}Z`;
}

/** Key timestamps as JSON: filetimeToIso (ISO at ms precision, null out of range) and the raw decimal. */
function timestampJson(hi: number, lo: number): string {
  const ms = filetimeHalvesToUnixMs(hi, lo);
  // Keys written together share their millisecond: format it once.
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS ? `"${isoFromUnixMs(ms)}"` : 'null';
  }
  return `"timestamp":${lastIso},"timestampRaw":"${u64Decimal(hi, lo)}"`;
}
let lastMs = NaN;
let lastIso = '';

/** JSON.stringify(keyJson(hive, key)) without its closing brace; the path and name come as JSON strings. */
function keyJsonText(hive: Hive, key: RegKey, pathJson: string, nameJson: string): string {
  let s = `{"path":${pathJson},"name":${nameJson},${timestampJson(key.timeHigh, key.timeLow)},"subkeyCount":${key.subkeyCount},"valueCount":${key.valueCount},"flags":${key.flags}`;
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
  const p = hive.valueDataAt(v);
  const data = hive.current;
  const size = v.tombstone ? 0 : v.size;
  let value: string | undefined;
  let exact = false;
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      if (size % 2 === 0) {
        const all = decodeUtf16leAt(data, p, p + size);
        const nul = all.indexOf('\0');
        const s = nul >= 0 ? all.slice(0, nul) : all;
        value = JSON.stringify(s);
        exact = size === 2 * (s.length + 1);
      }
      break;
    case REG_MULTI_SZ:
      if (size % 2 === 0) {
        const m = multiJson(decodeUtf16leAt(data, p, p + size));
        value = m.text;
        exact = size === 2 * m.units;
      }
      break;
    case REG_DWORD:
    case REG_DWORD_BIG_ENDIAN:
      if (size === 4) {
        const le = (data[p]! | data[p + 1]! << 8 | data[p + 2]! << 16 | data[p + 3]! << 24) >>> 0;
        const be = (data[p + 3]! | data[p + 2]! << 8 | data[p + 1]! << 16 | data[p]! << 24) >>> 0;
        value = String(type === REG_DWORD ? le : be);
        exact = true;
      }
      break;
    case REG_QWORD:
      if (size === 8) {
        const lo = (data[p]! | data[p + 1]! << 8 | data[p + 2]! << 16 | data[p + 3]! << 24) >>> 0;
        const hi = (data[p + 4]! | data[p + 5]! << 8 | data[p + 6]! << 16 | data[p + 7]! << 24) >>> 0;
        value = `"${u64Decimal(hi, lo)}"`;
        exact = true;
      }
      break;
  }
  let s = head + size;
  if (value !== undefined) s += `,"value":${value}`;
  if (!exact) s += `,"data":"${toBase64At(data, p, p + size)}"`;
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

/** exportJson's text in chunks of about 64 KiB, synchronously (the walk reads cells synchronously). */
export function exportJsonChunks(hive: Hive, from?: RegKey, options: TaskOptions = {}): Generator<string> {
  return exportJsonTo(hive, from, options, new StringChunks());
}

/**
 * Where an export's text goes as it is made, key by key (a direct call, not a generator step
 * per key); take() hands on a chunk once enough has gathered.
 */
export interface TextSink<T> {
  add(text: string): void;
  /** A chunk to hand on (with `end`, all that is left), or undefined while too little has gathered. */
  take(end: boolean): T | undefined;
}

/** Joins texts into string chunks of about CHUNK characters. */
class StringChunks implements TextSink<string> {
  private chunk = '';

  add(text: string): void {
    this.chunk += text;
  }

  take(end: boolean): string | undefined {
    if (this.chunk.length <= (end ? 0 : CHUNK)) return undefined;
    const c = this.chunk;
    this.chunk = '';
    return c;
  }
}

/** exportJson's text into a sink: the head, one text per key (with its values), the tail. */
export function* exportJsonTo<T>(hive: Hive, from: RegKey | undefined, options: TaskOptions, sink: TextSink<T>): Generator<T> {
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
  sink.add(`{"format":"wclayer-hive-export","version":1,"header":${JSON.stringify(header)},"keys":[`);
  let n = 0;
  // The JSON text of each path without its quotes, by depth: a key's is its parent's, an escaped
  // backslash and its own name's (JSON escapes character by character, so the parts add up).
  const pathBodies: string[] = [];
  for (const { key, depth } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    const nameJson = JSON.stringify(key.name);
    let body: string;
    if (depth === 0) body = JSON.stringify(key.path).slice(1, -1);
    else {
      const parent = pathBodies[depth - 1]!;
      body = parent === '' ? nameJson.slice(1, -1) : `${parent}\\\\${nameJson.slice(1, -1)}`;
    }
    pathBodies[depth] = body;
    let text = (n === 1 ? '\n' : ',\n') + keyJsonText(hive, key, `"${body}"`, nameJson) + ',"values":[';
    const values = hive.values(key);
    for (let i = 0; i < values.length; i++) text += (i === 0 ? '' : ',') + valueJsonText(hive, values[i]!);
    sink.add(text + ']}');
    const chunk = sink.take(false);
    if (chunk !== undefined) yield chunk;
  }
  sink.add('\n]}\n');
  const chunk = sink.take(true);
  if (chunk !== undefined) yield chunk;
}

/** regedit's quoting inside "…": backslash and double quote escaped. */
function regQuote(s: string): string {
  if (s.indexOf('\\') < 0 && s.indexOf('"') < 0) return s;
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

const HEX_DIGITS = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]; // 0-9a-f
let hexScratch = new Uint8Array(1 << 16);

/**
 * hex bytes in regedit's layout: comma separated, lines continued with "\" at about 80 columns.
 * The text is laid out as bytes in a scratch buffer and made a string once (a string append
 * per byte made the .reg export of binary-heavy hives slow).
 */
function regHex(prefix: string, data: Uint8Array): string {
  // At most 3 characters per byte plus a 5-character line break per byte.
  if (hexScratch.length < data.length * 8) hexScratch = new Uint8Array(data.length * 8);
  const out = hexScratch;
  let n = 0;
  let line = prefix.length;
  const last = data.length - 1;
  for (let i = 0; i <= last; i++) {
    const b = data[i]!;
    out[n++] = HEX_DIGITS[b >> 4]!;
    out[n++] = HEX_DIGITS[b & 15]!;
    line += 2;
    if (i < last) {
      out[n++] = 0x2c; // ,
      line++;
      if (line > 76) {
        out[n++] = 0x5c; // \
        out[n++] = 0x0d;
        out[n++] = 0x0a;
        out[n++] = 0x20;
        out[n++] = 0x20;
        line = 2;
      }
    }
  }
  return prefix + decodeLatin1At(out, 0, n);
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

/** exportReg's text in chunks of about 64 KiB, synchronously. */
export function exportRegChunks(hive: Hive, from?: RegKey, options: RegExportOptions = {}): Generator<string> {
  return exportRegTo(hive, from, options, new StringChunks());
}

/** exportReg's text into a sink: the head line, then one text per key with its values. */
export function* exportRegTo<T>(hive: Hive, from: RegKey | undefined, options: RegExportOptions, sink: TextSink<T>): Generator<T> {
  const prefix = options.prefix ?? 'HKEY_LOCAL_MACHINE\\HIVE';
  sink.add('Windows Registry Editor Version 5.00\r\n\r\n');
  let n = 0;
  for (const { key } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    let text = `[${prefix}${key.path ? '\\' + key.path : ''}]\r\n`;
    for (const v of hive.values(key)) {
      if (v.tombstone) continue;
      text += regValueLine(v.name, v.type, hive.valueData(v)) + '\r\n';
    }
    sink.add(text + '\r\n');
    const chunk = sink.take(false);
    if (chunk !== undefined) yield chunk;
  }
  const chunk = sink.take(true);
  if (chunk !== undefined) yield chunk;
}
