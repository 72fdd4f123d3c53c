// The CIM layer writer: hcsshim's CimLayerWriter (spec cim-format.md §22) over the pure
// TypeScript CimFS writer. The image is a fork of the nearest parent's image; the hives, the
// utility VM's SYSTEM and SOFTWARE hives, BCD and bootmgfw.efi go to the staging folder first
// and into the image at close, after the base-layer links and layout file (base layers) or the
// hive merges (child layers). Everything is staged in `<layerPath>.tmp-<hex>` and renamed onto
// layerPath at close; any failure, abort or cancellation removes the staging folder.

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, lstat, mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WcError, fromNodeError, invalidArgument, isWcError } from '../../errors.js';
import type { FileInfo } from '../../formats/entry.js';
import type { CimWriter } from '../../formats/cim/writer.js';
import { guidFromString, objectIdFileName, regionFileName } from '../../formats/cim/layout.js';
import { Hive, mergeHivesTo, readOsBuild, type HiveSource } from '../../formats/regf/index.js';
import { FileHiveSink } from '../../hive/file-sink.js';
import { openFileReadAt, type FileReadAt } from '../../hive/file-readat.js';
import { createCimImage, openCimImage } from '../../cim/image.js';
import type { Platform } from '../../platform/types.js';
import { throwIfCancelled } from '../../task.js';
import { checkLayerPath, checkStreamName, parentPath } from '../paths.js';
import { checkFileInfo, GuardedLayerWriter } from '../guarded-writer.js';
import { linkOrCopy } from '../../fs/link.js';
import {
  CHANGES_FILE,
  CIM_DIR,
  CONFIG_DIR,
  HIVES,
  HIVES_DIR,
  LAYER_CHAIN_FILE,
  LAYOUT_CONTENT,
  LAYOUT_FILE,
  META_FILE,
  UTILITY_VM,
  UVM_BUILD_FILE,
  UVM_SOFTWARE_HIVE,
  cimNameFor,
  deltaHiveOf,
  isStdFile,
  type ChangeRecord,
  type CimLayerMeta,
} from './format.js';

export interface CimLayerWriterOptions {
  /** Parent layer folders (CIM layers), nearest first. None: a base layer. */
  parents?: string[];
  /** Accepted for the factory shape; the portable writer needs no OS calls (mounting is separate). */
  platform?: Platform;
  /** Cancels the write: the next call (or close) fails with Cancelled and the staging folder goes. */
  signal?: AbortSignal;
  /**
   * Merge Hives/*_DELTA with the parent's *_BASE and read the utility VM's build (default true).
   * false leaves hives as they came: for synthetic layers whose hives are placeholders.
   */
  processHives?: boolean;
}

const DIRECTORY = 0x10;
const NORMAL = 0x80;
const ZERO_TIMES = { creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n };
const JOURNAL_FLUSH_LINES = 512;

/** Work queued for close (hcsshim's pendingOps): a host file into the image, or a link to one. */
type PendingOp = { kind: 'add'; path: string; host: string; info: FileInfo } | { kind: 'link'; path: string; target: string };

interface Current {
  /** The entry name used in errors ('file' or 'file:stream'). */
  entry: string;
  remaining: number;
  /** Set when the data goes to a std file on the host. */
  fh?: FileHandle;
}

/**
 * Starts a CIM layer at layerPath. AlreadyExists if layerPath exists; NotFound if a parent is
 * not a CIM layer written by this toolkit.
 */
