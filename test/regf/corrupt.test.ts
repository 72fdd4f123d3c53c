// Broken input: the corpus's corrupt hives, hand-made damage (cycles, bad pointers, truncation,
// bad checksums) and a fuzz run over mutated real hives all end in a Corrupt WcError that names
// the offset (and the key being read), never in a crash, a hang or another error type.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isWcError, WcError } from '../../src/errors.js';
import { Hive, type RegKey } from '../../src/formats/regf/reader.js';
import { readTree } from '../../src/formats/regf/tree.js';
import { writeHive } from '../../src/formats/regf/writer.js';
import { mergeHives } from '../../src/formats/regf/merge.js';
import { replayLogs } from '../../src/formats/regf/log-replay.js';
import { resealBaseBlock, BINS_START } from '../../src/formats/regf/baseblock.js';
import { corpusBytes } from './corpus.js';

const LONG = process.env.WCLAYER_FUZZ === 'long';

/** Reads everything a hive holds: every key, value, data, descriptor and class. */
async function readAllOf(hive: Hive): Promise<number> {
  let n = 0;
  for await (const { key } of hive.walk()) {
    n++;
    for (const v of await hive.values(key)) await hive.valueData(v);
    await hive.securityDescriptor(key);
    await hive.className(key);
  }
  return n;
}

async function expectCorrupt(bytes: Uint8Array): Promise<WcError> {
  try {
    await readAllOf(await Hive.fromBytes(bytes));
  } catch (e) {
    assert.ok(isWcError(e), `not a WcError: ${(e as Error)?.stack ?? e}`);
    assert.equal(e.code, 'Corrupt', e.message);
    assert.equal(typeof e.data.offset, 'number', `no offset in ${e.message}`);
    return e;
  }
  assert.fail('the damaged hive was read without an error');
}

test('plaso corrupt_sub_key_list.hiv: the bad list entry is reported with its offset and key', async () => {
  const e = await expectCorrupt(corpusBytes('plaso-corrupt_sub_key_list.hiv'));
  assert.equal(e.data.offset, 0x4480 + BINS_START);
  assert.equal(e.data.key, '');
  assert.match(e.message, /0x4480/);
});

test("ezreg SAMBadHBinHeader: the broken hive bin is reported ('gbin' at 0x1000)", async () => {
  const e = await expectCorrupt(corpusBytes('ezreg-SAMBadHBinHeader'));
  assert.match(e.message, /hive bin/);
  assert.equal(typeof e.data.key, 'string');
});

test('a bad base-block checksum, a truncated file and a non-hive are Corrupt at open', async () => {
  const bad = corpusBytes('hivex-special').slice();
  bad[100] ^= 1;
  await assert.rejects(Hive.fromBytes(bad), (e: WcError) => e.code === 'Corrupt' && /checksum/.test(e.message));
  await assert.rejects(Hive.fromBytes(corpusBytes('yarp-BigDataHive').subarray(0, 12288)), { code: 'Corrupt' });
  await assert.rejects(Hive.fromBytes(new Uint8Array(100)), { code: 'Corrupt' });
  await assert.rejects(Hive.fromBytes(corpusBytes('yarp-NewDirtyHive1.LOG1')), { code: 'Corrupt' });
});

function patchU32(bytes: Uint8Array, fileOffset: number, v: number): void {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(fileOffset, v, true);
}

async function keyAt(bytes: Uint8Array, path: string): Promise<RegKey> {
  return (await (await Hive.fromBytes(bytes)).key(path))!;
}

/** R\a\b where b lists the root's subkey list as its own: a → b → a → … */
async function cyclicHive(): Promise<Uint8Array> {
  const bytes = writeHive({ name: 'R', subkeys: [{ name: 'a', subkeys: [{ name: 'b' }] }] });
  const root = await keyAt(bytes, '');
  const b = await keyAt(bytes, 'a\\b');
  patchU32(bytes, BINS_START + b.offset + 4 + 20, 1);
  patchU32(bytes, BINS_START + b.offset + 4 + 28, root.subkeyListOffset);
  return bytes;
}

test('a cycle in the subkey lists is Corrupt, not a hang', async () => {
  const bytes = await cyclicHive();
  const e = await expectCorrupt(bytes);
  assert.match(e.message, /listed twice/);
  await assert.rejects(readTree(await Hive.fromBytes(bytes)), { code: 'Corrupt' });
});

