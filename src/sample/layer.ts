// The deterministic sample-layer generator: from a seed, a file count and a total size it
// plans a realistic Windows layer (metadata only, a few hundred bytes per entry) and then
// yields its entries in writer order, creating each file's data as a lazy Readable.
//
// What is exact: the number of `file` entries equals fileCount, and the sum of the sizes of all
// `file` and `stream` entries equals totalSize; options that make this impossible (totalSize
// below the hive bytes, or extra bytes with no file beyond the hives) are InvalidArgument.
// Links, directories and whiteouts carry no data.

import { Readable } from 'node:stream';
import { invalidArgument } from '../errors.js';
import { FILE_ATTRIBUTE, FILETIME_UNIX_EPOCH, type Entry, type ExtendedAttribute, type FileInfo } from '../formats/entry.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';
import { DataPool } from './data.js';
import { BASE_HIVES, BCD_HIVE, DELTA_HIVES, sampleHive, type HiveKind } from './hives.js';
import { BASE_SKELETON, CHILD_SKELETON, dirName, fileName } from './names.js';
import { Rng } from './random.js';
import { encodeReparsePoint } from '../formats/backup/reparse.js';
import { buildSecurityPool, type SecurityPool } from './security.js';

export type SampleLayerKind = 'base' | 'child';

export interface SampleLayerOptions extends TaskOptions {
  /** Any string or number; the same seed (and other options) gives identical entries and bytes. */
  seed: string | number;
  /** 'base': Files/ with the five config hives and UtilityVM/Files/ hard links; 'child': Hives/ deltas, whiteouts, ADS, reparse points. Default 'base'. */
  kind?: SampleLayerKind;
  /** Exact number of `file` entries (hives and symlink files included). At least 6 for base, 5 for child. */
  fileCount: number;
  /** Exact sum of the sizes of all file and stream entries, in bytes. */
  totalSize: number;
  /**
   * Hive bytes, by file name ('SYSTEM', 'SOFTWARE' ..., 'BCD' with kind 'base'; 'System_Delta' ...
   * with kind 'delta'). Default: real small hives (sampleHive in hives.ts); pass placeholderHive
   * for the old 4096-byte stand-in that is not a valid hive.
   */
  hiveContent?: (name: string, kind: HiveKind) => Uint8Array;
  /** FILETIME that timestamps spread back from; default: derived from the seed (2019-2024). */
  time?: bigint;
}

/** Smallest fileCount per kind: the fixed hive files. */
export const SAMPLE_MIN_FILES: Readonly<Record<SampleLayerKind, number>> = { base: BASE_HIVES.length + 1, child: DELTA_HIVES.length };

interface PlannedStream {
  name: string;
  size: number;
  salt: number;
}

interface PlannedFile {
  name: string;
  path: string;
  info: FileInfo;
  size: number;
  salt: number;
  /** Hive bytes; otherwise data comes from the pool. */
  content?: Uint8Array;
  /** Takes a share of totalSize (ordinary files, not symlinks or hives). */
  weighted: boolean;
  streams: PlannedStream[];
}

interface PlannedDir {
  path: string;
  info: FileInfo;
  dirs: PlannedDir[];
  files: PlannedFile[];
  whiteouts: string[];
  /** Lower-case names taken in this folder (NTFS is case-insensitive). */
  taken: Set<string>;
  /** A junction or directory symlink: nothing may be created inside. */
  reparse: boolean;
  /** Random content may go here (not the hive folders). */
  open: boolean;
}

const DAY = 864_000_000_000n; // FILETIME ticks per day
const FILETIME_2019 = FILETIME_UNIX_EPOCH + 1_546_300_800n * 10_000_000n;
const EA_NAMES = ['$KERNEL.PURGE.ESBCACHE', '$KERNEL.PURGE.APPXFICACHE', '$CI.CATALOGHINT', 'USER.SAMPLE', 'LX.UID'];
const STREAM_NAMES = ['Zone.Identifier', 'SmartScreen', 'com.contoso.meta', 'favicon'];
const BCD_PATH = 'UtilityVM/Files/EFI/Microsoft/Boot/BCD';

