// Reading a CIM layer back as entries (for export to a tar), and describing or destroying one.
//
// A forked image holds the complete merged view (parent content included), and it does not
// record which directories a layer re-added or which whiteouts named nothing. So the writer
// keeps the layer's own changes as a journal (CHANGES_FILE, one JSON object a line, in writer
// order), and the reader replays it against the image: each added path is read from the image
// (metadata, data and the streams the journal names), links and whiteouts come back as they
// were written. Paths removed again later in the same layer are skipped. Entries the writer
// made itself (Hives/*_BASE, the Hives folder of a base layer, layout) are not in the journal,
// so an import followed by an export gives back the tar's own entries, Hives/*_Delta included
// byte for byte (the image keeps the delta files exactly as they were imported).

import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { WcError, corrupt, fromNodeError, isWcError } from '../../errors.js';
import type { Entry, FileInfo } from '../../formats/entry.js';
import type { CimImage } from '../../formats/cim/reader.js';
import { openCimImage } from '../../cim/image.js';
import { throwIfCancelled } from '../../task.js';
import { CHANGES_FILE, CIM_DIR, UVM_BUILD_FILE, cimNameFor, type ChangeRecord } from './format.js';
import { readMeta } from './writer.js';

export interface CimLayerReaderOptions {
  signal?: AbortSignal;
}

export interface CimLayerInfo {
  kind: 'cim';
  /** Parent layer folders, nearest first (empty for a base layer). */
  parents: string[];
  /** The layer's `.cim` file. */
  imagePath: string;
  hasUtilityVM: boolean;
  /** The utility VM's build from the layer's uvmbuildversion file, when it has one. */
  osBuild?: number;
}

/** What the layer folder says about itself; NotFound when it is not a CIM layer. */
export async function describeCimLayer(layerPath: string): Promise<CimLayerInfo> {
  const dir = resolve(layerPath);
  const meta = await readMeta(dir);
  if (!meta) throw new WcError('NotFound', `${dir} is not a CIM layer (no ${join(dir, '…')} record)`, { path: dir });
  const imagePath = join(dir, CIM_DIR, meta.image);
  await stat(imagePath).catch((e: unknown) => {
    throw fromNodeError(e, imagePath);
  });
  const info: CimLayerInfo = { kind: 'cim', parents: meta.parents, imagePath, hasUtilityVM: meta.hasUtilityVM };
  try {
    const text = await readFile(join(dir, UVM_BUILD_FILE), 'utf8');
    if (/^\d{1,5}$/.test(text)) info.osBuild = Number(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(e, join(dir, UVM_BUILD_FILE));
  }
  return info;
}

/**
 * The layer's own entries in writer order: what it added or replaced (with metadata, data and
 * alternate streams), its hard links and its whiteouts.
 */
export async function* readCimLayer(layerPath: string, options: CimLayerReaderOptions = {}): AsyncGenerator<Entry> {
  const dir = resolve(layerPath);
  const info = await describeCimLayer(dir);
  const journalPath = join(dir, CHANGES_FILE);
  await stat(journalPath).catch((e: unknown) => {
    throw fromNodeError(e, journalPath);
  });
  const image = await openCimImage(info.imagePath);
  const lines = createInterface({ input: createReadStream(journalPath, 'utf8'), crlfDelay: Infinity });
  try {
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      throwIfCancelled(options.signal, `reading layer ${dir}`);
      const r = parseRecord(line, journalPath, n);
      const e = await entryFor(image, r);
      if (e) yield e;
    }
  } finally {
    lines.close();
    await image.close();
  }
}

function parseRecord(line: string, file: string, n: number): ChangeRecord {
  let r: ChangeRecord;
  try {
    r = JSON.parse(line) as ChangeRecord;
  } catch {
    throw corrupt(`${file} line ${n} is not JSON`, { path: file, line: n });
  }
  const str = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    str(r.path) &&
    ((r.op === 'add' && (r.attributes === undefined || (Number.isInteger(r.attributes) && r.attributes >= 0 && r.attributes <= 0xffffffff))) || r.op === 'remove' || (r.op === 'stream' && str(r.name)) || (r.op === 'link' && str(r.target)));
  if (!ok) throw corrupt(`${file} line ${n} is not a change record`, { path: file, line: n });
  return r;
}

async function lookupOrUndefined(image: CimImage, path: string): Promise<number | undefined> {
  try {
    return await image.lookup(path);
  } catch (e) {
    if (isWcError(e) && (e.code === 'NotFound' || e.code === 'FailedPrecondition')) return undefined;
    throw e;
  }
}

async function entryFor(image: CimImage, r: ChangeRecord): Promise<Entry | undefined> {
  switch (r.op) {
    case 'remove':
      return { kind: 'whiteout', path: r.path };
    case 'link': {
      const id = await lookupOrUndefined(image, r.path);
      return id === undefined ? undefined : { kind: 'link', path: r.path, target: r.target };
    }
    case 'add': {
      const id = await lookupOrUndefined(image, r.path);
      if (id === undefined) return undefined;
      const st = await image.stat(id);
      const info = plainInfo(st.info);
      if (r.attributes !== undefined) info.attributes = r.attributes;
      if (st.isDirectory) return { kind: 'directory', path: r.path, info };
      return { kind: 'file', path: r.path, info, size: st.size, ...(st.size > 0 ? { data: image.createReadStream(id) } : {}) };
    }
    case 'stream': {
      const id = await lookupOrUndefined(image, r.path);
      if (id === undefined) return undefined;
      const s = (await image.stat(id)).alternateStreams.find((a) => a.name === r.name) ?? (await image.stat(id)).alternateStreams.find((a) => a.name.toLowerCase() === r.name.toLowerCase());
      if (!s) return undefined;
      return { kind: 'stream', path: r.path, name: s.name, size: s.size, ...(s.size > 0 ? { data: image.createReadStream(id, { streamName: s.name }) } : {}) };
    }
  }
}

/** Byte fields as plain Uint8Arrays (the image hands out Buffers, which serialise differently). */
function plainInfo(info: FileInfo): FileInfo {
  const plain = (b: Uint8Array): Uint8Array => (Buffer.isBuffer(b) ? new Uint8Array(b) : b);
  const out: FileInfo = { ...info };
  if (info.securityDescriptor) out.securityDescriptor = plain(info.securityDescriptor);
  if (info.reparseData) out.reparseData = plain(info.reparseData);
  if (info.extendedAttributes) out.extendedAttributes = info.extendedAttributes.map((e) => ({ ...e, value: plain(e.value) }));
  return out;
}

/**
 * Removes a CIM layer folder (image, std files, records). A folder without an image is left
 * alone and false comes back (hcsshim's DestroyCimLayer guards the same way against being
 * called with a snapshots root).
 */
export async function destroyCimLayer(layerPath: string): Promise<boolean> {
  const dir = resolve(layerPath);
  let image: string;
  try {
    image = (await readMeta(dir))?.image ?? cimNameFor(dir);
  } catch (e) {
    if (isWcError(e) && e.code === 'Corrupt') return false;
    throw e;
  }
  try {
    await stat(join(dir, CIM_DIR, image));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return false;
    throw fromNodeError(e, join(dir, CIM_DIR, image));
  }
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  return true;
}
