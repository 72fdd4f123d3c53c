// hivex as the independent reader: run hivexml and turn its XML into a flat, comparable list
// of lines, and build the same list from our reader with hivex's display rules. The hivex tools
// (Debian package libhivex-bin) must be installed: the tests fail, never skip, without them.

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { tempDir } from './corpus.js';
import type { Hive } from '../../src/formats/regf/reader.js';
import { decodeUtf16le as decodeUtf16 } from '../../src/formats/backup/utf16.js';

export function requireTool(name: string): void {
  const r = spawnSync(name, ['--help'], { encoding: 'utf8' });
  assert.ok(!r.error, `${name} is not installed (apt-get install libhivex-bin): ${r.error?.message}`);
}

export interface HivexRun {
  status: number;
  stdout: string;
  stderr: string;
}

export function hivexml(path: string): HivexRun {
  requireTool('hivexml');
  // hivexml opens /dev/stdout by name, which fails on a pipe: give it a real file.
  const out = join(tempDir(), `hivexml-${process.pid}-${Math.random().toString(36).slice(2)}.xml`);
  const fd = openSync(out, 'w');
  try {
    const r = spawnSync('hivexml', [path], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    return { status: r.status ?? -1, stdout: readFileSync(out, 'utf8'), stderr: r.stderr };
  } finally {
    closeSync(fd);
    rmSync(out, { force: true });
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-z_]+)="([^"]*)"/g)) out[m[1]!] = unescapeXml(m[2]!);
  return out;
}

interface XmlValue {
  name: string;
  type: string;
  encoding?: string;
  attr?: string;
  start: number;
  strings: string[];
}

function payloadOf(v: XmlValue, text: string): string {
  if (v.type === 'string-list') return JSON.stringify(v.strings);
  const raw = v.attr ?? text;
  return v.encoding === 'base64' ? Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('hex') : JSON.stringify(raw);
}

