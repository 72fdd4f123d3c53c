// A hive as a plain tree of keys and values: what the writer takes, what merge works on, and
// what readTree produces from a Hive. Layer information only matters in delta hives.

import { throwIfCancelled, type TaskOptions } from '../../task.js';
import type { Hive, RegKey } from './reader.js';
import { MAX_DEPTH, type LayerSemantics } from './records.js';
import { corrupt } from '../../errors.js';
import type { ValueData } from './values.js';

export interface LayerInfo {
  /** 0 merge, 1 tombstone, 2 supersede local, 3 supersede tree. */
  semantics: LayerSemantics;
  /** The class comes from the layer above. */
  inheritClass?: boolean;
}

export interface HiveValueNode {
  /** '' for the default value. */
  name: string;
  type: number;
  data: Uint8Array;
  /** Delta hives only: deletes the same-named value of the layers above. */
  tombstone?: boolean;
}

export interface HiveKeyNode {
  name: string;
  subkeys: HiveKeyNode[];
  values: HiveValueNode[];
  className?: string;
  /** FILETIME of the last write. */
  timestamp?: bigint;
  /** Self-relative SECURITY_DESCRIPTOR bytes; absent = the parent's (root: a default). */
  securityDescriptor?: Uint8Array;
  /** nk flags (KEY_SYM_LINK …); the writer sets HIVE_ENTRY and COMP_NAME itself. */
  flags?: number;
  /** nk u16 at +54 (virtualization, user and debug flags), kept verbatim. */
  userFlags?: number;
  /** Delta hives only. */
  layer?: LayerInfo;
}

/** The writer's input: like HiveKeyNode, but lists may be left out and data may be a JS value. */
export interface HiveValueInput {
  name: string;
  /** A REG_* number or name; implied from the data when absent (string → REG_SZ, …). */
  type?: number | string;
  data?: ValueData;
  tombstone?: boolean;
}

export interface HiveKeyInput {
  name: string;
  subkeys?: HiveKeyInput[];
  values?: HiveValueInput[];
  className?: string;
  timestamp?: bigint;
  securityDescriptor?: Uint8Array;
  flags?: number;
  userFlags?: number;
  layer?: LayerInfo;
}

/** Reads a key and everything below it into a tree (values and descriptors included). */
export async function readTree(hive: Hive, from?: RegKey, options: TaskOptions = {}): Promise<HiveKeyNode> {
  const start = from ?? (await hive.root());
  const seen = new Set<number>();
  let done = 0;
  const visit = async (key: RegKey, depth: number): Promise<HiveKeyNode> => {
    if (seen.has(key.offset)) throw corrupt(`key '${key.path}' at cell offset 0x${key.offset.toString(16)} is listed twice (cycle in the subkey lists)`, { key: key.path, offset: key.offset + 4096 });
    if (depth > MAX_DEPTH) throw corrupt(`keys nest deeper than ${MAX_DEPTH} levels at '${key.path}'`, { key: key.path, offset: key.offset + 4096 });
    seen.add(key.offset);
    if (++done % 1024 === 0) {
      throwIfCancelled(options.signal, 'reading the hive');
      options.onProgress?.({ entriesDone: done, message: key.path });
    }
    const values: HiveValueNode[] = [];
    for (const v of await hive.values(key)) {
      // A copy: a view would keep the reader's cache blocks alive for as long as the tree lives.
      const node: HiveValueNode = { name: v.name, type: v.type, data: hive.valueData(v).slice() };
      if (v.tombstone) node.tombstone = true;
      values.push(node);
    }
    const node: HiveKeyNode = {
      name: key.name,
      subkeys: [],
      values,
      timestamp: key.timestamp,
      securityDescriptor: await hive.securityDescriptor(key),
      flags: key.flags,
      userFlags: key.userFlags,
    };
    const cls = await hive.className(key);
    if (cls !== undefined) node.className = cls;
    if (hive.layered && key.layerByte !== 0) node.layer = { semantics: key.layerSemantics, inheritClass: key.inheritClass };
    for (const child of await hive.subkeys(key)) node.subkeys.push(await visit(child, depth + 1));
    return node;
  };
  return visit(start, 0);
}

/** Counts keys and values of a tree (reports, tests). */
export function countTree(node: HiveKeyNode): { keys: number; values: number } {
  let keys = 0;
  let values = 0;
  const stack = [node];
  while (stack.length) {
    const n = stack.pop()!;
    keys++;
    values += n.values.length;
    stack.push(...n.subkeys);
  }
  return { keys, values };
}
