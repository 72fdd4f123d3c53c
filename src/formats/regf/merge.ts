// Merging a base hive with one or more layered delta hives into one plain hive, the way
// offreg's ORMergeHives serves the layer writer: parent's *_BASE + this layer's *_DELTA →
// this layer's *_BASE. Deltas apply in order; a later delta wins. The rules follow the spec
// (regf.md §2.4); the ones marked "inferred" there are named where they are implemented.
//
// The merge streams: the merged tree is never built. Keys are read from the source hives as
// the walk reaches them and go straight into the hive builder, which writes bins out as they
// fill. The walk runs twice, since the builder wants every distinct descriptor before the first
// key: once over keys alone to count descriptors, once with values to write. Memory is the
// readers' block caches plus one key's values and one list of subkeys per open level.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { corrupt } from '../../errors.js';
import { Hive, type RegKey } from './reader.js';
import { bufferReadAt, type ReadAt } from './readat.js';
import { compareNames, upcaseName } from './names.js';
import { LAYER_MERGE, LAYER_SUPERSEDE_LOCAL, LAYER_SUPERSEDE_TREE, LAYER_TOMBSTONE, MAX_DEPTH, type LayerSemantics } from './records.js';
import { DescriptorTable, HiveBuilder, MemorySink, type HiveSink, type WriteOptions } from './builder.js';
import { DEFAULT_KEY_SECURITY } from './security.js';
import type { HiveKeyNode, HiveValueNode } from './tree.js';

/** One key of one layer (the base or a delta) as the merge reads it. */
interface LayerKey {
  readonly name: string;
  readonly semantics: LayerSemantics;
  readonly inheritClass: boolean;
  readonly timestamp: bigint | undefined;
  readonly flags: number | undefined;
  readonly userFlags: number | undefined;
  securityDescriptor(): Uint8Array | undefined;
  className(): string | undefined;
  /** Values, tombstones included. */
  values(): HiveValueNode[];
  subkeys(): LayerKey[];
  /** False when this key was reached before in its hive (a cycle or a shared subtree in the lists). */
  markVisited(): boolean;
}

/** A key of a hive on disk (read lazily through the reader's cache). */
class HiveLayerKey implements LayerKey {
  constructor(
    private readonly hive: Hive,
    private readonly key: RegKey,
    /** nk offsets reached so far in this hive. */
    private readonly visited = new Set<number>(),
  ) {}
  get name() {
    return this.key.name;
  }
  get semantics(): LayerSemantics {
    return this.hive.layered && this.key.layerByte !== 0 ? this.key.layerSemantics : LAYER_MERGE;
  }
  get inheritClass() {
    return this.hive.layered && this.key.inheritClass;
  }
  get timestamp() {
    return this.key.timestamp;
  }
  get flags() {
    return this.key.flags;
  }
  get userFlags() {
    return this.key.userFlags;
  }
  markVisited() {
    if (this.visited.has(this.key.offset)) return false;
    this.visited.add(this.key.offset);
    return true;
  }
  securityDescriptor() {
    return this.hive.securityDescriptor(this.key);
  }
  className() {
    return this.hive.className(this.key);
  }
  values(): HiveValueNode[] {
    return this.hive.values(this.key).map((v) => {
      // A copy: a view into a cache block would change if the reader reused that block
      // while the other layers' values of this key are read.
      const node: HiveValueNode = { name: v.name, type: v.type, data: this.hive.valueData(v).slice() };
      if (v.tombstone) node.tombstone = true;
      return node;
    });
  }
  subkeys(): LayerKey[] {
    return this.hive.subkeys(this.key).map((k) => new HiveLayerKey(this.hive, k, this.visited));
  }
}

/** A key of a tree held in memory. */
class TreeLayerKey implements LayerKey {
  constructor(
    private readonly node: HiveKeyNode,
    private readonly visited = new Set<HiveKeyNode>(),
  ) {}
  get name() {
    return this.node.name;
  }
  get semantics(): LayerSemantics {
    return this.node.layer?.semantics ?? LAYER_MERGE;
  }
  get inheritClass() {
    return this.node.layer?.inheritClass ?? false;
  }
  get timestamp() {
    return this.node.timestamp;
  }
  get flags() {
    return this.node.flags;
  }
  get userFlags() {
    return this.node.userFlags;
  }
  markVisited() {
    if (this.visited.has(this.node)) return false;
    this.visited.add(this.node);
    return true;
  }
  securityDescriptor() {
    return this.node.securityDescriptor;
  }
  className() {
    return this.node.className;
  }
  values() {
    return this.node.values;
  }
  subkeys(): LayerKey[] {
    return this.node.subkeys.map((c) => new TreeLayerKey(c, this.visited));
  }
}

