// layer → tar (plain, gzip or zstd): the format's reader, the tar encoder (go-winio's
// conventions, byte-identical to what we decode), the compressor, then the output, with
// back-pressure all the way. A file output is staged and renamed on success (tar-output.ts).
// Also here: describing, verifying and converting a layer folder (removing: remove.ts).

import { createReadStream } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { WcError, invalidArgument, isWcError } from '../errors.js';
import { decodeLayerTar, type Compression } from '../formats/tar/index.js';
import { osVersion } from '../hive/index.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';
import { detectLayerFormat, layerFormat, type LayerFormat, type LayerFormatName } from './formats.js';
import { readLayerChain, writeLayerChain } from './layerchain.js';
import { resolveParents } from './import.js';
import { writeLayerTar, type LayerTarOutputResult } from './tar-output.js';
import { writeEntries } from './writer.js';

export { removeLayer, type RemoveLayerOptions } from './remove.js';

export interface ExportLayerOptions extends TaskOptions {
  layerPath: string;
  /** Parent layer folders, nearest first. Default: those the layer records (layerchain.json, then the format's own record). */
  parents?: readonly string[];
  /** A file path (staged, renamed on success), or a Writable that is written to but not ended. */
  output: Writable | string;
  compression?: Compression;
  level?: number;
  /** Replace an existing output file (default false). */
  overwrite?: boolean;
}

export type ExportLayerResult = LayerTarOutputResult & { layerPath: string; format: LayerFormatName };

/** The parents to read a layer with: the caller's, else layerchain.json, else the format's record. */
async function parentsOf(layerPath: string, format: LayerFormat, given: readonly string[] | undefined): Promise<string[]> {
  if (given && given.length) return resolveParents(given);
  const chain = await readLayerChain(layerPath);
  if (chain) return chain;
  return (await format.describe(layerPath)).parents ?? [];
}

export async function exportLayer(options: ExportLayerOptions): Promise<ExportLayerResult> {
  if (!options.layerPath) throw invalidArgument('a layer path is required', { parameter: 'layerPath' });
  const layerPath = resolve(options.layerPath);
  const format = await detectLayerFormat(layerPath);
  const parents = await parentsOf(layerPath, format, options.parents);
  throwIfCancelled(options.signal, 'exporting the layer');
  const entries = format.read(layerPath, { parents, signal: options.signal });
  const r = await writeLayerTar(entries, {
    output: options.output,
    compression: options.compression ?? 'none',
    level: options.level,
    overwrite: options.overwrite,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  return { layerPath, format: format.name, ...r };
}

export interface LayerDescription {
  path: string;
  format: LayerFormatName;
  /** 'base' (no parents) or 'child'. */
  kind: 'base' | 'child';
  parents: string[];
  /** Where `parents` came from. */
  parentsSource: 'layerchain.json' | 'layer' | 'none';
  /** Sum of the sizes of the files in the folder (hard-linked files counted once). */
  size: number;
  fileCount: number;
  /** From the layer's SOFTWARE hive when it has a readable one. */
  osVersion?: { build: number; version?: string; productName?: string; hivePath: string; [k: string]: unknown };
  /** Why there is no osVersion (no SOFTWARE hive, or it could not be read). */
  osVersionProblem?: string;
  imageFiles: string[];
}

async function folderSize(root: string, signal?: AbortSignal): Promise<{ size: number; files: number }> {
  const seen = new Set<string>();
  let size = 0;
  let files = 0;
  const stack = [root];
  while (stack.length) {
    throwIfCancelled(signal, 'measuring the layer');
    const dir = stack.pop()!;
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, d.name);
      if (d.isDirectory()) stack.push(p);
      else if (d.isFile()) {
        const st = await lstat(p);
        const id = `${st.dev}:${st.ino}`;
        if (st.nlink > 1) {
          if (seen.has(id)) continue;
          seen.add(id);
        }
        size += st.size;
        files++;
      }
    }
  }
  return { size, files };
}

/** Kind, parents, size, OS version and image files of the layer folder at path. */
export async function describeLayer(path: string, options: TaskOptions = {}): Promise<LayerDescription> {
  const layerPath = resolve(path);
  const format = await detectLayerFormat(layerPath);
  const own = await format.describe(layerPath);
  const chain = await readLayerChain(layerPath);
  const parents = chain ?? own.parents ?? [];
  const parentsSource = chain ? 'layerchain.json' : own.parents ? 'layer' : 'none';
  const { size, files } = await folderSize(layerPath, options.signal);
  const d: LayerDescription = {
    path: layerPath,
    format: format.name,
    kind: own.kind,
    parents,
    parentsSource,
    size,
    fileCount: files,
    imageFiles: own.imageFiles ?? [],
  };
  try {
    d.osVersion = (await osVersion({ layerPath })) as unknown as LayerDescription['osVersion'];
  } catch (e) {
    d.osVersionProblem = isWcError(e) ? e.message : String(e);
  }
  return d;
}

