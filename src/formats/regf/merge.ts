// Merging a base hive with one or more layered delta hives into one plain hive, the way
// offreg's ORMergeHives serves the layer writer: parent's *_BASE + this layer's *_DELTA →
// this layer's *_BASE. Deltas apply in order; a later delta wins. The rules follow the spec
// (regf.md §2.4); the ones marked "inferred" there are named where they are implemented.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { Hive } from './reader.js';
import { bufferReadAt, type ReadAt } from './readat.js';
import { upcaseName } from './names.js';
import { LAYER_SUPERSEDE_LOCAL, LAYER_SUPERSEDE_TREE, LAYER_TOMBSTONE } from './records.js';
import { readTree, type HiveKeyNode, type HiveValueNode } from './tree.js';
import { writeHive, type WriteOptions } from './writer.js';

/** Removes layer information: tombstone keys and values vanish, the rest becomes plain. */
export function stripLayers(node: HiveKeyNode): HiveKeyNode | undefined {
  if (node.layer?.semantics === LAYER_TOMBSTONE) return undefined;
  const out: HiveKeyNode = { ...node, values: node.values.filter((v) => !v.tombstone), subkeys: [] };
  delete out.layer;
  for (const c of node.subkeys) {
    const s = stripLayers(c);
    if (s) out.subkeys.push(s);
  }
  return out;
}

function mergeValues(base: HiveValueNode[], delta: HiveValueNode[]): HiveValueNode[] {
  // Rule 8 (inferred): base order with in-place replacement, then the delta's new values in its order.
  const out = base.filter((v) => !v.tombstone);
  const index = new Map<string, number>();
  out.forEach((v, i) => index.set(upcaseName(v.name), i));
  const removed = new Set<number>();
  for (const v of delta) {
    const key = upcaseName(v.name);
    const at = index.get(key);
    if (v.tombstone) {
      if (at !== undefined) removed.add(at);
      continue;
    }
    if (at !== undefined && !removed.has(at)) out[at] = v;
    else {
      index.set(key, out.length);
      out.push(v);
    }
  }
  return out.filter((_, i) => !removed.has(i));
}

/**
 * Applies one delta key to the base key of the same path (either may be missing); returns the
 * merged key or undefined when the path is deleted.
 */
export function mergeKey(base: HiveKeyNode | undefined, delta: HiveKeyNode | undefined): HiveKeyNode | undefined {
  if (!delta) return base ? stripLayers(base) : undefined;
  const semantics = delta.layer?.semantics ?? 0;
  // Tombstone: the key and everything below it are gone.
  if (semantics === LAYER_TOMBSTONE) return undefined;
  // Supersede tree, or nothing underneath: the delta's subtree alone, minus its tombstones.
  // Inferred (rule 6): with no base key, an InheritClass key has nothing to inherit from and
  // keeps its own class.
  if (!base || semantics === LAYER_SUPERSEDE_TREE) return stripLayers(delta);

  const out: HiveKeyNode = {
    // Inferred: the delta's spelling of the name (it is the newer write); the root keeps the base's (see mergeHives).
    name: delta.name,
    subkeys: [],
    // Supersede local: the delta's own values replace the base's; merge: per-name union.
    values: semantics === LAYER_SUPERSEDE_LOCAL ? delta.values.filter((v) => !v.tombstone) : mergeValues(base.values, delta.values),
    // Merge keeps the most recent write time (the spec's "most recent in the stack"); supersede
    // local takes the delta's (inferred: its content replaces the base's).
    timestamp:
      semantics === LAYER_SUPERSEDE_LOCAL
        ? (delta.timestamp ?? base.timestamp)
        : base.timestamp !== undefined && delta.timestamp !== undefined
          ? base.timestamp > delta.timestamp ? base.timestamp : delta.timestamp
          : (delta.timestamp ?? base.timestamp),
  };
  // InheritClass picks the base's class; otherwise the delta's (none if it has none).
  const cls = delta.layer?.inheritClass ? base.className : delta.className;
  if (cls !== undefined) out.className = cls;
  // Inferred: security, nk flags and the +54 bits come from the delta when it has them.
  const sd = delta.securityDescriptor ?? base.securityDescriptor;
  if (sd) out.securityDescriptor = sd;
  const flags = delta.flags ?? base.flags;
  if (flags !== undefined) out.flags = flags;
  const userFlags = delta.userFlags ?? base.userFlags;
  if (userFlags !== undefined) out.userFlags = userFlags;

  // Children: union by case-insensitive name, each merged recursively (supersede local keeps
  // the base's subkeys too: "only the key in question is affected, not its subkeys").
  const deltaChildren = new Map<string, HiveKeyNode>();
  for (const c of delta.subkeys) deltaChildren.set(upcaseName(c.name), c);
  for (const b of base.subkeys) {
    const key = upcaseName(b.name);
    const m = mergeKey(b, deltaChildren.get(key));
    deltaChildren.delete(key);
    if (m) out.subkeys.push(m);
  }
  for (const d of deltaChildren.values()) {
    const m = mergeKey(undefined, d);
    if (m) out.subkeys.push(m);
  }
  return out;
}

/** Applies deltas to a base tree in order; the root keeps the base's name and descriptor (rule 9, inferred). */
export function mergeTrees(base: HiveKeyNode, deltas: HiveKeyNode[]): HiveKeyNode {
  let merged = stripLayers(base)!;
  for (const d of deltas) {
    // A tombstone on the root itself cannot delete the hive: treat the root as a merge node.
    const root = d.layer?.semantics === LAYER_TOMBSTONE ? { ...d, layer: { semantics: 0 as const } } : d;
    const m = mergeKey(merged, root)!;
    m.name = merged.name;
    if (merged.securityDescriptor) m.securityDescriptor = merged.securityDescriptor;
    merged = m;
  }
  return merged;
}

export type HiveSource = Uint8Array | ReadAt | Hive;

async function openSource(s: HiveSource): Promise<Hive> {
  if (s instanceof Hive) return s;
  if (s instanceof Uint8Array) return Hive.open(bufferReadAt(s));
  return Hive.open(s);
}

export interface MergeOptions extends TaskOptions {
  /** Output format (default 5: a plain hive; 6 writes minor 6 with the layered flag but no layer bits). */
  minorVersion?: 5 | 6;
  /** FILETIME for the output header (default: now). */
  timestamp?: bigint;
  fileName?: string;
}

/** base + delta (+ delta …) → the bytes of one plain merged hive. */
export async function mergeHives(base: HiveSource, deltas: HiveSource[], options: MergeOptions = {}): Promise<Uint8Array> {
  const task: TaskOptions = {};
  if (options.signal) task.signal = options.signal;
  if (options.onProgress) task.onProgress = options.onProgress;
  const baseTree = await readTree(await openSource(base), undefined, task);
  const deltaTrees: HiveKeyNode[] = [];
  for (const d of deltas) {
    throwIfCancelled(options.signal, 'merging hives');
    deltaTrees.push(await readTree(await openSource(d), undefined, task));
  }
  const merged = mergeTrees(baseTree, deltaTrees);
  const w: WriteOptions = { minorVersion: options.minorVersion ?? 5 };
  if (options.timestamp !== undefined) w.timestamp = options.timestamp;
  if (options.fileName !== undefined) w.fileName = options.fileName;
  return writeHive(merged, w);
}
