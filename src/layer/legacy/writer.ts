// The legacy layer writer: hcsshim's baseLayerWriter (no parents) and legacyLayerWriter (with
// parents) behaviour, writing the portable folder described in format.ts into
// `<layerPath>.tmp-<random>` and renaming it onto layerPath at close (or handing it to the
// platform hook, platform.ts). Any failure, abort or cancellation removes the staging folder.

import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, futimesSync, openSync, utimesSync, writeSync } from 'node:fs';
import { copyFile, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WcError, corrupt, fromNodeError, invalidArgument, isWcError } from '../../errors.js';
import { FILETIME_UNIX_EPOCH, FILE_ATTRIBUTE, type Entry, type FileInfo } from '../../formats/entry.js';
import { checkLayerPath, checkStreamName, hasPathPrefix, parentPath } from '../paths.js';
import { checkFileInfo, GuardedLayerWriter } from '../guarded-writer.js';
import { linkOrCopy } from '../../fs/link.js';
import { META_DIR, META_FILE, STREAMS_DIR, TOMBSTONES_FILE, fileInfoOf, infoFields, tombstoneLine, tombstonesHeader, type DirRecord, type FileRecord, type LayerKind, type MetaRecord, type StreamRecord } from './format.js';
import { MetadataLog, readMetadata } from './metadata.js';
import type { LegacyLayerPlatform } from './platform.js';

export interface LegacyLayerWriterOptions {
  /** Parent layer folders, nearest first, base last. None: the layer is written as a base layer. */
  parents?: readonly string[];
  /** The Windows finish step; without it the staged folder is renamed onto layerPath. */
  platform?: LegacyLayerPlatform;
  /** Base layers: fail at close when a config hive (or, with a utility VM, its BCD) is missing. Default true. */
  requireBaseHives?: boolean;
  /** Checked before every call and passed to the platform finish. */
  signal?: AbortSignal;
}

const BASE_HIVE_NAMES = ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'];
const CONFIG_DIR = 'Files/Windows/System32/config';
const UVM = 'UtilityVM';
const UVM_FILES = 'UtilityVM/Files';
const BCD_PATH = 'UtilityVM/Files/EFI/Microsoft/Boot/BCD';
/** The utility VM's mutated files and where import keeps their pristine copies (moby, hcsshim import.go). */
const MUTATED_FILES: ReadonlyMap<string, string> = new Map([
  ['UtilityVM/Files/EFI/Microsoft/Boot/BCD', 'bcd.bak'],
  ['UtilityVM/Files/EFI/Microsoft/Boot/BCD.LOG', 'bcd.log.bak'],
  ['UtilityVM/Files/EFI/Microsoft/Boot/BCD.LOG1', 'bcd.log1.bak'],
  ['UtilityVM/Files/EFI/Microsoft/Boot/BCD.LOG2', 'bcd.log2.bak'],
]);
/** Top-level names the layer folder itself uses; entries may not take them (case-insensitive). */
const RESERVED_TOP = new Set([META_DIR, ...MUTATED_FILES.values()]);

/** What the writer knows about a path present in the layer (added, or cloned from the parent's utility VM). */
interface Known {
  path: string;
  /** Where it is on disk, relative to the layer folder. */
  at: string;
  kind: 'd' | 'f' | 'l';
  /** Its metadata record and those of its alternate streams (made with the first: most files have none). */
  index: number;
  streams?: number[];
  attributes: number;
  /** Added by an entry of this layer (not cloned). */
  own: boolean;
}

interface Current {
  path: string;
  /** For a stream: its name. */
  stream?: string;
  /** Open file descriptor of the data file (synchronous I/O, see writeChunk). */
  fd: number;
  expected: number | undefined;
  written: number;
  record: FileRecord | StreamRecord;
  known: Known;
  /** Files: the times to set on the data file (Unix seconds). */
  times?: DiskTimes;
}

interface DiskTimes {
  atime: number;
  mtime: number;
}

interface Last {
  known: Known;
  streamNames: Set<string>;
  /** A cloned utility VM folder reused in place: its streams cannot be placed next to it. */
  reused: boolean;
}

const lower = (p: string): string => p.toLowerCase();

/**
 * Creates a writer for a new legacy layer at layerPath. No parents: a base layer (Files/,
 * UtilityVM/Files/, tombstones refused). Parents: the HCS import folder of a child layer.
 * AlreadyExists if layerPath exists.
 */
