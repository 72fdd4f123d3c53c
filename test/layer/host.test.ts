// The Windows-only host operations (mount, unmount) driven through a recording Platform: the call
// sequence hcsshim's `wclayer mount|unmount` makes, the CIM layer path (containerd's cimfs mount),
// the roll-back when a later step fails, and the volume GUID a CIM layer is mounted at.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createCimLayerWriter } from '../../src/layer/cim/index.js';
import { cimMountVolumeGuid, mountLayer, unmountLayer } from '../../src/layer/host.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { recordingPlatform, type RecordedCall } from '../platform/recording-platform.js';
import { assertRejectsWc, removeDir, tempDir } from './helpers.js';

const VOLUME = '\\\\?\\Volume{0f0e0d0c-0b0a-0908-0706-050403020100}';
const line = (c: RecordedCall): string => [c.op, c.path, ...c.args.map((a) => (Array.isArray(a) ? `[${a.join(',')}]` : String(a)))].join(' ');

test('mount: activate, prepare with the parents nearest first, mount path; with a target also SetVolumeMountPoint', async () => {
  const dir = await tempDir();
  try {
    const rec = recordingPlatform({ mountPath: VOLUME });
    const scratch = join(dir, 'scratch');
    const r = await mountLayer(scratch, [join(dir, 'app'), join(dir, 'base')], rec.platform);
    assert.deepEqual(r, { layerPath: scratch, kind: 'scratch', mountPath: VOLUME });
    const withTarget = await mountLayer(scratch, [join(dir, 'base')], rec.platform, join(dir, 'mnt'));
    assert.equal(withTarget.target, join(dir, 'mnt'));
    assert.deepEqual(rec.calls.map(line), [
      `activateLayer ${scratch}`,
      `prepareLayer ${scratch} [${join(dir, 'app')},${join(dir, 'base')}]`,
      `getLayerMountPath ${scratch}`,
      `activateLayer ${scratch}`,
      `prepareLayer ${scratch} [${join(dir, 'base')}]`,
      `getLayerMountPath ${scratch}`,
      `setVolumeMountPoint ${join(dir, 'mnt')} ${VOLUME}`,
    ]);
  } finally {
    await removeDir(dir);
  }
});

test('mount: a failing step rolls back the earlier ones, newest first, and names the failed call', async () => {
  const dir = await tempDir();
  try {
    const scratch = join(dir, 'scratch');
    const cases: Array<[string, string[]]> = [
      ['prepareLayer', ['deactivateLayer']],
      ['getLayerMountPath', ['unprepareLayer', 'deactivateLayer']],
      ['setVolumeMountPoint', ['unprepareLayer', 'deactivateLayer']],
    ];
    for (const [failing, rollback] of cases) {
      const rec = recordingPlatform({ failAt: (c) => c.op === failing });
      await assertRejectsWc(mountLayer(scratch, [join(dir, 'base')], rec.platform, join(dir, 'mnt')), 'PermissionDenied', /failed: access denied/);
      const after = rec.calls.slice(rec.calls.findIndex((c) => c.op === failing) + 1).map((c) => c.op);
      assert.deepEqual(after, rollback, failing);
    }
    const rec = recordingPlatform();
    await assertRejectsWc(mountLayer(scratch, [], rec.platform), 'InvalidArgument', /at least one read-only layer must be specified/);
    await assertRejectsWc(mountLayer(scratch, [join(dir, 'base')], rec.platform, scratch), 'InvalidArgument', /cannot be the layer folder itself/);
    assert.equal(rec.calls.length, 0, 'bad arguments make no OS call');
  } finally {
    await removeDir(dir);
  }
});

test('unmount: mount point removed first, then unprepare (a failure only warns) and deactivate', async () => {
  const dir = await tempDir();
  try {
    const scratch = join(dir, 'scratch');
    const rec = recordingPlatform({ failAt: (c) => c.op === 'unprepareLayer' });
    const r = await unmountLayer(scratch, rec.platform, join(dir, 'mnt'));
    assert.deepEqual(rec.calls.map(line), [`deleteVolumeMountPoint ${join(dir, 'mnt')}`, `unprepareLayer ${scratch}`, `deactivateLayer ${scratch}`]);
    assert.equal(r.kind, 'scratch');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /^UnprepareLayer \S+scratch failed/);
    const failing = recordingPlatform({ failAt: (c) => c.op === 'deactivateLayer' });
    await assertRejectsWc(unmountLayer(scratch, failing.platform), 'PermissionDenied', /^DeactivateLayer/);
  } finally {
    await removeDir(dir);
  }
});

test('a CIM layer mounts its image with CimMountImage at a volume derived from its path, and unmounts from it', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'cim-base');
    await writeEntries(await createCimLayerWriter(layer, { parents: [] }), generateSampleLayer({ seed: 3, kind: 'base', fileCount: 10, totalSize: 80_000 }));
    const guid = cimMountVolumeGuid(layer);
    const volume = `\\\\?\\Volume{${guid}}\\`;
    const rec = recordingPlatform();
    const r = await mountLayer(layer, [], rec.platform, join(dir, 'mnt'));
    assert.deepEqual(r, { layerPath: layer, kind: 'cim', mountPath: volume, target: join(dir, 'mnt') });
    await unmountLayer(layer, rec.platform, join(dir, 'mnt'));
    assert.deepEqual(rec.calls.map(line), [
      `cimMountImage ${join(layer, 'cim-layers', 'cim-base.cim')} ${guid}`,
      `setVolumeMountPoint ${join(dir, 'mnt')} ${volume}`,
      `deleteVolumeMountPoint ${join(dir, 'mnt')}`,
      `cimDismountImage ${guid}`,
    ]);
    // A failed mount point dismounts the image again.
    const failing = recordingPlatform({ failAt: (c) => c.op === 'setVolumeMountPoint' });
    await assertRejectsWc(mountLayer(layer, [], failing.platform, join(dir, 'mnt')), 'PermissionDenied', /^SetVolumeMountPointW/);
    assert.deepEqual(failing.calls.map((c) => c.op), ['cimMountImage', 'setVolumeMountPoint', 'cimDismountImage']);
  } finally {
    await removeDir(dir);
  }
});

test('the CIM mount volume GUID is the RFC 4122 version 5 GUID of the layer path in hcsshim\'s namespace', () => {
  // Vectors from Python's uuid.uuid5(UUID('6827367b-c388-4e9b-95ec-961c6d2c936c'), name).
  assert.equal(cimMountVolumeGuid('/layers/app-cim'), 'de13520b-41aa-5c4e-9a40-cafa2edd21ea');
  assert.notEqual(cimMountVolumeGuid('/layers/a'), cimMountVolumeGuid('/layers/b'));
  assert.equal(cimMountVolumeGuid('/layers/x/../app-cim'), cimMountVolumeGuid('/layers/app-cim'), 'the full path, normalised');
});
