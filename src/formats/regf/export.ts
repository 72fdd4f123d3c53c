// Whole-hive exports as text streams (async generators of chunks, so a caller can pipe them to
// a file with back-pressure): JSON (one object per key with its values) and .reg (REGEDIT5).
// The text is written directly, key by key, as the walk reaches it: no object per key or value
// and no JSON.stringify of objects (the export of a large hive was mostly that and its garbage).
// JSON goes straight into UTF-8 bytes (json-out.ts), .reg into strings the caller encodes.
// The JSON text is exactly JSON.stringify of keyJson/valueJson (query.ts) with the values array
// added; test/regf/export.test.ts holds the two to each other over the whole corpus.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import type { Hive, RegKey, RegValue } from './reader.js';
import { decodeLatin1At } from './names.js';
import { decodeUtf16le } from '../backup/utf16.js';
import { JsonOut } from './json-out.js';
import { REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_EXPAND_SZ, REG_LINK, REG_MULTI_SZ, REG_QWORD, REG_SZ, typeName } from './values.js';

/** .reg text is handed on in chunks of about this many characters. */
const CHUNK = 1 << 16;

const LAYER_NAMES = ['merge', 'tombstone', 'supersedeLocal', 'supersedeTree'];

/**
 * A 64-bit unsigned number given as two 32-bit halves, in decimal, exactly, without BigInt
 * (written as bytes by writeU64; this string form is for tests and callers of strings).
 */
export function u64Decimal(hi: number, lo: number): string {
  const out = new JsonOut(24);
  writeU64(out, hi, lo);
  return decodeLatin1At(out.buf, 0, out.n);
}

/** 2^32 = 42949 * 10^5 + 67296, so hi * 2^32 + lo = (hi * 42949) * 10^5 + (hi * 67296 + lo), and both parts stay below 2^53. */
function writeU64(out: JsonOut, hi: number, lo: number): void {
  const b = hi * 67296 + lo;
  const top = hi * 42949 + Math.floor(b / 100000);
  const low = b % 100000;
  if (top === 0) out.uint(low);
  else {
    out.uint(top);
    out.digits(low, 5);
  }
}

/** FILETIME halves → milliseconds since the Unix epoch (floor), exactly: 2^32 = 429496 * 10^4 + 7296. */
function filetimeHalvesToUnixMs(hi: number, lo: number): number {
  return hi * 429496 + Math.floor((hi * 7296 + lo) / 10000) - 11644473600000;
}

const MAX_DATE_MS = 8_640_000_000_000_000;

/** new Date(ms).toISOString() by writeIso (for tests and callers of strings). */
export function isoFromUnixMs(ms: number): string {
  const out = new JsonOut(32);
  writeIso(out, ms);
  return decodeLatin1At(out.buf, 0, out.n);
}

/**
 * new Date(ms).toISOString() written as bytes without a Date (a key's time is written for every
 * key): the civil date from the day count (the proleptic Gregorian calendar, as Date uses), for
 * years 0000-9999; other years go through Date, whose form for them is ±YYYYYY.
 */
function writeIso(out: JsonOut, ms: number): void {
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
  if (year < 0 || year > 9999) {
    out.ascii(new Date(ms).toISOString());
    return;
  }
  out.room(24);
  out.digits(year, 4);
  out.byte(0x2d); // -
  out.digits(month, 2);
  out.byte(0x2d);
  out.digits(day, 2);
  out.byte(0x54); // T
  out.digits(hour, 2);
  out.byte(0x3a); // :
  out.digits(minute, 2);
  out.byte(0x3a);
  out.digits(second, 2);
  out.byte(0x2e); // .
  out.digits(milli, 3);
  out.byte(0x5a); // Z
}

/** A key's timestamps: filetimeToIso (ISO at ms precision, null out of range) and the raw decimal. */
function writeTimestamp(out: JsonOut, hi: number, lo: number): void {
  const ms = filetimeHalvesToUnixMs(hi, lo);
  if (ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS) {
    out.ascii('"timestamp":"');
    writeIso(out, ms);
    out.ascii('","timestampRaw":"');
  } else out.ascii('"timestamp":null,"timestampRaw":"');
  writeU64(out, hi, lo);
  out.byte(0x22);
}

/** The start of each value's JSON up to its size: {"name": is written apart; this is ,"type":…,"size":. */
const TYPE_HEAD = new Map<number, Uint8Array>();

function typeHead(type: number): Uint8Array {
  let head = TYPE_HEAD.get(type);
  if (head) return head;
  head = asciiBytes(`,"type":"${typeName(type)}","typeCode":${type},"size":`);
  // Kept for the named types and the first unnamed ones a hive uses (a damaged hive may use millions).
  if (TYPE_HEAD.size < 1024) TYPE_HEAD.set(type, head);
  return head;
}

/**
 * Texts made once and written often are kept as bytes: a string built from parts is a rope,
 * and reading one character at a time from a rope is slow.
 */
function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/**
 * JSON.stringify(valueJson(hive, v, true)): the decoded value where the type and size allow one,
 * and the base64 bytes unless the decoded value gives them back exactly.
 */