export async function createLegacyLayerWriter(layerPath: string, options: LegacyLayerWriterOptions = {}): Promise<LegacyLayerWriter> {
  const target = resolve(layerPath);
  try {
    await lstat(target);
    throw new WcError('AlreadyExists', `layer already exists: ${target}`, { path: target });
  } catch (e) {
    if (isWcError(e)) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError(e, target);
  }
  const parents = (options.parents ?? []).map((p) => resolve(p));
  const kind: LayerKind = parents.length ? 'import' : 'base';
  const staging = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await mkdir(staging);
    await mkdir(join(staging, META_DIR, STREAMS_DIR), { recursive: true });
    const log = await MetadataLog.create(staging, kind, parents);
    return new LegacyLayerWriter(target, staging, kind, parents, log, options);
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw fromNodeError(e, staging);
  }
}

export class LegacyLayerWriter extends GuardedLayerWriter {
  private readonly known = new Map<string, Known>();
  private readonly tombstones: string[] = [];
  private readonly mutatedWritten: string[] = [];
  /** Folders in creation order, for re-applying their times children-first at close. */
  private readonly dirTimes: { at: string; times: DiskTimes }[] = [];
  private cur: Current | undefined;
  private last: Last | undefined;
  private hasUtilityVM = false;
  private streamCount = 0;
  private bytes = 0;

  constructor(
    layerPath: string,
    /** The staging folder, a sibling of layerPath. */
    readonly stagingPath: string,
    readonly kind: LayerKind,
    readonly parents: readonly string[],
    private readonly log: MetadataLog,
    private readonly options: LegacyLayerWriterOptions,
  ) {
    super(layerPath);
  }

  protected override get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  protected async cleanUp(): Promise<void> {
    const cur = this.cur;
    this.cur = undefined;
    if (cur) closeQuietly(cur.fd);
    await this.log.close().catch(() => undefined);
    await rm(this.stagingPath, { recursive: true, force: true, maxRetries: 3 });
  }

  private disk(rel: string): string {
    return join(this.stagingPath, rel);
  }

  // ---- add ----

  protected async doAdd(path: string, info: FileInfo, size: number | undefined): Promise<void> {
    checkLayerPath(path);
    checkFileInfo(path, info);
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw invalidArgument(`bad size ${size} for ${path}`, { entry: path });
    this.checkReserved(path);
    await this.finishCurrent();
    this.last = undefined;
    const isDir = (info.attributes & FILE_ATTRIBUTE.DIRECTORY) !== 0;

    if (this.kind === 'import') {
      if (path === UVM) {
        if (!isDir) throw invalidArgument(`${UVM} must be a directory`, { entry: path });
        if (this.hasUtilityVM) throw invalidArgument(`duplicate entry ${path}`, { entry: path });
        await this.initUtilityVM(info);
        return;
      }
      if (path.startsWith(`${UVM}/`)) {
        if (!this.hasUtilityVM) throw invalidArgument(`missing UtilityVM directory (before ${path})`, { entry: path });
        if (path !== UVM_FILES && !hasPathPrefix(path, UVM_FILES)) throw invalidArgument(`invalid UtilityVM layer: ${path} is not under ${UVM_FILES}`, { entry: path });
        const existing = this.known.get(lower(path));
        if (existing) {
          // The clone is overwritten: a folder is reused unless its kind changes, anything else replaced.
          const bits = FILE_ATTRIBUTE.DIRECTORY | FILE_ATTRIBUTE.REPARSE_POINT;
          if (existing.kind === 'd' && isDir && (existing.attributes & bits) === (info.attributes & bits) && existing.at === path) {
            const record: DirRecord = { k: 'd', p: path, ...infoFields(info) };
            this.log.replace(existing.index, record);
            this.dirTimes.push({ at: existing.at, times: diskTimes(info) });
            existing.attributes = info.attributes;
            existing.own = true;
            this.last = { known: existing, streamNames: new Set(), reused: true };
            return;
          }
          await this.removeTree(existing);
        }
      }
    } else if (path === UVM_FILES) {
      this.hasUtilityVM = true;
    }

    const at = this.placeFor(path);
    if (isDir) {
      await mkdir(this.disk(at)).catch((e) => {
        throw diskError(e, path);
      });
      const record: DirRecord = { k: 'd', p: path, ...(at !== path ? { at } : {}), ...infoFields(info) };
      const index = await this.log.append(record);
      this.dirTimes.push({ at, times: diskTimes(info) });
      const known: Known = { path, at, kind: 'd', index, attributes: info.attributes, own: true };
      this.known.set(lower(path), known);
      this.last = { known, streamNames: new Set(), reused: false };
      return;
    }
    const fd = openNew(this.disk(at), path);
    const record: FileRecord = { k: 'f', p: path, s: 0, ...(at !== path ? { at } : {}), ...infoFields(info) };
    const known: Known = { path, at, kind: 'f', index: -1, attributes: info.attributes, own: true };
    this.known.set(lower(path), known);
    this.cur = { path, fd, expected: size, written: 0, record, known, times: diskTimes(info) };
    this.last = { known, streamNames: new Set(), reused: false };
    if (MUTATED_FILES.has(path)) this.mutatedWritten.push(path);
  }

