// Writes a CimFS image, format 2.0 by default (1.0 on request), through an API shaped like
// cimfs.dll's (spec §21.3): addFile, write, createAlternateStream, addHardLink, unlinkPath,
// commit, close. Metadata lives in memory as a tree of nodes (one per FileID); object bytes go
// straight to three region files: metadata (8-aligned), data (4096-aligned) and small data
// (8-aligned). Every object is deduplicated by its object ID (spec §6): small objects before
// they are written, page-aligned file data as data-region.ts describes (hashed beside the I/O,
// placed once its digest is known). A forked image (created with a parent) starts from
// the parent's tree, shares the parent's regions by offset and adds its own region set.

import { randomBytes } from 'node:crypto';
import { WcError, invalidArgument } from '../../errors.js';
import { FILE_ATTRIBUTE, type FileInfo } from '../entry.js';
import { encodeCimEaBuffer } from './ea.js';
import type { AppendSink, CimOutput } from './io.js';
import {
  decodeObjectIdFile,
  encodeFileRecord,
  encodeFilesystemHeader,
  encodeFilesystemObject,
  encodeFtd,
  encodeObjectIdFile,
  encodeRegionHeader,
  encodeStream,
  FILE_RECORD_SIZE_V1,
  FILE_RECORD_SIZE_V2,
  FILES_PER_TABLE,
  flagsFromAttributes,
  guidFromString,
  MAX_48,
  MAX_PATH_UNITS,
  NULL_OFFSET,
  objectIdFileName,
  regionFileName,
  RegionType,
  StreamType,
  view,
  type FileRecord,
  type FormatVersion,
  type RegionOffset,
  type RegionSet,
  type RegionTypeValue,
  type StreamRecord,
} from './layout.js';
import { compareNames, encodeLinkTable, invalidNameReason, nameKey, ownCopy } from './names.js';
import { DataRegion } from './data-region.js';
import { ObjectIdList, ObjectIndex, objectDigest } from './objectid.js';
import { CimImage, splitCimPath } from './reader.js';
import { defaultUpcaseTable, encodeUpcaseTable } from './upcase.js';

/**
 * Data of at most this many bytes goes to the small-data region, longer data to the page-aligned
 * data region. Real images put 890 bytes in small data and 1046 in page data; 1024 is our pick.
 */
export const SMALL_DATA_MAX = 1024;

export interface CimWriterOptions {
  /** The parent image's `.cim` name in the same directory: makes a forked image. */
  parent?: string;
  /** 2 (default: 96-byte File records) or 1 (88-byte records, as the 2020 images). */
  formatMajor?: 1 | 2;
  /** Region set GUID bytes (16); random by default. Tests pin it for reproducible output. */
  regionSetId?: Uint8Array;
  /**
   * Hash file data on a worker thread once an image has some (default true; falls back to
   * inline hashing). The bytes written are the same either way.
   */
  hashOnWorker?: boolean;
}

export interface CimCommitResult {
  cimName: string;
  regionSetId: Uint8Array;
  /** File names written (regions and objectid files, then the .cim). */
  files: string[];
  fileCount: number;
  dataBytes: number;
  /** Bytes of file data not written again because an identical object existed. */
  dedupedBytes: number;
  /** Always 0: duplicates are found before their bytes are placed (kept for callers that print it). */
  unreclaimedBytes: number;
}

interface AdsEntry {
  name: string;
  stream: StreamRecord;
}

/** One FileID: a file or a directory, with every field of its File record. */
interface Node {
  id: number;
  dir: boolean;
  rec: FileRecord;
  /** Directory children by nameKey. */
  children?: Map<string, { name: string; node: Node }>;
  /** The link table must be (re)written at commit. */
  childrenDirty: boolean;
  /** Alternate streams by nameKey; made with the first one (most files have none). */
  ads?: Map<string, AdsEntry>;
  adsDirty: boolean;
}

interface OpenStream {
  node: Node;
  /** Undefined for the default stream. */
  adsName?: string;
  size: number;
  written: number;
  small: boolean;
  buf?: Uint8Array;
  /** Large streams: the record the data region fills in when it places the object. */
  rec?: StreamRecord;
}

interface OwnRegion {
  type: RegionTypeValue;
  index: number;
  sink: AppendSink;
  ids: ObjectIdList;
}

