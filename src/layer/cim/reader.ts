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
//
// A layer without a journal (written by another tool, or with the journal deleted) is read by
// comparing its image with its parent's (diffEntries below): exact for content, but it cannot
// tell re-added unchanged directories, whiteouts of paths no parent had, or attribute bits the
// image does not store; and a new name linked to a parent file may come back as a copy.

import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { WcError, corrupt, fromNodeError, isWcError } from '../../errors.js';
import type { Entry, FileInfo } from '../../formats/entry.js';
import type { CimImage } from '../../formats/cim/reader.js';
import { StreamType, guidFromString, objectIdFileName, regionFileName, type RegionOffset, type StreamRecord } from '../../formats/cim/layout.js';
import { openCimImage } from '../../cim/image.js';
import { throwIfCancelled } from '../../task.js';
import { CHANGES_FILE, CIM_DIR, HIVES_DIR, LAYER_CHAIN_FILE, LAYOUT_FILE, META_FILE, UTILITY_VM, UVM_BUILD_FILE, cimNameFor, type ChangeRecord } from './format.js';
import { readMeta } from './writer.js';

export interface CimLayerReaderOptions {
  signal?: AbortSignal;
  /** 'journal' (the writer's record of changes), 'diff' (compare with the parent image), or by default the journal when there is one. */
  source?: 'journal' | 'diff';
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
  let info: CimLayerInfo;
  if (meta) {
    const imagePath = join(dir, CIM_DIR, meta.image);
    await stat(imagePath).catch((e: unknown) => {
      throw fromNodeError(e, imagePath);
    });
    info = { kind: 'cim', parents: meta.parents, imagePath, hasUtilityVM: meta.hasUtilityVM };
  } else {
    info = await describeForeignLayer(dir);
  }
  try {
    const text = await readFile(join(dir, UVM_BUILD_FILE), 'utf8');
    if (/^\d{1,5}$/.test(text)) info.osBuild = Number(text);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(e, join(dir, UVM_BUILD_FILE));
  }
  return info;
}

/**
 * A CIM layer without this toolkit's record: the image in `<layer>/cim-layers/` or, as hcsshim
 * places it, in `<Dir(layer)>/cim-layers/`, named `<Base(layer)>.cim`; parents from
 * layerchain.json when present.
 */
async function describeForeignLayer(dir: string): Promise<CimLayerInfo> {
  const name = cimNameFor(dir);
  let imagePath: string | undefined;
  for (const candidate of [join(dir, CIM_DIR, name), join(dirname(dir), CIM_DIR, name)]) {
    if (await isFile(candidate)) {
      imagePath = candidate;
      break;
    }
  }
  if (!imagePath) throw new WcError('NotFound', `${dir} is not a CIM layer: no ${META_FILE}, and no ${CIM_DIR}/${name} in it or beside it`, { path: dir });
  let parents: string[] = [];
  try {
    const chain = JSON.parse(await readFile(join(dir, LAYER_CHAIN_FILE), 'utf8')) as unknown;
    if (Array.isArray(chain) && chain.every((p) => typeof p === 'string')) parents = chain as string[];
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && !(e instanceof SyntaxError)) throw fromNodeError(e, join(dir, LAYER_CHAIN_FILE));
  }
  const image = await openCimImage(imagePath);
  try {
    const uvm = await lookupOrUndefined(image, UTILITY_VM);
    return { kind: 'cim', parents, imagePath, hasUtilityVM: uvm !== undefined };
  } finally {
    await image.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * The layer's own entries in writer order: what it added or replaced (with metadata, data and
 * alternate streams), its hard links and its whiteouts.
 */