  /** Checks that `path` is new and its folder exists (create-new semantics); returns its place on disk. */
  private placeFor(path: string): string {
    const dup = this.known.get(lower(path));
    if (dup) throw invalidArgument(`duplicate entry ${path}${dup.path !== path ? ` (already added as ${dup.path})` : ''}`, { entry: path });
    const parent = parentPath(path);
    if (parent === '') return path;
    const folder = this.known.get(lower(parent));
    if (!folder || folder.kind !== 'd') {
      throw invalidArgument(`cannot add ${path}: its folder ${parent} has not been added before it`, { entry: path });
    }
    if (folder.attributes & FILE_ATTRIBUTE.REPARSE_POINT) {
      throw invalidArgument(`cannot add ${path}: its folder ${folder.path} is a reparse point`, { entry: path });
    }
    const at = `${folder.at}/${path.slice(parent.length + 1)}`;
    return at === path ? path : at; // the writer keeps it per entry: not a second copy of the path
  }

  private checkReserved(path: string): void {
    const top = path.split('/', 1)[0]!;
    if (RESERVED_TOP.has(lower(top))) throw invalidArgument(`entry name ${path} is reserved by the layer folder layout`, { entry: path });
  }

  // ---- data ----

  protected async doWrite(chunk: Uint8Array): Promise<void> {
    const cur = this.cur;
    if (!cur) throw new WcError('FailedPrecondition', 'no current file: write() must follow add() of a file or addAlternateStream()');
    const name = cur.stream === undefined ? cur.path : `${cur.path}:${cur.stream}`;
    if (cur.expected !== undefined && cur.written + chunk.length > cur.expected) {
      throw invalidArgument(`${name}: too many bytes by ${cur.written + chunk.length - cur.expected}`, { entry: name });
    }
    writeAll(cur.fd, chunk, name);
    cur.written += chunk.length;
    this.bytes += chunk.length;
  }

  private async finishCurrent(): Promise<void> {
    const cur = this.cur;
    if (!cur) return;
    this.cur = undefined;
    if (cur.times) setTimes(() => futimesSync(cur.fd, cur.times!.atime, cur.times!.mtime));
    closeSync(cur.fd);
    const name = cur.stream === undefined ? cur.path : `${cur.path}:${cur.stream}`;
    if (cur.expected !== undefined && cur.written !== cur.expected) {
      throw corrupt(`${name}: missing ${cur.expected - cur.written} bytes`, { entry: name });
    }
    cur.record.s = cur.written;
    const index = await this.log.append(cur.record);
    if (cur.stream === undefined) cur.known.index = index;
    else (cur.known.streams ??= []).push(index);
  }

  // ---- alternate streams ----

  protected async doAddStream(path: string, name: string, size: number | undefined): Promise<void> {
    checkLayerPath(path);
    checkStreamName(path, name);
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw invalidArgument(`bad size ${size} for ${path}:${name}`, { entry: `${path}:${name}` });
    await this.finishCurrent();
    const last = this.last;
    if (!last || last.known.path !== path || last.known.kind === 'l') {
      throw invalidArgument(`alternate stream ${path}:${name} does not follow its file (streams must come right after the file they belong to)`, { entry: `${path}:${name}` });
    }
    if (last.reused) throw new WcError('Unsupported', `alternate stream ${path}:${name} on a cloned utility VM folder is not supported`, { entry: `${path}:${name}` });
    if (last.streamNames.has(lower(name))) throw invalidArgument(`duplicate alternate stream ${path}:${name}`, { entry: `${path}:${name}` });
    last.streamNames.add(lower(name));
    const f = String(this.streamCount++);
    const fd = openNew(join(this.stagingPath, META_DIR, STREAMS_DIR, f), `${path}:${name}`);
    const record: StreamRecord = { k: 's', p: path, n: name, s: 0, f };
    this.cur = { path, stream: name, fd, expected: size, written: 0, record, known: last.known };
  }

