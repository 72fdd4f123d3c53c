// The writer: corpus hives read → written → read again are the same tree, pass the strict
// structural check, and hivex reads the written file exactly as it reads the original; known
// vectors (lh hashes, sort order, inline/single-cell/big-data thresholds, checksum); random
// trees survive write → read (fast-check), and hivex reads a few of them too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Hive } from '../../src/formats/regf/reader.js';
import { readTree, type HiveKeyInput, type HiveKeyNode } from '../../src/formats/regf/tree.js';
import { writeHive, writeHiveTo } from '../../src/formats/regf/writer.js';
import { DescriptorTable, HiveBuilder } from '../../src/formats/regf/builder.js';
import { FileHiveSink } from '../../src/hive/file-sink.js';
import { validateHive } from '../../src/formats/regf/validate.js';
import { stripLayers } from '../../src/formats/regf/merge.js';
import { baseBlockChecksum, parseBaseBlock } from '../../src/formats/regf/baseblock.js';
import { DEFAULT_KEY_SECURITY } from '../../src/formats/regf/security.js';
import { compareNames, lhHash, upcaseName } from '../../src/formats/regf/names.js';
import { corpusBytes, CORRUPT_HIVES, PRIMARY_HIVES, tempDir } from './corpus.js';
import { hivexml, linesFromHivexml, linesFromReader } from './hivex.js';
import { normalizeTree, sameHive } from './normalize.js';

const LONG = process.env.WCLAYER_FUZZ === 'long';

async function strictCheck(bytes: Uint8Array): Promise<Hive> {
  const hive = await Hive.fromBytes(bytes);
  const report = await validateHive(hive, { strict: true });
  assert.deepEqual(report.problems, [], report.problems.join('\n'));
  assert.equal(hive.header.primarySequence, hive.header.secondarySequence);
  assert.ok(hive.header.checksumValid);
  return hive;
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const p = join(tempDir(), name);
  writeFileSync(p, bytes);
  return p;
}

// SYSTEM_B (12 MB, like SYSTEM) only in long runs: the default run stays fast.
for (const name of PRIMARY_HIVES) {
  if (CORRUPT_HIVES[name] || (name === 'regipy-SYSTEM_B' && !LONG)) continue;
  test(`round trip through the writer: ${name}`, async () => {
    const original = await Hive.fromBytes(corpusBytes(name));
    const tree = await readTree(original);
    const layered = original.layered;
    const out = writeHive(tree, { minorVersion: layered ? 6 : 5, timestamp: original.header.lastWritten });
    const again = await strictCheck(out);
    assert.equal(again.layered, layered);
    assert.equal(sameHive(original, again), undefined);
    if (!layered) {
      // hivex reads our file exactly as it reads the original.
      const ours = hivexml(writeTemp(`${name}.written`, out));
      assert.equal(ours.status, 0, ours.stderr);
      // (hivex-agreement.test checks that hivex reads the original as our reader does.)
      const drop = (l: string[]): string[] => l.filter((x) => !x.startsWith('H '));
      assert.deepEqual(drop(linesFromHivexml(ours.stdout)), drop(await linesFromReader(original)));
    } else {
      // hivex cannot read tombstone values; the same tree without layer data it reads in full.
      const plain = writeHive(stripLayers(tree)!, { timestamp: 0n });
      const run = hivexml(writeTemp(`${name}.plain`, plain));
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(linesFromHivexml(run.stdout), await linesFromReader(await Hive.fromBytes(plain)));
    }
  });
}

test('lh hash and sort order vectors', () => {
  assert.equal(lhHash('ControlSet001'), 0x8f3ba9a2);
  assert.equal(lhHash('Services'), 0x227af730);
  assert.equal(lhHash('Microsoft'), 0x7f00cd26);
  assert.equal(lhHash('Windows NT'), 0xe219b3b9);
  assert.equal(lhHash('CurrentVersion'), 0x7e25f69d);
  assert.equal(lhHash('a'), 0x41);
  assert.equal(lhHash('A'), 0x41);
  assert.equal(lhHash(''), 0);
  assert.equal(lhHash('ROOT'), 0x00411300);
  assert.equal(lhHash('Äpfel'), 0x16246e2f);
  assert.equal(lhHash('äpfel'), 0x16246e2f);
  assert.equal(lhHash('abcd_äöüß'), 0xcd87d55e);
  assert.equal(lhHash('weird™'), 0x6f86a4d5);
  assert.equal(lhHash('zero\0key'), 0xda24f2bd);
  assert.deepEqual(['a_b', 'ab', 'AC'].sort(compareNames), ['ab', 'AC', 'a_b']);
  assert.deepEqual(['ß2', 'SS3', 'ss1'].sort(compareNames), ['ss1', 'SS3', 'ß2']);
  assert.equal(upcaseName('ß'), 'ß');
});

