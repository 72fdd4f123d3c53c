// Trees in a comparable form: subkeys in hive order (uppercased name), data as hex, flags that
// a writer recomputes (HIVE_ENTRY, COMP_NAME, root NO_DELETE) masked out.

import { compareNames } from '../../src/formats/regf/names.js';
import type { HiveKeyNode } from '../../src/formats/regf/tree.js';
import type { Hive } from '../../src/formats/regf/reader.js';

export interface NormalKey {
  name: string;
  className: string | null;
  timestamp: string | null;
  sd: string | null;
  flags: number;
  userFlags: number;
  layer: string | null;
  values: { name: string; type: number; data: string; tombstone: boolean }[];
  subkeys: NormalKey[];
}

export function normalizeTree(n: HiveKeyNode, isRoot = true, opts: { timestamps?: boolean } = {}): NormalKey {
  const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  return {
    name: n.name,
    className: n.className ?? null,
    timestamp: opts.timestamps === false || n.timestamp === undefined ? null : n.timestamp.toString(),
    sd: n.securityDescriptor ? hex(n.securityDescriptor) : null,
    flags: (n.flags ?? 0) & ~(0x20 | 0x04 | (isRoot ? 0x08 : 0)),
    userFlags: n.userFlags ?? 0,
    layer: n.layer && (n.layer.semantics !== 0 || n.layer.inheritClass) ? `${n.layer.semantics}${n.layer.inheritClass ? '+inherit' : ''}` : null,
    values: n.values.map((v) => ({ name: v.name, type: v.type, data: hex(v.data), tombstone: !!v.tombstone })),
    subkeys: [...n.subkeys].sort((a, b) => compareNames(a.name, b.name)).map((c) => normalizeTree(c, false, opts)),
  };
}

/**
 * Asserts two hives hold the same tree (names, classes, timestamps, descriptors, flags, layer
 * bytes, values with types and bytes) by walking both side by side; cheaper than building trees.
 * `maskRootFlags` ignores the flag bits a writer sets on its own.
 */
export function sameHive(a: Hive, b: Hive): string | undefined {
  const wa = [...a.walk()];
  const wb = [...b.walk()];
  if (wa.length !== wb.length) return `key count ${wa.length} vs ${wb.length}`;
  const eq = (x: Uint8Array, y: Uint8Array): boolean => Buffer.compare(Buffer.from(x.buffer, x.byteOffset, x.length), Buffer.from(y.buffer, y.byteOffset, y.length)) === 0;
  for (let i = 0; i < wa.length; i++) {
    const ka = wa[i]!.key;
    const kb = wb[i]!.key;
    const where = `key '${ka.path}'`;
    if (ka.path !== kb.path) return `${where} vs '${kb.path}'`;
    if (ka.timestamp !== kb.timestamp) return `${where}: timestamp`;
    if (a.className(ka) !== b.className(kb)) return `${where}: class`;
    if (!eq(a.securityDescriptor(ka), b.securityDescriptor(kb))) return `${where}: security descriptor`;
    const mask = ~(0x20 | 0x04 | (i === 0 ? 0x08 : 0));
    if ((ka.flags & mask) !== (kb.flags & mask) || ka.userFlags !== kb.userFlags) return `${where}: flags`;
    if ((a.layered ? ka.layerByte : 0) !== (b.layered ? kb.layerByte : 0)) return `${where}: layer byte`;
    const va = a.values(ka);
    const vb = b.values(kb);
    if (va.length !== vb.length) return `${where}: value count`;
    for (let j = 0; j < va.length; j++) {
      const x = va[j]!;
      const y = vb[j]!;
      if (x.name !== y.name || x.type !== y.type || x.tombstone !== y.tombstone || !eq(a.valueData(x), b.valueData(y))) return `${where}: value '${x.name}'`;
    }
  }
  return undefined;
}
