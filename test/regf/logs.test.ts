// Dirty hives: replaying .LOG1/.LOG2 (new format) and .LOG (old format) gives what Windows
// gave (the corpus holds Windows' own recovered images), and the regipy SYSTEM_B vectors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Hive } from '../../src/formats/regf/reader.js';
import { replayLogs, readNewLogEntries } from '../../src/formats/regf/log-replay.js';
import { parseBaseBlock, BINS_START } from '../../src/formats/regf/baseblock.js';
import { bufferReadAt } from '../../src/formats/regf/readat.js';
import { openHiveFile } from '../../src/hive/files.js';
import { corpusBytes, corpusFile, tempDir } from './corpus.js';

async function counts(hive: Hive): Promise<{ keys: number; values: number }> {
  let keys = 0;
  let values = 0;
  for await (const { key } of hive.walk()) {
    keys++;
    values += (await hive.values(key)).length;
  }
  return { keys, values };
}

test('new-format logs: NewDirtyHive1 replays to the bins Windows 10 recovered', async () => {
  const primary = corpusBytes('yarp-NewDirtyHive1');
  const r = replayLogs(primary, [corpusBytes('yarp-NewDirtyHive1.LOG1'), corpusBytes('yarp-NewDirtyHive1.LOG2')]);
  assert.equal(r.format, 'new');
  assert.equal(r.entriesApplied, 4);
  assert.equal(r.pagesApplied, 4);
  const h = parseBaseBlock(r.image);
  assert.equal(h.binsSize, 0x5000);
  assert.equal(h.primarySequence, 5);
  assert.equal(h.secondarySequence, 5);
  assert.ok(h.checksumValid);
  const reference = corpusBytes('yarp-NewDirtyHive1-RecoveredHive_Windows10');
  assert.deepEqual(r.image.subarray(BINS_START, BINS_START + 0x5000), reference.subarray(BINS_START, BINS_START + 0x5000));
  // The primary alone is a different (older) state.
  assert.notDeepEqual(primary.subarray(BINS_START, BINS_START + 0x5000), reference.subarray(BINS_START, BINS_START + 0x5000));
});

test('new-format logs: the order of the log files does not matter', () => {
  const a = replayLogs(corpusBytes('yarp-NewDirtyHive1'), [corpusBytes('yarp-NewDirtyHive1.LOG2'), corpusBytes('yarp-NewDirtyHive1.LOG1')]);
  const b = replayLogs(corpusBytes('yarp-NewDirtyHive1'), [corpusBytes('yarp-NewDirtyHive1.LOG1'), corpusBytes('yarp-NewDirtyHive1.LOG2')]);
  assert.deepEqual(a.image, b.image);
});

test('new-format logs: an entry with a bad hash ends the replay there', () => {
  const log2 = corpusBytes('yarp-NewDirtyHive1.LOG2').slice();
  const entries = readNewLogEntries(log2);
  assert.equal(entries.length, 3);
  log2[512 + 100] ^= 0xff; // inside the first entry of LOG2 (seq 3)
  assert.equal(readNewLogEntries(log2).length, 0);
  const r = replayLogs(corpusBytes('yarp-NewDirtyHive1'), [corpusBytes('yarp-NewDirtyHive1.LOG1'), log2]);
  assert.equal(r.entriesApplied, 1, 'only seq 2 from LOG1 applies; the gap at 3 stops the replay');
  assert.equal(r.lastSequence, 2);
});

test('old-format log: OldDirtyHive replays to what Windows 7 recovered', () => {
  const r = replayLogs(corpusBytes('yarp-OldDirtyHive'), [corpusBytes('yarp-OldDirtyHive.LOG1')]);
  assert.equal(r.format, 'old');
  assert.equal(r.pagesApplied, 64);
  const bins = parseBaseBlock(r.image).binsSize;
  assert.equal(bins, 0x77000);
  const reference = corpusBytes('yarp-OldDirtyHive-RecoveredHive_Windows7');
  const diffs: number[] = [];
  for (let i = BINS_START; i < BINS_START + bins; i++) if (r.image[i] !== reference[i]) diffs.push(i - BINS_START);
  // Known differences: the first bin's timestamp (Windows rewrote it) and one nk field that
  // Windows updated after recovery.
  const outside = diffs.filter((d) => d < 20 || d >= 28);
  assert.ok(diffs.length > 0 && outside.length <= 8, `differences at ${diffs.map((d) => d.toString(16)).join(' ')}`);
  assert.ok(outside.every((d) => Math.abs(d - outside[0]!) < 8), 'the remaining differences lie in one field');
});

