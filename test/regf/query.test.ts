// Queries and exports: case-insensitive lookups, the JSON and .reg exports, and the OS version
// of a SOFTWARE-shaped hive built with our writer (the corpus has no real SOFTWARE hive).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hive } from '../../src/formats/regf/reader.js';
import { readOsBuild, readOsVersion, requireValue, valueJson } from '../../src/formats/regf/query.js';
import { exportJson, exportReg, regValueLine } from '../../src/formats/regf/export.js';
import { exportHiveFile, osVersion } from '../../src/hive/operations.js';
import { encodeString } from '../../src/formats/regf/values.js';
import { corpusBytes, corpusFile, tempDir } from './corpus.js';
import { softwareHive } from './fixtures.js';

test('lookups are case-insensitive for keys and values; missing ones are NotFound', async () => {
  const hive = await Hive.fromBytes(corpusBytes('regipy-SYSTEM'));
  const v = await requireValue(hive, 'controlset001\\CONTROL\\computername\\ComputerName', 'COMPUTERNAME');
  assert.equal((await valueJson(hive, v)).value, 'WKS-WIN732BITA');
  await assert.rejects(requireValue(hive, 'ControlSet001\\Nope', 'x'), { code: 'NotFound' });
  await assert.rejects(requireValue(hive, 'ControlSet001\\Control', 'nope'), { code: 'NotFound' });
  // Names with non-ASCII characters and NULs (hivex images/special).
  const special = await Hive.fromBytes(corpusBytes('hivex-special'));
  assert.equal((await special.key('ABCD_ÄÖÜß'))?.name, 'abcd_äöüß');
  assert.equal((await special.key('WEIRD™'))?.name, 'weird™');
  assert.equal((await special.key('zero\0KEY'))?.name, 'zero\0key');
});

test('OS version of a SOFTWARE hive, and hcsshim-style build lookup', async () => {
  const hive = await Hive.fromBytes(softwareHive());
  const v = await readOsVersion(hive);
  assert.equal(v.version, '10.0.20348.2113');
  assert.equal(v.build, 20348);
  assert.equal(v.ubr, 2113);
  assert.equal(v.productName, 'Windows Server 2022 Datacenter');
  assert.equal(v.editionId, 'ServerDatacenter');
  assert.equal(v.displayVersion, '21H2');
  assert.equal(v.currentMajorVersionNumber, 10);
  assert.equal(v.currentMinorVersionNumber, 0);
  assert.equal(await readOsBuild(hive), 20348);
  // The value is 12 bytes of REG_SZ including the NUL, as Windows stores it.
  const raw = await requireValue(hive, 'Microsoft\\Windows NT\\CurrentVersion', 'CurrentBuild');
  assert.equal(raw.size, 12);
  await assert.rejects(readOsVersion(await Hive.fromBytes(corpusBytes('regipy-BCD'))), { code: 'NotFound' });
});

test('osVersion finds the SOFTWARE hive of a layer folder (any letter case), or of the utility VM', async () => {
  const layer = join(tempDir(), 'layer');
  mkdirSync(join(layer, 'Files', 'Windows', 'System32', 'config'), { recursive: true });
  mkdirSync(join(layer, 'UtilityVM', 'Files', 'Windows', 'System32', 'CONFIG'), { recursive: true });
  writeFileSync(join(layer, 'Files', 'Windows', 'System32', 'config', 'SOFTWARE'), softwareHive('20348'));
  writeFileSync(join(layer, 'UtilityVM', 'Files', 'Windows', 'System32', 'CONFIG', 'software'), softwareHive('26100', 1));
  assert.equal((await osVersion({ layerPath: layer })).build, 20348);
  const uvm = await osVersion({ layerPath: layer, utilityVm: true });
  assert.equal(uvm.build, 26100);
  assert.match(uvm.hivePath, /UtilityVM/);
  await assert.rejects(osVersion({ layerPath: join(layer, 'Files') }), { code: 'NotFound' });
  await assert.rejects(osVersion({}), { code: 'InvalidArgument' });
});

test('.reg value lines follow regedit: strings, dwords, hex with type and wrapped lines', () => {
  assert.equal(regValueLine('', 1, encodeString('a"b\\c')), '@="a\\"b\\\\c"');
  assert.equal(regValueLine('Start', 4, Uint8Array.from([2, 0, 0, 0])), '"Start"=dword:00000002');
  assert.equal(regValueLine('P', 2, encodeString('%X%')), '"P"=hex(2):25,00,58,00,25,00,00,00');
  assert.equal(regValueLine('Q', 11, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0])), '"Q"=hex(b):01,00,00,00,00,00,00,00');
  assert.equal(regValueLine('D', 0xffff0004, Uint8Array.from([1])), '"D"=hex(ffff0004):01');
  const long = regValueLine('B', 3, new Uint8Array(100));
  const lines = long.split('\r\n');
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => l.length <= 80), lines.join('\n'));
  assert.ok(lines.slice(0, -1).every((l) => l.endsWith(',\\')));
  assert.equal(long.replace(/\\\r\n {2}/g, '').split(':')[1]!.split(',').length, 100);
});

