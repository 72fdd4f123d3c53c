// FILE_ATTRIBUTE_* bits <-> names, for display and for users who type names. Names follow
// .NET's [System.IO.FileAttributes] so PowerShell shows and accepts the same words.

import { invalidArgument } from '../../errors.js';

/** Every named bit, in bit order. */
export const FILE_ATTRIBUTE_NAMES: ReadonlyArray<readonly [name: string, bit: number]> = [
  ['ReadOnly', 0x1],
  ['Hidden', 0x2],
  ['System', 0x4],
  ['Directory', 0x10],
  ['Archive', 0x20],
  ['Device', 0x40],
  ['Normal', 0x80],
  ['Temporary', 0x100],
  ['SparseFile', 0x200],
  ['ReparsePoint', 0x400],
  ['Compressed', 0x800],
  ['Offline', 0x1000],
  ['NotContentIndexed', 0x2000],
  ['Encrypted', 0x4000],
  ['IntegrityStream', 0x8000],
  ['Virtual', 0x10000],
  ['NoScrubData', 0x20000],
  ['RecallOnOpen', 0x40000],
  ['Pinned', 0x80000],
  ['Unpinned', 0x100000],
  ['RecallOnDataAccess', 0x400000],
];

/** Names of the set bits in bit order; bits without a name appear as one hex value, e.g. "0x8". */
export function attributeNames(attributes: number): string[] {
  const names: string[] = [];
  let rest = attributes >>> 0;
  for (const [name, bit] of FILE_ATTRIBUTE_NAMES) {
    if (rest & bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest) names.push(`0x${rest.toString(16)}`);
  return names;
}

/** "ReadOnly, Archive" (like [System.IO.FileAttributes]); "0" for none. */
export function formatAttributes(attributes: number): string {
  const names = attributeNames(attributes);
  return names.length ? names.join(', ') : '0';
}

const byLowerName = new Map<string, number>();
for (const [name, bit] of FILE_ATTRIBUTE_NAMES) {
  byLowerName.set(name.toLowerCase(), bit);
}
// winnt.h spellings too: READONLY, SPARSE_FILE, FILE_ATTRIBUTE_REPARSE_POINT ...
const winntNames: Record<string, number> = {
  readonly: 0x1, sparse_file: 0x200, reparse_point: 0x400, not_content_indexed: 0x2000,
  integrity_stream: 0x8000, no_scrub_data: 0x20000, recall_on_open: 0x40000, recall_on_data_access: 0x400000,
  ea: 0x40000,
};

/**
 * Parses names or numbers: "ReadOnly, Hidden", "READONLY|HIDDEN", "FILE_ATTRIBUTE_ARCHIVE",
 * "0x21", "33", or a list of those. Unknown names are InvalidArgument.
 */
export function parseAttributes(input: string | readonly string[]): number {
  const parts = (typeof input === 'string' ? [input] : input).flatMap((s) => s.split(/[\s,|+]+/)).filter(Boolean);
  let bits = 0;
  for (const part of parts) {
    let value: number | undefined;
    if (/^(0x[0-9a-f]+|\d+)$/i.test(part)) value = Number(part);
    else {
      const key = part.toLowerCase().replace(/^file_attribute_/, '');
      value = byLowerName.get(key) ?? winntNames[key] ?? byLowerName.get(key.replace(/_/g, ''));
    }
    if (value === undefined || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw invalidArgument(`unknown file attribute '${part}'`, { key: part });
    }
    bits = (bits | value) >>> 0;
  }
  return bits;
}
