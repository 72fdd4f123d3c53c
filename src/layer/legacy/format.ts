// The portable legacy-layer folder: how Windows metadata is kept beside the data on an OS
// without BackupWrite. (The module overview is in src/layer/legacy/index.ts.)
//
//   <layer>/Files/...              default data streams at their own paths; real folders
//   <layer>/Hives/...              child layers: plain delta hive files
//   <layer>/UtilityVM/Files/...    base layers, or child layers that clone the parent's UVM
//   <layer>/bcd*.bak               pristine copies of the four UVM BCD files (moby layout)
//   <layer>/.wclayer/metadata.jsonl   one JSON record per entry, in writer order (below)
//   <layer>/.wclayer/streams/<n>      data of alternate stream number n
//   <layer>/.wclayer/tombstones.txt   Files\ deletions, in HCS's tombstones.txt format (3.3)
//
// metadata.jsonl: line 1 is the header, then one record per entry, then the seal:
//   {"wclayer":"legacy-layer","version":1,"kind":"base"|"import","parents":[...]}
//   {"k":"d","p":"Files/a","a":16,"t":["<creation>","<access>","<write>","<change>"],"sd":b64,"ea":[[name,b64,flags]],"rp":b64}
//   {"k":"f","p":"Files/a/x.txt","s":<size>, ...same metadata fields as "d"}
//   {"k":"s","p":"Files/a/x.txt","n":"<stream name>","s":<size>,"f":"<n>"}
//   {"k":"l","p":"<link name>","to":"<target>"}
// "d", "f" and "l" records carry "at" (the path on disk) only when it differs from "p": NTFS
// matches folder names case-insensitively, so 'Files/A/x' may live in the folder added as 'Files/a'.
//   {"end":true,"records":<count>,"bytes":<data bytes>}
// FILETIMEs are decimal strings (they exceed 2^53); "sd", "ea", "rp" are omitted when absent.
// A file without the seal line is an unfinished write and reads as Corrupt.

import { corrupt } from '../../errors.js';
import type { ExtendedAttribute, FileInfo } from '../../formats/entry.js';
import { checkLayerPath, checkStreamName } from '../paths.js';

export const META_DIR = '.wclayer';
export const META_FILE = 'metadata.jsonl';
export const STREAMS_DIR = 'streams';
export const TOMBSTONES_FILE = 'tombstones.txt';
export const FORMAT_NAME = 'legacy-layer';
export const FORMAT_VERSION = 1;

export type LayerKind = 'base' | 'import';

export interface Header {
  wclayer: typeof FORMAT_NAME;
  version: number;
  kind: LayerKind;
  parents: string[];
}

export interface Seal {
  end: true;
  records: number;
  bytes: number;
}

interface InfoFields {
  a: number;
  t: [string, string, string, string];
  sd?: string;
  ea?: [string, string, number][];
  rp?: string;
}

/** `at`: where the object is on disk, when that differs from `p` (a folder matched in another case). */
export type DirRecord = { k: 'd'; p: string; at?: string } & InfoFields;
export type FileRecord = { k: 'f'; p: string; s: number; at?: string } & InfoFields;
export interface StreamRecord {
  k: 's';
  p: string;
  n: string;
  s: number;
  f: string;
}
export interface LinkRecord {
  k: 'l';
  p: string;
  to: string;
  at?: string;
}
export type MetaRecord = DirRecord | FileRecord | StreamRecord | LinkRecord;

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export function infoFields(info: FileInfo): InfoFields {
  const f: InfoFields = {
    a: info.attributes >>> 0,
    t: [info.creationTime.toString(), info.lastAccessTime.toString(), info.lastWriteTime.toString(), info.changeTime.toString()],
  };
  if (info.securityDescriptor) f.sd = b64(info.securityDescriptor);
  if (info.extendedAttributes) f.ea = info.extendedAttributes.map((ea) => [ea.name, b64(ea.value), ea.flags]);
  if (info.reparseData) f.rp = b64(info.reparseData);
  return f;
}

