// layer/* through a spawned `wclayer serve --stdio`, as the PowerShell module drives it:
// progress, cancellation mid-import ($/cancelRequest) leaving nothing, Unsupported off Windows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, ProgressType } from 'vscode-jsonrpc/node';
import { rpcError, startBackend, type BackendUnderTest } from '../helpers/backend.js';
import { listDir, removeDir, tempDir } from './helpers.js';
import { sampleTar, type SampleTar } from './pipeline-helpers.js';

let dir: string;
let b: BackendUnderTest;
let base: SampleTar;
let layers: string;


before(async () => {
  dir = await tempDir('wclayer-layer-rpc-');
  layers = join(dir, 'layers');
  base = await sampleTar(dir, 'base.tar.gz', 'base', 'gzip', 31, 200, 3_000_000);
  b = startBackend();
});
after(async () => {
  await b.close();
  await removeDir(dir);
});

test('layer/import with progress, then export, verify, info, exists, remove', async () => {
  const seen: any[] = [];
  const sub = b.connection.onProgress(new ProgressType<any>(), 'imp', (v) => {
    seen.push(v);
  });
  const basePath = join(layers, 'base');
  const r: any = await b.connection.sendRequest('layer/import', { input: base.path, layerPath: basePath, format: 'Legacy', expectedDiffId: base.diffId, progressToken: 'imp' });
  sub.dispose();
  assert.equal(r.diffId, base.diffId);
  assert.equal(r.compressedDigest, base.compressedDigest);
  assert.equal(r.layerPath, basePath);
  assert.equal(seen[0]?.kind, 'begin');
  assert.equal(seen.at(-1)?.kind, 'end');

  const out = join(dir, 'out.tar.zst');
  const e: any = await b.connection.sendRequest('layer/export', { layerPath: basePath, output: out, compression: 'Zstd' });
  assert.equal(e.diffId, base.diffId);
  const plain = spawnSync('zstd', ['-dc', out], { maxBuffer: 64 << 20 });
  assert.equal(plain.status, 0);
  const gz = spawnSync('gzip', ['-dc', base.path], { maxBuffer: 64 << 20 });
  assert.deepEqual(plain.stdout, gz.stdout);

  const v: any = await b.connection.sendRequest('layer/verify', { layerPath: basePath, tarPath: out });
  assert.equal(v.match, true);
  const info: any = await b.connection.sendRequest('layer/info', { layerPath: basePath });
  assert.equal(info.kind, 'base');
  assert.deepEqual(info.parents, []);
  assert.deepEqual(await b.connection.sendRequest('layer/exists', { layerPath: basePath }), { layerPath: basePath, exists: true, format: 'legacy' });
  const gone: any = await b.connection.sendRequest('layer/exists', { layerPath: join(dir, 'nope') });
  assert.equal(gone.exists, false);
  await b.connection.sendRequest('layer/remove', { layerPath: basePath });
  assert.deepEqual(await listDir(layers), []);
});

test('layer/import refuses "-" and a bad compression name, naming the parameter', async () => {
  const e1 = await rpcError(b.connection.sendRequest('layer/import', { input: '-', layerPath: join(layers, 'x') }));
  assert.equal(e1.data.code, 'InvalidArgument');
  assert.match(e1.message, /'input'/);
  const e2 = await rpcError(b.connection.sendRequest('layer/export', { layerPath: layers, output: join(dir, 'x.tar'), compression: 'lz4' }));
  assert.equal(e2.data.code, 'InvalidArgument');
  assert.match(e2.message, /compression/);
});

