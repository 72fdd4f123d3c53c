// Off Windows every OS call fails with Unsupported naming the Win32 function and the OS, and
// importing the platform code never touches a Windows DLL (nor even koffi).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { isWcError } from '../../src/errors.js';
import { platform, unsupportedHere, WINDOWS_OPERATIONS, type Platform, type WindowsOperation } from '../../src/platform/index.js';
import { createPortablePlatform } from '../../src/platform/portable/index.js';
import { createWin32Platform } from '../../src/platform/win32/index.js';
import { loadNativeLibraries } from '../../src/platform/win32/library.js';
import { repoRoot } from '../helpers/paths.js';

/** Plausible arguments for each operation. */
const CALLS: Record<WindowsOperation, (p: Platform) => Promise<unknown>> = {
  enableProcessPrivileges: (p) => p.enableProcessPrivileges(['SeBackupPrivilege', 'SeRestorePrivilege']),
  openForBackup: (p) => p.openForBackup('C:\\layers\\a\\Files\\x', { access: 'read' }),
  importLayer: (p) => p.importLayer('C:\\layers\\child', 'C:\\staging', ['C:\\layers\\base']),
  exportLayer: (p) => p.exportLayer('C:\\layers\\child', 'C:\\export', ['C:\\layers\\base']),
  activateLayer: (p) => p.activateLayer('C:\\layers\\child'),
  deactivateLayer: (p) => p.deactivateLayer('C:\\layers\\child'),
  prepareLayer: (p) => p.prepareLayer('C:\\layers\\child', ['C:\\layers\\base']),
  unprepareLayer: (p) => p.unprepareLayer('C:\\layers\\child'),
  destroyLayer: (p) => p.destroyLayer('C:\\layers\\child'),
  createSandboxLayer: (p) => p.createSandboxLayer('C:\\layers\\scratch', ['C:\\layers\\base']),
  expandSandboxSize: (p) => p.expandSandboxSize('C:\\layers\\scratch', 40n * 2n ** 30n),
  processBaseImage: (p) => p.processBaseImage('C:\\layers\\base'),
  processUtilityImage: (p) => p.processUtilityImage('C:\\layers\\base\\UtilityVM'),
  layerExists: (p) => p.layerExists('C:\\layers\\base'),
  getLayerMountPath: (p) => p.getLayerMountPath('C:\\layers\\scratch'),
  nameToGuid: (p) => p.nameToGuid('base'),
  setVolumeMountPoint: (p) => p.setVolumeMountPoint('C:\\mnt\\c1', '\\\\?\\Volume{6f1c0a2e-0000-4000-8000-000000000001}'),
  deleteVolumeMountPoint: (p) => p.deleteVolumeMountPoint('C:\\mnt\\c1'),
  cimMountImage: (p) => p.cimMountImage('C:\\cim\\layer.cim'),
  cimDismountImage: (p) => p.cimDismountImage('6f1c0a2e-0000-4000-8000-000000000001'),
  createHive: (p) => p.createHive(),
  openHive: (p) => p.openHive('C:\\layers\\base\\Hives\\SYSTEM_BASE'),
  mergeHives: (p) => p.mergeHives([]),
};

test('the portable platform refuses every Windows operation with Unsupported naming it', async () => {
  const p = createPortablePlatform();
  assert.equal(p.name, 'portable');
  assert.deepEqual(Object.keys(CALLS).sort(), Object.keys(WINDOWS_OPERATIONS).sort());
  for (const [op, call] of Object.entries(CALLS) as [WindowsOperation, (p: Platform) => Promise<unknown>][]) {
    const native = WINDOWS_OPERATIONS[op];
    await assert.rejects(call(p), (e: unknown) => {
      assert.ok(isWcError(e), `${op} threw ${String(e)}`);
      assert.equal(e.code, 'Unsupported', op);
      assert.equal(e.data.operation, native);
      assert.equal(e.data.os, process.platform);
      assert.ok(e.message.startsWith(`${native} needs Windows`), e.message);
      assert.ok(e.message.includes(process.platform), e.message);
      return true;
    });
  }
});

test('every portable method is asynchronous: a refusal is a rejection, never a synchronous throw', () => {
  const p = createPortablePlatform();
  for (const call of Object.values(CALLS)) {
    const r = call(p);
    assert.ok(r instanceof Promise);
    r.catch(() => {});
  }
});

test('platform() picks the implementation for this OS, once', () => {
  const p = platform();
  assert.equal(p.name, process.platform === 'win32' ? 'win32' : 'portable');
  assert.equal(platform(), p);
  assert.equal(unsupportedHere('X').data.operation, 'X');
});

test('importing the platform modules loads neither koffi nor any DLL', () => {
  const modules = ['src/platform/index.js', 'src/platform/win32/index.js', 'src/platform/portable/index.js'].map((m) =>
    pathToFileURL(join(repoRoot, 'dist', m)).href,
  );
  const script = `
    import { createRequire } from 'node:module';
    for (const m of ${JSON.stringify(modules)}) await import(m);
    const { createWin32Platform } = await import(${JSON.stringify(modules[1])});
    createWin32Platform(); // constructing binds nothing either
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('koffi'));
    process.stdout.write(JSON.stringify(loaded));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
});

test('on Linux the win32 platform never tries to load a DLL: each call rejects with Unsupported', async () => {
  for (const dll of ['kernel32', 'advapi32', 'vmcompute', 'computestorage', 'cimfs', 'offreg', 'virtdisk'] as const) {
    assert.throws(() => loadNativeLibraries('linux').get(dll), { code: 'Unsupported', message: new RegExp(`^loading ${dll}\\.dll needs Windows`) });
  }
  const p = createWin32Platform(loadNativeLibraries('linux'));
  for (const [op, call] of Object.entries(CALLS)) {
    const r = call(p);
    assert.ok(r instanceof Promise, op);
    await assert.rejects(r, { code: 'Unsupported', message: /^loading \w+\.dll needs Windows/ }, op);
  }
});