function checkOptions(o: SampleLayerOptions): SampleLayerKind {
  const kind = o.kind ?? 'base';
  if (kind !== 'base' && kind !== 'child') throw invalidArgument(`sample layer kind must be 'base' or 'child', not '${String(kind)}'`);
  if (!Number.isSafeInteger(o.fileCount) || o.fileCount < SAMPLE_MIN_FILES[kind] || o.fileCount > 10_000_000) {
    throw invalidArgument(`fileCount must be an integer from ${SAMPLE_MIN_FILES[kind]} (the hive files of a ${kind} layer) to 10000000, not ${o.fileCount}`);
  }
  if (!Number.isSafeInteger(o.totalSize) || o.totalSize < 0) throw invalidArgument(`totalSize must be a byte count, not ${o.totalSize}`);
  if (typeof o.seed !== 'string' && typeof o.seed !== 'number') throw invalidArgument('seed must be a string or a number');
  return kind;
}

class Planner {
  readonly rng: Rng;
  readonly pool: DataPool;
  /** Parent of every file's data generator; never advanced, so data depends only on seed and salt. */
  readonly dataRoot: Rng;
  readonly sec: SecurityPool = buildSecurityPool();
  readonly base: bigint;
  readonly root: PlannedDir;
  readonly dirs: PlannedDir[] = [];
  readonly byPath = new Map<string, PlannedDir>();
  private salt = 0;

  constructor(readonly options: SampleLayerOptions, readonly kind: SampleLayerKind) {
    this.rng = new Rng(options.seed);
    this.pool = new DataPool(this.rng.derive(0x5eed));
    this.dataRoot = this.rng.derive(0xda7a);
    this.base = options.time ?? FILETIME_2019 + this.rng.bigBelow(5n * 365n * DAY);
    this.root = this.newDir('Files', null);
  }

  nextSalt(): number {
    return ++this.salt;
  }

  times(): Pick<FileInfo, 'creationTime' | 'lastAccessTime' | 'lastWriteTime' | 'changeTime'> {
    const r = this.rng;
    const lastWriteTime = this.base - r.bigBelow(730n * DAY);
    return {
      creationTime: lastWriteTime - r.bigBelow(365n * DAY),
      lastAccessTime: lastWriteTime + r.bigBelow(30n * DAY),
      lastWriteTime,
      changeTime: lastWriteTime + r.bigBelow(DAY),
    };
  }

  dirInfo(sd = true): FileInfo {
    const r = this.rng.float();
    const extra = r < 0.1 ? FILE_ATTRIBUTE.NOT_CONTENT_INDEXED : r < 0.15 ? FILE_ATTRIBUTE.HIDDEN | FILE_ATTRIBUTE.SYSTEM : r < 0.2 ? FILE_ATTRIBUTE.READONLY : 0;
    const info: FileInfo = { attributes: FILE_ATTRIBUTE.DIRECTORY | extra, ...this.times() };
    if (sd) info.securityDescriptor = this.rng.pick(this.sec.dirs);
    return info;
  }

  fileInfo(sd = true): FileInfo {
    const r = this.rng.float();
    const A = FILE_ATTRIBUTE;
    const attributes =
      r < 0.7 ? A.ARCHIVE
      : r < 0.8 ? A.READONLY | A.ARCHIVE
      : r < 0.85 ? A.HIDDEN | A.SYSTEM | A.ARCHIVE
      : r < 0.9 ? A.NOT_CONTENT_INDEXED | A.ARCHIVE
      : r < 0.95 ? A.NORMAL
      : r < 0.98 ? A.SPARSE_FILE | A.ARCHIVE
      : A.TEMPORARY | A.ARCHIVE;
    const info: FileInfo = { attributes, ...this.times() };
    if (sd) info.securityDescriptor = this.rng.pick(this.sec.files);
    return info;
  }

