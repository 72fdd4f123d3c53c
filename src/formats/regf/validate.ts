// Structural check of a whole hive (spec §8.1): bins tile the data, cells tile each bin, every
// key's lists are sorted with correct lh hashes, value names are unique, sk cells form one ring
// with exact reference counts. Returns the problems found (empty = valid); `strict` also
// demands exact max-length fields, as our writer produces.

import { BINS_START, NIL } from './baseblock.js';
import { compareNames, lhHash, upcaseName } from './names.js';
import type { Hive } from './reader.js';
import { KEY_HIVE_ENTRY } from './records.js';

export interface ValidationReport {
  keys: number;
  values: number;
  securityRecords: number;
  problems: string[];
}

export async function validateHive(hive: Hive, options: { strict?: boolean; maxProblems?: number } = {}): Promise<ValidationReport> {
  const problems: string[] = [];
  const max = options.maxProblems ?? 100;
  const problem = (p: string): void => {
    if (problems.length < max) problems.push(p);
  };
  // Bins and cells.
  const binsSize = hive.header.binsSize;
  let at = 0;
  while (at < binsSize) {
    const head = await hive.rawBytes(BINS_START + at, 32);
    const dv = new DataView(head.buffer, head.byteOffset, 32);
    if (String.fromCharCode(...head.subarray(0, 4)) !== 'hbin' || dv.getUint32(4, true) !== at) {
      problem(`no valid hive bin header at cell offset 0x${at.toString(16)}`);
      break;
    }
    const size = dv.getUint32(8, true);
    if (size === 0 || size % 4096 !== 0 || at + size > binsSize) {
      problem(`hive bin at 0x${at.toString(16)} has a bad size 0x${size.toString(16)}`);
      break;
    }
    let c = at + 32;
    while (c < at + size) {
      const sb = await hive.rawBytes(BINS_START + c, 4);
      const raw = new DataView(sb.buffer, sb.byteOffset, 4).getInt32(0, true);
      const len = Math.abs(raw);
      if (len < 8 || len % 8 !== 0 || c + len > at + size) {
        problem(`cell at 0x${c.toString(16)} has a bad size ${raw}`);
        break;
      }
      c += len;
    }
    at += size;
  }

  // Keys, lists, values, descriptors.
  const skRefs = new Map<number, number>();
  let keys = 0;
  let values = 0;
  const root = await hive.root();
  for await (const { key } of hive.walk()) {
    keys++;
    const name = key.path || '\\';
    if (key === root || key.offset === root.offset) {
      if (!(key.flags & KEY_HIVE_ENTRY)) problem(`root key lacks the HIVE_ENTRY flag`);
    } else if (key.flags & KEY_HIVE_ENTRY) problem(`'${name}': HIVE_ENTRY flag on a non-root key`);
    skRefs.set(key.securityOffset, (skRefs.get(key.securityOffset) ?? 0) + 1);
    await hive.securityDescriptor(key);
    const { offsets, hashes } = await hive.subkeyEntries(key);
    if (offsets.length !== key.subkeyCount) problem(`'${name}': subkey count ${key.subkeyCount} but ${offsets.length} list entries`);
    const children = await hive.subkeys(key);
    let maxName = 0;
    let maxClass = 0;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      if (c.parentOffset !== key.offset) problem(`'${c.path}': parent field 0x${c.parentOffset.toString(16)} does not point at its parent`);
      if (i > 0 && compareNames(children[i - 1]!.name, c.name) >= 0) problem(`'${name}': subkeys '${children[i - 1]!.name}' and '${c.name}' are out of order`);
      if (hashes[i] !== undefined && hashes[i] !== lhHash(c.name)) problem(`'${c.path}': lh hash 0x${hashes[i]!.toString(16)} should be 0x${lhHash(c.name).toString(16)}`);
      maxName = Math.max(maxName, c.name.length * 2);
      maxClass = Math.max(maxClass, c.classLength);
    }
    const vals = await hive.values(key);
    values += vals.length;
    const seen = new Set<string>();
    let maxValueName = 0;
    let maxData = 0;
    for (const v of vals) {
      const up = upcaseName(v.name);
      if (seen.has(up)) problem(`'${name}': two values named '${v.name}'`);
      seen.add(up);
      const data = await hive.valueData(v);
      maxValueName = Math.max(maxValueName, v.name.length * 2);
      maxData = Math.max(maxData, data.length);
      if (v.tombstone && (v.size !== 0 || v.dataField !== NIL)) problem(`'${name}': tombstone value '${v.name}' carries data`);
    }
    await hive.className(key);
    if (options.strict) {
      const f = await hive.maxFields(key);
      if (f.maxSubkeyName !== maxName) problem(`'${name}': largest subkey name ${f.maxSubkeyName}, actual ${maxName}`);
      if (f.maxSubkeyClass !== maxClass) problem(`'${name}': largest subkey class ${f.maxSubkeyClass}, actual ${maxClass}`);
      if (f.maxValueName !== maxValueName) problem(`'${name}': largest value name ${f.maxValueName}, actual ${maxValueName}`);
      if (f.maxValueData !== maxData) problem(`'${name}': largest value data ${f.maxValueData}, actual ${maxData}`);
    }
  }

  // The sk ring: starting anywhere, flink must visit every referenced sk once and come back.
  const first = skRefs.keys().next().value;
  if (first !== undefined) {
    let cur = first;
    const ring = new Set<number>();
    for (let i = 0; i <= skRefs.size + 1; i++) {
      if (ring.has(cur)) break;
      ring.add(cur);
      const sk = await hive.cell(cur, 'security record');
      const dv = new DataView(sk.buffer, sk.byteOffset, sk.length);
      const flink = dv.getUint32(4, true);
      const next = await hive.cell(flink, 'security record');
      const blinkOfNext = new DataView(next.buffer, next.byteOffset, next.length).getUint32(8, true);
      if (blinkOfNext !== cur) problem(`sk 0x${cur.toString(16)}: its successor's blink does not point back`);
      const refs = dv.getUint32(12, true);
      const actual = skRefs.get(cur) ?? 0;
      if (refs !== actual) problem(`sk 0x${cur.toString(16)}: reference count ${refs}, referenced by ${actual} keys`);
      cur = flink;
    }
    for (const off of skRefs.keys()) if (!ring.has(off)) problem(`sk 0x${off.toString(16)} is not on the security ring`);
  }
  return { keys, values, securityRecords: skRefs.size, problems };
}