test('SYSTEM_B + LOG1 + LOG2: 24 entries, 315 pages, bins 0xC02000, 35595 keys and 78901 values', async () => {
  const log1 = corpusBytes('regipy-SYSTEM_B.LOG1');
  const first = readNewLogEntries(log1)[0]!;
  assert.equal(first.sequence, 2107);
  assert.deepEqual(first.pages.map((p) => [p.offset, p.data.length]), [[0, 4096], [0x2a9000, 4096], [0x466000, 4096]]);
  const dirty = await Hive.fromBytes(corpusBytes('regipy-SYSTEM_B'));
  assert.equal(dirty.wasDirty, true);
  assert.deepEqual(await counts(dirty), { keys: 33123, values: 74957 });
  const hive = await Hive.open(bufferReadAt(corpusBytes('regipy-SYSTEM_B')), {
    logs: [bufferReadAt(log1), bufferReadAt(corpusBytes('regipy-SYSTEM_B.LOG2'))],
  });
  assert.equal(hive.replay?.entriesApplied, 24);
  assert.equal(hive.replay?.pagesApplied, 315);
  assert.equal(hive.replay?.lastSequence, 2130);
  assert.equal(hive.header.binsSize, 0xc02000);
  assert.deepEqual(await counts(hive), { keys: 35595, values: 78901 });
});

test('a clean hive ignores logs; openHiveFile finds <name>.LOG1/.LOG2 beside a dirty one', async () => {
  const clean = await Hive.open(bufferReadAt(corpusBytes('yarp-NewDirtyHive1-RecoveredHive_Windows10')), {
    logs: [bufferReadAt(corpusBytes('yarp-NewDirtyHive1.LOG1'))],
  });
  assert.equal(clean.replay, undefined);
  const dir = join(tempDir(), 'dirty');
  mkdirSync(dir, { recursive: true });
  copyFileSync(corpusFile('yarp-NewDirtyHive1'), join(dir, 'NTUSER.DAT'));
  copyFileSync(corpusFile('yarp-NewDirtyHive1.LOG1'), join(dir, 'ntuser.dat.LOG1'));
  copyFileSync(corpusFile('yarp-NewDirtyHive1.LOG2'), join(dir, 'NTUSER.DAT.LOG2'));
  const opened = await openHiveFile(join(dir, 'NTUSER.DAT'));
  try {
    assert.equal(opened.logFiles.length, 2);
    assert.equal(opened.hive.replay?.entriesApplied, 4);
    assert.deepEqual(await counts(opened.hive), { keys: 5, values: 1 });
  } finally {
    await opened.close();
  }
  const asIs = await openHiveFile(join(dir, 'NTUSER.DAT'), { logs: 'none' });
  try {
    assert.equal(asIs.hive.replay, undefined);
    assert.deepEqual(await counts(asIs.hive), { keys: 5, values: 2 });
  } finally {
    await asIs.close();
  }
});

test('new-format logs: a primary with a damaged base block is recovered from the log copy', async () => {
  const primary = corpusBytes('yarp-NewDirtyHive1').slice();
  primary[40] ^= 0x10; // bins size field: the checksum no longer matches
  await assert.rejects(Hive.fromBytes(primary), { code: 'Corrupt' });
  const hive = await Hive.open(bufferReadAt(primary), {
    logs: [bufferReadAt(corpusBytes('yarp-NewDirtyHive1.LOG1')), bufferReadAt(corpusBytes('yarp-NewDirtyHive1.LOG2'))],
  });
  assert.ok(hive.replay && hive.replay.entriesApplied > 0);
  assert.equal(hive.header.checksumValid, true);
  assert.equal(hive.header.binsSize, 0x5000);
  const reference = corpusBytes('yarp-NewDirtyHive1-RecoveredHive_Windows10');
  assert.deepEqual(hive.replay!.image.subarray(BINS_START, BINS_START + 0x5000), reference.subarray(BINS_START, BINS_START + 0x5000));
});