  eas(): ExtendedAttribute[] {
    const n = this.rng.int(1, 2);
    const names = new Set<string>();
    while (names.size < n) names.add(this.rng.pick(EA_NAMES));
    return [...names].map((name) => {
      const value = new Uint8Array(this.rng.int(4, 80));
      for (let i = 0; i < value.length; i++) value[i] = this.rng.u32() & 0xff;
      return { name, value, flags: this.rng.chance(0.1) ? 0x80 : 0 };
    });
  }

  newDir(path: string, parent: PlannedDir | null, info = this.dirInfo(), open = true): PlannedDir {
    const d: PlannedDir = { path, info, dirs: [], files: [], whiteouts: [], taken: new Set(), reparse: false, open };
    if (parent) {
      parent.dirs.push(d);
      parent.taken.add(path.slice(parent.path.length + 1).toLowerCase());
    }
    this.dirs.push(d);
    this.byPath.set(path, d);
    return d;
  }

  /** A name not yet used in `dir`, from `make` (a suffix is added after a few collisions). */
  uniqueName(dir: PlannedDir, make: () => string): string {
    let name = make();
    for (let i = 0; dir.taken.has(name.toLowerCase()); i++) {
      const base = make();
      name = i < 3 ? base : base.replace(/(\.[^.]*)?$/, (ext) => `_${i}${ext}`);
    }
    dir.taken.add(name.toLowerCase());
    return name;
  }

  /** A folder that random content may go in. */
  openDir(): PlannedDir {
    for (;;) {
      const d = this.rng.pick(this.dirs);
      if (d.open && !d.reparse) return d;
    }
  }

  addFile(dir: PlannedDir, name: string, info: FileInfo, weighted: boolean, content?: Uint8Array): PlannedFile {
    dir.taken.add(name.toLowerCase());
    const f: PlannedFile = { name, path: `${dir.path}/${name}`, info, size: content?.length ?? 0, salt: this.nextSalt(), weighted, streams: [] };
    if (content) f.content = content;
    dir.files.push(f);
    return f;
  }

  ensureDirs(paths: readonly string[], under: PlannedDir): void {
    for (const rel of paths) {
      const path = `${under.path}/${rel}`;
      if (this.byPath.has(path)) continue;
      const parent = this.byPath.get(path.slice(0, path.lastIndexOf('/')))!;
      this.newDir(path, parent);
    }
  }
}

function hiveBytes(options: SampleLayerOptions, name: string, kind: HiveKind, timestamp: bigint): Uint8Array {
  const b = options.hiveContent ? options.hiveContent(name, kind) : sampleHive(name, kind, timestamp);
  if (!(b instanceof Uint8Array)) throw invalidArgument(`hiveContent returned no bytes for ${name}`);
  return b;
}

/** Splits `budget` bytes over the weights exactly (largest share takes the rounding). */
function distribute(weights: number[], budget: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  const sizes = weights.map((w) => Math.floor(budget * (w / total)));
  let rest = budget - sizes.reduce((a, b) => a + b, 0);
  let largest = 0;
  weights.forEach((w, i) => {
    if (w > weights[largest]!) largest = i;
  });
  if (rest >= 0) sizes[largest]! += rest;
  else {
    for (let i = 0; rest < 0; i = (i + 1) % sizes.length) {
      const take = Math.min(sizes[i]!, -rest);
      sizes[i]! -= take;
      rest += take;
    }
  }
  return sizes;
}

interface Plan {
  planner: Planner;
  /** Hard links emitted after the Files tree (child layers). */
  links: { path: string; target: string }[];
  /** Base layers: UtilityVM folders (sorted, parents first), the BCD file and the links into Files/. */
  uvm?: { info: FileInfo; filesInfo: FileInfo; dirs: { path: string; info: FileInfo }[]; bcd: PlannedFile; links: { path: string; target: string }[] };
  /** Child layers: the Hives folder and its delta files. */
  hivesInfo?: FileInfo;
  hives: PlannedFile[];
}

