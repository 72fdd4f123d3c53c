// Merging base + delta hives: the laws (an empty delta is the identity, a tombstone removes the
// subtree, a later delta wins) as properties over random trees, the individual rules with
// hand-made 1.6 deltas written by our writer, and the real System_Delta onto the real SYSTEM;
// several deltas at once equal one after another; merging files streams and can be cancelled.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Hive } from '../../src/formats/regf/reader.js';
import { readTree, type HiveKeyInput, type HiveKeyNode } from '../../src/formats/regf/tree.js';
import { writeHive } from '../../src/formats/regf/writer.js';
import { mergeHives } from '../../src/formats/regf/merge.js';
import { mergeHiveFiles } from '../../src/hive/operations.js';
import { validateHive } from '../../src/formats/regf/validate.js';
import { namesEqual, upcaseName } from '../../src/formats/regf/names.js';
import { corpusBytes, tempDir } from './corpus.js';
import { normalizeTree } from './normalize.js';
import { hivexml, linesFromHivexml, linesFromReader } from './hivex.js';

const LONG = process.env.WCLAYER_FUZZ === 'long';

async function treeOf(bytes: Uint8Array): Promise<HiveKeyNode> {
  return readTree(await Hive.fromBytes(bytes));
}

function find(tree: HiveKeyNode, path: string): HiveKeyNode | undefined {
  let k: HiveKeyNode | undefined = tree;
  for (const part of path.split('\\').filter(Boolean)) k = k?.subkeys.find((c) => namesEqual(c.name, part));
  return k;
}

function valueOf(tree: HiveKeyNode, path: string, name: string): string | undefined {
  const v = find(tree, path)?.values.find((x) => namesEqual(x.name, name));
  return v ? Buffer.from(v.data).toString('utf16le').replace(/\0+$/, '') : undefined;
}

async function merged(base: HiveKeyInput, ...deltas: HiveKeyInput[]): Promise<HiveKeyNode> {
  const out = await mergeHives(writeHive(base), deltas.map((d) => writeHive(d, { minorVersion: 6 })));
  const hive = await Hive.fromBytes(out);
  assert.equal(hive.header.minorVersion, 5);
  assert.equal(hive.layered, false);
  const report = await validateHive(hive, { strict: true });
  assert.deepEqual(report.problems, []);
  for await (const { key } of hive.walk()) assert.equal(key.layerByte, 0, `layer byte left on '${key.path}'`);
  return readTree(hive);
}

const T = 130000000000000000n;
const base: HiveKeyInput = {
  name: 'BASEROOT',
  timestamp: T,
  subkeys: [
    {
      name: 'Services',
      timestamp: T,
      subkeys: [
        { name: 'Keep', timestamp: T, values: [{ name: 'Start', data: 2 }], subkeys: [{ name: 'Params', timestamp: T }] },
        { name: 'Gone', timestamp: T, values: [{ name: 'Start', data: 3 }], subkeys: [{ name: 'Deep', timestamp: T }] },
        { name: 'Tree', timestamp: T, className: 'BaseClass', values: [{ name: 'A', data: 'a' }, { name: 'B', data: 'b' }], subkeys: [{ name: 'Old', timestamp: T }] },
        { name: 'Local', timestamp: T, className: 'BaseClass', values: [{ name: 'A', data: 'a' }, { name: 'B', data: 'b' }], subkeys: [{ name: 'Child', timestamp: T, values: [{ name: 'X', data: 'x' }] }] },
      ],
    },
  ],
};

test('merge: a tombstone key deletes the subtree; names match without regard to case', async () => {
  const t = await merged(base, { name: 'ROOT', subkeys: [{ name: 'SERVICES', layer: { semantics: 0, inheritClass: true }, subkeys: [{ name: 'gone', layer: { semantics: 1 } }] }] });
  assert.equal(find(t, 'Services\\Gone'), undefined);
  assert.ok(find(t, 'Services\\Keep\\Params'));
  assert.equal(t.name, 'BASEROOT', 'the root keeps the base name');
});