  // ---- links ----

  protected async doAddLink(path: string, target: string): Promise<void> {
    checkLayerPath(path, 'link');
    checkLayerPath(target, 'link target');
    this.checkReserved(path);
    await this.finishCurrent();
    this.last = undefined;
    const notFound = (): WcError => invalidArgument(`failed to find link target for '${path}' -> '${target}'`, { entry: path, target });
    let source: string | undefined; // absolute path of the object to link to
    if (this.kind === 'import') {
      const inFiles = hasPathPrefix(target, 'Files');
      const inUvm = hasPathPrefix(target, UVM_FILES);
      if ((!inFiles && !inUvm) || (!hasPathPrefix(path, 'Files') && !hasPathPrefix(path, UVM_FILES))) {
        throw invalidArgument(`invalid hard link in layer: '${path}' -> '${target}'`, { entry: path, target });
      }
      const mine = this.known.get(lower(target));
      if (mine && (inUvm || mine.path === target)) {
        // Added earlier in this layer (exact name, as hcsshim) or, for the utility VM, present in the clone.
        if (mine.kind === 'd') throw invalidArgument(`cannot hard link '${path}' to the folder '${target}'`, { entry: path, target });
        source = this.disk(mine.at);
      } else if (inFiles) {
        for (const parent of this.parents) {
          const candidate = join(parent, target);
          try {
            const st = await lstat(candidate);
            if (st.isDirectory()) throw invalidArgument(`cannot hard link '${path}' to the folder '${target}' in ${parent}`, { entry: path, target });
            source = candidate;
            break;
          } catch (e) {
            if (isWcError(e)) throw e;
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw fromNodeError(e, candidate);
          }
        }
      }
      if (!source) throw notFound();
      if (hasPathPrefix(path, UVM_FILES)) {
        const existing = this.known.get(lower(path));
        if (existing) await this.removeTree(existing); // hcsshim deletes what is there first
      }
    } else {
      const mine = this.known.get(lower(target));
      if (!mine) throw notFound();
      if (mine.kind === 'd') throw invalidArgument(`cannot hard link '${path}' to the folder '${target}'`, { entry: path, target });
      source = this.disk(mine.at);
    }
    const at = this.placeFor(path);
    await linkOrCopy(source, this.disk(at)).catch((e) => {
      throw diskError(e, path);
    });
    const index = await this.log.append({ k: 'l', p: path, to: target, ...(at !== path ? { at } : {}) });
    this.known.set(lower(path), { path, at, kind: 'l', index, attributes: 0, own: true });
  }

  // ---- tombstones ----

  protected async doRemove(path: string): Promise<void> {
    checkLayerPath(path, 'tombstone');
    await this.finishCurrent();
    this.last = undefined;
    if (this.kind === 'base') throw invalidArgument(`base layer cannot have tombstones (${path})`, { entry: path });
    if (hasPathPrefix(path, 'Files')) {
      this.tombstones.push(path);
      return;
    }
    if (hasPathPrefix(path, UVM_FILES)) {
      if (!this.hasUtilityVM) await this.initUtilityVM(undefined);
      const existing = this.known.get(lower(path));
      if (!existing) throw new WcError('NotFound', `stat ${path}: not found in the utility VM cloned from ${this.parents[0]}`, { entry: path });
      await this.removeTree(existing);
      return;
    }
    throw invalidArgument(`invalid tombstone ${path}`, { entry: path });
  }

  /** Deletes a path and everything below it from the staged folder and the metadata. */
  private async removeTree(k: Known): Promise<void> {
    const forget = (key: string, v: Known): void => {
      if (v.index >= 0) this.log.drop(v.index);
      for (const s of v.streams ?? []) this.log.drop(s);
      this.known.delete(key);
    };
    forget(lower(k.path), k);
    if (k.kind === 'd') {
      // Only folders have anything below them: scan for it (rare; files are the common case).
      const prefix = `${lower(k.path)}/`;
      for (const [key, v] of this.known) if (key.startsWith(prefix)) forget(key, v);
    }
    await rm(this.disk(k.at), { recursive: true, force: true });
  }