function plan(options: SampleLayerOptions, kind: SampleLayerKind): Plan {
  const p = new Planner(options, kind);
  const rng = p.rng;
  const hives: PlannedFile[] = [];
  let hivesInfo: FileInfo | undefined;

  // Skeleton folders, then the fixed hive files.
  p.ensureDirs(kind === 'base' ? BASE_SKELETON : CHILD_SKELETON, p.root);
  const config = p.byPath.get('Files/Windows/System32/config');
  if (config) config.open = false;
  let fixedBytes = 0;
  if (kind === 'base') {
    for (const h of BASE_HIVES) {
      const content = hiveBytes(options, h, 'base', p.base);
      fixedBytes += content.length;
      p.addFile(config!, h, { ...p.fileInfo(false), attributes: FILE_ATTRIBUTE.ARCHIVE, securityDescriptor: p.sec.files[1]! }, false, content);
    }
  } else {
    const hivesDir: PlannedDir = { path: 'Hives', info: p.dirInfo(false), dirs: [], files: [], whiteouts: [], taken: new Set(), reparse: false, open: false };
    for (const h of DELTA_HIVES) {
      const content = hiveBytes(options, h, 'delta', p.base);
      fixedBytes += content.length;
      // legacy export drops descriptors of Hives/* (spec 8.9): none here either
      hives.push(p.addFile(hivesDir, h, { ...p.fileInfo(false), attributes: FILE_ATTRIBUTE.ARCHIVE }, false, content));
    }
    hivesInfo = hivesDir.info;
  }
  let bcdContent: Uint8Array | undefined;
  if (kind === 'base') {
    bcdContent = hiveBytes(options, BCD_HIVE, 'base', p.base);
    fixedBytes += bcdContent.length;
  }
  const budget = options.totalSize - fixedBytes;
  if (budget < 0) {
    throw invalidArgument(`totalSize ${options.totalSize} is smaller than the ${fixedBytes} bytes of hive files a ${kind} layer holds`);
  }

  // Random folders, about one per 15 files.
  const dirCount = Math.max(2, Math.round(options.fileCount / 15));
  for (let i = 0; i < dirCount; i++) {
    const parent = p.openDir();
    const name = p.uniqueName(parent, () => dirName(rng, parent.path));
    p.newDir(`${parent.path}/${name}`, parent);
  }

  // Ordinary files and symlink files.
  const regular = options.fileCount - SAMPLE_MIN_FILES[kind];
  const files: PlannedFile[] = [];
  const weights: number[] = [];
  const owners: (PlannedFile | PlannedStream)[] = [];
  for (let i = 0; i < regular; i++) {
    const dir = p.openDir();
    const name = p.uniqueName(dir, () => fileName(rng, dir.path.endsWith('System32')));
    const symlink = kind === 'child' && i > 0 && rng.chance(0.03); // the first always holds data
    const info = p.fileInfo();
    if (symlink) {
      const target = rng.chance(0.5) ? `..\\${fileName(rng, true)}` : `C:\\Windows\\System32\\${fileName(rng, true)}`;
      info.attributes = FILE_ATTRIBUTE.ARCHIVE | FILE_ATTRIBUTE.REPARSE_POINT;
      info.reparseData = encodeReparsePoint(target, false);
    }
    if (rng.chance(kind === 'base' ? 0.03 : 0.05)) info.extendedAttributes = p.eas();
    const f = p.addFile(dir, name, info, !symlink);
    if (!symlink) {
      files.push(f);
      owners.push(f);
      weights.push(rng.chance(0.02) ? 0 : Math.exp(rng.float() * 9));
      if (kind === 'child' && rng.chance(0.05)) {
        const s: PlannedStream = { name: rng.pick(STREAM_NAMES), size: 0, salt: p.nextSalt() };
        f.streams.push(s);
        owners.push(s);
        weights.push(Math.exp(rng.float() * 3));
      }
    }
  }
  if (budget > 0 && regular === 0) {
    throw invalidArgument(`a ${kind} layer of only its ${options.fileCount} hive files cannot hold ${budget} more bytes: ask for more files`);
  }
  if (weights.length && !weights.some((w) => w > 0)) weights[0] = 1;
  distribute(weights, budget).forEach((size, i) => (owners[i]!.size = size));

  const links: { path: string; target: string }[] = [];
  if (kind === 'child') {
    // Junctions and directory symlinks: leaf folders created last so nothing lands inside.
    const reparseDirs = Math.max(1, Math.round(dirCount / 30));
    for (let i = 0; i < reparseDirs; i++) {
      const parent = p.openDir();
      const junction = rng.chance(0.5);
      const name = p.uniqueName(parent, () => `${junction ? 'Junction' : 'DirLink'}${rng.int(1, 999)}`);
      const d = p.newDir(`${parent.path}/${name}`, parent);
      d.reparse = true;
      d.info.attributes = FILE_ATTRIBUTE.DIRECTORY | FILE_ATTRIBUTE.REPARSE_POINT;
      d.info.reparseData = junction ? encodeReparsePoint(`C:\\ProgramData\\${dirName(rng, 'ProgramData')}`, true) : encodeReparsePoint(`..\\${dirName(rng, 'x')}`, false);
    }
    // Whiteouts of things in the layers below.
    const whiteouts = Math.max(1, Math.round(regular * 0.03));
    for (let i = 0; i < whiteouts; i++) {
      const dir = p.openDir();
      dir.whiteouts.push(p.uniqueName(dir, () => (rng.chance(0.7) ? `old_${fileName(rng, false)}` : `Removed${rng.int(1, 9999)}`)));
    }
    // Hard links to files of this layer, emitted after the whole tree.
    if (files.length) {
      const count = Math.round(files.length * 0.02);
      for (let i = 0; i < count; i++) {
        const target = rng.pick(files);
        const dir = p.openDir();
        links.push({ path: `${dir.path}/${p.uniqueName(dir, () => fileName(rng, false))}`, target: target.path });
      }
    }
    return { planner: p, links, hives, hivesInfo: hivesInfo! };
  }

  // Base: UtilityVM/Files mirrors part of Files/ with hard links (targets in Files/, sometimes a chain).
  const uvmLinks: { path: string; target: string }[] = [];
  const uvmDirPaths = new Set<string>(['UtilityVM/Files/EFI', 'UtilityVM/Files/EFI/Microsoft', 'UtilityVM/Files/EFI/Microsoft/Boot']);
  const addParents = (path: string): void => {
    for (let i = path.lastIndexOf('/'); i > 'UtilityVM/Files'.length; i = path.lastIndexOf('/', i - 1)) uvmDirPaths.add(path.slice(0, i));
  };
  const taken = new Set<string>([BCD_PATH.toLowerCase()]);
  for (const f of files) {
    if (!rng.chance(0.3)) continue;
    const path = `UtilityVM/${f.path}`;
    taken.add(path.toLowerCase());
    addParents(path);
    uvmLinks.push({ path, target: f.path });
    if (rng.chance(0.1)) {
      const ext = f.name.includes('.') ? f.name.slice(f.name.lastIndexOf('.')) : '';
      const chained = `${path.slice(0, path.lastIndexOf('/'))}/${f.name.slice(0, f.name.length - ext.length)}_${p.nextSalt()}${ext}`;
      if (!taken.has(chained.toLowerCase())) {
        taken.add(chained.toLowerCase());
        uvmLinks.push({ path: chained, target: path }); // a link to a link
      }
    }
  }
  const dirs = [...uvmDirPaths].sort().map((path) => ({ path, info: p.dirInfo() }));
  const bcd: PlannedFile = {
    name: 'BCD',
    path: BCD_PATH,
    info: { ...p.fileInfo(false), attributes: FILE_ATTRIBUTE.ARCHIVE | FILE_ATTRIBUTE.HIDDEN | FILE_ATTRIBUTE.SYSTEM },
    size: bcdContent!.length,
    salt: p.nextSalt(),
    content: bcdContent!,
    weighted: false,
    streams: [],
  };
  const uvmInfo = p.dirInfo(false);
  const uvmFilesInfo = p.dirInfo();
  return { planner: p, links, hives, uvm: { info: uvmInfo, filesInfo: uvmFilesInfo, dirs, bcd, links: uvmLinks } };
}