test('merge: a tombstone value deletes the value; other delta values are added or replace by name', async () => {
  const t = await merged(base, {
    name: 'ROOT',
    subkeys: [{ name: 'Services', subkeys: [{ name: 'Tree', layer: { semantics: 0, inheritClass: true }, values: [{ name: 'a', tombstone: true }, { name: 'b', data: 'B2' }, { name: 'C', data: 'c' }] }] }],
  });
  const tree = find(t, 'Services\\Tree')!;
  assert.deepEqual(tree.values.map((v) => v.name), ['b', 'C']);
  assert.equal(valueOf(t, 'Services\\Tree', 'B'), 'B2');
  assert.equal(tree.className, 'BaseClass', 'InheritClass takes the base class');
  assert.ok(find(t, 'Services\\Tree\\Old'), 'a merge node keeps base subkeys');
});

test('merge: supersede tree replaces the whole subtree and drops tombstones under it', async () => {
  const t = await merged(base, {
    name: 'ROOT',
    subkeys: [
      {
        name: 'Services',
        subkeys: [
          {
            name: 'Tree',
            layer: { semantics: 3 },
            className: 'NewClass',
            values: [{ name: 'Z', data: 'z' }, { name: 'A', tombstone: true }],
            subkeys: [{ name: 'New', layer: { semantics: 3 } }, { name: 'Dead', layer: { semantics: 1 } }],
          },
        ],
      },
    ],
  });
  const tree = find(t, 'Services\\Tree')!;
  assert.deepEqual(tree.values.map((v) => v.name), ['Z']);
  assert.deepEqual(tree.subkeys.map((k) => k.name), ['New']);
  assert.equal(tree.className, 'NewClass');
});

test('merge: supersede local replaces values and class but keeps the base subkeys', async () => {
  const t = await merged(base, { name: 'ROOT', subkeys: [{ name: 'Services', subkeys: [{ name: 'Local', layer: { semantics: 2 }, values: [{ name: 'Only', data: 'o' }] }] }] });
  const local = find(t, 'Services\\Local')!;
  assert.deepEqual(local.values.map((v) => v.name), ['Only']);
  assert.equal(local.className, undefined);
  assert.equal(valueOf(t, 'Services\\Local\\Child', 'X'), 'x');
});

test('merge: delta keys missing from the base are added; timestamps keep the newest', async () => {
  const t = await merged(base, { name: 'ROOT', subkeys: [{ name: 'Services', timestamp: T + 5n, subkeys: [{ name: 'Fresh', values: [{ name: 'V', data: 'v' }], subkeys: [{ name: 'Sub', layer: { semantics: 1 } }] }] }] });
  assert.equal(valueOf(t, 'Services\\Fresh', 'V'), 'v');
  assert.deepEqual(find(t, 'Services\\Fresh')!.subkeys, []);
  assert.equal(find(t, 'Services')!.timestamp, T + 5n);
});

test('merge: a later delta wins over an earlier one', async () => {
  const d1: HiveKeyInput = { name: 'R', subkeys: [{ name: 'Services', subkeys: [{ name: 'Keep', values: [{ name: 'Start', data: 'one' }] }] }] };
  const d2: HiveKeyInput = { name: 'R', subkeys: [{ name: 'Services', subkeys: [{ name: 'Keep', values: [{ name: 'START', data: 'two' }] }] }] };
  assert.equal(valueOf(await merged(base, d1, d2), 'Services\\Keep', 'Start'), 'two');
  assert.equal(valueOf(await merged(base, d2, d1), 'Services\\Keep', 'Start'), 'one');
  // A later tombstone removes what an earlier delta added.
  const d3: HiveKeyInput = { name: 'R', subkeys: [{ name: 'Services', subkeys: [{ name: 'Keep', layer: { semantics: 1 } }] }] };
  assert.equal(find(await merged(base, d1, d3), 'Services\\Keep'), undefined);
});

// ---- laws over random trees -----------------------------------------------------------------

const nameArb = fc.array(fc.constantFrom(...'abAB_1ä'), { minLength: 1, maxLength: 3 }).map((a) => a.join(''));
const treeArb: fc.Arbitrary<HiveKeyInput> = fc.letrec<{ key: HiveKeyInput }>((tie) => ({
  key: fc.record({
    name: nameArb,
    timestamp: fc.constant(T),
    values: fc.uniqueArray(fc.record({ name: nameArb, data: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.string({ maxLength: 3 })) }), { maxLength: 3, selector: (v) => upcaseName(v.name) }),
    subkeys: fc.oneof({ depthSize: 'small' }, fc.constant([] as HiveKeyInput[]), fc.uniqueArray(tie('key'), { maxLength: 3, selector: (k) => upcaseName(k.name) })),
  }),
})).key;