/** The merged key's own fields (no layer information: the output is a plain hive). */
interface MergedHeader {
  name: string;
  timestamp: bigint | undefined;
  className: string | undefined;
  securityDescriptor: Uint8Array | undefined;
  flags: number | undefined;
  userFlags: number | undefined;
}

/**
 * The layers that make up one merged key, in order: the first one stands alone (it is the base,
 * or the delta that started the key afresh), each later one merges into it or supersedes its
 * values. Its subkeys are made from the same layers' subkeys.
 */
type Contributors = { key: LayerKey; semantics: LayerSemantics }[];

function plainHeader(k: LayerKey): MergedHeader {
  return { name: k.name, timestamp: k.timestamp, className: k.className(), securityDescriptor: k.securityDescriptor(), flags: k.flags, userFlags: k.userFlags };
}

/**
 * Folds one path's keys, layer by layer (undefined where a layer lacks the path), into the
 * merged key, or undefined when the path is deleted. The root never is: a tombstone on it
 * cannot delete the hive and counts as a merge.
 */
function foldKey(layers: readonly (LayerKey | undefined)[], isRoot: boolean): { header: MergedHeader; contributors: Contributors } | undefined {
  let contributors: Contributors = [];
  let header: MergedHeader | undefined;
  for (const k of layers) {
    if (!k) continue; // rule 1: the path is untouched by this layer
    let semantics = k.semantics;
    if (semantics === LAYER_TOMBSTONE) {
      if (!isRoot) {
        // rule 2: the key and everything below it are gone (a later layer may bring it back)
        contributors = [];
        header = undefined;
        continue;
      }
      semantics = LAYER_MERGE;
    }
    if (!header || semantics === LAYER_SUPERSEDE_TREE) {
      // rules 3 and 6 (and the base itself): this layer's key alone, minus its tombstones.
      // Inferred (rule 6): with nothing underneath, an InheritClass key keeps its own class.
      contributors = [{ key: k, semantics: LAYER_SUPERSEDE_TREE }];
      header = plainHeader(k);
      continue;
    }
    contributors.push({ key: k, semantics });
    const prev = header;
    // Inferred: the delta's spelling of the name (it is the newer write).
    header = {
      name: k.name,
      // Merge keeps the most recent write time (the spec's "most recent in the stack");
      // supersede local takes the delta's (inferred: its content replaces the base's).
      timestamp:
        semantics === LAYER_SUPERSEDE_LOCAL
          ? (k.timestamp ?? prev.timestamp)
          : prev.timestamp !== undefined && k.timestamp !== undefined
            ? prev.timestamp > k.timestamp ? prev.timestamp : k.timestamp
            : (k.timestamp ?? prev.timestamp),
      // InheritClass picks the class underneath; otherwise the delta's (none if it has none).
      className: k.inheritClass ? prev.className : k.className(),
      // Inferred: security, nk flags and the +54 bits come from the delta when it has them.
      securityDescriptor: k.securityDescriptor() ?? prev.securityDescriptor,
      flags: k.flags ?? prev.flags,
      userFlags: k.userFlags ?? prev.userFlags,
    };
  }
  return header ? { header, contributors } : undefined;
}

/** Rule 8 (inferred): the values underneath in their order with in-place replacement, then the delta's new values in its order. */
function mergeValues(under: HiveValueNode[], delta: HiveValueNode[]): HiveValueNode[] {
  const out = under.slice();
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
  return removed.size ? out.filter((_, i) => !removed.has(i)) : out;
}

function mergedValues(contributors: Contributors): HiveValueNode[] {
  let values: HiveValueNode[] = [];
  for (const { key, semantics } of contributors) {
    // The first layer stands alone and supersede local replaces (rule 4): their own values minus tombstones.
    if (semantics === LAYER_SUPERSEDE_TREE || semantics === LAYER_SUPERSEDE_LOCAL) values = key.values().filter((v) => !v.tombstone);
    else values = mergeValues(values, key.values());
  }
  return values;
}