function bytesReadable(b: Uint8Array): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      }
      this.push(null);
    },
  });
}

function fileEntry(p: Planner, f: PlannedFile): Entry {
  const entry: Entry = { kind: 'file', path: f.path, info: f.info, size: f.size };
  if (f.size > 0) entry.data = f.content ? bytesReadable(f.content) : p.pool.stream(p.dataRoot.derive(f.salt), f.size);
  return entry;
}

function* emitFile(p: Planner, f: PlannedFile): Generator<Entry> {
  yield fileEntry(p, f);
  for (const s of f.streams) {
    const e: Entry = { kind: 'stream', path: f.path, name: s.name, size: s.size };
    if (s.size > 0) e.data = p.pool.stream(p.dataRoot.derive(s.salt), s.size);
    yield e;
  }
}

const byName = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The folder, its whiteouts, its files (each followed by its streams), then its sub-folders. */
function* emitDir(p: Planner, d: PlannedDir, self: boolean): Generator<Entry> {
  if (self) yield { kind: 'directory', path: d.path, info: d.info };
  for (const w of [...d.whiteouts].sort()) yield { kind: 'whiteout', path: `${d.path}/${w}` };
  for (const f of [...d.files].sort(byName)) yield* emitFile(p, f);
  for (const sub of [...d.dirs].sort(byName)) yield* emitDir(p, sub, true);
}