function emptyRecord(): FileRecord {
  return {
    flags: 0,
    eaLength: 0,
    reparseTag: 0,
    creationTime: 0n,
    lastWriteTime: 0n,
    changeTime: 0n,
    lastAccessTime: 0n,
    defaultStream: { dataOffset: NULL_OFFSET, size: 0, type: StreamType.Data, sparse: false },
    sdOffset: NULL_OFFSET,
    eaOffset: NULL_OFFSET,
    reparseOffset: NULL_OFFSET,
    streamTableOffset: NULL_OFFSET,
    parentFileId: 0,
    baseRegionIndex: 0,
  };
}

const ZEROS = new Uint8Array(64 * 1024);

export class CimWriter {
  private readonly upcase = defaultUpcaseTable();
  private readonly nodes: (Node | undefined)[] = [undefined];
  private root!: Node;
  private readonly parents: RegionSet[] = [];
  private readonly regions: OwnRegion[] = [];
  private readonly index = { meta: new ObjectIndex(), data: new ObjectIndex(), small: new ObjectIndex() };
  private open: OpenStream | undefined;
  private state: 'open' | 'committed' | 'closed' | 'failed' = 'open';
  private dataBytes = 0;
  private dedupedBytes = 0;
  private dataRegion!: DataRegion;
  private readonly version: FormatVersion;
  private readonly entrySize: number;
  private readonly regionSetId: Uint8Array;
  private readonly hashOnWorker: boolean;

  private constructor(
    private readonly out: CimOutput,
    readonly cimName: string,
    options: CimWriterOptions,
  ) {
    this.version = { major: options.formatMajor ?? 2, minor: 0 };
    this.entrySize = this.version.major >= 2 ? FILE_RECORD_SIZE_V2 : FILE_RECORD_SIZE_V1;
    this.regionSetId = options.regionSetId ?? randomBytes(16);
    this.hashOnWorker = options.hashOnWorker ?? true;
  }

  private async releaseHasher(): Promise<void> {
    await this.dataRegion?.close();
  }

  /**
   * Starts a new image `cimName` in the directory behind `out` (like CimCreateImage). With
   * `options.parent` the new image is a fork of that image, which must be in the same directory.
   */
  static async create(out: CimOutput, cimName: string, options: CimWriterOptions = {}): Promise<CimWriter> {
    if (await out.exists(cimName)) throw new WcError('AlreadyExists', `image ${cimName} already exists`, { path: cimName });
    const w = new CimWriter(out, cimName, options);
    try {
      if (options.parent) await w.loadParent(options.parent);
      else {
        w.root = w.newNode(true);
        w.root.childrenDirty = true;
      }
      await w.createRegions();
    } catch (e) {
      await out.abort().catch(() => undefined);
      throw e;
    }
    return w;
  }

  private newNode(dir: boolean): Node {
    const n: Node = { id: this.nodes.length, dir, rec: emptyRecord(), childrenDirty: false, adsDirty: false };
    if (dir) {
      n.children = new Map();
      n.rec.defaultStream = { dataOffset: NULL_OFFSET, size: 0, type: StreamType.LinkTable, sparse: false };
      n.childrenDirty = true;
    }
    this.nodes.push(n);
    return n;
  }

  // ---- forks ----

