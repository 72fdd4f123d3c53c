// `wclayer makebaselayer` (hcsshim ConvertToBaseLayer): the portable preparation on real folders
// (missing config hives created as valid empty hives, checked by our reader and by hivex; wrong
// kinds refused), and the Windows processing through a recording Platform.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hiveInfo } from '../../src/hive/index.js';
import { BASE_HIVE_NAMES, prepareBaseLayer } from '../../src/layer/base-layer.js';
import { createCimLayerWriter } from '../../src/layer/cim/index.js';
import { makeBaseLayer } from '../../src/layer/host.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { cliPath } from '../helpers/paths.js';
import { hivexml } from '../regf/hivex.js';
import { recordingPlatform } from '../platform/recording-platform.js';
import { assertRejectsWc, removeDir, tempDir } from './helpers.js';

const CONFIG = 'Files/Windows/System32/config';

async function folder(dir: string, name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  await mkdir(join(root, 'Files'), { recursive: true });
  for (const [p, text] of Object.entries(files)) {
    await mkdir(join(root, p, '..'), { recursive: true });
    await writeFile(join(root, p), text);
  }
  return root;
}

test('prepare: the missing config hives are created as valid empty hives (our reader and hivex agree); present ones are left alone', async () => {
  const dir = await tempDir();
  try {
    const root = await folder(dir, 'base', { 'Files/app.txt': 'x', [`${CONFIG}/SYSTEM`]: 'the real SYSTEM hive' });
    const r = await prepareBaseLayer(root);
    assert.deepEqual(r, { layerPath: root, createdHives: ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE'].map((h) => `${CONFIG}/${h}`), utilityVm: false });
    for (const h of ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE']) {
      const path = join(root, CONFIG, h);
      const info = await hiveInfo(path, { check: true });
      assert.deepEqual(info.problems, [], h);
      assert.equal(info.keys, 1, `${h}: only the root key`);
      assert.equal(info.dirty, false);
      const peer = hivexml(path);
      assert.equal(peer.status, 0, `hivexml ${h}: ${peer.stderr}`);
      assert.match(peer.stdout, /<node name="ROOT" root="1">/);
    }
    assert.equal(await readFile(join(root, CONFIG, 'SYSTEM'), 'utf8'), 'the real SYSTEM hive');
    // Idempotent: a second run creates nothing.
    assert.deepEqual((await prepareBaseLayer(root)).createdHives, []);
  } finally {
    await removeDir(dir);
  }
});

test('prepare: wrong kinds and a utility VM without its BCD are refused, naming the path', async () => {
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'empty'));
    await assertRejectsWc(prepareBaseLayer(join(dir, 'empty')), 'FailedPrecondition', /has no Files folder/);
    const hiveDir = await folder(dir, 'hive-dir', {});
    await mkdir(join(hiveDir, CONFIG, 'SAM'), { recursive: true });
    await assertRejectsWc(prepareBaseLayer(hiveDir), 'FailedPrecondition', /config\/SAM has unexpected file mode: a directory/);
    const uvmFile = await folder(dir, 'uvm-file', { 'UtilityVM/Files': 'not a folder' });
    await assertRejectsWc(prepareBaseLayer(uvmFile), 'FailedPrecondition', /UtilityVM\/Files has unexpected file mode/);
    const noBcd = await folder(dir, 'no-bcd', { 'UtilityVM/Files/other.txt': 'x' });
    await assertRejectsWc(prepareBaseLayer(noBcd), 'FailedPrecondition', /UtilityVM must contain 'EFI\\Microsoft\\Boot\\BCD'/);
    const bcdDir = await folder(dir, 'bcd-dir', {});
    await mkdir(join(bcdDir, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD'), { recursive: true });
    await assertRejectsWc(prepareBaseLayer(bcdDir), 'FailedPrecondition', /BCD has unexpected file mode/);
  } finally {
    await removeDir(dir);
  }
});

test('makeBaseLayer: preparation, then ProcessBaseImage, then (utility VM not a reparse point) ProcessUtilityImage', async () => {
  const dir = await tempDir();
  try {
    const root = await folder(dir, 'base', { 'UtilityVM/Files/EFI/Microsoft/Boot/BCD': 'bcd' });
    const rec = recordingPlatform();
    const r = await makeBaseLayer(root, rec.platform);
    assert.equal(r.processed, true);
    assert.equal(r.utilityVm, true);
    assert.equal(r.createdHives.length, BASE_HIVE_NAMES.length);
    assert.deepEqual(
      rec.calls.map((c) => `${c.op} ${c.path!.slice(root.length) || '/'}`),
      ['processBaseImage /', 'openForBackup /UtilityVM', 'getBasicInfo /UtilityVM', 'close /UtilityVM', 'processUtilityImage /UtilityVM'],
    );
    for (const h of BASE_HIVE_NAMES) assert.ok((await stat(join(root, CONFIG, h))).isFile(), 'the hives exist before ProcessBaseImage');

    // Without a utility VM only ProcessBaseImage runs; --prepare-only makes no OS call at all.
    const plain = await folder(dir, 'plain', {});
    const rec2 = recordingPlatform();
    await makeBaseLayer(plain, rec2.platform);
    assert.deepEqual(rec2.calls.map((c) => c.op), ['processBaseImage']);
    const rec3 = recordingPlatform();
    assert.equal((await makeBaseLayer(join(dir, 'plain'), rec3.platform, { prepareOnly: true })).processed, false);
    assert.equal(rec3.calls.length, 0);
  } finally {
    await removeDir(dir);
  }
});

test('makeBaseLayer: a failing ProcessBaseImage names the call and the folder; a reparse-point UtilityVM is refused; a CIM layer is not a candidate', async () => {
  const dir = await tempDir();
  try {
    const root = await folder(dir, 'base', { 'UtilityVM/Files/EFI/Microsoft/Boot/BCD': 'bcd' });
    const failing = recordingPlatform({ failAt: (c) => c.op === 'processBaseImage' });
    await assertRejectsWc(makeBaseLayer(root, failing.platform), 'PermissionDenied', new RegExp(`^ProcessBaseImage ${root} failed: access denied`));
    assert.equal(failing.calls.some((c) => c.op === 'processUtilityImage'), false);

    const reparse = recordingPlatform({ basicInfoOf: () => ({ attributes: 0x410, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n }) });
    await assertRejectsWc(makeBaseLayer(root, reparse.platform), 'FailedPrecondition', /UtilityVM is a reparse point/);
    assert.equal(reparse.calls.some((c) => c.op === 'processUtilityImage'), false);

    const cim = join(dir, 'cim');
    await writeEntries(await createCimLayerWriter(cim, { parents: [] }), generateSampleLayer({ seed: 4, kind: 'base', fileCount: 10, totalSize: 80_000 }));
    const rec = recordingPlatform();
    await assertRejectsWc(makeBaseLayer(cim, rec.platform), 'FailedPrecondition', /is a CIM layer/);
    assert.equal(rec.calls.length, 0);
  } finally {
    await removeDir(dir);
  }
});

test('wclayer makebaselayer: --prepare-only works here; without it the processing answers Unsupported naming ProcessBaseImage', async () => {
  const dir = await tempDir();
  try {
    const root = await folder(dir, 'base', {});
    const prep = spawnSync(process.execPath, [cliPath, 'makebaselayer', '--prepare-only', '--json', root], { encoding: 'utf8' });
    assert.equal(prep.status, 0, prep.stderr);
    const out = JSON.parse(prep.stdout) as { createdHives: string[]; processed: boolean };
    assert.equal(out.createdHives.length, 5);
    assert.equal(out.processed, false);
    const full = spawnSync(process.execPath, [cliPath, 'makebaselayer', root], { encoding: 'utf8' });
    assert.equal(full.status, 1);
    assert.match(full.stderr, /^wclayer: Unsupported: ProcessBaseImage needs Windows/m);
  } finally {
    await removeDir(dir);
  }
});