function* emitLayer(pl: Plan): Generator<Entry> {
  const p = pl.planner;
  if (p.kind === 'child') {
    // Files and Hives folders first, then the delta hives, then the Files tree.
    yield { kind: 'directory', path: 'Files', info: p.root.info };
    yield { kind: 'directory', path: 'Hives', info: pl.hivesInfo! };
    for (const h of pl.hives) yield fileEntry(p, h);
    yield* emitDir(p, p.root, false);
    for (const l of pl.links) yield { kind: 'link', ...l };
    return;
  }
  yield* emitDir(p, p.root, true);
  const uvm = pl.uvm!;
  yield { kind: 'directory', path: 'UtilityVM', info: uvm.info };
  yield { kind: 'directory', path: 'UtilityVM/Files', info: uvm.filesInfo };
  for (const d of uvm.dirs) yield { kind: 'directory', path: d.path, info: d.info };
  yield fileEntry(p, uvm.bcd);
  for (const l of uvm.links) yield { kind: 'link', ...l };
}

function countDir(d: PlannedDir, self: boolean): number {
  let n = (self ? 1 : 0) + d.whiteouts.length;
  for (const f of d.files) n += 1 + f.streams.length;
  for (const sub of d.dirs) n += countDir(sub, true);
  return n;
}

function countEntries(pl: Plan): number {
  if (!pl.uvm) return 2 + pl.hives.length + countDir(pl.planner.root, false) + pl.links.length;
  return countDir(pl.planner.root, true) + 2 + pl.uvm.dirs.length + 1 + pl.uvm.links.length;
}

/**
 * Generates a sample Windows layer as an entry stream (see SampleLayerOptions). Pure: nothing
 * touches the disk; each file's data is a Readable made when its entry is yielded. As the
 * Entry contract says, read (or destroy) a file's data before asking for the next entry.
 * onProgress hears every 256 entries and at the end (bytesDone counts entries handed out).
 */
export async function* generateSampleLayer(options: SampleLayerOptions): AsyncGenerator<Entry> {
  const kind = checkOptions(options);
  const pl = plan(options, kind);
  const entriesTotal = countEntries(pl);
  let entriesDone = 0;
  let bytesDone = 0;
  const report = (message?: string): void =>
    options.onProgress?.({ entriesDone, entriesTotal, bytesDone, bytesTotal: options.totalSize, ...(message ? { message } : {}) });
  for (const e of emitLayer(pl)) {
    throwIfCancelled(options.signal, 'generating the sample layer');
    yield e;
    entriesDone++;
    if (e.kind === 'file' || e.kind === 'stream') bytesDone += e.size;
    if (entriesDone % 256 === 0) report(e.path);
  }
  report();
}
