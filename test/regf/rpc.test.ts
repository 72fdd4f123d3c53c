// The hive/* RPC methods through a real backend process (`wclayer serve --stdio`) and a
// vscode-jsonrpc client, and the `wclayer hive` commands.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import { cliPath } from '../helpers/paths.js';
import { Hive } from '../../src/formats/regf/reader.js';
import { writeHive } from '../../src/formats/regf/writer.js';
import { corpusFile, tempDir } from './corpus.js';
import { softwareHive } from './fixtures.js';

let child: ChildProcessWithoutNullStreams;
let conn: MessageConnection;
const items = new Map<string, unknown[]>();

before(async () => {
  child = spawn(process.execPath, [cliPath, 'serve', '--stdio', '--log-level', 'error'], { stdio: 'pipe' });
  conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  conn.onNotification('$/items', (p: { token: string; items: unknown[] }) => {
    items.set(p.token, [...(items.get(p.token) ?? []), ...p.items]);
  });
  conn.listen();
  const init = await conn.sendRequest<{ capabilities: { methods: string[] } }>('initialize', { clientName: 'regf-test' });
  for (const m of ['hive/info', 'hive/keys', 'hive/values', 'hive/get', 'hive/export', 'hive/merge', 'hive/osVersion']) {
    assert.ok(init.capabilities.methods.includes(m), `backend lacks ${m}`);
  }
});

after(async () => {
  await conn.sendRequest('shutdown');
  await conn.sendNotification('exit');
  await new Promise((r) => child.once('exit', r));
  conn.dispose();
});

async function rpcError(method: string, params: unknown): Promise<ResponseError<{ code: string; [k: string]: unknown }>> {
  try {
    await conn.sendRequest(method, params);
  } catch (e) {
    assert.ok(e instanceof ResponseError, String(e));
    return e as ResponseError<{ code: string }>;
  }
  assert.fail(`${method} succeeded`);
}

test('rpc hive/info replays logs of a dirty hive and checks structure on request', async () => {
  const dir = join(tempDir(), 'rpc-dirty');
  mkdirSync(dir, { recursive: true });
  for (const [from, to] of [['yarp-NewDirtyHive1', 'H'], ['yarp-NewDirtyHive1.LOG1', 'H.LOG1'], ['yarp-NewDirtyHive1.LOG2', 'H.LOG2']]) {
    writeFileSync(join(dir, to!), readFileSync(corpusFile(from!)));
  }
  const r = await conn.sendRequest<Record<string, unknown>>('hive/info', { path: join(dir, 'H'), check: true });
  assert.equal(r.dirty, true);
  assert.equal(r.logEntriesApplied, 4);
  assert.equal(r.keys, 5);
  assert.equal(r.values, 1);
  assert.deepEqual(r.problems, []);
  const asIs = await conn.sendRequest<Record<string, unknown>>('hive/info', { path: join(dir, 'H'), logs: 'none', check: true });
  assert.equal(asIs.values, 2);
});

test('rpc hive/keys streams $/items when given an itemToken, else returns the list', async () => {
  const path = corpusFile('regipy-SYSTEM');
  const plain = await conn.sendRequest<{ count: number; keys: { name: string; path: string }[] }>('hive/keys', { path, key: 'ControlSet001\\Services' });
  assert.ok(plain.count > 300);
  assert.equal(plain.keys.length, plain.count);
  assert.ok(plain.keys.some((k) => k.name === 'Tcpip'));
  const streamed = await conn.sendRequest<{ count: number; keys?: unknown }>('hive/keys', { path, key: 'ControlSet001\\services', recursive: true, itemToken: 'k1' });
  assert.equal(streamed.keys, undefined);
  const got = items.get('k1') as { path: string }[];
  assert.equal(got.length, streamed.count);
  assert.ok(got.some((k) => k.path.toLowerCase() === 'controlset001\\services\\tcpip\\parameters'));
});

test('rpc hive/values and hive/get decode values; errors carry codes and data', async () => {
  const path = corpusFile('regipy-SYSTEM');
  const key = await conn.sendRequest<{ values: { name: string; type: string; value: unknown }[] }>('hive/values', { path, key: 'ControlSet001\\Control\\ComputerName\\ComputerName' });
  assert.deepEqual(key.values.find((v) => v.name === 'ComputerName')?.value, 'WKS-WIN732BITA');
  const v = await conn.sendRequest<{ type: string; value: unknown; typeCode: number }>('hive/get', { path, key: 'CONTROLSET001\\control\\ComputerName\\ComputerName', name: 'computername' });
  assert.equal(v.type, 'REG_SZ');
  assert.equal(v.value, 'WKS-WIN732BITA');
  const nf = await rpcError('hive/get', { path, key: 'nope', name: 'x' });
  assert.equal(nf.data?.code, 'NotFound');
  const bad = await rpcError('hive/get', { path, key: 'x', bogus: 1 });
  assert.equal(bad.data?.code, 'InvalidArgument');
  const corrupt = await rpcError('hive/keys', { path: corpusFile('plaso-corrupt_sub_key_list.hiv') });
  assert.equal(corrupt.data?.code, 'Corrupt');
  assert.equal(corrupt.data?.offset, 0x5480);
  const missing = await rpcError('hive/info', { path: join(tempDir(), 'no-such-hive') });
  assert.equal(missing.data?.code, 'NotFound');
});