test('checksum substitutions: raw XOR 0 stores 1, raw XOR -1 stores -2', () => {
  const b = new Uint8Array(512);
  assert.equal(baseBlockChecksum(b), 1);
  new DataView(b.buffer).setUint32(0, 0xffffffff, true);
  assert.equal(baseBlockChecksum(b), 0xfffffffe);
});

test('value storage thresholds: inline ≤ 4, one cell ≤ 16344, big data above', async () => {
  const sizes = [0, 1, 4, 5, 16344, 16345, 81725];
  const root: HiveKeyInput = {
    name: 'ROOT',
    values: sizes.map((n) => ({ name: `v${n}`, type: 3, data: new Uint8Array(n).fill(n & 0xff) })),
  };
  const bytes = writeHive(root);
  const hive = await strictCheck(bytes);
  const key = await hive.root();
  for (const v of await hive.values(key)) {
    const n = Number(v.name.slice(1));
    assert.equal(v.size, n);
    assert.equal(v.inline, n <= 4, `inline flag for ${n}`);
    if (n === 0) assert.equal(v.dataField, 0);
    if (n > 4) {
      const cell = await hive.cell(v.dataField, 'data');
      if (n > 16344) {
        assert.equal(String.fromCharCode(cell[0]!, cell[1]!), 'db');
        assert.equal(cell[2]! | (cell[3]! << 8), Math.ceil(n / 16344));
      } else assert.equal(cell.length, (((4 + n + 7) & ~7) - 4));
    }
    assert.deepEqual(await hive.valueData(v), new Uint8Array(n).fill(n & 0xff));
  }
  // hivex reads the big-data values back too.
  const run = hivexml(writeTemp('thresholds', bytes));
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(linesFromHivexml(run.stdout), await linesFromReader(hive));
});

test('more than 507 subkeys go into lh leaves under an ri, still sorted and found by name', async () => {
  const names = Array.from({ length: 1300 }, (_, i) => `Key${(i * 7919) % 1300}`);
  const bytes = writeHive({ name: 'R', subkeys: names.map((name) => ({ name })) });
  const hive = await strictCheck(bytes);
  const root = await hive.root();
  const list = await hive.cell(root.subkeyListOffset, 'list');
  assert.equal(String.fromCharCode(list[0]!, list[1]!), 'ri');
  assert.equal(list[2], 3);
  assert.equal((await hive.subkey(root, 'KEY1299'))?.name, 'Key1299');
  assert.equal(await hive.subkey(root, 'Key1300'), undefined);
});