/**
 * The subkeys of a merged key: the union by name of its layers' subkeys, each with its keys per
 * layer, sorted as the hive stores them. Supersede local keeps the subkeys underneath
 * ("only the key in question is affected, not its subkeys").
 */
function childLayers(contributors: Contributors, path: string): { name: string; layers: (LayerKey | undefined)[] }[] {
  const byName = new Map<string, { name: string; layers: (LayerKey | undefined)[] }>();
  contributors.forEach(({ key }, i) => {
    for (const c of key.subkeys()) {
      if (!c.markVisited()) throw corrupt(`key '${path ? `${path}\\` : ''}${c.name}' is listed twice (a cycle in the subkey lists)`, { key: path });
      const up = upcaseName(c.name);
      let entry = byName.get(up);
      if (!entry) byName.set(up, (entry = { name: c.name, layers: new Array<LayerKey | undefined>(contributors.length) }));
      entry.layers[i] = c;
    }
  });
  return [...byName.values()].sort((a, b) => compareNames(a.name, b.name));
}

/** What a walk over the merged tree calls: `open` for a key (parents first), `close` after its subkeys. */
interface MergedVisitor {
  open(header: MergedHeader, contributors: Contributors, path: string): void;
  close(): void;
}

interface Frame {
  path: string;
  children: { name: string; layers: (LayerKey | undefined)[] }[];
  next: number;
}

/** Walks the merged tree of `roots` (the base's root, then each delta's) depth-first, a key per step. */
class MergedWalk {
  private readonly stack: Frame[] = [];
  keys = 0;

  constructor(
    roots: readonly LayerKey[],
    private readonly visitor: MergedVisitor,
  ) {
    for (const r of roots) r.markVisited();
    const root = foldKey(roots, true)!;
    // Rule 9 (inferred): the root keeps the base's name and descriptor.
    root.header.name = roots[0]!.name;
    root.header.securityDescriptor = roots[0]!.securityDescriptor() ?? root.header.securityDescriptor;
    this.enter(root.header, root.contributors, '');
  }

  private enter(header: MergedHeader, contributors: Contributors, path: string): void {
    if (this.stack.length > MAX_DEPTH) throw corrupt(`keys nest deeper than ${MAX_DEPTH} levels at '${path}'`, { key: path });
    this.keys++;
    this.visitor.open(header, contributors, path);
    this.stack.push({ path, children: childLayers(contributors, path), next: 0 });
  }

  /** Visits one key, or closes one; false once the whole tree has been visited. */
  step(): boolean {
    const top = this.stack[this.stack.length - 1];
    if (!top) return false;
    if (top.next >= top.children.length) {
      this.stack.pop();
      this.visitor.close();
      return this.stack.length > 0;
    }
    const child = top.children[top.next++]!;
    const merged = foldKey(child.layers, false);
    if (merged) this.enter(merged.header, merged.contributors, top.path ? `${top.path}\\${child.name}` : child.name);
    return true;
  }
}

/** Runs a walk to the end, pausing every 1024 keys for cancellation and progress. */
async function runWalk(walk: MergedWalk, task: TaskOptions, pass: string): Promise<void> {
  let pauseAt = 1024;
  while (walk.step()) {
    if (walk.keys >= pauseAt) {
      pauseAt = walk.keys + 1024;
      await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfCancelled(task.signal, 'merging hives');
      task.onProgress?.({ entriesDone: walk.keys, message: pass });
    }
  }
}

function runWalkSync(walk: MergedWalk): void {
  while (walk.step());
}

/** Effective descriptors: a key without one shares its parent's (the root: a default). */
class DescriptorScope {
  private readonly stack: Uint8Array[] = [];
  open(sd: Uint8Array | undefined): Uint8Array {
    const eff = sd ?? this.stack[this.stack.length - 1] ?? DEFAULT_KEY_SECURITY;
    this.stack.push(eff);
    return eff;
  }
  close(): void {
    this.stack.pop();
  }
}

function countDescriptors(roots: () => LayerKey[]): { table: DescriptorTable; walk: MergedWalk } {
  const table = new DescriptorTable();
  const scope = new DescriptorScope();
  const walk = new MergedWalk(roots(), {
    open: (h) => table.add(scope.open(h.securityDescriptor)),
    close: () => scope.close(),
  });
  return { table, walk };
}