test('$/cancelRequest mid-import answers Cancelled and leaves nothing behind', async () => {
  // A FIFO feeds the tar, so the import is certainly in the middle when it is cancelled.
  const fifo = join(dir, 'feed.fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const bytes = await readFile(base.path);
  const before = await listDir(dir);
  const source = new CancellationTokenSource();
  let sawBytes!: () => void;
  const progressed = new Promise<void>((r) => (sawBytes = r));
  const sub = b.connection.onProgress(new ProgressType<any>(), 'cancel-me', (v) => {
    if (v.kind === 'report' && v.bytesDone > 0) sawBytes();
  });
  const pending = b.connection.sendRequest('layer/import', { input: fifo, layerPath: join(layers, 'cancelled'), progressToken: 'cancel-me' }, source.token);
  const w = createWriteStream(fifo);
  w.on('error', () => undefined); // the backend stops reading once cancelled
  // a first part at once, then a trickle until a progress report shows bytes were read
  let sent = bytes.length >> 2;
  w.write(bytes.subarray(0, sent));
  const trickle = setInterval(() => {
    // Only feed more once the backend has taken what was sent (it may still be loading the
    // layer libraries on this first import), so the tar cannot run out before the cancel.
    if (w.writableLength > 0) return;
    const next = Math.min(sent + 4096, bytes.length - 1);
    w.write(bytes.subarray(sent, next));
    sent = next;
  }, 20);
  await progressed;
  clearInterval(trickle);
  assert.ok(sent < bytes.length - 1, 'the import was still waiting for input when cancelled');
  source.cancel();
  // Watched from now on: the Cancelled answer may come during the pause below.
  const failure = rpcError(pending);
  await new Promise((r) => setTimeout(r, 100));
  w.end(bytes.subarray(sent));
  const e = await failure;
  sub.dispose();
  assert.equal(e.code, -32800);
  assert.equal(e.data.code, 'Cancelled');
  assert.deepEqual(await listDir(dir), before);
  assert.deepEqual(await listDir(layers).catch(() => []), []);
  const pong: any = await b.connection.sendRequest('backend/ping', {});
  assert.equal(pong.pong, true);
});

test('Windows-only layer methods answer Unsupported naming the Win32 call', async () => {
  const calls: [string, object, RegExp][] = [
    ['layer/mount', { layerPath: join(dir, 's'), parents: [join(dir, 'p')] }, /ActivateLayer/],
    ['layer/unmount', { layerPath: join(dir, 's') }, /UnprepareLayer/],
    ['layer/mount', { layerPath: join(dir, 's'), parents: [join(dir, 'p')], target: join(dir, 'mnt') }, /ActivateLayer/],
    ['layer/unmount', { layerPath: join(dir, 's'), mountedPath: join(dir, 'mnt') }, /DeleteVolumeMountPointW/],
    ['layer/create', { layerPath: join(dir, 's'), parents: [join(dir, 'p')] }, /CreateSandboxLayer/],
  ];
  for (const [method, params, name] of calls) {
    const e = await rpcError(b.connection.sendRequest(method, params));
    assert.equal(e.data.code, 'Unsupported', method);
    assert.match(e.message, name);
  }
});

test('layer/makeBase: prepareOnly creates the missing hives on any OS; the processing answers Unsupported', async () => {
  const folder = join(dir, 'untarred');
  await mkdir(join(folder, 'Files'), { recursive: true });
  const r: any = await b.connection.sendRequest('layer/makeBase', { layerPath: folder, prepareOnly: true });
  assert.equal(r.processed, false);
  assert.deepEqual(r.createdHives, ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'].map((h) => `Files/Windows/System32/config/${h}`));
  const e = await rpcError(b.connection.sendRequest('layer/makeBase', { layerPath: folder }));
  assert.equal(e.data.code, 'Unsupported');
  assert.match(e.message, /^ProcessBaseImage needs Windows/);
});

test('layer/formats lists cim as available, and format Cim imports a CIM layer', async () => {
  const f: any = await b.connection.sendRequest('layer/formats', {});
  const cim = f.formats.find((x: any) => x.name === 'cim');
  assert.equal(cim.available, true);
  const r: any = await b.connection.sendRequest('layer/import', { input: base.path, layerPath: join(layers, 'c'), format: 'Cim', expectedDiffId: base.diffId });
  assert.equal(r.format, 'cim');
});