  private async loadParent(parentName: string): Promise<void> {
    if (!(await this.out.exists(parentName))) throw new WcError('NotFound', `parent image ${parentName} not found in the image directory`, { path: parentName });
    const p = await CimImage.open(this.out, parentName);
    try {
      // Spec §4.3: the parent's own offsets stay valid if our region array starts with exactly
      // the parent's array: its parents in order, then its own set.
      const ids = [...p.header.parents.map((x) => x.regionSetId), p.header.regionSetId];
      const counts = [...p.header.parents.map((x) => x.regionCount), p.header.regionCount];
      ids.forEach((id, i) => this.parents.push({ id: guidFromString(id), count: counts[i]! }));
      if (this.parents.some((s) => Buffer.compare(s.id, this.regionSetId) === 0)) throw invalidArgument('the new region set id equals a parent one');
      // Dedup against the parents' objects, where their objectid files exist.
      let base = 0;
      for (const set of this.parents) {
        for (let i = 0; i < set.count; i++) {
          const name = objectIdFileName(set.id, i);
          if (await this.out.exists(name)) {
            const src = await this.out.open(name);
            try {
              const f = decodeObjectIdFile(await src.read(0, src.size));
              const idx = f.type === RegionType.Metadata ? this.index.meta : f.type === RegionType.Data ? this.index.data : this.index.small;
              for (const e of f.entries) if (e.offset > 0) idx.add(e.length, e.digest, { region: base + i, offset: e.offset });
            } catch {
              // An unreadable objectid file only costs dedup; the image stays correct without it.
            } finally {
              await src.close();
            }
          }
        }
        base += set.count;
      }
      // The parent's whole tree, with its FileIDs: unchanged files keep them (spec §25 F).
      const slots = p.fileIdCount;
      for (let id = 1; id <= slots; id++) this.nodes.push(undefined);
      const load = async (id: number): Promise<Node> => {
        const have = this.nodes[id];
        if (have) return have;
        const rec = { ...(await p.record(id)) };
        const dir = rec.defaultStream.type === StreamType.LinkTable;
        const n: Node = { id, dir, rec, childrenDirty: false, adsDirty: false };
        for (const s of await p.streams(id)) (n.ads ??= new Map()).set(nameKey(s.name, this.upcase), { name: s.name, stream: s.stream });
        this.nodes[id] = n;
        if (dir) {
          n.children = new Map();
          for (const c of await p.list(id)) {
            n.children.set(nameKey(c.name, this.upcase), { name: c.name, node: await load(c.fileId) });
          }
        }
        return n;
      };
      // Directories reached twice would loop: CimImage.walk rejects them, so walk once first.
      for await (const _ of p.walk()) void _;
      this.root = await load(p.rootId);
    } finally {
      await p.close();
    }
  }

  // ---- regions ----

  private get ownBase(): number {
    return this.parents.reduce((n, s) => n + s.count, 0);
  }

  private async createRegions(): Promise<void> {
    if (this.ownBase + 3 > 0x10000) throw invalidArgument(`a fork chain this long would need more than 65536 regions`);
    const types: RegionTypeValue[] = [RegionType.Metadata, RegionType.Data, RegionType.SmallData];
    for (const [i, type] of types.entries()) {
      const sink = await this.out.createAppendFile(regionFileName(this.regionSetId, i), { bulk: type === RegionType.Data });
      await sink.append(encodeRegionHeader(this.version, type));
      this.regions.push({ type, index: this.ownBase + i, sink, ids: new ObjectIdList() });
    }
    this.dataRegion = new DataRegion({ sink: this.data.sink, index: this.data.index, objects: this.index.data, hashOnWorker: this.hashOnWorker });
  }

  private get meta(): OwnRegion {
    return this.regions[0]!;
  }
  private get data(): OwnRegion {
    return this.regions[1]!;
  }
  private get small(): OwnRegion {
    return this.regions[2]!;
  }

  private async pad(r: OwnRegion, align: number): Promise<void> {
    let n = (align - (r.sink.length % align)) % align;
    while (n > 0) {
      const k = Math.min(n, ZEROS.length);
      await r.sink.append(ZEROS.subarray(0, k));
      n -= k;
    }
  }

  /** Stores a whole object (deduplicated) in the metadata or small-data region. */
  private async putObject(r: OwnRegion, idx: ObjectIndex, bytes: Uint8Array): Promise<RegionOffset> {
    const digest = objectDigest(bytes);
    const found = idx.find(bytes.length, digest);
    if (found) return found;
    await this.pad(r, 8);
    const at = { region: r.index, offset: r.sink.length };
    await r.sink.append(bytes);
    r.ids.push(bytes.length, digest, at.offset);
    idx.add(bytes.length, digest, at);
    return at;
  }

  private putMeta(bytes: Uint8Array): Promise<RegionOffset> {
    return this.putObject(this.meta, this.index.meta, bytes);
  }

  private async putCounted(bytes: Uint8Array, what: string): Promise<RegionOffset> {
    if (bytes.length > 0xffff) throw invalidArgument(`${what} of ${bytes.length} bytes is longer than 65535`);
    const b = new Uint8Array(2 + bytes.length);
    view(b).setUint16(0, bytes.length, true);
    b.set(bytes, 2);
    return this.putMeta(b);
  }