export async function* readCimLayer(layerPath: string, options: CimLayerReaderOptions = {}): AsyncGenerator<Entry> {
  const dir = resolve(layerPath);
  const info = await describeCimLayer(dir);
  const journalPath = join(dir, CHANGES_FILE);
  const source = options.source ?? ((await isFile(journalPath)) ? 'journal' : 'diff');
  if (source === 'diff') {
    yield* readByDiff(dir, info, options);
    return;
  }
  await stat(journalPath).catch((e: unknown) => {
    throw fromNodeError(e, journalPath);
  });
  const image = await openCimImage(info.imagePath);
  const input = createReadStream(journalPath, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      throwIfCancelled(options.signal, `reading layer ${dir}`);
      const r = parseRecord(line, journalPath, n);
      yield* entriesFor(image, r);
    }
  } finally {
    lines.close();
    input.destroy();
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

/** What one journal record gives back, read from the final image. */
async function* entriesFor(image: CimImage, r: ChangeRecord): AsyncGenerator<Entry> {
  if (r.op === 'remove') {
    yield { kind: 'whiteout', path: r.path };
    return;
  }
  const id = await lookupOrUndefined(image, r.path);
  if (id === undefined) return; // removed again later in the layer
  if (r.op === 'link') {
    if ((await lookupOrUndefined(image, r.target)) === id) yield { kind: 'link', path: r.path, target: r.target };
    // The target went or was replaced later: this name now holds its own content.
    else yield* objectAt(image, id, r.path, undefined, true);
  } else if (r.op === 'add') {
    yield* objectAt(image, id, r.path, r.attributes, false);
  } else {
    const s = (await image.stat(id)).alternateStreams.find((a) => a.name.toLowerCase() === r.name.toLowerCase());
    if (s) yield streamEntry(image, id, r.path, s);
  }
}

/** The file or folder at `path` (with all its streams when `withStreams`). */
async function* objectAt(image: CimImage, id: number, path: string, attributes: number | undefined, withStreams: boolean): AsyncGenerator<Entry> {
  const st = await image.stat(id);
  const info = plainInfo(st.info);
  // The recorded bits belong to what was added then; a later add may have replaced it with the
  // other kind (its own record comes later and settles the final attributes).
  if (attributes !== undefined && ((attributes & 0x10) !== 0) === st.isDirectory) info.attributes = attributes;
  if (st.isDirectory) yield { kind: 'directory', path, info };
  else yield { kind: 'file', path, info, size: st.size, ...(st.size > 0 ? { data: image.createReadStream(id) } : {}) };
  if (withStreams) for (const s of st.alternateStreams) yield streamEntry(image, id, path, s);
}

function streamEntry(image: CimImage, id: number, path: string, s: { name: string; size: number }): Entry {
  return { kind: 'stream', path, name: s.name, size: s.size, ...(s.size > 0 ? { data: image.createReadStream(id, { streamName: s.name }) } : {}) };
}

async function* readByDiff(dir: string, info: CimLayerInfo, options: CimLayerReaderOptions): AsyncGenerator<Entry> {
  const image = await openCimImage(info.imagePath);
  let parent: CimImage | undefined;
  try {
    const parentPath = await parentImagePath(dir, info);
    if (parentPath) parent = await openCimImage(parentPath);
    yield* diffEntries(image, parent, options.signal);
  } finally {
    await parent?.close();
    await image.close();
  }
}

/** The parent's image: the copy beside ours (always there for this toolkit's layers), else the parent layer's. */
async function parentImagePath(dir: string, info: CimLayerInfo): Promise<string | undefined> {
  const meta = await readMeta(dir);
  if (meta?.parentImage) {
    const beside = join(dirname(info.imagePath), meta.parentImage);
    if (await isFile(beside)) return beside;
  }
  if (!info.parents.length) return undefined;
  return (await describeCimLayer(info.parents[0]!)).imagePath;
}

/** Entries the layer writer makes itself: not part of the layer's own changes. */
function writerMade(path: string, isBase: boolean): boolean {
  return path === LAYOUT_FILE || /^Hives\/[A-Za-z]+_BASE$/i.test(path) || (isBase && path === HIVES_DIR);
}

const sameOffset = (a: RegionOffset, b: RegionOffset): boolean => a.region === b.region && a.offset === b.offset;
const sameStream = (a: StreamRecord, b: StreamRecord): boolean => sameOffset(a.dataOffset, b.dataOffset) && a.size === b.size && a.type === b.type && a.sparse === b.sparse;

/**
 * Whether a path's record in the child equals the parent's. A fork keeps the parent's region
 * indices (spec §4.3) and never rewrites the parent's regions, so equal offsets mean equal bytes.
 */
async function unchanged(child: CimImage, id: number, parent: CimImage, pid: number): Promise<boolean> {
  const [a, b] = await Promise.all([child.record(id), parent.record(pid)]);
  const dir = a.defaultStream.type === StreamType.LinkTable;
  if (dir !== (b.defaultStream.type === StreamType.LinkTable)) return false;
  const same =
    a.flags === b.flags &&
    a.creationTime === b.creationTime &&
    a.lastWriteTime === b.lastWriteTime &&
    a.changeTime === b.changeTime &&
    a.lastAccessTime === b.lastAccessTime &&
    sameOffset(a.sdOffset, b.sdOffset) &&
    sameOffset(a.eaOffset, b.eaOffset) &&
    a.eaLength === b.eaLength &&
    sameOffset(a.reparseOffset, b.reparseOffset) &&
    a.reparseTag === b.reparseTag &&
    (dir || sameStream(a.defaultStream, b.defaultStream));
  if (!same) return false;
  const [sa, sb] = await Promise.all([child.streams(id), parent.streams(pid)]);
  return sa.length === sb.length && sa.every((s, i) => s.name === sb[i]!.name && sameStream(s.stream, sb[i]!.stream));
}

/**
 * A child image against its parent: whiteouts for the top-most paths the parent has and the child
 * lacks, then (pre-order) every path that is new or changed, preceded by its folders, with second
 * names of a file as links. Without a parent: everything but what the writer made.
 */
async function* diffEntries(child: CimImage, parent: CimImage | undefined, signal: AbortSignal | undefined): AsyncGenerator<Entry> {
  const isBase = parent === undefined;
  if (parent) {
    let gone: string | undefined;
    for await (const w of parent.walk(parent.rootId, '', '/')) {
      if (gone !== undefined && w.path.startsWith(`${gone}/`)) continue;
      gone = undefined;
      throwIfCancelled(signal, 'reading the layer');
      if (writerMade(w.path, false)) continue;
      if ((await lookupOrUndefined(child, w.path)) === undefined) {
        gone = w.path;
        yield { kind: 'whiteout', path: w.path };
      }
    }
  }
  const firstPath = new Map<number, string>();
  // Folders on the way down that were not yielded yet (unchanged, but needed before a change).
  const folders: { path: string; id: number; yielded: boolean }[] = [];
  const ancestorsFirst = async function* (): AsyncGenerator<Entry> {
    for (const f of folders) {
      if (f.yielded) continue;
      f.yielded = true;
      yield { kind: 'directory', path: f.path, info: plainInfo((await child.stat(f.id)).info) };
    }
  };
  for await (const w of child.walk(child.rootId, '', '/')) {
    throwIfCancelled(signal, 'reading the layer');
    while (folders.length && !w.path.startsWith(`${folders[folders.length - 1]!.path}/`)) folders.pop();
    if (writerMade(w.path, isBase)) continue;
    const prior = firstPath.get(w.fileId);
    if (prior === undefined) firstPath.set(w.fileId, w.path);
    const pid = parent ? await lookupOrUndefined(parent, w.path) : undefined;
    const same = pid !== undefined && (await unchanged(child, w.fileId, parent!, pid));
    if (w.isDirectory) {
      folders.push({ path: w.path, id: w.fileId, yielded: false });
      if (!same) yield* ancestorsFirst();
      continue;
    }
    if (same) continue;
    yield* ancestorsFirst();
    if (prior !== undefined) {
      yield { kind: 'link', path: w.path, target: prior };
      continue;
    }
    yield* objectAt(child, w.fileId, w.path, undefined, true);
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
 * Removes a CIM layer. This toolkit's layers (image inside the folder) go as a whole folder. For
 * an image hcsshim placed in `<Dir(layer)>/cim-layers/`, only that image goes (its `.cim` and the
 * region and objectid files of its own region set), as hcsshim's DestroyCimLayer does. A folder
 * without an image is left alone and false comes back (hcsshim guards the same way against
 * being called with a snapshots root).
 */
export async function destroyCimLayer(layerPath: string): Promise<boolean> {
  const dir = resolve(layerPath);
  let info: CimLayerInfo;
  try {
    info = await describeCimLayer(dir);
  } catch (e) {
    if (isWcError(e) && (e.code === 'NotFound' || e.code === 'Corrupt')) return false;
    throw e;
  }
  if (dirname(dirname(info.imagePath)) === dir) {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
    return true;
  }
  const image = await openCimImage(info.imagePath);
  const own: string[] = [];
  try {
    const guid = guidFromString(image.header.regionSetId);
    for (let i = 0; i < image.header.regionCount; i++) own.push(regionFileName(guid, i), objectIdFileName(guid, i));
  } finally {
    await image.close();
  }
  // The .cim first: once it is gone the image no longer exists, even if a region file stays.
  await rm(info.imagePath, { force: true });
  for (const name of own) await rm(join(dirname(info.imagePath), name), { force: true });
  return true;
}
