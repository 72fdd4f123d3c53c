// Every hive of the corpus: what our reader sees equals what hivexml reports (names, key
// timestamps, value names, types and data, in list order). Where hivex cannot read a hive, the
// test checks that it fails and why.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hive } from '../../src/formats/regf/reader.js';
import { corpusBytes, corpusFile, CORRUPT_HIVES, PRIMARY_HIVES } from './corpus.js';
import { spawnSync } from 'node:child_process';
import { hivexml, linesFromHivexml, linesFromReader, requireTool } from './hivex.js';

function firstDifference(a: string[], b: string[]): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i}: ours ${JSON.stringify(a[i])} vs hivex ${JSON.stringify(b[i])}`;
  }
  return 'none';
}

for (const name of PRIMARY_HIVES) {
  if (CORRUPT_HIVES[name] || name === 'yarp-System_Delta') continue;
  test(`hivex agreement: ${name}`, async () => {
    const run = hivexml(corpusFile(name));
    assert.equal(run.status, 0, `hivexml failed on ${name}: ${run.stderr}`);
    const theirs = linesFromHivexml(run.stdout);
    // hivex ignores sequence numbers and logs: read the primary as it is.
    const hive = await Hive.fromBytes(corpusBytes(name));
    const ours = await linesFromReader(hive);
    assert.ok(theirs.some((l) => l.startsWith('K 0 ')), 'hivexml output has no root key');
    assert.equal(ours.length, theirs.length, firstDifference(ours, theirs));
    assert.deepEqual(ours, theirs, firstDifference(ours, theirs));
  });
}

test('hivex cannot read yarp-System_Delta: tombstone values have no data cell (offset 0xFFFFFFFF)', async () => {
  const run = hivexml(corpusFile('yarp-System_Delta'));
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /Bad address/);
  // Our reader reads it whole and finds the three tombstone values that trip hivex.
  const hive = await Hive.fromBytes(corpusBytes('yarp-System_Delta'));
  let keys = 0;
  const tombstones: string[] = [];
  for await (const { key } of hive.walk()) {
    keys++;
    for (const v of await hive.values(key)) {
      if (v.tombstone) {
        tombstones.push(`${key.path}:${v.name}`);
        assert.equal(v.dataField, 0xffffffff);
        assert.equal(v.size, 0);
      }
    }
  }
  assert.equal(keys, 586);
  assert.equal(tombstones.length, 3);
  assert.ok(tombstones.some((t) => /XboxNetApiSvc:displayname$/i.test(t)), tombstones.join(', '));
});

for (const [name, why] of Object.entries(CORRUPT_HIVES)) {
  test(`hivex also rejects the corrupt ${name} (${why})`, () => {
    const run = hivexml(corpusFile(name));
    assert.notEqual(run.status, 0, 'hivexml accepted a corrupt hive');
    assert.match(run.stderr, /Bad address|Operation not supported|Invalid argument/);
  });
}

test('hivexget reads single values as our lookup does (every 3000th string or DWORD of SYSTEM)', async () => {
  requireTool('hivexget');
  const path = corpusFile('regipy-SYSTEM');
  const hive = await Hive.fromBytes(corpusBytes('regipy-SYSTEM'));
  const picks: { key: string; name: string; expected: string }[] = [];
  let n = 0;
  for (const { key } of hive.walk()) {
    for (const v of hive.values(key)) {
      if (v.type !== 1 && v.type !== 4) continue;
      if (++n % 3000 !== 0 || v.name === '' || /[\0\\]/.test(v.name) || key.path.includes('\0')) continue;
      const data = hive.valueData(v);
      const expected = v.type === 4 ? String(new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true)) : Buffer.from(data).toString('utf16le').split('\0')[0]!;
      picks.push({ key: key.path, name: v.name, expected });
    }
  }
  assert.ok(picks.length >= 10, `only ${picks.length} values picked`);
  for (const p of picks) {
    // Our lookup (upper-cased path and name) finds the same value.
    const v = hive.value(hive.key(p.key.toUpperCase())!, p.name.toUpperCase())!;
    assert.ok(v, `${p.key}:${p.name} not found case-insensitively`);
    const r = spawnSync('hivexget', [path, `\\${p.key}`, p.name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.replace(/\n$/, ''), p.expected, `${p.key}:${p.name}`);
  }
});