  // ---- paths ----

  private check(): void {
    if (this.state !== 'open') throw new WcError('FailedPrecondition', `image ${this.cimName} is ${this.state}; no more changes`, { path: this.cimName });
  }

  private parts(path: string): string[] {
    if (path.length > MAX_PATH_UNITS) throw invalidArgument(`path longer than ${MAX_PATH_UNITS} UTF-16 units: ${path.slice(0, 80)}…`, { path });
    const parts = splitCimPath(path);
    for (const p of parts) {
      const why = invalidNameReason(p);
      if (why) throw invalidArgument(`bad path ${path}: ${why}`, { path });
    }
    return parts;
  }

  /** The directory that holds the last component; NotFound if an ancestor is missing. */
  private parentOf(path: string, parts: string[]): Node {
    let n = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const c = n.children!.get(nameKey(parts[i]!, this.upcase));
      if (!c) throw new WcError('NotFound', `${parts.slice(0, i + 1).join('\\')} does not exist (adding ${path}; add parents first)`, { path });
      if (!c.node.dir) throw new WcError('FailedPrecondition', `${parts.slice(0, i + 1).join('\\')} is not a directory (adding ${path})`, { path });
      n = c.node;
    }
    return n;
  }

  private find(path: string): Node {
    const parts = this.parts(path);
    if (parts.length === 0) return this.root;
    const c = this.parentOf(path, parts).children!.get(nameKey(parts[parts.length - 1]!, this.upcase));
    if (!c) throw new WcError('NotFound', `${path} does not exist`, { path });
    return c.node;
  }

  // ---- the cimfs.dll-like API ----

  /**
   * Adds (or replaces) a file or directory (a directory when `info.attributes` has 0x10), like
   * CimCreateFile. The parent must exist. Re-adding an existing directory keeps its children and
   * streams and replaces its metadata; anything else at the path is replaced by a new FileID.
   * A file's data follows through write() until `size` bytes; unwritten bytes read as zeros.
   */
  async addFile(path: string, info: FileInfo, size: number): Promise<void> {
    this.check();
    await this.closeStream();
    const dir = (info.attributes & FILE_ATTRIBUTE.DIRECTORY) !== 0;
    if (!dir && (!Number.isSafeInteger(size) || size < 0 || size > MAX_48)) throw invalidArgument(`size ${size} of ${path} must be 0..2^48-1`, { path });
    const parts = this.parts(path);
    const parent = parts.length === 0 ? undefined : this.parentOf(path, parts);
    if (!parent && !dir) throw invalidArgument('the root must be a directory', { path });
    // Store the metadata objects first, so a refused SD or EA leaves the tree untouched.
    const meta = await this.metadataOf(info, path);
    let node: Node;
    if (!parent) node = this.root;
    else {
      const name = ownCopy(parts[parts.length - 1]!);
      const key = nameKey(name, this.upcase);
      const existing = parent.children!.get(key);
      if (existing && existing.node.dir && dir) {
        node = existing.node;
        if (existing.name !== name) {
          existing.name = name;
          parent.childrenDirty = true;
        }
      } else {
        node = this.newNode(dir);
        node.rec.parentFileId = parent.id;
        parent.children!.set(key, { name, node });
        parent.childrenDirty = true;
      }
    }
    Object.assign(node.rec, meta);
    if (!dir) {
      node.rec.defaultStream = { dataOffset: NULL_OFFSET, size, type: StreamType.Data, sparse: false };
      if (size > 0) this.beginStream(node, undefined, size);
    }
  }

  private async metadataOf(info: FileInfo, path: string): Promise<Partial<FileRecord>> {
    const r: Partial<FileRecord> = {
      flags: flagsFromAttributes(info.attributes),
      // Equal times share one bigint: the record lives until commit.
      creationTime: info.creationTime === info.lastWriteTime ? info.lastWriteTime : info.creationTime,
      lastWriteTime: info.lastWriteTime,
      changeTime: info.changeTime === info.lastWriteTime ? info.lastWriteTime : info.changeTime,
      lastAccessTime: info.lastAccessTime === info.lastWriteTime ? info.lastWriteTime : info.lastAccessTime,
      eaOffset: NULL_OFFSET,
      eaLength: 0,
      reparseOffset: NULL_OFFSET,
      reparseTag: 0,
    };
    r.sdOffset = info.securityDescriptor?.length ? await this.putCounted(info.securityDescriptor, `the security descriptor of ${path}`) : NULL_OFFSET;
    if (info.extendedAttributes?.length) {
      let eas: Uint8Array;
      try {
        eas = encodeCimEaBuffer(info.extendedAttributes);
      } catch (e) {
        throw invalidArgument(`extended attributes of ${path}: ${(e as Error).message}`, { path });
      }
      if (eas.length > 0xffff) throw invalidArgument(`extended attributes of ${path} take ${eas.length} bytes (at most 65535)`, { path });
      r.eaOffset = await this.putMeta(eas);
      r.eaLength = eas.length;
    }
    if (info.reparseData?.length) {
      if (info.reparseData.length < 8) throw invalidArgument(`reparse data of ${path} is ${info.reparseData.length} bytes (a REPARSE_DATA_BUFFER has at least 8)`, { path });
      r.reparseOffset = await this.putCounted(info.reparseData, `the reparse data of ${path}`);
      r.reparseTag = view(info.reparseData).getUint32(0, true);
    }
    return r;
  }

  /**
   * Adds an alternate data stream `name` (without ':' or ':$DATA') of `size` bytes to the file
   * or directory at `path`, replacing a stream of the same name. Its data follows through write().
   */
  async createAlternateStream(path: string, name: string, size: number): Promise<void> {
    this.check();
    await this.closeStream();
    const bare = name.replace(/^:/, '').replace(/:\$DATA$/i, '');
    const why = invalidNameReason(bare);
    if (why) throw invalidArgument(`bad stream name '${name}' for ${path}: ${why}`, { path });
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_48) throw invalidArgument(`stream size ${size} must be 0..2^48-1`, { path });
    const node = this.find(path);
    (node.ads ??= new Map()).set(nameKey(bare, this.upcase), { name: bare, stream: { dataOffset: NULL_OFFSET, size, type: StreamType.Data, sparse: false } });
    node.adsDirty = true;
    if (size > 0) this.beginStream(node, bare, size);
  }

  private beginStream(node: Node, adsName: string | undefined, size: number): void {
    const small = size <= SMALL_DATA_MAX;
    const s: OpenStream = { node, size, written: 0, small, ...(adsName !== undefined ? { adsName } : {}) };
    if (small) s.buf = new Uint8Array(size);
    else {
      s.rec = { dataOffset: NULL_OFFSET, size, type: StreamType.Data, sparse: false };
      this.dataRegion.begin(s.rec, size);
    }
    this.open = s;
  }

  /** Appends bytes to the file or stream added last; more than its size is InvalidArgument. */
  async write(chunk: Uint8Array): Promise<void> {
    this.check();
    const s = this.open;
    if (!s) throw new WcError('FailedPrecondition', 'no open stream: write() follows addFile or createAlternateStream with a size > 0');
    if (chunk.length === 0) return;
    if (s.written + chunk.length > s.size) throw invalidArgument(`write of ${chunk.length} bytes at ${s.written} passes the stream size ${s.size}`);
    if (s.small) {
      s.buf!.set(chunk, s.written);
      s.written += chunk.length;
      return;
    }
    s.written += chunk.length;
    await this.dataRegion.write(chunk);
  }

  /** Writes everything a stream yields, with back-pressure (one chunk in flight at a time). */
  async writeFrom(source: AsyncIterable<Uint8Array | string>): Promise<void> {
    for await (const chunk of source) await this.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }

  /** Finishes the open stream: zero-fills what was not written, dedups and records it. */
  private async closeStream(): Promise<void> {
    const s = this.open;
    if (!s) return;
    this.open = undefined;
    let rec: StreamRecord;
    if (s.written === 0) {
      if (!s.small) this.dataRegion.cancel();
      // Nothing written: a sparse stream that reads as zeros, as cimfs does for unwritten data.
      rec = { dataOffset: NULL_OFFSET, size: s.size, type: StreamType.Data, sparse: true };
    } else if (s.small) {
      const before = this.small.ids.length;
      rec = { dataOffset: await this.putObject(this.small, this.index.small, s.buf!), size: s.size, type: StreamType.Data, sparse: false };
      if (this.small.ids.length === before) this.dedupedBytes += s.size;
      else this.dataBytes += s.size;
    } else {
      while (s.written < s.size) {
        const z = ZEROS.subarray(0, Math.min(ZEROS.length, s.size - s.written));
        await this.dataRegion.write(z);
        s.written += z.length;
      }
      // The region sets rec.dataOffset when it places (or dedups) the object, maybe later.
      rec = s.rec!;
      await this.dataRegion.end();
    }
    if (s.adsName === undefined) s.node.rec.defaultStream = rec;
    else s.node.ads!.get(nameKey(s.adsName, this.upcase))!.stream = rec;
  }

  /** Makes `path` another name of the file at `target` (CimCreateHardLink); directories are refused. */
  async addHardLink(path: string, target: string): Promise<void> {
    this.check();
    await this.closeStream();
    const t = this.find(target);
    if (t.dir) throw new WcError('FailedPrecondition', `cannot hard link ${path} to the directory ${target}`, { path });
    const parts = this.parts(path);
    if (parts.length === 0) throw invalidArgument('cannot replace the root with a link', { path });
    const parent = this.parentOf(path, parts);
    const name = ownCopy(parts[parts.length - 1]!);
    const key = nameKey(name, this.upcase);
    const existing = parent.children!.get(key);
    if (existing?.node.dir) throw new WcError('FailedPrecondition', `${path} is a directory; a link cannot replace it`, { path });
    parent.children!.set(key, { name, node: t });
    parent.childrenDirty = true;
  }

  /**
   * Removes a file, a directory with everything below it, one name of a hard-linked file, or a
   * stream (`file:stream`), like CimDeletePath. NotFound if absent.
   */
  async unlinkPath(path: string): Promise<void> {
    this.check();
    await this.closeStream();
    const colon = path.lastIndexOf(':');
    if (colon > 0 && !/[\\/]/.test(path.slice(colon))) {
      const node = this.find(path.slice(0, colon));
      const name = path.slice(colon + 1).replace(/:\$DATA$/i, '');
      const key = nameKey(name, this.upcase);
      if (!node.ads?.delete(key)) throw new WcError('NotFound', `${path}: no such stream`, { path });
      node.adsDirty = true;
      return;
    }
    const parts = this.parts(path);
    if (parts.length === 0) throw invalidArgument('cannot unlink the root', { path });
    const parent = this.parentOf(path, parts);
    if (!parent.children!.delete(nameKey(parts[parts.length - 1]!, this.upcase))) throw new WcError('NotFound', `${path} does not exist`, { path });
    parent.childrenDirty = true;
  }

  /** Whether `path` names something in the image being written (parent content included). */
  has(path: string): boolean {
    try {
      this.find(path);
      return true;
    } catch (e) {
      if (e instanceof WcError && (e.code === 'NotFound' || e.code === 'FailedPrecondition')) return false;
      throw e;
    }
  }

  // ---- commit ----

  /**
   * Writes the upcase table, stream and link tables, file tables, the FTD and the Filesystem
   * object, then the objectid files and the `.cim`, and publishes them all (CimCommitImage).
   */
  async commit(): Promise<CimCommitResult> {
    this.check();
    try {
      await this.closeStream();
      await this.dataRegion.finish();
      this.dataBytes += this.dataRegion.dataBytes;
      this.dedupedBytes += this.dataRegion.dedupedBytes;
      this.data.ids.pushAll(this.dataRegion.ids);
      const upcaseAt = await this.putMeta(encodeUpcaseTable(this.upcase));
      // Post-order: a directory's table needs no child's, but deepest-first mirrors real images.
      const reachable = new Set<number>();
      const order: Node[] = [];
      const visit = (n: Node): void => {
        const stack: { n: Node; done: boolean }[] = [{ n, done: false }];
        while (stack.length) {
          const top = stack.pop()!;
          if (top.done) {
            order.push(top.n);
            continue;
          }
          if (reachable.has(top.n.id)) continue;
          reachable.add(top.n.id);
          stack.push({ n: top.n, done: true });
          if (top.n.children) for (const c of top.n.children.values()) if (!reachable.has(c.node.id)) stack.push({ n: c.node, done: false });
        }
      };
      visit(this.root);
      for (const n of order) {
        if (n.adsDirty) n.rec.streamTableOffset = await this.writeStreamTable(n);
        if (n.dir && n.childrenDirty) n.rec.defaultStream = await this.writeLinkTable(n);
      }
      const maxId = this.nodes.length - 1;
      const ftd = [];
      for (let t = 0; t * FILES_PER_TABLE < maxId; t++) {
        const count = Math.min(FILES_PER_TABLE, maxId - t * FILES_PER_TABLE);
        const table = new Uint8Array(count * this.entrySize);
        for (let s = 0; s < count; s++) {
          const n = this.nodes[t * FILES_PER_TABLE + s + 1];
          if (n && reachable.has(n.id)) encodeFileRecord(table, s * this.entrySize, n.rec, this.entrySize);
        }
        ftd.push({ offset: await this.putMeta(table), count, entrySize: this.entrySize });
      }
      const ftdAt = await this.putMeta(encodeFtd(ftd));
      const fsAt = await this.putMeta(encodeFilesystemObject({ upcaseTableOffset: upcaseAt, fileTableDirectoryOffset: ftdAt, fileTableDirectoryLength: ftd.length, rootDirectory: this.root.id }));
      const files: string[] = [];
      for (const [i, r] of this.regions.entries()) {
        await r.sink.finish();
        files.push(regionFileName(this.regionSetId, i));
        const name = objectIdFileName(this.regionSetId, i);
        await this.out.writeFile(name, encodeObjectIdFile(this.version, i, r.type, r.ids.sorted()));
        files.push(name);
      }
      const header = encodeFilesystemHeader({ version: this.version, regions: { id: this.regionSetId, count: this.regions.length }, filesystemOffset: fsAt, parents: this.parents });
      await this.out.writeFile(this.cimName, header);
      files.push(this.cimName);
      await this.out.commit(this.cimName);
      this.state = 'committed';
      await this.releaseHasher();
      return { cimName: this.cimName, regionSetId: this.regionSetId, files, fileCount: reachable.size, dataBytes: this.dataBytes, dedupedBytes: this.dedupedBytes, unreclaimedBytes: 0 };
    } catch (e) {
      this.state = 'failed';
      await this.releaseHasher().catch(() => undefined);
      await this.out.abort().catch(() => undefined);
      throw e;
    }
  }

  private async writeLinkTable(n: Node): Promise<StreamRecord> {
    const entries = [...n.children!.values()].sort((a, b) => compareNames(a.name, b.name, this.upcase));
    if (entries.length === 0) return { dataOffset: NULL_OFFSET, size: 0, type: StreamType.LinkTable, sparse: false };
    const table = encodeLinkTable(
      entries.map((e) => {
        const v = new Uint8Array(4);
        view(v).setUint32(0, e.node.id, true);
        return { name: e.name, value: v };
      }),
      4,
    );
    return { dataOffset: await this.putMeta(table), size: table.length, type: StreamType.LinkTable, sparse: false };
  }

  /**
   * Stream tables are written bare, framed like a directory's link table (spec §14, "H2"): the
   * format comments call it LinkTable<Stream>, its Length field sizes it, and the only code for
   * the other framing (H1) is a Go reader path that was demonstrably never exercised.
   */
  private async writeStreamTable(n: Node): Promise<RegionOffset> {
    if (!n.ads?.size) return NULL_OFFSET;
    const entries = [...n.ads.values()].sort((a, b) => compareNames(a.name, b.name, this.upcase));
    const table = encodeLinkTable(
      entries.map((e) => {
        const v = new Uint8Array(16);
        encodeStream(v, 0, e.stream);
        return { name: e.name, value: v };
      }),
      16,
    );
    return this.putMeta(table);
  }

  /** Discards an uncommitted image (CimCloseImage); after commit it only releases the handle. */
  async close(): Promise<void> {
    await this.releaseHasher().catch(() => undefined);
    if (this.state === 'open') {
      this.state = 'closed';
      this.open = undefined;
      for (const r of this.regions) await r.sink.finish().catch(() => undefined);
      await this.out.abort();
    } else if (this.state === 'committed') this.state = 'closed';
  }
}