  // ---- utility VM ----

  /**
   * hcsshim's initUtilityVM: the utility VM is cloned from the nearest parent (Server 2016 has
   * no layering for it): folders re-created, files hard-linked, the four BCD files copied (they
   * are modified in place later). Links of the parent's UVM into its Files/ become files here,
   * since their targets are not part of this layer.
   */
  private async initUtilityVM(info: FileInfo | undefined): Promise<void> {
    const parent = this.parents[0]!;
    const fail = (why: string): WcError => new WcError('FailedPrecondition', `cloning the parent utility VM image failed: ${why}`, { path: parent });
    const src = join(parent, UVM_FILES);
    try {
      const st = await lstat(src);
      if (!st.isDirectory()) throw fail(`${src} is not a directory`);
    } catch (e) {
      throw isWcError(e) ? e : fail(fromNodeError(e, src).message);
    }
    const readForeign = this.options.platform?.readParentUtilityVm;
    if (readForeign && !(await lstat(join(parent, META_DIR, META_FILE)).catch(() => undefined))) {
      try {
        await this.cloneEntries(parent, readForeign.call(this.options.platform, parent, this.options.signal), info);
      } catch (e) {
        throw fail(isWcError(e) ? e.message : fromNodeError(e).message);
      }
      return;
    }
    // First pass: the parent's UtilityVM folder record (used when no entry gave one) and the
    // targets outside the UVM that its UVM links point to.
    const outside = new Set<string>();
    let parentUvm: DirRecord | undefined;
    try {
      const scan = await readMetadata(parent);
      for await (const r of scan.records) {
        if (r.k === 'l' && isUvmPath(r.p) && !isUvmPath(r.to)) outside.add(r.to);
        if (r.k === 'd' && r.p === UVM) parentUvm = r;
      }
    } catch (e) {
      throw fail((e as Error).message);
    }
    const meta = await readMetadata(parent);
    await mkdir(this.disk(UVM));
    this.hasUtilityVM = true;
    const uvmRecord: DirRecord = info
      ? { k: 'd', p: UVM, ...infoFields(info) }
      : parentUvm
        ? { k: 'd', p: UVM, a: parentUvm.a, t: parentUvm.t, ...(parentUvm.sd ? { sd: parentUvm.sd } : {}), ...(parentUvm.ea ? { ea: parentUvm.ea } : {}), ...(parentUvm.rp ? { rp: parentUvm.rp } : {}) }
        : { k: 'd', p: UVM, ...infoFields({ attributes: FILE_ATTRIBUTE.DIRECTORY, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n }) };
    const uvmIndex = await this.log.append(uvmRecord);
    this.known.set(lower(UVM), { path: UVM, at: UVM, kind: 'd', index: uvmIndex, attributes: uvmRecord.a, own: true });

    try {
      await this.cloneRecords(parent, meta.records, outside);
    } catch (e) {
      throw fail(isWcError(e) ? e.message : fromNodeError(e).message);
    } finally {
      meta.close();
    }
  }

  private async cloneRecords(parent: string, records: AsyncIterable<MetaRecord>, outside: ReadonlySet<string>): Promise<void> {
    const targets = new Map<string, { file: FileRecord; streams: StreamRecord[] }>();
    let lastTarget: { file: FileRecord; streams: StreamRecord[] } | undefined;
    let lastCloned: Known | undefined;
    for await (const r of records) {
      if (r.k === 's' && lastTarget && r.p === lastTarget.file.p) lastTarget.streams.push(r);
      else lastTarget = undefined;
      if (r.k === 'f' && outside.has(r.p)) {
        lastTarget = { file: r, streams: [] };
        targets.set(r.p, lastTarget);
      }
      if (!isUvmPath(r.p)) continue;
      const at = (r.k !== 's' && r.at) || r.p;
      if (r.k === 'd') {
        await mkdir(this.disk(at));
        this.dirTimes.push({ at, times: diskTimes(fileInfoOf(r)) });
        lastCloned = await this.cloned(r, at, 'd');
      } else if (r.k === 'f') {
        await this.cloneFile(join(parent, at), this.disk(at), r.p);
        lastCloned = await this.cloned(r, at, 'f');
      } else if (r.k === 's') {
        if (lastCloned && lastCloned.path === r.p) await this.cloneStream(parent, r, lastCloned);
      } else {
        const via = targets.get(r.to);
        await this.cloneFile(join(parent, at), this.disk(at), r.p);
        if (via) {
          // The link's target lives in the parent's Files/: here it becomes a file with that metadata.
          const { at: _ignored, ...file } = via.file;
          lastCloned = await this.cloned({ ...file, p: r.p, ...(at !== r.p ? { at } : {}) }, at, 'f');
          for (const s of via.streams) await this.cloneStream(parent, s, lastCloned);
        } else {
          lastCloned = await this.cloned(r, at, 'l');
        }
      }
    }
  }