test('an index root pointing at an index root is Corrupt', async () => {
  const bytes = writeHive({ name: 'R', subkeys: Array.from({ length: 600 }, (_, i) => ({ name: `k${i}` })) });
  const root = await keyAt(bytes, '');
  // Point the ri's first entry back at the ri itself.
  patchU32(bytes, BINS_START + root.subkeyListOffset + 4 + 4, root.subkeyListOffset);
  const e = await expectCorrupt(bytes);
  assert.match(e.message, /index root/);
});

test('pointers outside the bins, into free cells and at the wrong record kind are Corrupt', async () => {
  const make = (): Uint8Array => writeHive({ name: 'R', subkeys: [{ name: 'a', values: [{ name: 'v', data: 'some text here' }] }] });
  for (const [field, value] of [
    [44, 0xfffff0], // security offset far outside
    [40, 0x20], // value list → the root nk
    [28, 0x8], // subkey list → inside the bin header
  ] as const) {
    const bytes = make();
    const a = await keyAt(bytes, 'a');
    if (field === 28) patchU32(bytes, BINS_START + a.offset + 4 + 20, 1);
    patchU32(bytes, BINS_START + a.offset + 4 + field, value);
    const e = await expectCorrupt(bytes);
    assert.equal(e.data.key, 'a', e.message);
  }
  // A value whose data size is larger than its cell.
  const bytes = make();
  const hive = await Hive.fromBytes(bytes);
  const v = (await hive.values((await hive.key('a'))!))[0]!;
  patchU32(bytes, BINS_START + v.offset + 4 + 4, 5000);
  await expectCorrupt(bytes);
});

// ---- fuzz -----------------------------------------------------------------------------------

const seeds: Uint8Array[] = [
  corpusBytes('hivex-special'),
  corpusBytes('yarp-BigDataHive').subarray(0, 4096 + 0x1c000),
  corpusBytes('yarp-System_Delta'),
  writeHive({ name: 'R', subkeys: Array.from({ length: 520 }, (_, i) => ({ name: `k${i}`, className: 'c', values: [{ name: 'v', data: new Uint8Array(i * 40) }] })) }),
];

const mutation = fc.record({
  seed: fc.integer({ min: 0, max: seeds.length - 1 }),
  edits: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), wide: fc.boolean() }), { minLength: 1, maxLength: 12 }),
  truncate: fc.option(fc.nat(), { nil: undefined }),
  reseal: fc.boolean(),
});

test('fuzz: mutated hives read fully or fail with Corrupt', async () => {
  await fc.assert(
    fc.asyncProperty(mutation, async (m) => {
      const src = seeds[m.seed]!;
      let bytes = src.slice();
      for (const e of m.edits) {
        // Most edits land in the cells (where the pointers are), some in the header.
        const at = e.at % bytes.length;
        if (e.wide && at + 4 <= bytes.length) patchU32(bytes, at, (e.value * 0x01010101) >>> 0 ^ e.at);
        else bytes[at] = e.value;
      }
      if (m.truncate !== undefined) bytes = bytes.subarray(0, m.truncate % bytes.length);
      if (m.reseal && bytes.length >= 512) resealBaseBlock(bytes);
      try {
        const hive = await Hive.fromBytes(bytes);
        await readAllOf(hive);
        await readTree(hive);
      } catch (e) {
        assert.ok(isWcError(e) && e.code === 'Corrupt', `unexpected error: ${(e as Error)?.stack ?? e}`);
      }
    }),
    { numRuns: LONG ? 5000 : 300 },
  );
});

test('fuzz: mutated transaction logs never break the replay', () => {
  const primary = corpusBytes('yarp-NewDirtyHive1');
  const logs = [corpusBytes('yarp-NewDirtyHive1.LOG1'), corpusBytes('yarp-NewDirtyHive1.LOG2')];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (which, edits) => {
      const mutated = logs.map((l) => l.slice());
      for (const [at, v] of edits) mutated[which]![at % mutated[which]!.length] = v;
      const r = replayLogs(primary, mutated);
      assert.ok(r.image.length >= primary.length);
    }),
    { numRuns: LONG ? 2000 : 100 },
  );
});

test('a cycle in a hive being merged is Corrupt, not a hang', async () => {
  const bytes = await cyclicHive();
  const delta = writeHive({ name: 'R' }, { minorVersion: 6 });
  await assert.rejects(mergeHives(bytes, [delta]), (e: Error & { code?: string }) => e.code === 'Corrupt' && /listed twice/.test(e.message));
  await assert.rejects(mergeHives(delta, [bytes]), (e: Error & { code?: string }) => e.code === 'Corrupt' && /listed twice/.test(e.message));
});