export async function createCimLayerWriter(layerPath: string, options: CimLayerWriterOptions = {}): Promise<CimLayerWriter> {
  throwIfCancelled(options.signal, 'creating the CIM layer');
  const target = resolve(layerPath);
  if (await exists(target)) throw new WcError('AlreadyExists', `layer already exists: ${target}`, { path: target });
  const parents = (options.parents ?? []).map((p) => resolve(p));
  for (const p of parents) {
    if (!(await exists(p))) throw new WcError('NotFound', `cannot create layer with missing parent ${p}`, { path: p });
  }
  const imageName = cimNameFor(target);
  let parentImage: string | undefined;
  let parentImagePath: string | undefined;
  if (parents.length) {
    const parent = parents[0]!;
    parentImagePath = await findParentImage(parent);
    parentImage = basename(parentImagePath);
    if (parentImage.toLowerCase() === imageName.toLowerCase()) {
      throw invalidArgument(`layer ${target} would name its image ${imageName}, as its parent ${parent} does (rename the layer folder)`, { path: target });
    }
  }
  const staging = `${target}.tmp-${randomBytes(6).toString('hex')}`;
  let cim: CimWriter | undefined;
  try {
    await mkdir(dirname(target), { recursive: true });
    await mkdir(join(staging, CIM_DIR), { recursive: true });
    // The fork reads its parents' region files from its own directory: bring the whole chain.
    if (parentImagePath) for (const from of await imageFiles(parentImagePath)) await linkOrCopy(from, join(staging, CIM_DIR, basename(from))).catch((e) => {
        throw fromNodeError(e, from);
      });
    cim = await createCimImage(join(staging, CIM_DIR), imageName, parentImage ? { parent: parentImage } : {});
    const journal = await open(join(staging, CHANGES_FILE), 'wx');
    return new CimLayerWriter(target, staging, imageName, parentImage, parents, cim, journal, options);
  } catch (e) {
    await cim?.close().catch(() => undefined);
    await rm(staging, { recursive: true, force: true, maxRetries: 3 });
    throw isWcError(e) ? e : fromNodeError(e, staging);
  }
}

export class CimLayerWriter extends GuardedLayerWriter {
  private cur: Current | undefined;
  /** The file or directory added last: the only one that may take alternate streams. */
  private owner: string | undefined;
  private readonly pending: PendingOp[] = [];
  /** Std files written to the host, by lower-case layer path (their real names may differ in case). */
  private readonly stdFiles = new Map<string, { path: string; host: string; info: FileInfo }>();
  private journalLines: string[] = [];
  private hasUtilityVM = false;
  private osBuild: number | undefined;

  constructor(
    layerPath: string,
    readonly stagingPath: string,
    readonly imageName: string,
    readonly parentImage: string | undefined,
    readonly parents: readonly string[],
    private readonly cim: CimWriter,
    private readonly journal: FileHandle,
    private readonly options: CimLayerWriterOptions,
  ) {
    super(layerPath);
  }

  protected override get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  get isBase(): boolean {
    return this.parents.length === 0;
  }

  protected async cleanUp(): Promise<void> {
    const cur = this.cur;
    this.cur = undefined;
    await cur?.fh?.close().catch(() => undefined);
    await this.journal.close().catch(() => undefined);
    await this.cim.close().catch(() => undefined);
    await rm(this.stagingPath, { recursive: true, force: true, maxRetries: 3 });
  }

  // ---- entries ----

  protected async doAdd(path: string, info: FileInfo, size: number | undefined): Promise<void> {
    checkLayerPath(path);
    checkFileInfo(path, info);
    await this.finishCurrent();
    this.owner = undefined;
    const dir = (info.attributes & DIRECTORY) !== 0;
    if (!dir && (size === undefined || !Number.isSafeInteger(size) || size < 0)) {
      throw invalidArgument(`file ${path} needs its size up front (a CIM stream's length is fixed when it is created)`, { entry: path });
    }
    this.requireParent(path);
    if (path === UTILITY_VM && dir) this.hasUtilityVM = true;
    if (isStdFile(path) && !dir) {
      const key = path.toLowerCase();
      if (this.stdFiles.has(key)) throw invalidArgument(`duplicate entry ${path}`, { entry: path });
      const host = join(this.stagingPath, path);
      await mkdir(dirname(host), { recursive: true });
      const fh = await open(host, 'wx').catch((e: unknown) => {
        throw fromNodeError(e, host);
      });
      this.stdFiles.set(key, { path, host, info });
      this.pending.push({ kind: 'add', path, host, info });
      this.cur = { entry: path, remaining: size!, fh };
    } else {
      await this.cimCall(path, () => this.cim.addFile(path, info, dir ? 0 : size!));
      if (!dir && size! > 0) this.cur = { entry: path, remaining: size! };
    }
    this.owner = path;
    // The image keeps only some attribute bits (spec §10): the journal keeps the rest for export.
    const kept = keptAttributes(info, dir);
    await this.record(kept === info.attributes ? { op: 'add', path } : { op: 'add', path, attributes: info.attributes });
  }

