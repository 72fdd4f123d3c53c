// The layer formats the pipelines (import, export, convert, describe) can write and read, by
// name. 'legacy' is the portable HCS folder of src/layer/legacy/; 'cim' the CimFS layer of
// src/layer/cim/. registerLayerFormat can add or replace one (tests, a Windows-native format).

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WcError } from '../errors.js';
import type { Entry } from '../formats/entry.js';
import type { TaskOptions } from '../task.js';
import { createLegacyLayerWriter, describeLegacyLayer, readLegacyLayer, META_DIR, META_FILE } from './legacy/index.js';
import type { LayerWriter } from './writer.js';
import { nativeLegacyFinish } from './legacy/windows-finish.js';
import { CIM_DIR, CIM_META_FILE, createCimLayerWriter, describeCimLayer, readCimLayer } from './cim/index.js';

import { LAYER_FORMAT_NAMES, type LayerFormatName } from './format-names.js';

export { LAYER_FORMAT_NAMES, type LayerFormatName };

/** What a format knows about one of its layers. */
export interface LayerFormatDescription {
  /** 'base': no parents; 'child': a layer over parents. */
  kind: 'base' | 'child';
  /** Parents the layer itself records (nearest first), when the format records them. */
  parents?: string[];
  /** Files that make up the layer's image outside its plain tree (CIM region/object files …). */
  imageFiles?: string[];
}

export interface LayerFormat {
  name: LayerFormatName;
  /** A writer that stages the new layer and makes it appear at layerPath only on close(). */
  create(layerPath: string, options: { parents: readonly string[] } & TaskOptions): Promise<LayerWriter>;
  /** The layer's entries in tar order. */
  read(layerPath: string, options: { parents: readonly string[] } & TaskOptions): AsyncIterable<Entry>;
  /** True when the folder holds a layer of this format (cheap: looks for marker files). */
  detect(layerPath: string): Promise<boolean>;
  describe(layerPath: string): Promise<LayerFormatDescription>;
}

const exists = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined)) !== undefined;

const legacyFormat: LayerFormat = {
  name: 'legacy',
  // On Windows the staged folder becomes a real HCS layer (ImportLayer / ProcessBaseImage).
  create: (layerPath, { parents, signal }) => createLegacyLayerWriter(layerPath, { parents, ...nativeLegacyFinish(signal) }),
  read: (layerPath, options) => readLegacyLayer(layerPath, { signal: options.signal, onProgress: options.onProgress }),
  detect: (layerPath) => exists(join(layerPath, META_DIR, META_FILE)),
  describe: async (layerPath) => {
    const d = await describeLegacyLayer(layerPath);
    return { kind: d.kind === 'base' ? 'base' : 'child', parents: d.parents, imageFiles: [] };
  },
};

// CIM layers (src/layer/cim/): the image lives in <layer>/cim-layers/, described by
// wclayer-cim.json, which is also the marker that tells a CIM layer folder apart.
const cimFormat: LayerFormat = {
  name: 'cim',
  create: (layerPath, { parents }) => createCimLayerWriter(layerPath, { parents: [...parents] }),
  read: (layerPath, options) => readCimLayer(layerPath, { ...(options.signal ? { signal: options.signal } : {}) }),
  detect: (layerPath) => exists(join(layerPath, CIM_META_FILE)),
  describe: async (layerPath) => {
    const d = await describeCimLayer(layerPath);
    const dir = join(layerPath, CIM_DIR);
    const imageFiles = (await readdir(dir).catch(() => [] as string[])).sort().map((f) => join(dir, f));
    return { kind: d.parents.length === 0 ? 'base' : 'child', parents: d.parents, imageFiles };
  },
};

const registry = new Map<LayerFormatName, LayerFormat>([
  ['legacy', legacyFormat],
  ['cim', cimFormat],
]);

/** Adds (or replaces) a format. */
export function registerLayerFormat(format: LayerFormat): void {
  registry.set(format.name, format);
}

export function availableLayerFormats(): LayerFormatName[] {
  return [...registry.keys()];
}

/** The format named; InvalidArgument for an unknown name, Unsupported for one not in this build. */
export function layerFormat(name: string): LayerFormat {
  if (!(LAYER_FORMAT_NAMES as readonly string[]).includes(name)) {
    throw new WcError('InvalidArgument', `unknown layer format '${name}' (expected ${LAYER_FORMAT_NAMES.join(' or ')})`, { parameter: 'format', format: name });
  }
  const f = registry.get(name as LayerFormatName);
  if (!f) throw formatUnavailable(name as LayerFormatName);
  return f;
}

export function formatUnavailable(name: LayerFormatName): WcError {
  const label = name === 'cim' ? 'CIM' : name;
  return new WcError('Unsupported', `the ${label} layer format is not available in this build`, { format: name });
}

/** Which registered format the folder at layerPath holds; NotFound / FailedPrecondition otherwise. */
export async function detectLayerFormat(layerPath: string): Promise<LayerFormat> {
  const st = await stat(layerPath).catch(() => undefined);
  if (!st) throw new WcError('NotFound', `layer not found: ${layerPath}`, { path: layerPath });
  if (!st.isDirectory()) throw new WcError('FailedPrecondition', `${layerPath} is not a layer folder (not a directory)`, { path: layerPath });
  for (const f of registry.values()) if (await f.detect(layerPath)) return f;
  throw new WcError('FailedPrecondition', `${layerPath} does not hold a layer this build can read (formats: ${availableLayerFormats().join(', ')})`, { path: layerPath });
}