function allPaths(t: HiveKeyInput, prefix = ''): string[] {
  const out: string[] = [];
  for (const c of t.subkeys ?? []) {
    const p = prefix ? `${prefix}\\${c.name}` : c.name;
    out.push(p, ...allPaths(c, p));
  }
  return out;
}

/** A delta holding only a tombstone at `path` (its ancestors are plain merge nodes). */
function tombstoneAt(path: string): HiveKeyInput {
  const parts = path.split('\\');
  let node: HiveKeyInput = { name: parts[parts.length - 1]!, layer: { semantics: 1 } };
  for (let i = parts.length - 2; i >= 0; i--) node = { name: parts[i]!, subkeys: [node] };
  return { name: 'ROOT', subkeys: [node] };
}

function removePath(t: HiveKeyInput, path: string): HiveKeyInput {
  const [head, ...rest] = path.split('\\');
  return {
    ...t,
    subkeys: (t.subkeys ?? []).flatMap((c) => (namesEqual(c.name, head!) ? (rest.length ? [removePath(c, rest.join('\\'))] : []) : [c])),
  };
}

test('law: merging an empty delta is the identity', async () => {
  await fc.assert(
    fc.asyncProperty(treeArb, async (b) => {
      const out = await mergeHives(writeHive(b), [writeHive({ name: 'ROOT', timestamp: 0n }, { minorVersion: 6 })]);
      assert.deepEqual(normalizeTree(await treeOf(out)), normalizeTree(await treeOf(writeHive(b))));
    }),
    { numRuns: LONG ? 300 : 30 },
  );
});

test('law: a tombstone removes exactly the subtree at its path', async () => {
  await fc.assert(
    fc.asyncProperty(
      treeArb.filter((t) => allPaths(t).length > 0).chain((t) => fc.tuple(fc.constant(t), fc.constantFrom(...allPaths(t)))),
      async ([b, path]) => {
        const out = await mergeHives(writeHive(b), [writeHive(tombstoneAt(path), { minorVersion: 6, timestamp: 0n })]);
        assert.deepEqual(normalizeTree(await treeOf(out)), normalizeTree(await treeOf(writeHive(removePath(b, path)))));
      },
    ),
    { numRuns: LONG ? 300 : 30 },
  );
});

test('law: of two deltas setting the same value, the later wins', async () => {
  await fc.assert(
    fc.asyncProperty(treeArb, nameArb, fc.integer(), fc.integer(), async (b, valueName, x, y) => {
      const d = (n: number): Uint8Array => writeHive({ name: 'R', timestamp: 0n, subkeys: [{ name: 'K', timestamp: 0n, values: [{ name: valueName, data: n >>> 0 }] }] }, { minorVersion: 6 });
      const t = await treeOf(await mergeHives(writeHive(b), [d(x), d(y)]));
      const v = find(t, 'K')!.values.find((z) => namesEqual(z.name, valueName))!;
      assert.equal(new DataView(v.data.buffer, v.data.byteOffset).getUint32(0, true), y >>> 0);
    }),
    { numRuns: LONG ? 200 : 20 },
  );
});

test('merge the real System_Delta onto the real SYSTEM hive', async () => {
  const baseBytes = corpusBytes('regipy-SYSTEM');
  const deltaBytes = corpusBytes('yarp-System_Delta');
  const out = await mergeHives(baseBytes, [deltaBytes], { timestamp: 0n });
  const hive = await Hive.fromBytes(out);
  const report = await validateHive(hive, { strict: true });
  assert.deepEqual(report.problems, []);
  const delta = await Hive.fromBytes(deltaBytes);
  // Every tombstone key of the delta is absent; every plain delta value is present with its data.
  for await (const { key } of delta.walk()) {
    const m = await hive.key(key.path);
    if (key.layerSemantics === 1) {
      assert.equal(m, undefined, `tombstoned key '${key.path}' survived`);
      continue;
    }
    assert.ok(m, `delta key '${key.path}' is missing`);
    for (const v of await delta.values(key)) {
      const mv = await hive.value(m, v.name);
      if (v.tombstone) assert.equal(mv, undefined, `tombstoned value '${key.path}:${v.name}' survived`);
      else assert.deepEqual(await hive.valueData(mv!), await delta.valueData(v));
    }
  }
  assert.equal(await hive.key('ControlSet001\\Services\\XBOXGIP'), undefined);
  // hivex reads the merged hive as our reader does.
  const path = join(tempDir(), 'merged-system');
  writeFileSync(path, out);
  const run = hivexml(path);
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(linesFromHivexml(run.stdout), await linesFromReader(hive));
});

