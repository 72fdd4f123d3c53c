// Reads a layer written by the legacy writer (base or import folder) back as an Entry stream in
// writer order: the metadata log's order (folders before their contents, link targets before
// links, alternate streams right after their file), with each folder's tombstones right after
// the folder (and its streams), as hcsshim's export places them. Data comes as Readables
// streamed from disk.

import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { WcError, corrupt, fromNodeError } from '../../errors.js';
import type { Entry } from '../../formats/entry.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { parentPath } from '../paths.js';
import { META_DIR, STREAMS_DIR, TOMBSTONES_FILE, fileInfoOf, parseTombstones, type Header } from './format.js';
import { readMetadata } from './metadata.js';

export interface LegacyLayerReaderOptions extends TaskOptions {
  /** Leave out Files/$Recycle.Bin and everything below it, as hcsshim's export does (default true). */
  skipRecycleBin?: boolean;
}

export interface LegacyLayerInfo {
  kind: Header['kind'];
  parents: string[];
}

/** The header of a legacy layer folder: its kind and recorded parents. */
export async function describeLegacyLayer(layerPath: string): Promise<LegacyLayerInfo> {
  const meta = await readMetadata(resolve(layerPath));
  meta.close();
  return { kind: meta.header.kind, parents: meta.header.parents };
}

/** Reads a base layer; FailedPrecondition if the folder holds a child (import) layer. */
export async function* readBaseLayer(layerPath: string, options: LegacyLayerReaderOptions = {}): AsyncGenerator<Entry> {
  const info = await describeLegacyLayer(layerPath);
  if (info.kind !== 'base') throw new WcError('FailedPrecondition', `${layerPath} is not a base layer (it has parents)`, { path: layerPath });
  yield* readLegacyLayer(layerPath, options);
}

const isRecycleBin = (p: string): boolean => {
  const l = p.toLowerCase();
  return l === 'files/$recycle.bin' || l.startsWith('files/$recycle.bin/');
};

/**
 * Yields the entries of a legacy layer folder. As the Entry contract says, consume (or destroy)
 * a file's data before asking for the next entry; an unconsumed stream is destroyed then.
 * Corrupt if the metadata is unfinished or a data file does not have its recorded size.
 */
export async function* readLegacyLayer(layerPath: string, options: LegacyLayerReaderOptions = {}): AsyncGenerator<Entry> {
  const root = resolve(layerPath);
  const meta = await readMetadata(root);
  const skipRecycle = options.skipRecycleBin !== false;

  // Tombstones grouped by folder, in file order (a few per layer; held in memory like hcsshim).
  const tombstones = new Map<string, string[]>();
  if (meta.header.kind === 'import') {
    const file = join(root, META_DIR, TOMBSTONES_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      meta.close();
      throw fromNodeError(e, file);
    }
    let parsed: string[];
    try {
      parsed = parseTombstones(text, file);
    } catch (e) {
      meta.close();
      throw e;
    }
    for (const t of parsed) {
      const dir = parentPath(t);
      const list = tombstones.get(dir) ?? [];
      list.push(t);
      tombstones.set(dir, list);
    }
  }

  let open: Readable | undefined;
  let pendingDir: string | undefined; // a folder whose tombstones follow its streams
  let entriesDone = 0;
  const flush = function* (): Generator<Entry> {
    if (pendingDir === undefined) return;
    const list = tombstones.get(pendingDir);
    tombstones.delete(pendingDir);
    pendingDir = undefined;
    if (list) for (const path of list) yield { kind: 'whiteout', path };
  };
  const dataOf = async (file: string, size: number, name: string): Promise<Readable | undefined> => {
    let st;
    try {
      st = await stat(file);
    } catch (e) {
      throw fromNodeError(e, file);
    }
    if (!st.isFile() || st.size !== size) throw corrupt(`${name}: data file ${file} holds ${st.size} bytes, the metadata says ${size}`, { entry: name, path: file });
    if (size === 0) return undefined;
    return createReadStream(file);
  };

  try {
    for await (const r of meta.records) {
      throwIfCancelled(options.signal, 'reading the layer');
      if (open && !open.readableEnded) open.destroy();
      open = undefined;
      if (skipRecycle && isRecycleBin(r.p)) continue;
      if (!(r.k === 's' && r.p === pendingDir)) yield* flush();
      let entry: Entry;
      switch (r.k) {
        case 'd':
          entry = { kind: 'directory', path: r.p, info: fileInfoOf(r) };
          pendingDir = r.p;
          break;
        case 'f': {
          entry = { kind: 'file', path: r.p, info: fileInfoOf(r), size: r.s };
          const data = await dataOf(join(root, r.at ?? r.p), r.s, r.p);
          if (data) entry.data = open = data;
          break;
        }
        case 's': {
          entry = { kind: 'stream', path: r.p, name: r.n, size: r.s };
          const data = await dataOf(join(root, META_DIR, STREAMS_DIR, r.f), r.s, `${r.p}:${r.n}`);
          if (data) entry.data = open = data;
          break;
        }
        case 'l':
          entry = { kind: 'link', path: r.p, target: r.to };
          break;
      }
      yield entry;
      entriesDone++;
      if (entriesDone % 256 === 0) options.onProgress?.({ entriesDone, message: r.p });
    }
    yield* flush();
    // Tombstones whose folder is not part of this layer: after everything else.
    for (const list of tombstones.values()) for (const path of list) yield { kind: 'whiteout', path };
  } finally {
    if (open && !open.readableEnded) open.destroy();
    await meta.records.return(undefined);
    meta.close();
  }
}