  /**
   * The clone from a parent without WcLayer metadata, read through the platform hook: the same
   * result as cloneRecords (folders made, files linked, the BCD files copied, reparse points as
   * empty data files holding their reparse data in the metadata).
   */
  private async cloneEntries(parent: string, entries: AsyncIterable<Entry>, info: FileInfo | undefined): Promise<void> {
    for await (const e of entries) {
      if (e.kind !== 'directory' && e.kind !== 'file') throw new WcError('Internal', `unexpected ${e.kind} entry ${e.path} in the parent utility VM`, { entry: e.path });
      if (e.path === UVM) {
        await mkdir(this.disk(UVM));
        this.hasUtilityVM = true;
        const index = await this.log.append({ k: 'd', p: UVM, ...infoFields(info ?? e.info) });
        this.known.set(lower(UVM), { path: UVM, at: UVM, kind: 'd', index, attributes: (info ?? e.info).attributes, own: true });
        continue;
      }
      if (!this.hasUtilityVM || !isUvmPath(e.path)) throw new WcError('Internal', `parent utility VM entry ${e.path} out of order`, { entry: e.path });
      if (e.kind === 'directory') {
        await mkdir(this.disk(e.path));
        this.dirTimes.push({ at: e.path, times: diskTimes(e.info) });
        await this.cloned({ k: 'd', p: e.path, ...infoFields(e.info) }, e.path, 'd');
        continue;
      }
      if (e.info.attributes & FILE_ATTRIBUTE.REPARSE_POINT) await writeNew(this.disk(e.path), '');
      else await this.cloneFile(join(parent, e.path), this.disk(e.path), e.path);
      await this.cloned({ k: 'f', p: e.path, s: e.info.attributes & FILE_ATTRIBUTE.REPARSE_POINT ? 0 : e.size, ...infoFields(e.info) }, e.path, 'f');
    }
    if (!this.hasUtilityVM) throw new WcError('Internal', 'the parent utility VM reader gave no UtilityVM folder');
  }

  private async cloned(r: MetaRecord, at: string, kind: 'd' | 'f' | 'l'): Promise<Known> {
    const index = await this.log.append(r);
    const k: Known = { path: r.p, at, kind, index, attributes: r.k === 'd' || r.k === 'f' ? r.a : 0, own: false };
    this.known.set(lower(r.p), k);
    return k;
  }

  private async cloneFile(from: string, to: string, path: string): Promise<void> {
    if (MUTATED_FILES.has(path)) await copyFile(from, to, fsConstants.COPYFILE_EXCL);
    else await linkOrCopy(from, to);
  }

  private async cloneStream(parent: string, s: StreamRecord, owner: Known): Promise<void> {
    const f = String(this.streamCount++);
    await linkOrCopy(join(parent, META_DIR, STREAMS_DIR, s.f), join(this.stagingPath, META_DIR, STREAMS_DIR, f));
    const index = await this.log.append({ ...s, p: owner.path, f });
    (owner.streams ??= []).push(index);
  }

  /** Cloned utility VM files still as the parent has them, that hcsshim's cloneTree hard-links. */
  private clonedFiles(): Map<string, string> {
    const out = new Map<string, string>();
    for (const k of this.known.values()) {
      if (k.own || k.kind !== 'f' || k.attributes & FILE_ATTRIBUTE.REPARSE_POINT || MUTATED_FILES.has(k.path)) continue;
      out.set(k.path, join(this.parents[0]!, k.at));
    }
    return out;
  }