test('one sk per distinct descriptor with exact reference counts; keys without one share the parent\'s', async () => {
  const sdA = Uint8Array.from([1, 0, 4, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const bytes = writeHive({ name: 'R', securityDescriptor: sdA, subkeys: [{ name: 'a' }, { name: 'b', subkeys: [{ name: 'c' }] }] });
  const hive = await strictCheck(bytes);
  const report = await validateHive(hive);
  assert.equal(report.securityRecords, 1);
  const c = (await hive.key('b\\c'))!;
  assert.deepEqual(await hive.securityDescriptor(c), sdA);
});

test('class names, timestamps, symlink flag and the +54 bits are written as given', async () => {
  const tree: HiveKeyInput = {
    name: 'R',
    timestamp: 131876648849521757n,
    subkeys: [{ name: 'Link', flags: 0x10, userFlags: 0x0102, className: 'MyClass', timestamp: 1n, values: [{ name: 'SymbolicLinkValue', type: 'REG_LINK', data: '\\Registry\\Machine\\X' }] }],
  };
  const hive = await strictCheck(writeHive(tree));
  const k = (await hive.key('link'))!;
  assert.equal(k.flags & 0x10, 0x10);
  assert.equal(k.userFlags, 0x0102);
  assert.equal(k.timestamp, 1n);
  assert.equal(await hive.className(k), 'MyClass');
  assert.equal((await hive.root()).timestamp, 131876648849521757n);
});

test('invalid trees are refused with InvalidArgument', () => {
  assert.throws(() => writeHive({ name: 'R', subkeys: [{ name: 'a' }, { name: 'A' }] }), { code: 'InvalidArgument' });
  assert.throws(() => writeHive({ name: 'R', values: [{ name: 'x', data: 1 }, { name: 'X', data: 2 }] }), { code: 'InvalidArgument' });
  assert.throws(() => writeHive({ name: 'R', subkeys: [{ name: 'a\\b' }] }), { code: 'InvalidArgument' });
  assert.throws(() => writeHive({ name: 'R', subkeys: [{ name: 'a', layer: { semantics: 1 } }] }), { code: 'InvalidArgument' });
});

test('a 1.6 delta hive carries the layered flag, layer bytes and tombstone values', async () => {
  const bytes = writeHive(
    {
      name: 'ROOT',
      subkeys: [
        { name: 'gone', layer: { semantics: 1 } },
        { name: 'tree', layer: { semantics: 3, inheritClass: true }, values: [{ name: 'old', tombstone: true }, { name: 'new', data: 5 }] },
      ],
    },
    { minorVersion: 6 },
  );
  const h = parseBaseBlock(bytes);
  assert.equal(h.minorVersion, 6);
  assert.equal(h.flags & 2, 2);
  const hive = await strictCheck(bytes);
  const tree = (await hive.key('tree'))!;
  assert.equal(tree.layerByte, 0x83);
  assert.equal((await hive.key('gone'))!.layerByte, 0x01);
  const vals = await hive.values(tree);
  assert.deepEqual(vals.map((v) => [v.name, v.tombstone, v.size, v.dataField]), [['old', true, 0, 0xffffffff], ['new', false, 4, 5]]);
});

// ---- random trees ---------------------------------------------------------------------------

const CHARS = [...'abcXYZ09_- .{}äÄßÿ™€中\u0000'];
const nameArb = fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 10 }).map((a) => a.join(''));
const dataArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 8 }) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 16340, max: 33000 }).map((n) => new Uint8Array(n).map((_, i) => (i * 31) & 0xff)) },
);
const valueArb = fc.record({
  name: fc.oneof(fc.constant(''), nameArb),
  type: fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 0xffff0004),
  data: dataArb,
});
const treeArb = fc.letrec<{ key: HiveKeyNode }>((tie) => ({
  key: fc.record({
    name: nameArb,
    values: fc.uniqueArray(valueArb, { maxLength: 4, selector: (v) => upcaseName(v.name) }),
    subkeys: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant([]), fc.uniqueArray(tie('key'), { maxLength: 4, selector: (k) => upcaseName(k.name) })),
    className: fc.option(nameArb, { nil: undefined }),
    // FILETIMEs from 1601 to the end of year 9999 (what strftime and Date both print alike).
    timestamp: fc.bigInt({ min: 0n, max: 2650467743999999999n }),
  }) as fc.Arbitrary<HiveKeyNode>,
}));

function dropUndefined(n: HiveKeyNode): HiveKeyNode {
  const out: HiveKeyNode = { ...n, subkeys: n.subkeys.map(dropUndefined) };
  if (out.className === undefined) delete out.className;
  return out;
}

test('property: random trees → write → read give the same tree', async () => {
  await fc.assert(
    fc.asyncProperty(treeArb.key, async (tree) => {
      const input = dropUndefined(tree);
      const bytes = writeHive(input);
      const hive = await Hive.fromBytes(bytes);
      const report = await validateHive(hive, { strict: true });
      assert.deepEqual(report.problems, []);
      const back = await readTree(hive);
      const norm = (t: HiveKeyNode): unknown => normalizeTree(t, true);
      const expected = normalizeTree({ ...input, securityDescriptor: back.securityDescriptor! });
      // Keys without a descriptor inherit the root's default.
      const fill = (k: ReturnType<typeof normalizeTree>): void => {
        k.sd = expected.sd;
        k.subkeys.forEach(fill);
      };
      fill(expected);
      assert.deepEqual(norm(back), expected);
    }),
    { numRuns: LONG ? 400 : 40 },
  );
});

test('property: hivex reads random written trees as our reader does', async () => {
  await fc.assert(
    fc.asyncProperty(treeArb.key, async (tree) => {
      const bytes = writeHive(dropUndefined(tree), { timestamp: 0n });
      const run = hivexml(writeTemp('random.hive', bytes));
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(linesFromHivexml(run.stdout), await linesFromReader(await Hive.fromBytes(bytes)));
    }),
    { numRuns: LONG ? 100 : 8 },
  );
});