/** hivexml output → lines: `K depth name mtime`, `V name type payload`. */
export function linesFromHivexml(xml: string): string[] {
  const out: string[] = [];
  const body = xml.replace(/<byte_runs>[\s\S]*?<\/byte_runs>/g, '');
  const re = /<(\/?)(hive|node|value|mtime|string)((?:\s+[a-z_]+="[^"]*")*)\s*(\/?)>/g;
  let depth = -1;
  let m: RegExpExecArray | null;
  let pendingNode: { name: string; depth: number } | undefined;
  let value: XmlValue | undefined;
  let stringStart = 0;
  let mtimeStart = 0;
  while ((m = re.exec(body))) {
    const [whole, close, tag, attrText, selfClose] = m;
    if (tag === 'node' && !close) {
      const a = attrs(attrText!);
      if (pendingNode) out.push(`K ${pendingNode.depth} ${pendingNode.name} -`);
      depth++;
      pendingNode = { name: a.name ?? '', depth };
      if (selfClose) {
        out.push(`K ${depth} ${a.name} -`);
        depth--;
        pendingNode = undefined;
      }
    } else if (tag === 'node' && close) {
      if (pendingNode) out.push(`K ${pendingNode.depth} ${pendingNode.name} -`);
      pendingNode = undefined;
      depth--;
    } else if (tag === 'mtime' && !close) {
      mtimeStart = m.index + whole!.length;
    } else if (tag === 'mtime' && close) {
      const t = body.slice(mtimeStart, m.index);
      if (pendingNode) {
        out.push(`K ${pendingNode.depth} ${pendingNode.name} ${t}`);
        pendingNode = undefined;
      } else if (depth < 0) out.push(`H ${t}`);
    } else if (tag === 'value' && !close) {
      if (pendingNode) {
        out.push(`K ${pendingNode.depth} ${pendingNode.name} -`);
        pendingNode = undefined;
      }
      const a = attrs(attrText!);
      value = { name: a.default === '1' ? '' : (a.key ?? ''), type: a.type ?? '?', start: m.index + whole!.length, strings: [] };
      if (a.encoding) value.encoding = a.encoding;
      // Newer hivexml puts the data in a value="" attribute, older ones in the element text.
      if (a.value !== undefined) value.attr = a.value;
      if (selfClose) {
        out.push(`V ${value.name} ${value.type} ${payloadOf(value, '')}`);
        value = undefined;
      }
    } else if (tag === 'value' && close && value) {
      out.push(`V ${value.name} ${value.type} ${payloadOf(value, unescapeXml(body.slice(value.start, m.index)))}`);
      value = undefined;
    } else if (tag === 'string' && !close) {
      stringStart = m.index + whole!.length;
    } else if (tag === 'string' && close && value) {
      value.strings.push(unescapeXml(body.slice(stringStart, m.index)));
    }
  }
  return out;
}

/** hivex shows names as C strings: everything from the first NUL on is cut. */
function cName(s: string): string {
  const i = s.indexOf('\0');
  return i >= 0 ? s.slice(0, i) : s;
}

function isoSeconds(ft: bigint): string {
  const signed = BigInt.asIntN(64, ft);
  const secs = signed / 10000000n - 11644473600n;
  return new Date(Number(secs) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validUtf16(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** Our reader's view of a value in hivexml's terms (its type names and display rules). */
export function hivexValueLine(name: string, type: number, data: Uint8Array): string {
  const hex = Buffer.from(data.buffer, data.byteOffset, data.length).toString('hex');
  const dv = new DataView(data.buffer, data.byteOffset, data.length);
  const n = cName(name);
  switch (type) {
    case 0:
      return `V ${n} none ${hex}`;
    case 1:
    case 2:
    case 6: {
      const t = type === 1 ? 'string' : type === 2 ? 'expand' : 'link';
      // hivex converts up to the first NUL and ignores what follows it.
      const s = cName(decodeUtf16(data.subarray(0, data.length & ~1)));
      if (!validUtf16(s)) return `V ${n} bad-${t} ${hex}`;
      return `V ${n} ${t} ${JSON.stringify(s)}`;
    }
    case 3:
      return `V ${n} binary ${hex}`;
    // hivex reads the first 4 (8) bytes when there are at least that many, else shows -1.
    case 4:
      return `V ${n} int32 ${JSON.stringify(String(data.length >= 4 ? dv.getInt32(0, true) : -1))}`;
    case 5:
      return `V ${n} int32 ${JSON.stringify(String(data.length >= 4 ? dv.getInt32(0, false) : -1))}`;
    case 11:
      return `V ${n} int64 ${JSON.stringify(String(data.length >= 8 ? dv.getBigInt64(0, true) : -1))}`;
    case 7: {
      // hivex walks the bytes: each string runs to a NUL code unit (or the last whole unit)
      // and is kept even when empty; the walk then steps over the NUL.
      const list: string[] = [];
      let p = 0;
      while (p < data.length) {
        let q = p;
        while (q + 1 < data.length && (data[q] !== 0 || data[q + 1] !== 0)) q += 2;
        list.push(decodeUtf16(data.subarray(p, q)));
        p = q + 2;
      }
      if (!list.every(validUtf16)) return `V ${n} bad-string-list ${hex}`;
      return `V ${n} string-list ${JSON.stringify(list)}`;
    }
    case 8:
      return `V ${n} resource-list ${hex}`;
    case 9:
      return `V ${n} resource-description ${hex}`;
    case 10:
      return `V ${n} resource-requirements ${hex}`;
    default:
      return `V ${n} unknown ${hex}`;
  }
}

/** The same lines from our reader. */
export async function linesFromReader(hive: Hive): Promise<string[]> {
  const out: string[] = [];
  // hivex reports no hive time when the header's is 0 (not kept since Windows 8.1).
  if (BigInt.asIntN(64, hive.header.lastWritten) > 0n) out.push(`H ${isoSeconds(hive.header.lastWritten)}`);
  for await (const { key, depth } of hive.walk()) {
    // hivex shows no mtime for a zero timestamp.
    out.push(`K ${depth} ${cName(key.name)} ${BigInt.asIntN(64, key.timestamp) > 0n ? isoSeconds(key.timestamp) : '-'}`);
    for (const v of await hive.values(key)) out.push(hivexValueLine(v.name, v.type, await hive.valueData(v)));
  }
  return out;
}