  protected async doAddStream(path: string, name: string, size: number | undefined): Promise<void> {
    checkLayerPath(path);
    checkStreamName(path, name);
    const entry = `${path}:${name}`;
    await this.finishCurrent();
    if (isStdFile(path)) throw invalidArgument(`unexpected alternate stream ${entry} in layer`, { entry });
    if (this.owner !== path) throw invalidArgument(`alternate stream ${entry} does not follow its file (streams come right after the file they belong to)`, { entry });
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) throw invalidArgument(`alternate stream ${entry} needs its size up front`, { entry });
    await this.cimCall(entry, () => this.cim.createAlternateStream(path, name, size));
    if (size > 0) this.cur = { entry, remaining: size };
    await this.record({ op: 'stream', path, name });
  }

  protected async doAddLink(path: string, target: string): Promise<void> {
    checkLayerPath(path);
    checkLayerPath(target, 'link target');
    await this.finishCurrent();
    this.owner = undefined;
    if (isStdFile(target)) {
      // The target reaches the image only at close: so does the link (hcsshim's linkOp).
      if (isStdFile(path)) throw invalidArgument(`unexpected link ${path} in layer`, { entry: path });
      this.requireParent(path);
      this.pending.push({ kind: 'link', path, target });
    } else if (isStdFile(path)) {
      throw invalidArgument(`unexpected link ${path} in layer`, { entry: path });
    } else {
      this.requireParent(path);
      if (!this.cim.has(target)) throw invalidArgument(`failed to find link target for '${path}' -> '${target}'`, { entry: path, target });
      await this.cimCall(path, () => this.cim.addHardLink(path, target));
    }
    await this.record({ op: 'link', path, target });
  }

  protected async doRemove(path: string): Promise<void> {
    checkLayerPath(path);
    await this.finishCurrent();
    this.owner = undefined;
    if (this.isBase) throw invalidArgument('base layer cannot have tombstones', { entry: path });
    // A whiteout of something no parent has is kept (for export) but changes nothing.
    if (this.cim.has(path)) await this.cimCall(path, () => this.cim.unlinkPath(path));
    await this.record({ op: 'remove', path });
  }

  protected async doWrite(chunk: Uint8Array): Promise<void> {
    const cur = this.cur;
    if (!cur) throw new WcError('FailedPrecondition', 'no current file: write() follows add() of a file or addAlternateStream() with a size > 0');
    if (chunk.length > cur.remaining) throw invalidArgument(`${cur.entry}: too many bytes by ${chunk.length - cur.remaining}`, { entry: cur.entry });
    if (chunk.length === 0) return;
    if (cur.fh) await writeAll(cur.fh, chunk);
    else await this.cim.write(chunk);
    cur.remaining -= chunk.length;
  }

  /** Ends the current stream: all its bytes must have come. */
  private async finishCurrent(): Promise<void> {
    const cur = this.cur;
    if (!cur) return;
    if (cur.remaining > 0) throw invalidArgument(`${cur.entry}: missing ${cur.remaining} bytes`, { entry: cur.entry });
    this.cur = undefined;
    await cur.fh?.close();
  }

  private requireParent(path: string): void {
    const parent = parentPath(path);
    if (parent !== '' && !this.cim.has(parent)) {
      throw invalidArgument(`the folder of ${path} does not exist: add ${parent} first (or import it in a parent layer)`, { entry: path });
    }
  }

  /** The CIM writer's refusals (missing folder, a file where a folder should be) named by entry. */
  private async cimCall(entry: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (isWcError(e) && (e.code === 'NotFound' || e.code === 'FailedPrecondition' || e.code === 'InvalidArgument')) {
        throw invalidArgument(`${entry}: ${e.message}`, { ...e.data, entry });
      }
      throw e;
    }
  }

  private async record(r: ChangeRecord): Promise<void> {
    this.journalLines.push(JSON.stringify(r));
    if (this.journalLines.length >= JOURNAL_FLUSH_LINES) await this.flushJournal();
  }

  private async flushJournal(): Promise<void> {
    if (!this.journalLines.length) return;
    const text = this.journalLines.join('\n') + '\n';
    this.journalLines = [];
    await this.journal.write(text);
  }

  // ---- close (hcsshim's Close, spec §22.3) ----

  protected async doClose(): Promise<void> {
    const signal = this.options.signal;
    await this.finishCurrent();
    await this.flushJournal();
    await this.journal.close();
    const processHives = this.options.processHives !== false;
    if (this.hasUtilityVM && processHives) await this.writeUvmBuild();
    if (this.isBase) await this.processBaseLayer();
    else if (processHives) await this.processNonBaseLayer();
    for (const op of this.pending) {
      throwIfCancelled(signal, `writing layer ${this.layerPath}`);
      if (op.kind === 'link') {
        if (!this.cim.has(op.target)) throw invalidArgument(`failed to find link target for '${op.path}' -> '${op.target}'`, { entry: op.path, target: op.target });
        await this.cimCall(op.path, () => this.cim.addHardLink(op.path, op.target));
      } else {
        await this.addHostFile(op.path, op.host, op.info);
      }
    }
    throwIfCancelled(signal, `writing layer ${this.layerPath}`);
    await this.cim.commit();
    const meta: CimLayerMeta = {
      format: 'wclayer-cim',
      version: 1,
      image: this.imageName,
      parentImage: this.parentImage ?? null,
      parents: [...this.parents],
      hasUtilityVM: this.hasUtilityVM,
      ...(this.osBuild !== undefined ? { osBuild: this.osBuild } : {}),
    };
    await writeFile(join(this.stagingPath, META_FILE), JSON.stringify(meta, null, 2) + '\n', { flag: 'wx' });
    if (!this.isBase) await writeFile(join(this.stagingPath, LAYER_CHAIN_FILE), JSON.stringify(this.parents), { flag: 'wx' });
    throwIfCancelled(signal, `writing layer ${this.layerPath}`);
    if (await exists(this.layerPath)) throw new WcError('AlreadyExists', `layer already exists: ${this.layerPath}`, { path: this.layerPath });
    await rename(this.stagingPath, this.layerPath).catch((e: unknown) => {
      throw fromNodeError(e, this.layerPath);
    });
  }

  /** A std file (or a directory for Hives) from the host into the image, with its queued metadata. */
  private async addHostFile(path: string, host: string, info: FileInfo): Promise<void> {
    if ((info.attributes & DIRECTORY) !== 0) {
      await this.cimCall(path, () => this.cim.addFile(path, info, 0));
      return;
    }
    const size = (await stat(host)).size;
    await this.cimCall(path, () => this.cim.addFile(path, info, size));
    if (size === 0) return;
    const rs = createReadStream(host, { highWaterMark: 1 << 20 });
    try {
      for await (const chunk of rs as AsyncIterable<Buffer>) {
        throwIfCancelled(this.options.signal, `writing layer ${this.layerPath}`);
        await this.cim.write(chunk);
      }
    } finally {
      rs.destroy();
    }
  }

  /** hcsshim's getOsBuildNumberFromRegistry + WriteLayerUvmBuildFile: decimal build, no newline. */
  private async writeUvmBuild(): Promise<void> {
    const soft = this.stdFiles.get(UVM_SOFTWARE_HIVE.toLowerCase());
    // Without a SOFTWARE hive in the utility VM there is nothing to read (hcsshim would fail
    // opening it); such layers (e.g. a utility VM holding only boot files) get no build file.
    if (!soft) return;
    let build: number;
    const src = await openFileReadAt(soft.host);
    try {
      build = await readOsBuild(await Hive.open(src));
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new WcError('Corrupt', `read os version string from UtilityVM SOFTWARE hive ${soft.path}: ${why}`, { entry: soft.path }, { cause: e });
    } finally {
      await src.close();
    }
    if (build > 0xffff) throw new WcError('Corrupt', `parse os version string (${build}): out of the 16-bit range hcsshim accepts`, { entry: soft.path });
    this.osBuild = build;
    await writeFile(join(this.stagingPath, UVM_BUILD_FILE), String(build), { flag: 'wx', mode: 0o777 });
  }

  /** Hives/ folder, Hives/*_BASE links to the config hives, and the layout file (spec §22.3). */
  private async processBaseLayer(): Promise<void> {
    const hivesHost = join(this.stagingPath, HIVES_DIR);
    await mkdir(hivesHost, { recursive: true });
    this.pending.push({ kind: 'add', path: HIVES_DIR, host: hivesHost, info: { attributes: DIRECTORY, ...ZERO_TIMES } });
    for (const h of HIVES) {
      const config = this.stdFiles.get(`${CONFIG_DIR}/${h.name}`.toLowerCase());
      if (!config) throw new WcError('FailedPrecondition', `base layer ${this.layerPath} has no ${CONFIG_DIR}/${h.name} to link Hives/${h.base} to`, { entry: `${CONFIG_DIR}/${h.name}` });
      await link(config.host, join(hivesHost, h.base));
      this.pending.push({ kind: 'link', path: `${HIVES_DIR}/${h.base}`, target: config.path });
    }
    const layout = join(this.stagingPath, LAYOUT_FILE);
    await writeFile(layout, LAYOUT_CONTENT, { flag: 'wx' });
    this.pending.push({ kind: 'add', path: LAYOUT_FILE, host: layout, info: { attributes: NORMAL, ...ZERO_TIMES } });
  }

  /** Each Hives/*_DELTA of this layer merged onto the parent's *_BASE into Hives/*_BASE. */
  private async processNonBaseLayer(): Promise<void> {
    for (const h of HIVES) {
      const delta = [...this.stdFiles.values()].find((f) => deltaHiveOf(f.path) === h);
      if (!delta) continue;
      throwIfCancelled(this.options.signal, `writing layer ${this.layerPath}`);
      const opened: FileReadAt[] = [];
      // Written straight into the staging folder (removed whole if the import fails).
      const host = join(this.stagingPath, HIVES_DIR, h.base);
      const out = await open(host, 'wx').catch((e: unknown) => {
        throw fromNodeError(e, host);
      });
      try {
        const base = await this.parentBaseHive(h.base, delta.path, opened);
        const deltaSource = await openFileReadAt(delta.host);
        opened.push(deltaSource);
        const sink = new FileHiveSink(out.fd);
        // The delta's own write time stamps the result, so the same import gives the same bytes.
        await mergeHivesTo(base, [deltaSource], sink, { timestamp: delta.info.lastWriteTime, ...(this.options.signal ? { signal: this.options.signal } : {}) });
        sink.flush();
      } catch (e) {
        if (isWcError(e) && (e.code === 'Cancelled' || e.code === 'FailedPrecondition')) throw e;
        const why = e instanceof Error ? e.message : String(e);
        throw new WcError(isWcError(e) ? e.code : 'Corrupt', `merging ${HIVES_DIR}/${h.base} with ${delta.path}: ${why}`, { entry: delta.path }, { cause: e });
      } finally {
        await out.close();
        for (const o of opened) await o.close();
      }
      this.pending.push({ kind: 'add', path: `${HIVES_DIR}/${h.base}`, host, info: { attributes: NORMAL, ...ZERO_TIMES } });
    }
  }

  /**
   * The parent's merged hive: its host copy `<parent>/Hives/<BASE>` as hcsshim reads it, or else
   * the one in the parent's image (a parent without that delta wrote no host copy, but its image
   * inherits the base from further down).
   */
  private async parentBaseHive(baseName: string, deltaPath: string, opened: FileReadAt[]): Promise<HiveSource> {
    const parent = this.parents[0]!;
    const host = join(parent, HIVES_DIR, baseName);
    if (await exists(host)) {
      const src = await openFileReadAt(host);
      opened.push(src);
      return src;
    }
    // Rare (and hives are modest): read it whole from the image.
    const image = await openCimImage(join(this.stagingPath, CIM_DIR, this.parentImage!));
    try {
      const id = await image.lookup(`${HIVES_DIR}/${baseName}`).catch(() => undefined);
      if (id === undefined) {
        throw new WcError('FailedPrecondition', `cannot merge ${deltaPath}: parent layer ${parent} has no ${HIVES_DIR}/${baseName}`, { entry: deltaPath, path: parent });
      }
      const chunks: Buffer[] = [];
      for await (const c of image.createReadStream(id) as AsyncIterable<Buffer>) chunks.push(c);
      return Buffer.concat(chunks);
    } finally {
      await image.close();
    }
  }
}

