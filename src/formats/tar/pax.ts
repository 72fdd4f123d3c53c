// PAX extended-header records: "<len> <key>=<value>\n", <len> counting the whole record
// including its own digits (Go archive/tar formatPAXRecord / parsePAXRecord).

import { corrupt, invalidArgument } from '../../errors.js';
import { compareUtf8 } from './windows.js';

/** Go refuses extended headers larger than this (maxSpecialFileSize); so do we. */
export const MAX_PAX_SIZE = 1 << 20;

export function formatPaxRecord(key: string, value: string): string {
  if (key === '' || key.includes('=') || key.includes('\0') || value.includes('\0')) {
    throw invalidArgument(`invalid PAX record key '${key}' (empty, or contains '=' or NUL) or value containing NUL`, { key });
  }
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let size = bodyLen + String(bodyLen).length;
  // Adding the length digits may add one more digit; recompute once, as Go does.
  if (String(size).length + bodyLen !== size) size = String(size).length + bodyLen;
  return `${size}${body}`;
}

/** Records sorted by key in byte order (Go sorts keys before writing). */
export function formatPaxRecords(records: Map<string, string>): Buffer {
  const keys = [...records.keys()].sort(compareUtf8);
  return Buffer.from(keys.map((k) => formatPaxRecord(k, records.get(k)!)).join(''), 'utf8');
}

/** Parses a whole extended header; later duplicates win. `where` names the entry for messages. */
export function parsePaxRecords(data: Buffer, where: string, at: number): Map<string, string> {
  const out = new Map<string, string>();
  const hasNul = data.indexOf(0) >= 0; // without one, no record needs the NUL checks
  let pos = 0;
  const fail = (why: string) => corrupt(`${where}: malformed PAX record at byte ${pos} of the extended header at offset ${at}: ${why}`, { offset: at, entry: where });
  while (pos < data.length) {
    // The usual length field, a few digits and a space, is read in place; anything else takes
    // the general path below, which also words the errors.
    let space = pos;
    let len = 0;
    while (space < data.length && space - pos < 15 && data[space]! >= 0x30 && data[space]! <= 0x39) len = len * 10 + data[space++]! - 0x30;
    if (space === pos || data[space] !== 0x20) {
      space = data.indexOf(0x20, pos);
      if (space < 0 || space - pos > 20) throw fail('no length field');
      const lenText = data.toString('latin1', pos, space);
      if (!/^[0-9]+$/.test(lenText)) throw fail(`length '${lenText}' is not a decimal number`);
      len = Number(lenText);
    }
    if (len < 5 || pos + len > data.length || len <= space - pos + 1) throw fail(`length ${len} does not fit the ${data.length - pos} bytes left`);
    const end = pos + len;
    if (data[end - 1] !== 0x0a) throw fail('record does not end in a newline');
    const eq = data.indexOf(0x3d, space + 1);
    if (eq < 0 || eq >= end - 1) throw fail("no '=' in the record");
    const key = data.toString('utf8', space + 1, eq);
    const value = data.toString('utf8', eq + 1, end - 1);
    if (key === '' || (hasNul && (key.includes('\0') || value.includes('\0')))) throw fail('empty key or NUL in the record');
    out.set(key, value);
    pos = end;
  }
  return out;
}
