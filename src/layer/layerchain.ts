// layerchain.json, as moby's windowsfilter driver keeps it in every layer folder: a JSON array of
// the parent layers' full paths, nearest parent first, base last; `null` for a layer without
// parents; a missing file means no parents. Written like Go's json.Marshal (<, > and & escaped).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { corrupt, fromNodeError } from '../errors.js';
import { writeFileAtomic } from '../hive/index.js';

export const LAYERCHAIN_FILE = 'layerchain.json';

export function formatLayerChain(parents: readonly string[]): string {
  if (!parents.length) return 'null';
  return JSON.stringify(parents).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** The parents recorded in the layer folder, or undefined when it has no layerchain.json. */
export async function readLayerChain(layerPath: string): Promise<string[] | undefined> {
  const file = join(layerPath, LAYERCHAIN_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fromNodeError(e, file);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw corrupt(`${file}: failed to unmarshal layerchain JSON`, { path: file });
  }
  if (v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw corrupt(`${file}: layerchain JSON is not an array of paths`, { path: file });
  return v as string[];
}

export async function writeLayerChain(layerPath: string, parents: readonly string[]): Promise<void> {
  // Not synced: the layer beside it was not either (moby writes it the same way, write + rename),
  // and a sync here stalls until the file system has committed the whole fresh layer.
  await writeFileAtomic(join(layerPath, LAYERCHAIN_FILE), formatLayerChain(parents), { overwrite: true, sync: false });
}
