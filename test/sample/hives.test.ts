// The sample generator's default hives are real: the regf reader, readOsVersion and hivex
// (hivexml, from libhivex-bin) all read them; the delta hives are layered (minor version 6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hive } from '../../src/formats/regf/reader.js';
import { readOsVersion } from '../../src/formats/regf/query.js';
import { LAYER_MERGE, LAYER_SUPERSEDE_TREE } from '../../src/formats/regf/records.js';
import { validateHive } from '../../src/formats/regf/validate.js';
import { BASE_HIVES, BCD_HIVE, DELTA_HIVES, generateSampleLayer, type SampleLayerOptions } from '../../src/sample/index.js';
import { hivexml } from '../regf/hivex.js';

/** The bytes of every hive file in a generated layer, by file name. */
async function hiveFiles(options: SampleLayerOptions): Promise<Map<string, Buffer>> {
  const names = new Set<string>([...BASE_HIVES, BCD_HIVE, ...DELTA_HIVES]);
  const out = new Map<string, Buffer>();
  for await (const e of generateSampleLayer(options)) {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    if (e.kind === 'file' && names.has(name) && (e.path.startsWith('Files/Windows/System32/config/') || e.path.startsWith('Hives/') || e.path.endsWith('/Boot/BCD'))) {
      const chunks: Buffer[] = [];
      for await (const c of e.data!) chunks.push(c as Buffer);
      out.set(name, Buffer.concat(chunks));
    } else if (e.kind === 'file' || e.kind === 'stream') e.data?.destroy();
  }
  return out;
}

const base = { seed: 'hives', kind: 'base', fileCount: 30, totalSize: 200_000 } as const;
const child = { seed: 'hives', kind: 'child', fileCount: 30, totalSize: 200_000 } as const;

test("a generated base layer's SOFTWARE hive names Windows Server 2022 10.0.20348.2113", async () => {
  const hives = await hiveFiles(base);
  assert.deepEqual([...hives.keys()].sort(), [...BASE_HIVES, BCD_HIVE].sort());
  const software = await Hive.fromBytes(hives.get('SOFTWARE')!);
  const os = await readOsVersion(software);
  assert.equal(os.version, '10.0.20348.2113');
  assert.equal(os.ubr, 2113);
  assert.equal(os.productName, 'Windows Server 2022 Datacenter');
  assert.equal(os.editionId, 'ServerDatacenter');
  assert.equal(os.displayVersion, '21H2');
  assert.equal(os.installationType, 'Server');
  assert.equal(os.currentMajorVersionNumber, 10);
  assert.equal(os.currentMinorVersionNumber, 0);
  const system = await Hive.fromBytes(hives.get('SYSTEM')!);
  assert.ok(system.key('ControlSet001\\Control'));
  const select = system.key('Select')!;
  assert.equal(Buffer.from(system.valueData(system.value(select, 'Current')!)).readUInt32LE(0), 1);
  for (const [name, bytes] of hives) {
    const h = await Hive.fromBytes(bytes);
    assert.equal(h.header.minorVersion, 5, name);
    assert.equal(h.layered, false, name);
    const report = await validateHive(h, { strict: true });
    assert.deepEqual(report.problems, [], name);
    assert.ok(report.keys >= 3, name);
  }
});

test('delta hives open as layered hives with merge, tombstone and supersede-tree records', async () => {
  const hives = await hiveFiles(child);
  assert.deepEqual([...hives.keys()].sort(), [...DELTA_HIVES].sort());
  for (const [name, bytes] of hives) {
    const h = await Hive.fromBytes(bytes);
    assert.equal(h.header.minorVersion, 6, name);
    assert.equal(h.layered, true, name);
    const all: { path: string; semantics: number; values: { name: string; tombstone: boolean }[] }[] = [];
    const walk = (k: ReturnType<Hive['root']>): void => {
      all.push({ path: k.path, semantics: k.layerSemantics, values: h.values(k).map((v) => ({ name: v.name, tombstone: v.tombstone })) });
      for (const s of h.subkeys(k)) walk(s);
    };
    walk(h.root());
    assert.ok(all.some((k) => k.semantics === LAYER_MERGE && k.values.some((v) => v.name === 'SampleLayerApplied' && !v.tombstone)), `${name}: merge key with a value`);
    assert.ok(all.some((k) => k.values.some((v) => v.name === 'SampleRemoved' && v.tombstone)), `${name}: tombstoned value`);
    assert.ok(all.some((k) => k.semantics === LAYER_SUPERSEDE_TREE && k.values.length > 0), `${name}: supersede-tree key`);
  }
  const software = await Hive.fromBytes(hives.get('Software_Delta')!);
  assert.equal(software.key('Microsoft\\Windows NT\\CurrentVersion')!.layerSemantics, LAYER_MERGE);
});

test('hivexml reads every base hive of a generated layer', async () => {
  const hives = await hiveFiles(base);
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-sample-hives-'));
  try {
    for (const [name, bytes] of hives) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      const r = hivexml(file);
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.match(r.stdout, /<hive>/, name);
      if (name === 'SOFTWARE') {
        assert.match(r.stdout, /<node name="CurrentVersion"/);
        assert.match(r.stdout, /Windows Server 2022 Datacenter/);
      }
      if (name === 'SYSTEM') assert.match(r.stdout, /<node name="Select"/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hives are the same bytes for the same seed and carry the layer time', async () => {
  const a = await hiveFiles({ ...base, time: 132223104000000000n });
  const b = await hiveFiles({ ...base, time: 132223104000000000n });
  for (const [name, bytes] of a) assert.deepEqual(bytes, b.get(name), name);
  const h = await Hive.fromBytes(a.get('SOFTWARE')!);
  assert.equal(h.root().timestamp, 132223104000000000n);
});