export function fileInfoOf(r: DirRecord | FileRecord): FileInfo {
  const info: FileInfo = {
    attributes: r.a,
    creationTime: BigInt(r.t[0]),
    lastAccessTime: BigInt(r.t[1]),
    lastWriteTime: BigInt(r.t[2]),
    changeTime: BigInt(r.t[3]),
  };
  if (r.sd !== undefined) info.securityDescriptor = unb64(r.sd);
  if (r.ea !== undefined) info.extendedAttributes = r.ea.map(([name, value, flags]): ExtendedAttribute => ({ name, value: unb64(value), flags }));
  if (r.rp !== undefined) info.reparseData = unb64(r.rp);
  return info;
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isTime = (x: unknown): boolean => isStr(x) && /^-?\d{1,20}$/.test(x);

/** Parses and checks one record line; `where` names the file and line for errors. */
export function parseRecord(line: string, where: string): MetaRecord | Seal {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw corrupt(`${where}: not a JSON record`);
  }
  const fail = (why: string): never => {
    throw corrupt(`${where}: ${why}`);
  };
  if (r === null || typeof r !== 'object') fail('not a JSON object');
  if (r.end === true) {
    if (!isCount(r.records) || !isCount(r.bytes)) fail('bad seal record');
    return r as unknown as Seal;
  }
  if (!isStr(r.p)) fail('record without a path');
  for (const key of ['p', 'at'] as const) {
    if (r[key] === undefined) continue;
    if (!isStr(r[key])) fail(`bad ${key}`);
    try {
      checkLayerPath(r[key] as string, 'recorded');
    } catch (e) {
      fail((e as Error).message);
    }
  }
  switch (r.k) {
    case 'd':
    case 'f': {
      if (!isCount(r.a) || (r.a as number) > 0xffffffff) fail('bad attributes');
      if (!Array.isArray(r.t) || r.t.length !== 4 || !r.t.every(isTime)) fail('bad times');
      if (r.k === 'f' && !isCount(r.s)) fail('bad size');
      if (r.sd !== undefined && !isStr(r.sd)) fail('bad security descriptor');
      if (r.rp !== undefined && !isStr(r.rp)) fail('bad reparse data');
      if (r.ea !== undefined && !(Array.isArray(r.ea) && r.ea.every((e) => Array.isArray(e) && e.length === 3 && isStr(e[0]) && isStr(e[1]) && isCount(e[2])))) fail('bad extended attributes');
      break;
    }
    case 's':
      if (!isStr(r.n) || !isCount(r.s) || !isStr(r.f) || !/^\d+$/.test(r.f)) fail('bad stream record');
      try {
        checkStreamName(r.p as string, r.n as string);
      } catch (e) {
        fail((e as Error).message);
      }
      break;
    case 'l':
      if (!isStr(r.to)) fail('link record without a target');
      try {
        checkLayerPath(r.to as string, 'recorded link target');
      } catch (e) {
        fail((e as Error).message);
      }
      break;
    default:
      fail(`unknown record kind ${JSON.stringify(r.k)}`);
  }
  return r as unknown as MetaRecord;
}

export function parseHeader(line: string, where: string): Header {
  let h: Partial<Header>;
  try {
    h = JSON.parse(line) as Partial<Header>;
  } catch {
    throw corrupt(`${where}: not a wclayer legacy layer metadata file`);
  }
  if (h?.wclayer !== FORMAT_NAME) throw corrupt(`${where}: not a wclayer legacy layer metadata file`);
  if (h.version !== FORMAT_VERSION) throw corrupt(`${where}: unsupported metadata version ${String(h.version)}`);
  if (h.kind !== 'base' && h.kind !== 'import') throw corrupt(`${where}: bad layer kind ${JSON.stringify(h.kind)}`);
  if (!Array.isArray(h.parents) || !h.parents.every(isStr)) throw corrupt(`${where}: bad parent list`);
  return h as Header;
}

// tombstones.txt (hcsshim 3.3): UTF-8 BOM + "Version 1.0\n", then "\<path below Files, backslashes>\n".
const TOMBSTONE_MAGIC = '\ufeffVersion 1.0';

export function tombstoneLine(path: string): string {
  // path is 'Files/...': stored relative to Files with a leading backslash
  return `\\${path.slice('Files/'.length).replaceAll('/', '\\')}\n`;
}

export function tombstonesHeader(): string {
  return `${TOMBSTONE_MAGIC}\n`;
}

/** Parses tombstones.txt text into layer paths ('Files/...'); accepts LF and CRLF. */
export function parseTombstones(text: string, where: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[0] !== TOMBSTONE_MAGIC) throw corrupt(`${where}: invalid tombstones file`);
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    // The reference crashes on an empty line; here it is simply Corrupt.
    if (!l.startsWith('\\') || l.length < 2) throw corrupt(`${where}: invalid tombstones file (line ${i + 1})`, { line: i + 1 });
    const path = `Files/${l.slice(1).replaceAll('\\', '/')}`;
    try {
      checkLayerPath(path, 'tombstone');
    } catch (e) {
      throw corrupt(`${where}: ${(e as Error).message}`, { line: i + 1 });
    }
    out.push(path);
  }
  return out;
}
