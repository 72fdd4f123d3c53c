// Writing a tree of keys and values held in memory (tests, samples, small hives such as an
// empty one) as a fresh, compact, clean hive (no logs): the tree's descriptors are counted
// first, then the keys go depth-first through the hive builder (builder.ts), which does the
// layout. Big hives are not built as trees: the merge streams its keys straight into the builder.

import { DescriptorTable, HiveBuilder, MemorySink, type HiveSink, type WriteOptions } from './builder.js';
import { compareNames } from './names.js';
import { DEFAULT_KEY_SECURITY } from './security.js';
import type { HiveKeyInput } from './tree.js';

export { nowFiletime, type WriteOptions } from './builder.js';

/** A key with its effective descriptor (a key without one shares its parent's) and sorted subkeys. */
interface Prepared {
  input: HiveKeyInput;
  sd: Uint8Array;
  children: Prepared[];
}

/** Writes a tree to a sink; returns the file size. */
export function writeHiveTo(root: HiveKeyInput, sink: HiveSink, options: WriteOptions = {}): number {
  const descriptors = new DescriptorTable();
  const prepare = (input: HiveKeyInput, parentSd: Uint8Array): Prepared => {
    const sd = input.securityDescriptor ?? parentSd;
    descriptors.add(sd);
    const subs = [...(input.subkeys ?? [])].sort((a, b) => compareNames(a.name, b.name));
    return { input, sd, children: subs.map((c) => prepare(c, sd)) };
  };
  const tree = prepare(root, root.securityDescriptor ?? DEFAULT_KEY_SECURITY);
  const builder = new HiveBuilder(sink, descriptors, options);
  const emit = (k: Prepared, path: string): void => {
    const { input } = k;
    builder.openKey(
      { name: input.name, className: input.className, timestamp: input.timestamp, securityDescriptor: k.sd, flags: input.flags, userFlags: input.userFlags, layer: input.layer },
      input.values ?? [],
      path,
    );
    for (const c of k.children) emit(c, path ? `${path}\\${c.input.name}` : c.input.name);
    builder.closeKey();
  };
  emit(tree, '');
  return builder.finish();
}

/**
 * Serializes a tree into hive bytes. Names are checked (unique per parent, case-insensitive;
 * key names 1..255 characters without backslash). Layer information is written only for
 * minor version 6, which also sets the header's layered-keys flag.
 */
export function writeHive(root: HiveKeyInput, options: WriteOptions = {}): Uint8Array {
  const sink = new MemorySink();
  writeHiveTo(root, sink, options);
  return sink.bytes();
}
