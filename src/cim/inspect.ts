// What the RPC methods and the CLI show about an image: a summary of the image and its files,
// and one JSON-ready object per item (Windows metadata, bytes as base64, FILETIMEs as ISO text
// plus the exact value as a decimal string).

import { promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { CimImage, CimStat } from '../formats/cim/reader.js';
import { objectIdFileName, guidFromString } from '../formats/cim/layout.js';
import { sdToSddl } from '../formats/backup/sddl.js';
import { filetimeToIsoMillis } from '../formats/backup/filetime.js';
import { WcError } from '../errors.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';

const REGION_TYPE_NAMES = ['metadata', 'data', 'smallData'];

export interface CimImageSummary {
  path: string;
  name: string;
  version: string;
  formatMajor: number;
  formatMinor: number;
  regionSetId: string;
  /** The raw header fields: where the Filesystem object is, and the reserved values. */
  header: { filesystemOffset: { region: number; offset: number }; reserved: { common13: number; common24: string; header64: number } };
  parents: { regionSetId: string; regionCount: number }[];
  regionFiles: { name: string; index: number; type: string; size: number; inherited: boolean }[];
  objectIdFiles: { name: string; size: number }[];
  fileRecords: number;
  files: number;
  directories: number;
  extraLinks: number;
  alternateStreams: number;
  dataBytes: number;
  /** The `.cim` file itself. */
  cimFileBytes: number;
  /** This image's own region and objectid files (what hcsshim's GetCimUsage counts). */
  ownBytes: number;
  /** Region files shared with parent images. */
  parentBytes: number;
}

export async function summarizeImage(img: CimImage, cimPath: string, options: TaskOptions = {}): Promise<CimImageSummary> {
  const full = resolve(cimPath);
  const dir = dirname(full);
  const h = img.header;
  const regionFiles = img.regionInfo.map((r) => ({ name: r.fileName, index: r.index, type: REGION_TYPE_NAMES[r.type] ?? `type ${r.type}`, size: r.size, inherited: r.inherited }));
  const objectIdFiles: { name: string; size: number }[] = [];
  const ownId = guidFromString(h.regionSetId);
  for (let i = 0; i < h.regionCount; i++) {
    const name = objectIdFileName(ownId, i);
    const st = await fs.stat(join(dir, name)).catch(() => undefined);
    if (st) objectIdFiles.push({ name, size: st.size });
  }
  let files = 0;
  let directories = 0;
  let extraLinks = 0;
  let alternateStreams = 0;
  let dataBytes = 0;
  const seen = new Set<number>();
  for await (const w of img.walk()) {
    throwIfCancelled(options.signal, 'summarizing the image');
    if (seen.has(w.fileId)) {
      extraLinks++;
      continue;
    }
    seen.add(w.fileId);
    const st = await img.stat(w.fileId);
    if (st.isDirectory) directories++;
    else {
      files++;
      dataBytes += st.size;
    }
    alternateStreams += st.alternateStreams.length;
    if (seen.size % 1000 === 0) options.onProgress?.({ entriesDone: seen.size, message: w.path });
  }
  const cimStat = await fs.stat(full);
  const ownBytes = regionFiles.filter((r) => !r.inherited).reduce((n, r) => n + r.size, 0) + objectIdFiles.reduce((n, o) => n + o.size, 0);
  return {
    path: full,
    name: basename(full),
    version: `${h.version.major}.${h.version.minor}`,
    formatMajor: h.version.major,
    formatMinor: h.version.minor,
    regionSetId: h.regionSetId,
    header: { filesystemOffset: h.filesystemOffset, reserved: h.reserved },
    parents: h.parents,
    regionFiles,
    objectIdFiles,
    fileRecords: img.fileIdCount,
    files,
    directories,
    extraLinks,
    alternateStreams,
    dataBytes,
    cimFileBytes: cimStat.size,
    ownBytes,
    parentBytes: regionFiles.filter((r) => r.inherited).reduce((n, r) => n + r.size, 0),
  };
}

/** FILETIME as ISO-8601 (millisecond precision), or null when unset (0) or outside what a Date can hold. */
export function filetimeToIso(ft: bigint): string | null {
  return ft === 0n ? null : filetimeToIsoMillis(ft);
}

const ATTRIBUTE_NAMES: [number, string][] = [
  [0x1, 'ReadOnly'],
  [0x2, 'Hidden'],
  [0x4, 'System'],
  [0x10, 'Directory'],
  [0x20, 'Archive'],
  [0x200, 'SparseFile'],
  [0x400, 'ReparsePoint'],
];

export function attributeNames(a: number): string {
  const names = ATTRIBUTE_NAMES.filter(([bit]) => a & bit).map(([, n]) => n);
  return names.length ? names.join(', ') : 'Normal';
}

export interface CimItem {
  path: string;
  name: string;
  fileId: number;
  isDirectory: boolean;
  size: number;
  attributes: number;
  attributesText: string;
  creationTime: string | null;
  lastAccessTime: string | null;
  lastWriteTime: string | null;
  changeTime: string | null;
  /** The exact FILETIME values as decimal strings. */
  creationTimeRaw: string;
  lastAccessTimeRaw: string;
  lastWriteTimeRaw: string;
  changeTimeRaw: string;
  securityDescriptor: string | null;
  /** SDDL text of securityDescriptor; null without one or when it cannot be rendered (see sddlOf). */
  sddl: string | null;
  extendedAttributes: { name: string; flags: number; value: string }[];
  reparseTag: number;
  reparseData: string | null;
  alternateStreams: { name: string; size: number }[];
  streamType: string;
  sparse: boolean;
}

/**
 * The SDDL of a descriptor, or null: a descriptor SDDL cannot express (Unsupported) or that
 * does not parse (Corrupt) is still shown as base64, so one odd file does not stop a listing.
 */
export function sddlOf(securityDescriptor: Uint8Array | undefined): string | null {
  if (!securityDescriptor) return null;
  try {
    return sdToSddl(securityDescriptor);
  } catch (e) {
    if (e instanceof WcError && (e.code === 'Unsupported' || e.code === 'Corrupt')) return null;
    throw e;
  }
}

const b64 = (b: Uint8Array | undefined): string | null => (b ? Buffer.from(b).toString('base64') : null);

export function toItem(path: string, st: CimStat): CimItem {
  const i = st.info;
  const parts = path.split(/[\\/]/).filter(Boolean);
  return {
    path: parts.join('\\'),
    name: parts[parts.length - 1] ?? '',
    fileId: st.fileId,
    isDirectory: st.isDirectory,
    size: st.isDirectory ? 0 : st.size,
    attributes: i.attributes,
    attributesText: attributeNames(i.attributes),
    creationTime: filetimeToIso(i.creationTime),
    lastAccessTime: filetimeToIso(i.lastAccessTime),
    lastWriteTime: filetimeToIso(i.lastWriteTime),
    changeTime: filetimeToIso(i.changeTime),
    creationTimeRaw: i.creationTime.toString(),
    lastAccessTimeRaw: i.lastAccessTime.toString(),
    lastWriteTimeRaw: i.lastWriteTime.toString(),
    changeTimeRaw: i.changeTime.toString(),
    securityDescriptor: b64(i.securityDescriptor),
    sddl: sddlOf(i.securityDescriptor),
    extendedAttributes: (i.extendedAttributes ?? []).map((e) => ({ name: e.name, flags: e.flags, value: Buffer.from(e.value).toString('base64') })),
    reparseTag: st.reparseTag,
    reparseData: b64(i.reparseData),
    alternateStreams: st.alternateStreams.map((s) => ({ name: s.name, size: s.size })),
    streamType: st.streamType,
    sparse: st.sparse,
  };
}

/** The items directly in `itemPath` (or everything below it with `recurse`), in stored order. */
export async function* listItems(img: CimImage, itemPath = '', recurse = false, options: TaskOptions = {}): AsyncGenerator<CimItem> {
  const id = await img.lookup(itemPath);
  const prefix = itemPath.split(/[\\/]/).filter(Boolean).join('\\');
  const st = await img.stat(id);
  if (!st.isDirectory) {
    yield toItem(prefix, st);
    return;
  }
  if (!recurse) {
    for (const e of await img.list(id)) {
      throwIfCancelled(options.signal, 'listing the image');
      yield toItem(prefix ? `${prefix}\\${e.name}` : e.name, await img.stat(e.fileId));
    }
    return;
  }
  let n = 0;
  for await (const w of img.walk(id, prefix)) {
    throwIfCancelled(options.signal, 'listing the image');
    yield toItem(w.path, await img.stat(w.fileId));
    if (++n % 1000 === 0) options.onProgress?.({ entriesDone: n, message: w.path });
  }
}