  // ---- close ----

  protected async doClose(): Promise<void> {
    await this.finishCurrent();
    if (this.kind === 'import') {
      const text = tombstonesHeader() + this.tombstones.map(tombstoneLine).join('');
      await writeNew(join(this.stagingPath, META_DIR, TOMBSTONES_FILE), text);
    }
    await this.log.seal(this.bytes);
    // As hcsshim's reapplyDirectoryTimes: after every deletion and link, children before parents.
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const { at, times } = this.dirTimes[i]!;
      setTimes(() => utimesSync(this.disk(at), times.atime, times.mtime));
    }
    if (this.kind === 'base' && this.options.requireBaseHives !== false) {
      for (const h of BASE_HIVE_NAMES) {
        const k = this.known.get(lower(`${CONFIG_DIR}/${h}`));
        if (!k || k.kind === 'd') throw new WcError('FailedPrecondition', `base layer has no registry hive ${CONFIG_DIR}/${h}`, { entry: `${CONFIG_DIR}/${h}` });
      }
      if (this.hasUtilityVM) {
        const k = this.known.get(lower(BCD_PATH));
        if (!k || k.kind === 'd') throw new WcError('FailedPrecondition', `UtilityVM must contain 'EFI\\Microsoft\\Boot\\BCD'`, { entry: BCD_PATH });
      }
    }
    // Pristine copies of the utility VM's boot files, as the importer keeps them (1.10 step 5).
    for (const path of this.mutatedWritten) {
      const k = this.known.get(lower(path));
      if (k && k.own && k.kind === 'f') await copyFile(this.disk(k.at), this.disk(MUTATED_FILES.get(path)!), fsConstants.COPYFILE_EXCL);
    }
    if (this.options.platform) {
      try {
        await this.options.platform.finishImport(this.layerPath, this.stagingPath, this.parents, {
          kind: this.kind,
          hasUtilityVM: this.hasUtilityVM,
          ...(this.kind === 'import' && this.hasUtilityVM ? { clonedUtilityVmFiles: this.clonedFiles() } : {}),
          ...(this.options.signal ? { signal: this.options.signal } : {}),
        });
      } finally {
        await rm(this.stagingPath, { recursive: true, force: true, maxRetries: 3 });
      }
      return;
    }
    try {
      await lstat(this.layerPath);
      throw new WcError('AlreadyExists', `layer already exists: ${this.layerPath}`, { path: this.layerPath });
    } catch (e) {
      if (isWcError(e)) throw e;
    }
    await rename(this.stagingPath, this.layerPath).catch((e) => {
      throw fromNodeError(e, this.layerPath);
    });
  }
}

const isUvmPath = (p: string): boolean => p === UVM_FILES || hasPathPrefix(p, UVM_FILES);



async function writeNew(file: string, text: string): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
}

// Data files use synchronous calls: each one is short (one open, one chunk, one close) and the
// event loop runs between chunks, while the thread-pool round trip of the async calls made
// writing many small files about four times slower (bench/layer/legacy-write.bench.ts).
function openNew(file: string, name: string): number {
  try {
    return openSync(file, 'wx');
  } catch (e) {
    throw diskError(e, name);
  }
}

/** A name this file system cannot hold (NTFS allows 255 UTF-16 units, ext4 255 bytes) is the entry's fault. */
function diskError(e: unknown, name: string): WcError {
  if ((e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return invalidArgument(`entry name too long for this file system: ${name}`, { entry: name });
  return fromNodeError(e, name);
}

function writeAll(fd: number, chunk: Uint8Array, name: string): void {
  try {
    for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
  } catch (e) {
    throw fromNodeError(e, name);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already failing; the staging folder is removed next
  }
}

// The on-disk times mirror LastWriteTime and LastAccessTime so the plain tree looks right to
// ordinary tools; the exact FILETIMEs live in the metadata log.
function diskTimes(info: FileInfo): DiskTimes {
  const seconds = (ft: bigint): number => Number(ft - FILETIME_UNIX_EPOCH) / 1e7;
  return { atime: seconds(info.lastAccessTime), mtime: seconds(info.lastWriteTime) };
}

/** Times outside what the file system stores (year 30000, before 1901 on some) are left alone. */
function setTimes(apply: () => void): void {
  try {
    apply();
  } catch {
    // the metadata log keeps the real value
  }
}