function writeValue(out: JsonOut, hive: Hive, v: RegValue): void {
  const type = v.type;
  out.ascii('{"name":');
  out.string(v.name);
  const head = typeHead(type);
  out.bytes(head, 0, head.length);
  // The common inline DWORD needs no data buffer: its bytes are the data field itself.
  if (v.inline && v.size === 4 && !v.tombstone && (type === REG_DWORD || type === REG_DWORD_BIG_ENDIAN)) {
    const f = v.dataField;
    out.ascii('4,"value":');
    out.uint(type === REG_DWORD ? f : ((f & 0xff) << 24 | (f & 0xff00) << 8 | (f >>> 8) & 0xff00 | f >>> 24) >>> 0);
    out.byte(0x7d);
    return;
  }
  const p = hive.valueDataAt(v);
  const data = hive.current;
  const size = v.tombstone ? 0 : v.size;
  out.uint(size);
  let exact = false;
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      if (size % 2 === 0) {
        // The string ends at the first NUL unit; it gives the bytes back when that NUL is the last unit.
        let end = p;
        while (end < p + size && (data[end] !== 0 || data[end + 1] !== 0)) end += 2;
        out.ascii(',"value":');
        out.utf16String(data, p, end);
        exact = end === p + size - 2;
      }
      break;
    case REG_MULTI_SZ:
      if (size % 2 === 0) {
        exact = writeMulti(out, data, p, p + size);
      }
      break;
    case REG_DWORD:
    case REG_DWORD_BIG_ENDIAN:
      if (size === 4) {
        const le = (data[p]! | data[p + 1]! << 8 | data[p + 2]! << 16 | data[p + 3]! << 24) >>> 0;
        const be = (data[p + 3]! | data[p + 2]! << 8 | data[p + 1]! << 16 | data[p]! << 24) >>> 0;
        out.ascii(',"value":');
        out.uint(type === REG_DWORD ? le : be);
        exact = true;
      }
      break;
    case REG_QWORD:
      if (size === 8) {
        const lo = (data[p]! | data[p + 1]! << 8 | data[p + 2]! << 16 | data[p + 3]! << 24) >>> 0;
        const hi = (data[p + 4]! | data[p + 5]! << 8 | data[p + 6]! << 16 | data[p + 7]! << 24) >>> 0;
        out.ascii(',"value":"');
        writeU64(out, hi, lo);
        out.byte(0x22);
        exact = true;
      }
      break;
  }
  if (!exact) {
    out.ascii(',"data":"');
    out.base64(data, p, p + size);
    out.byte(0x22);
  }
  if (v.tombstone) out.ascii(',"tombstone":true');
  out.byte(0x7d);
}

/**
 * ,"value":[…] of REG_MULTI_SZ data at bytes [start, end) (an even count): the strings between
 * NUL units, without the empty strings at the end (the terminator's). Returns whether they give
 * the bytes back exactly: each string and its NUL, then one more NUL.
 */
function writeMulti(out: JsonOut, data: Uint8Array, start: number, end: number): boolean {
  // Past the last non-NUL unit, only empty strings are left.
  let last = end;
  while (last > start && data[last - 2] === 0 && data[last - 1] === 0) last -= 2;
  out.ascii(',"value":[');
  if (last > start) {
    let from = start;
    for (let i = start; i < last; i += 2) {
      if (data[i] !== 0 || data[i + 1] !== 0) continue;
      out.utf16String(data, from, i);
      out.byte(0x2c);
      from = i + 2;
    }
    out.utf16String(data, from, last);
  }
  out.byte(0x5d);
  // Strings and their NULs fill [start, last + 2); one more NUL ends the list.
  return last > start ? end - start === last - start + 4 : end - start === 2;
}

/** Text is handed on in chunks of about this many bytes. */
const OUT_CHUNK = 1 << 20;
/** A chunk is handed on once a key leaves less than this free (most keys' text is far shorter). */
const OUT_SLACK = 1 << 16;

/**
 * The output buffers of a finished JSON export, kept for the next one: memory fresh from the
 * system costs a page fault per 4 KiB on first touch (a warm backend exports one hive after another).
 */
const spareOuts: JsonOut[] = [];

function takeOut(): JsonOut {
  const out = spareOuts.pop() ?? new JsonOut(OUT_CHUNK);
  out.n = 0;
  return out;
}

function giveBack(out: JsonOut): void {
  // A buffer that grew for one large key is kept (up to 4 MiB), one that grew for a huge value is not.
  if (out.buf.length <= 4 * OUT_CHUNK && spareOuts.length < 2) spareOuts.push(out);
}

/**
 * JSON document: {"format":"wclayer-hive-export","version":1,"header":{…},"keys":[{…key,
 * "values":[…]}, …]} with keys in depth-first order, parents first. Values carry their decoded
 * form, plus the base64 bytes whenever the decoded form would not give them back exactly.
 */