/** The attributes an image gives back for `info` (cim layout.ts attributesFromRecord). */
function keptAttributes(info: FileInfo, dir: boolean): number {
  return (info.attributes & (0x1 | 0x2 | 0x4 | 0x20 | 0x200)) | (dir ? DIRECTORY : 0) | (info.reparseData?.length ? 0x400 : 0);
}


async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, done, chunk.length - done);
    done += bytesWritten;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw fromNodeError(e, path);
  }
}

/**
 * The parent layer's image: in its folder (this toolkit) or in `<Dir(parent)>/cim-layers/`
 * (hcsshim's placement). NotFound names the parent otherwise.
 */
async function findParentImage(parent: string): Promise<string> {
  const meta = await readMeta(parent);
  const name = meta?.image ?? cimNameFor(parent);
  const candidates = meta ? [join(parent, CIM_DIR, name)] : [join(parent, CIM_DIR, name), join(dirname(parent), CIM_DIR, name)];
  for (const c of candidates) if (await exists(c)) return c;
  throw new WcError('NotFound', `cannot create layer with missing parent ${parent}: it has no image ${CIM_DIR}/${name}`, { path: parent });
}

/** An image's `.cim` and every region and objectid file of its region sets and its parents'. */
async function imageFiles(cimPath: string): Promise<string[]> {
  const image = await openCimImage(cimPath);
  const dir = dirname(cimPath);
  const out = [cimPath];
  try {
    const sets = [...image.header.parents, { regionSetId: image.header.regionSetId, regionCount: image.header.regionCount }];
    for (const set of sets) {
      const guid = guidFromString(set.regionSetId);
      for (let i = 0; i < set.regionCount; i++) {
        out.push(join(dir, regionFileName(guid, i)));
        const oid = join(dir, objectIdFileName(guid, i));
        if (await exists(oid)) out.push(oid);
      }
    }
  } finally {
    await image.close();
  }
  return out;
}

/** The layer's record (META_FILE), or undefined when the folder has none. */
export async function readMeta(layerPath: string): Promise<CimLayerMeta | undefined> {
  let text: string;
  try {
    text = await readFile(join(layerPath, META_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromNodeError(e, join(layerPath, META_FILE));
  }
  let meta: CimLayerMeta;
  try {
    meta = JSON.parse(text) as CimLayerMeta;
  } catch {
    throw new WcError('Corrupt', `${join(layerPath, META_FILE)} is not valid JSON`, { path: join(layerPath, META_FILE) });
  }
  if (meta?.format !== 'wclayer-cim' || typeof meta.image !== 'string' || !/^[^/\\]+\.cim$/i.test(meta.image) || !Array.isArray(meta.parents)) {
    throw new WcError('Corrupt', `${join(layerPath, META_FILE)} is not a CIM layer record`, { path: join(layerPath, META_FILE) });
  }
  return meta;
}

