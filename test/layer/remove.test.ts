// Removing layers: on Windows (a recording Platform) through DestroyLayer after the privileges
// hcsshim's `wclayer remove` enables, on the `-removing-` folder; elsewhere (the portable
// Platform) with file system calls. A CIM layer whose image hcsshim placed beside the folder has
// that image destroyed too, on both.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createCimImage } from '../../src/cim/image.js';
import { createLegacyLayerWriter } from '../../src/layer/legacy/index.js';
import { removeLayer } from '../../src/layer/remove.js';
import { writeEntries } from '../../src/layer/writer.js';
import { createPortablePlatform } from '../../src/platform/portable/index.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { recordingPlatform, type RecordedCall } from '../platform/recording-platform.js';
import { assertRejectsWc, listDir, removeDir, tempDir } from './helpers.js';

const line = (c: RecordedCall): string => [c.op, ...(c.path === undefined ? [] : [c.path]), ...c.args.map((a) => (Array.isArray(a) ? `[${a.join(',')}]` : String(a)))].join(' ');

async function legacyLayer(path: string): Promise<void> {
  await writeEntries(await createLegacyLayerWriter(path), generateSampleLayer({ seed: 5, kind: 'base', fileCount: 10, totalSize: 80_000 }));
}

/** A folder with no record of its own whose image hcsshim placed in <Dir>/cim-layers/<Base>.cim. */
async function hcsshimCimLayer(root: string, name: string): Promise<string> {
  await mkdir(join(root, 'cim-layers'), { recursive: true });
  const w = await createCimImage(join(root, 'cim-layers'), `${name}.cim`);
  const t = { creationTime: 1n, lastAccessTime: 1n, lastWriteTime: 1n, changeTime: 1n };
  await w.addFile('Files', { attributes: 0x10, ...t }, 0);
  await w.addFile('Files\\x.txt', { attributes: 0x20, ...t }, 1);
  await w.write(Buffer.from('x'));
  await w.commit();
  await w.close();
  const layer = join(root, name);
  await mkdir(layer);
  return layer;
}

test('remove on Windows: backup and restore privileges, then DestroyLayer on the renamed folder', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'app');
    await legacyLayer(layer);
    const rec = recordingPlatform();
    assert.deepEqual(await removeLayer(layer, { platform: rec.platform, env: {} }), { path: layer, removed: true });
    assert.equal(rec.calls.length, 2);
    assert.equal(line(rec.calls[0]!), 'enableProcessPrivileges [SeBackupPrivilege,SeRestorePrivilege]');
    assert.equal(rec.calls[1]!.op, 'destroyLayer');
    assert.match(rec.calls[1]!.path!, /[/\\]app-removing-[0-9a-f]{8}$/);
    assert.deepEqual(await listDir(dir), [], 'DestroyLayer removed the folder; nothing else touched it');
  } finally {
    await removeDir(dir);
  }
});

test('remove on Windows: a failing DestroyLayer is reported with the folder it left', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'app');
    await legacyLayer(layer);
    const rec = recordingPlatform({ failAt: (c) => c.op === 'destroyLayer' });
    const err = await removeLayer(layer, { platform: rec.platform, env: {} }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e as { code: string; message: string; data: Record<string, unknown> },
    );
    assert.equal(err.code, 'PermissionDenied');
    assert.match(err.message, /DestroyLayer/);
    assert.match(err.message, /remove that folder with --force/);
    const left = err.data.removingPath as string;
    assert.ok(existsSync(left), 'the renamed folder is still there');
    assert.equal(existsSync(layer), false, 'nothing looks like the layer any more');
    // --force takes the half-removed folder (it no longer holds a readable layer to detect).
    const again = recordingPlatform();
    await removeLayer(left, { force: true, platform: again.platform, env: {} });
    assert.deepEqual(again.calls.map((c) => c.op), ['enableProcessPrivileges', 'destroyLayer']);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});

test('remove refuses a folder that is not a layer before any OS call; --force sends it to DestroyLayer', async () => {
  const dir = await tempDir();
  try {
    const plain = join(dir, 'plain');
    await mkdir(plain);
    const rec = recordingPlatform();
    await assertRejectsWc(removeLayer(plain, { platform: rec.platform, env: {} }), 'FailedPrecondition', /does not hold a layer/);
    await assertRejectsWc(removeLayer(join(dir, 'missing'), { platform: rec.platform, env: {} }), 'NotFound');
    assert.equal(rec.calls.length, 0);
    await removeLayer(plain, { force: true, platform: rec.platform, env: {} });
    assert.deepEqual(rec.calls.map((c) => c.op), ['enableProcessPrivileges', 'destroyLayer']);
  } finally {
    await removeDir(dir);
  }
});

test('remove on Windows with WCLAYER_LEGACY_LAYERS=portable deletes the folder itself, with no OS call', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'app');
    await legacyLayer(layer);
    const rec = recordingPlatform();
    await removeLayer(layer, { platform: rec.platform, env: { WCLAYER_LEGACY_LAYERS: 'portable' } });
    assert.deepEqual(rec.calls, []);
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});

test('remove on the portable platform deletes the folder itself and calls nothing that needs Windows', async () => {
  const dir = await tempDir();
  try {
    const layer = join(dir, 'app');
    await legacyLayer(layer);
    // Every Windows call of the portable platform throws Unsupported: reaching one would fail here.
    assert.deepEqual(await removeLayer(layer, { platform: createPortablePlatform() }), { path: layer, removed: true });
    assert.deepEqual(await listDir(dir), []);
  } finally {
    await removeDir(dir);
  }
});

test('remove of a CIM layer whose image hcsshim placed beside it: the image goes first, then the folder (both platforms)', async () => {
  const dir = await tempDir();
  try {
    const other = await hcsshimCimLayer(dir, 'other');
    const win = await hcsshimCimLayer(dir, 'win');
    const rec = recordingPlatform();
    await removeLayer(win, { platform: rec.platform, env: {} });
    assert.deepEqual(rec.calls.map((c) => c.op), ['enableProcessPrivileges', 'destroyLayer']);
    const images = await readdir(join(dir, 'cim-layers'));
    assert.ok(images.includes('other.cim') && !images.includes('win.cim'), images.join(','));
    assert.equal(existsSync(win), false);

    await removeLayer(other, { platform: createPortablePlatform() });
    assert.deepEqual(await listDir(join(dir, 'cim-layers')), [], 'its .cim and its own region files are gone');
    assert.deepEqual(await listDir(dir), ['cim-layers']);
  } finally {
    await removeDir(dir);
  }
});
