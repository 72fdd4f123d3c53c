// Whole-hive exports as text streams (async generators of chunks, so a caller can pipe them to
// a file with back-pressure): JSON (one object per key with its values) and .reg (REGEDIT5).

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import type { Hive, RegKey } from './reader.js';
import { keyJson, valueJson, type KeyJson, type ValueJson } from './query.js';
import { decodeString, encodeString, REG_BINARY, REG_DWORD, REG_SZ } from './values.js';

/**
 * JSON document: {"format":"wclayer-hive-export","version":1,"header":{…},"keys":[{…key,
 * "values":[…]}, …]} with keys in depth-first order, parents first. Values carry their decoded
 * form, plus the base64 bytes whenever the decoded form would not give them back exactly.
 */
export async function* exportJson(hive: Hive, from?: RegKey, options: TaskOptions = {}): AsyncGenerator<string> {
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
  let first = true;
  let n = 0;
  let chunk = '';
  for (const { key } of hive.walk(from)) {
    if (++n % 512 === 0) {
      throwIfCancelled(options.signal, 'exporting the hive');
      options.onProgress?.({ entriesDone: n, message: key.path });
    }
    const k = keyJson(hive, key) as KeyJson & { values: ValueJson[] };
    k.values = hive.values(key).map((v) => valueJson(hive, v, true));
    chunk += (first ? '\n' : ',\n') + JSON.stringify(k);
    first = false;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk + '\n]}\n';
}

function regQuote(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** hex bytes in regedit's layout: comma separated, lines continued with "\" at about 80 columns. */
function regHex(prefix: string, data: Uint8Array): string {
  let out = prefix;
  let line = prefix.length;
  for (let i = 0; i < data.length; i++) {
    const part = data[i]!.toString(16).padStart(2, '0') + (i < data.length - 1 ? ',' : '');
    out += part;
    line += part.length;
    if (line > 76 && i < data.length - 1) {
      out += '\\\r\n  ';
      line = 2;
    }
  }
  return out;
}

export function regValueLine(name: string, type: number, data: Uint8Array): string {
  const lhs = name === '' ? '@=' : `"${regQuote(name)}"=`;
  if (type === REG_SZ && data.length % 2 === 0) {
    const s = decodeString(data);
    const again = encodeString(s);
    if (again.length === data.length && again.every((b, i) => b === data[i])) return `${lhs}"${regQuote(s)}"`;
  }
  if (type === REG_DWORD && data.length === 4) {
    return `${lhs}dword:${new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true).toString(16).padStart(8, '0')}`;
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
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}