function writingWalk(roots: LayerKey[], builder: HiveBuilder): MergedWalk {
  const scope = new DescriptorScope();
  return new MergedWalk(roots, {
    open: (h, contributors, path) =>
      builder.openKey(
        { name: h.name, className: h.className, timestamp: h.timestamp, securityDescriptor: scope.open(h.securityDescriptor), flags: h.flags, userFlags: h.userFlags },
        mergedValues(contributors),
        path,
      ),
    close: () => {
      scope.close();
      builder.closeKey();
    },
  });
}

/** Removes layer information from a tree in memory: tombstone keys and values vanish, the rest becomes plain. */
export function stripLayers(node: HiveKeyNode): HiveKeyNode | undefined {
  if (node.layer?.semantics === LAYER_TOMBSTONE) return undefined;
  return mergeTrees(node, []);
}

/** Applies deltas to a base tree in memory, in order (the same walk as mergeHives; for tests and small trees). */
export function mergeTrees(base: HiveKeyNode, deltas: HiveKeyNode[]): HiveKeyNode {
  const stack: HiveKeyNode[] = [];
  let root: HiveKeyNode | undefined;
  runWalkSync(
    new MergedWalk([base, ...deltas].map((n) => new TreeLayerKey(n)), {
      open: (h, contributors) => {
        const node: HiveKeyNode = { name: h.name, subkeys: [], values: mergedValues(contributors) };
        if (h.timestamp !== undefined) node.timestamp = h.timestamp;
        if (h.className !== undefined) node.className = h.className;
        if (h.securityDescriptor !== undefined) node.securityDescriptor = h.securityDescriptor;
        if (h.flags !== undefined) node.flags = h.flags;
        if (h.userFlags !== undefined) node.userFlags = h.userFlags;
        stack[stack.length - 1]?.subkeys.push(node);
        root ??= node;
        stack.push(node);
      },
      close: () => void stack.pop(),
    }),
  );
  return root!;
}

export type HiveSource = Uint8Array | ReadAt | Hive;

/**
 * Block cache per hive a merge opens itself. The walks read a hive about in file order, so a
 * small cache serves them; a merge holds several hives and is one step of a layer import.
 */
export const MERGE_CACHE_BYTES = 16 * 1024 * 1024;

async function openSource(s: HiveSource): Promise<Hive> {
  if (s instanceof Hive) return s;
  if (s instanceof Uint8Array) return Hive.open(bufferReadAt(s));
  return Hive.open(s, { cacheBytes: MERGE_CACHE_BYTES });
}

export interface MergeOptions extends TaskOptions {
  /** Output format (default 5: a plain hive; 6 writes minor 6 with the layered flag but no layer bits). */
  minorVersion?: 5 | 6;
  /** FILETIME for the output header (default: now). */
  timestamp?: bigint;
  fileName?: string;
}

/** base + delta (+ delta …) → one plain merged hive, written to `sink`; returns its size. */
export async function mergeHivesTo(base: HiveSource, deltas: HiveSource[], sink: HiveSink, options: MergeOptions = {}): Promise<number> {
  const task: TaskOptions = {};
  if (options.signal) task.signal = options.signal;
  if (options.onProgress) task.onProgress = options.onProgress;
  const hives = [await openSource(base)];
  for (const d of deltas) {
    throwIfCancelled(options.signal, 'merging hives');
    hives.push(await openSource(d));
  }
  const roots = () => hives.map((h) => new HiveLayerKey(h, h.root()));
  const { table, walk } = countDescriptors(roots);
  await runWalk(walk, task, 'counting security descriptors');
  const w: WriteOptions = { minorVersion: options.minorVersion ?? 5 };
  if (options.timestamp !== undefined) w.timestamp = options.timestamp;
  if (options.fileName !== undefined) w.fileName = options.fileName;
  const builder = new HiveBuilder(sink, table, w);
  await runWalk(writingWalk(roots(), builder), task, 'writing the merged hive');
  return builder.finish();
}

/** base + delta (+ delta …) → the bytes of one plain merged hive (held in memory: small hives and tests). */
export async function mergeHives(base: HiveSource, deltas: HiveSource[], options: MergeOptions = {}): Promise<Uint8Array> {
  const sink = new MemorySink();
  await mergeHivesTo(base, deltas, sink, options);
  return sink.bytes();
}