test('.reg export of a whole hive: every key and value once, parseable back to the same data', async () => {
  const hive = await Hive.fromBytes(corpusBytes('regipy-BCD'));
  let text = '';
  for await (const c of exportReg(hive, undefined, { prefix: 'HKEY_LOCAL_MACHINE\\BCD00000000' })) text += c;
  assert.ok(text.startsWith('Windows Registry Editor Version 5.00\r\n\r\n'));
  const keys = text.split('\r\n').filter((l) => l.startsWith('['));
  assert.equal(keys.length, 132);
  assert.equal(keys[0], '[HKEY_LOCAL_MACHINE\\BCD00000000]');
  // Values: join continuation lines and count them.
  const values = text.replace(/\\\r\n {2}/g, '').split('\r\n').filter((l) => l.startsWith('"') || l.startsWith('@'));
  assert.equal(values.length, 103);
});

test('JSON export: one object per key with decoded and raw values; file written through a temp name', async () => {
  const out = join(tempDir(), 'bcd.json');
  const r = await exportHiveFile(corpusFile('regipy-BCD'), out, { format: 'json' });
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(r.bytes, readFileSync(out).length);
  assert.equal(doc.keys.length, 132);
  assert.equal(doc.keys.reduce((n: number, k: { values: unknown[] }) => n + k.values.length, 0), 103);
  const desc = doc.keys.find((k: { path: string }) => k.path === 'Description');
  const keyName = desc.values.find((v: { name: string }) => v.name === 'KeyName');
  assert.equal(keyName.value, 'BCD00000000');
  // The decoded string gives the exact bytes back (one terminating NUL): no base64 copy needed.
  assert.equal(keyName.data, undefined);
  assert.equal(keyName.size, 24);
  // Binary values keep their bytes.
  const binary = doc.keys.flatMap((k: { values: { type: string; data?: string }[] }) => k.values).filter((v: { type: string }) => v.type === 'REG_BINARY');
  assert.ok(binary.length > 0 && binary.every((v: { data?: string }) => typeof v.data === 'string'));
  await assert.rejects(exportHiveFile(corpusFile('regipy-BCD'), out, { format: 'json' }), { code: 'AlreadyExists' });
  // The generator form streams the same document.
  let text = '';
  for await (const c of exportJson(await Hive.fromBytes(corpusBytes('regipy-BCD')))) text += c;
  assert.deepEqual(JSON.parse(text).keys, doc.keys);
});

/** A .reg file as data: key path → value name → "type:hexbytes" (continuations joined, root prefix cut). */
function parseReg(text: string, prefix: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  const lines = text.replace(/^\ufeff/, '').replace(/\\\r?\n\s*/g, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('[')) {
      const path = line.slice(1, -1).slice(prefix.length).replace(/^\\/, '').replace(/\\$/, '');
      current = new Map();
      out.set(path.toUpperCase(), current);
      continue;
    }
    if (!current || !(line.startsWith('"') || line.startsWith('@'))) continue;
    let name = '';
    let i = 1;
    if (line.startsWith('@')) i = 1;
    else {
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\') i++;
        name += line[i];
      }
      i++;
    }
    const data = line.slice(i + 1);
    let typed: string;
    if (data.startsWith('"')) typed = `1:${Buffer.from(JSON.parse(data) + '\0', 'utf16le').toString('hex')}`;
    else if (data.startsWith('dword:')) typed = `4:${Buffer.from(Uint32Array.of(parseInt(data.slice(6), 16)).buffer).toString('hex')}`;
    else {
      const m = /^hex(?:\(([0-9a-f]+)\))?:(.*)$/.exec(data)!;
      typed = `${m[1] ? parseInt(m[1], 16) : 3}:${m[2]!.replace(/,/g, '')}`;
    }
    current.set(name.toUpperCase(), typed);
  }
  return out;
}

for (const name of ['regipy-BCD', 'regipy-NTUSER.DAT']) {
  test(`.reg export of ${name} holds the same keys and values as hivexregedit --export`, async () => {
    const r = spawnSync('hivexregedit', ['--export', '--prefix', 'HKEY_LOCAL_MACHINE\\X', corpusFile(name), '\\'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.ok(!r.error, `hivexregedit is not installed (apt-get install libwin-hivex-perl): ${r.error?.message}`);
    assert.equal(r.status, 0, r.stderr);
    let ours = '';
    for await (const c of exportReg(await Hive.fromBytes(corpusBytes(name)), undefined, { prefix: 'HKEY_LOCAL_MACHINE\\X' })) ours += c;
    const a = parseReg(ours, 'HKEY_LOCAL_MACHINE\\X');
    const b = parseReg(r.stdout, 'HKEY_LOCAL_MACHINE\\X');
    assert.equal(a.size, b.size);
    for (const [key, values] of b) {
      const mine = a.get(key);
      assert.ok(mine, `key ${key} missing from our export`);
      assert.deepEqual(new Map([...mine].sort()), new Map([...values].sort()), `values of ${key}`);
    }
  });
}