export async function* exportJson(hive: Hive, from?: RegKey, options: TaskOptions = {}): AsyncGenerator<string> {
  // Chunks end between keys, so never inside a character.
  const decoder = new TextDecoder();
  for (const chunk of exportJsonBytes(hive, from, options)) yield decoder.decode(chunk);
}

/**
 * exportJson's text as UTF-8 in chunks of about 1 MiB, made synchronously (the walk reads cells
 * synchronously). Two buffers take turns, so a chunk is valid only until the next one is asked
 * for: consumers write each chunk out completely first (the last one too: the buffers go on to
 * the next export). A key's text is never split, so one key larger than a chunk (a huge value)
 * makes its chunk larger.
 */
export function* exportJsonBytes(hive: Hive, from?: RegKey, options: TaskOptions = {}): Generator<Uint8Array> {
  let out = takeOut();
  let spare = takeOut();
  try {
    yield* writeJson(hive, from, options, out, spare);
  } finally {
    giveBack(out);
    giveBack(spare);
  }
}

/** The JSON export's "header" object. */
export function exportHeader(hive: Hive): Record<string, number | boolean> {
  const h = hive.header;
  return {
    majorVersion: h.majorVersion,
    minorVersion: h.minorVersion,
    primarySequence: h.primarySequence,
    secondarySequence: h.secondarySequence,
    flags: h.flags,
    layered: hive.layered,
    wasDirty: hive.wasDirty,
    logsReplayed: hive.replay?.entriesApplied ?? 0,
  };
}

/** exportJsonBytes' text written into `out` and `spare` taking turns. */
function* writeJson(hive: Hive, from: RegKey | undefined, options: TaskOptions, out: JsonOut, spare: JsonOut): Generator<Uint8Array> {
  out.ascii(`{"format":"wclayer-hive-export","version":1,"header":${JSON.stringify(exportHeader(hive))},"keys":[`);
  let n = 0;
  const path = new KeyPaths();
  // The loop stays small and the work per key is a plain function: the JIT optimizes that once,
  // where a large generator body is optimized on the stack and again after each rare path.
  for (const { key, depth } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    // Rare cases stay here, out of the functions the JIT optimizes (a branch first taken before
    // it collects feedback would throw their optimized code away when taken again).
    if (depth === 0) path.start(key);
    else path.enter(key, depth);
    out.ascii(n === 1 ? '\n' : ',\n');
    writeKey(out, hive, key, path);
    if (out.n > OUT_CHUNK - OUT_SLACK) {
      yield out.buf.subarray(0, out.n);
      [out, spare] = [spare, out];
      out.n = 0;
    }
  }
  out.ascii('\n]}\n');
  yield out.buf.subarray(0, out.n);
}

/**
 * The JSON text of the current key's path without its quotes, and where it ends at each depth:
 * a key's is its parent's, an escaped backslash and its own name's (JSON escapes character by
 * character, so the parts add up). Keys come parents first, so the parent's is still there.
 */
class KeyPaths {
  readonly text = new JsonOut(4096);
  /** The path is text[0, end); the name's JSON text (without quotes) text[nameStart, nameEnd). */
  end = 0;
  nameStart = 0;
  nameEnd = 0;
  private readonly ends: number[] = [];

  /** The key an export starts from: its whole path, and its name after it (the root's path is ''). */
  start(key: RegKey): void {
    const t = this.text;
    t.n = 0;
    t.stringBody(key.path);
    this.end = this.ends[0] = this.nameStart = t.n;
    t.stringBody(key.name);
    this.nameEnd = t.n;
  }

  enter(key: RegKey, depth: number): void {
    const t = this.text;
    t.n = this.ends[depth - 1]!;
    if (t.n > 0) t.ascii('\\\\');
    this.nameStart = t.n;
    t.stringBody(key.name);
    this.end = this.ends[depth] = this.nameEnd = t.n;
  }
}

/** One key's JSON object with its values. */
function writeKey(out: JsonOut, hive: Hive, key: RegKey, path: KeyPaths): void {
  const t = path.text;
  out.ascii('{"path":"');
  out.bytes(t.buf, 0, path.end);
  out.ascii('","name":"');
  out.bytes(t.buf, path.nameStart, path.nameEnd);
  out.byte(0x22);
  out.byte(0x2c);
  writeTimestamp(out, key.timeHigh, key.timeLow);
  out.ascii(',"subkeyCount":');
  out.uint(key.subkeyCount);
  out.ascii(',"valueCount":');
  out.uint(key.valueCount);
  out.ascii(',"flags":');
  out.uint(key.flags);
  const cls = hive.className(key);
  if (cls !== undefined) {
    out.ascii(',"className":');
    out.string(cls);
  }
  if (hive.layered && key.layerByte !== 0) out.ascii(`,"layer":"${LAYER_NAMES[key.layerSemantics]!}","inheritClass":${key.inheritClass}`);
  out.ascii(',"values":[');
  const values = hive.values(key);
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out.byte(0x2c);
    writeValue(out, hive, values[i]!);
  }
  out.ascii(']}');
}

/** Where a .reg export's text goes as it is made, key by key; take() hands on a chunk once enough has gathered. */
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