test('rpc hive/export writes JSON and .reg files and refuses to overwrite', async () => {
  const out = join(tempDir(), 'rpc-bcd.reg');
  const r = await conn.sendRequest<{ bytes: number }>('hive/export', { path: corpusFile('regipy-BCD'), output: out, format: 'reg', prefix: 'HKEY_LOCAL_MACHINE\\BCD' });
  const bytes = readFileSync(out);
  assert.equal(bytes.length, r.bytes);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
  assert.match(bytes.toString('utf16le'), /^\ufeffWindows Registry Editor Version 5\.00\r\n\r\n\[HKEY_LOCAL_MACHINE\\BCD\]/);
  const again = await rpcError('hive/export', { path: corpusFile('regipy-BCD'), output: out, format: 'reg' });
  assert.equal(again.data?.code, 'AlreadyExists');
  const json = join(tempDir(), 'rpc-bcd.json');
  await conn.sendRequest('hive/export', { path: corpusFile('regipy-BCD'), output: json, key: 'Objects' });
  const doc = JSON.parse(readFileSync(json, 'utf8'));
  assert.equal(doc.keys[0].path, 'Objects');
  // No temporary files are left behind.
  assert.deepEqual(readdirSync(tempDir()).filter((n) => n.endsWith('.tmp')), []);
});

test('rpc hive/merge writes the merged hive; hive/osVersion reads a layer folder', async () => {
  const dir = join(tempDir(), 'rpc-merge');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, 'SOFTWARE_BASE');
  const delta = join(dir, 'SOFTWARE_DELTA');
  writeFileSync(base, softwareHive('17763', 1));
  writeFileSync(
    delta,
    writeHive({ name: 'ROOT', subkeys: [{ name: 'Microsoft', subkeys: [{ name: 'Windows NT', subkeys: [{ name: 'CurrentVersion', values: [{ name: 'UBR', data: 5000 }] }] }] }] }, { minorVersion: 6 }),
  );
  const layer = join(dir, 'layer');
  const config = join(layer, 'Files', 'Windows', 'System32', 'config');
  mkdirSync(config, { recursive: true });
  const out = join(config, 'SOFTWARE');
  const r = await conn.sendRequest<{ bytes: number }>('hive/merge', { base, deltas: [delta], output: out });
  assert.ok(existsSync(out));
  assert.equal(r.bytes, readFileSync(out).length);
  assert.equal((await Hive.fromBytes(new Uint8Array(readFileSync(out)))).header.minorVersion, 5);
  const v = await conn.sendRequest<{ version: string; build: number; ubr: number; hivePath: string }>('hive/osVersion', { layerPath: layer });
  assert.equal(v.version, '10.0.17763.5000');
  assert.equal(v.hivePath, out);
  const both = await rpcError('hive/osVersion', { layerPath: layer, hivePath: out });
  assert.equal(both.data?.code, 'InvalidArgument');
});

test('cli: wclayer hive ls / get / merge / info', () => {
  const run = (...args: string[]): { status: number | null; stdout: string; stderr: string } => spawnSync(process.execPath, [cliPath, 'hive', ...args], { encoding: 'utf8' });
  const ls = run('ls', corpusFile('regipy-BCD'), 'Objects');
  assert.equal(ls.status, 0, ls.stderr);
  assert.ok(ls.stdout.split('\n').filter(Boolean).every((l) => /^\{[0-9a-f-]+\}$/.test(l)), ls.stdout);
  const get = run('get', corpusFile('regipy-BCD'), 'description', 'KEYNAME');
  assert.equal(get.status, 0, get.stderr);
  assert.equal(get.stdout.trim(), 'REG_SZ "BCD00000000"');
  const missing = run('get', corpusFile('regipy-BCD'), 'nope');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /NotFound/);
  const out = join(tempDir(), 'cli-merged');
  const base = join(tempDir(), 'cli-software');
  writeFileSync(base, softwareHive());
  const merge = run('merge', base, corpusFile('yarp-System_Delta'), '-o', out);
  assert.equal(merge.status, 0, merge.stderr);
  const info = run('info', out, '--check', '--json');
  assert.equal(info.status, 0, info.stderr);
  const r = JSON.parse(info.stdout);
  assert.deepEqual(r.problems, []);
  assert.equal(r.version, '1.5');
  assert.equal(r.layered, false);
});
