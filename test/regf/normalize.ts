// Trees in a comparable form: subkeys in hive order (uppercased name), data as hex, flags that
// a writer recomputes (HIVE_ENTRY, COMP_NAME, root NO_DELETE) masked out.

import { compareNames } from '../../src/formats/regf/names.js';
import type { HiveKeyNode } from '../../src/formats/regf/tree.js';

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