test('the default key descriptor is a valid self-relative SD: owner Administrators, group SYSTEM, 3 inheritable ACEs', () => {
  const sd = DEFAULT_KEY_SECURITY;
  const dv = new DataView(sd.buffer, sd.byteOffset, sd.length);
  assert.equal(sd[0], 1, 'revision');
  assert.equal(dv.getUint16(2, true) & 0x8004, 0x8004, 'SE_SELF_RELATIVE | SE_DACL_PRESENT');
  const sidAt = (off: number): string => {
    const count = sd[off + 1]!;
    const auth = sd[off + 7]!;
    const subs = Array.from({ length: count }, (_, i) => dv.getUint32(off + 8 + 4 * i, true));
    return `S-${sd[off]}-${auth}-${subs.join('-')}`;
  };
  assert.equal(sidAt(dv.getUint32(4, true)), 'S-1-5-32-544');
  assert.equal(sidAt(dv.getUint32(8, true)), 'S-1-5-18');
  assert.equal(dv.getUint32(12, true), 0, 'no SACL');
  const acl = dv.getUint32(16, true);
  assert.equal(sd[acl], 2, 'ACL revision');
  assert.equal(acl + dv.getUint16(acl + 2, true), sd.length, 'the ACL ends the descriptor');
  const count = dv.getUint16(acl + 4, true);
  assert.equal(count, 3);
  const sids: string[] = [];
  let at = acl + 8;
  for (let i = 0; i < count; i++) {
    assert.equal(sd[at], 0, 'ACCESS_ALLOWED_ACE');
    assert.equal(sd[at + 1]! & 0x02, 0x02, 'CONTAINER_INHERIT');
    sids.push(sidAt(at + 8));
    at += dv.getUint16(at + 2, true);
  }
  assert.equal(at, sd.length);
  assert.deepEqual(sids, ['S-1-5-18', 'S-1-5-32-544', 'S-1-5-32-545']);
});

test('the builder streams: bins reach the sink while keys are still coming, each byte written once', () => {
  const writes: { position: number; length: number }[] = [];
  let written = 0;
  const sink = {
    write: (bytes: Uint8Array, position: number) => {
      writes.push({ position, length: bytes.length });
      written += bytes.length;
    },
  };
  const sd = DEFAULT_KEY_SECURITY;
  const descriptors = new DescriptorTable();
  const keys = 20000;
  for (let i = 0; i <= keys; i++) descriptors.add(sd);
  const builder = new HiveBuilder(sink, descriptors, { timestamp: 0n });
  builder.openKey({ name: 'ROOT', securityDescriptor: sd }, [], '');
  for (let i = 0; i < keys; i++) {
    const name = `key${i}`;
    builder.openKey({ name, securityDescriptor: sd }, [{ name: 'v', data: 'x'.repeat(40) }], name);
    builder.closeKey();
  }
  const beforeClose = written;
  builder.closeKey();
  const size = builder.finish();
  // Held back when the last subkey closed: only the root's bin (its nk waits for the subkey
  // list) and the bin being filled. Written after: those, the root's lh leaves and ri, the base block.
  const listBins = Math.ceil(keys / 507) + 1;
  assert.ok(size - beforeClose <= 4096 * (2 + listBins + 1), `${size - beforeClose} bytes held back of ${size}`);
  assert.ok(beforeClose > size * 0.8, `${beforeClose} of ${size} bytes written before the root closed`);
  // The writes tile the file: no gap, no overlap.
  writes.sort((a, b) => a.position - b.position);
  let end = 0;
  for (const w of writes) {
    assert.equal(w.position, end, `write at ${w.position}, expected ${end}`);
    end += w.length;
  }
  assert.equal(end, size);
});

test('the builder writes the same bytes whatever the sink: pieces in memory and a file', async () => {
  const tree: HiveKeyInput = { name: 'R', timestamp: 1n, subkeys: Array.from({ length: 3000 }, (_, i) => ({ name: `k${i}`, timestamp: 2n, values: [{ name: 'big', data: new Uint8Array(i % 97 === 0 ? 20000 : 30).fill(i & 0xff) }] })) };
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-sink-'));
  try {
    const file = join(dir, 'hive');
    const fd = openSync(file, 'wx');
    const sink = new FileHiveSink(fd);
    const size = writeHiveTo(tree, sink, { timestamp: 3n });
    sink.flush();
    closeSync(fd);
    const fromFile = readFileSync(file);
    assert.equal(fromFile.length, size);
    assert.deepEqual(fromFile, Buffer.from(writeHive(tree, { timestamp: 3n })));
    const hive = await Hive.fromBytes(fromFile);
    assert.deepEqual((await validateHive(hive, { strict: true })).problems, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