// A delta over the same small name space as treeArb: every key may carry layer semantics, every
// value may be a tombstone.
const deltaArb: fc.Arbitrary<HiveKeyInput> = fc.letrec<{ key: HiveKeyInput }>((tie) => ({
  key: fc.record({
    name: nameArb,
    timestamp: fc.constantFrom(T - 1n, T + 1n),
    layer: fc.record({ semantics: fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const), inheritClass: fc.boolean() }),
    className: fc.option(fc.constantFrom('C1', 'C2'), { nil: undefined }),
    values: fc.uniqueArray(fc.record({ name: nameArb, data: fc.integer({ min: 0, max: 9 }), tombstone: fc.boolean() }), { maxLength: 3, selector: (v) => upcaseName(v.name) }),
    subkeys: fc.oneof({ depthSize: 'small' }, fc.constant([] as HiveKeyInput[]), fc.uniqueArray(tie('key'), { maxLength: 3, selector: (k) => upcaseName(k.name) })),
  }),
})).key.map((d) => ({ ...d, layer: { semantics: 0 as const } })); // the root itself merges

test('law: deltas merged together equal deltas merged one after another', async () => {
  await fc.assert(
    fc.asyncProperty(treeArb, deltaArb, deltaArb, async (b, d1, d2) => {
      const delta = (d: HiveKeyInput) => writeHive(d, { minorVersion: 6, timestamp: 0n });
      const together = await mergeHives(writeHive(b), [delta(d1), delta(d2)], { timestamp: 0n });
      const stepwise = await mergeHives(await mergeHives(writeHive(b), [delta(d1)], { timestamp: 0n }), [delta(d2)], { timestamp: 0n });
      assert.deepEqual(normalizeTree(await treeOf(together)), normalizeTree(await treeOf(stepwise)));
    }),
    { numRuns: LONG ? 300 : 40 },
  );
});

/** The real SYSTEM and System_Delta as files in a fresh folder. */
function systemFiles(): { dir: string; basePath: string; deltaPath: string } {
  const dir = mkdtempSync(join(tempDir(), 'merge-'));
  const basePath = join(dir, 'SYSTEM');
  const deltaPath = join(dir, 'SYSTEM_Delta');
  writeFileSync(basePath, corpusBytes('regipy-SYSTEM'));
  writeFileSync(deltaPath, corpusBytes('yarp-System_Delta'));
  return { dir, basePath, deltaPath };
}

test('merging files streams into the output file: the same bytes as the merge in memory', async () => {
  const { dir, basePath, deltaPath } = systemFiles();
  const output = join(dir, 'SYSTEM_BASE');
  const progress: number[] = [];
  const r = await mergeHiveFiles(basePath, [deltaPath], output, { onProgress: (p) => progress.push(p.entriesDone ?? 0) });
  const inMemory = await mergeHives(corpusBytes('regipy-SYSTEM'), [corpusBytes('yarp-System_Delta')], { fileName: output });
  const written = readFileSync(output);
  assert.equal(r.bytes, written.length);
  // The header's write time is "now" in both: compare the bins, and the header without its time and checksum.
  assert.deepEqual(written.subarray(4096), Buffer.from(inMemory.subarray(4096)));
  assert.deepEqual(written.subarray(20, 508), Buffer.from(inMemory.subarray(20, 508)));
  assert.ok(progress.length > 2, 'progress is reported while merging');
  assert.deepEqual(readdirSync(dir).sort(), ['SYSTEM', 'SYSTEM_BASE', 'SYSTEM_Delta']);
});

test('a cancelled merge stops with Cancelled and leaves no output file', async () => {
  const { dir, basePath, deltaPath } = systemFiles();
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    mergeHiveFiles(basePath, [deltaPath], join(dir, 'out'), { signal: controller.signal, onProgress: () => ++calls === 3 && controller.abort() }),
    { code: 'Cancelled' },
  );
  assert.deepEqual(readdirSync(dir).sort(), ['SYSTEM', 'SYSTEM_Delta']);
});