export interface VerifyLayerOptions extends TaskOptions {
  layerPath: string;
  parents?: readonly string[];
  /** The layer tar to compare with (its diffID is computed), or … */
  tarPath?: string;
  /** … the diffID to compare with. */
  diffId?: string;
}

export interface VerifyLayerResult {
  layerPath: string;
  match: boolean;
  /** The diffID of the layer as exported now. */
  layerDiffId: string;
  expectedDiffId: string;
  tarPath?: string;
  entries: number;
}

/** Exports the layer to a hashing sink and compares its diffID with a tar's or a given one. */
export async function verifyLayer(options: VerifyLayerOptions): Promise<VerifyLayerResult> {
  if (!options.tarPath === !options.diffId) throw invalidArgument('give exactly one of tarPath and diffId', { parameter: 'tarPath' });
  let expected: string;
  if (options.diffId) {
    expected = options.diffId.toLowerCase();
    if (!/^sha256:[0-9a-f]{64}$/.test(expected)) throw invalidArgument(`diffID '${options.diffId}' is not of the form sha256:<64 hex digits>`, { parameter: 'diffId' });
  } else {
    expected = await tarDiffId(resolve(options.tarPath!), options);
  }
  const layerPath = resolve(options.layerPath);
  const format = await detectLayerFormat(layerPath);
  const parents = await parentsOf(layerPath, format, options.parents);
  const r = await writeLayerTar(format.read(layerPath, { parents, signal: options.signal }), { output: null, signal: options.signal, onProgress: options.onProgress });
  return { layerPath, match: r.diffId === expected, layerDiffId: r.diffId, expectedDiffId: expected, ...(options.tarPath ? { tarPath: resolve(options.tarPath) } : {}), entries: r.entries };
}

/** The diffID of a layer tar file (any compression), reading it once. */
export async function tarDiffId(path: string, options: TaskOptions = {}): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) throw new WcError('NotFound', `tar not found: ${path}`, { path });
  const decoded = decodeLayerTar(createReadStream(path, { highWaterMark: 1 << 20 }), { signal: options.signal, validate: false });
  for await (const e of decoded.entries) void e; // unread data is skipped
  return (await decoded.result).diffId!;
}

export interface ConvertLayerOptions extends TaskOptions {
  /** The source layer and its parents (default: what it records). */
  layerPath: string;
  parents?: readonly string[];
  /** The new layer and its parents (in the target format), nearest first. */
  destination: string;
  destinationParents?: readonly string[];
  format: LayerFormatName;
}

/** Reads a layer and writes its entries straight into a new layer of another format (no tar in between). */
export async function convertLayer(options: ConvertLayerOptions): Promise<{ layerPath: string; destination: string; format: LayerFormatName; entries: number; bytes: number }> {
  const target = layerFormat(options.format);
  const layerPath = resolve(options.layerPath);
  const destination = resolve(options.destination);
  const source = await detectLayerFormat(layerPath);
  const parents = await parentsOf(layerPath, source, options.parents);
  const destinationParents = options.destinationParents?.length
    ? await resolveParents(options.destinationParents)
    : await convertedParents(parents, target);
  const writer = await target.create(destination, { parents: destinationParents });
  const r = await writeEntries(writer, source.read(layerPath, { parents, signal: options.signal }), { signal: options.signal, onProgress: options.onProgress });
  try {
    await writeLayerChain(destination, destinationParents);
  } catch (e) {
    await rm(destination, { recursive: true, force: true });
    throw e;
  }
  return { layerPath, destination, format: target.name, entries: r.entries, bytes: r.bytes };
}

/**
 * A child layer's new copy needs parents in the new format. Without them given, the source's
 * own parents serve when they already are in that format; otherwise say what is missing
 * rather than silently writing a base layer (which would refuse the child's whiteouts).
 */
async function convertedParents(sourceParents: readonly string[], target: LayerFormat): Promise<string[]> {
  for (const p of sourceParents) {
    const f = await detectLayerFormat(p);
    if (f.name !== target.name) {
      throw new WcError(
        'FailedPrecondition',
        `the layer's parent ${p} is a ${f.name} layer; a ${target.name} child needs ${target.name} parents: convert the parents first and pass them with -L (ParentLayerPath)`,
        { path: p },
      );
    }
  }
  return [...sourceParents];
}
