// The RPC server driven the way the PowerShell module drives it: a real child process
// (`wclayer serve --stdio`) and a real JSON-RPC client over its stdio.

import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CancellationTokenSource, ProgressType } from 'vscode-jsonrpc/node';
import { startBackend, rawExchange, frame, parseFrames, rpcError, type BackendUnderTest } from '../helpers/backend.js';
import { cliPath } from '../helpers/paths.js';


describe('backend over stdio', () => {
  const b: BackendUnderTest = startBackend();
  after(() => b.close());

  test('initialize reports versions, OS and capabilities', async () => {
    const r: any = await b.connection.sendRequest('initialize', { clientName: 'test', protocolVersion: '1.0' });
    assert.match(r.backendVersion, /^\d+\.\d+\.\d+/);
    assert.equal(r.protocolVersion, '1.0');
    assert.equal(r.pid, b.child.pid);
    assert.equal(r.os.platform, process.platform);
    assert.equal(r.capabilities.platform, process.platform === 'win32' ? 'win32' : 'portable');
    assert.ok(r.capabilities.methods.includes('backend/ping'));
    assert.ok(r.capabilities.methods.includes('initialize'));
    assert.equal(new Set(r.capabilities.methods).size, r.capabilities.methods.length, 'no duplicate method names');
  });

  test('an unknown method answers -32601 naming it', async () => {
    const e = await rpcError(b.connection.sendRequest('layer/frobnicate', {}));
    assert.equal(e.code, -32601);
    assert.match(e.message, /layer\/frobnicate/);
    assert.equal(e.data.code, 'NotFound');
  });

  test('a parameter of the wrong type answers -32602 naming the parameter', async () => {
    const e = await rpcError(b.connection.sendRequest('backend/wait', { steps: 'many' }));
    assert.equal(e.code, -32602);
    assert.match(e.message, /'steps'/);
    assert.deepEqual(e.data, { code: 'InvalidArgument', parameter: 'steps' });
  });

  test('an unknown parameter answers -32602 naming it', async () => {
    const e = await rpcError(b.connection.sendRequest('backend/wait', { stpes: 3 }));
    assert.equal(e.code, -32602);
    assert.equal(e.data.parameter, 'stpes');
  });

  test('params that are not an object answer -32602', async () => {
    for (const params of [[1, 2], [{ steps: 1 }], ['x']]) {
      const e = await rpcError(b.connection.sendRequest('backend/wait', params));
      assert.equal(e.code, -32602, JSON.stringify(params));
      assert.match(e.message, /named parameters/);
    }
  });

  test('a request without params uses the defaults', async () => {
    const { stdout } = await rawExchange(frame({ jsonrpc: '2.0', id: 9, method: 'backend/ping' }), 1);
    const [reply] = parseFrames(stdout) as any[];
    assert.equal(reply.id, 9);
    assert.equal(reply.result.pong, true);
  });

  test('an out-of-range value answers -32602 with the limit in the message', async () => {
    const e = await rpcError(b.connection.sendRequest('backend/wait', { steps: -1 }));
    assert.equal(e.code, -32602);
    assert.match(e.message, /at least 0/);
  });

  test('progress arrives as begin, reports, end, all before the response', async () => {
    const seen: any[] = [];
    const type = new ProgressType<any>();
    const token = 'progress-1';
    const sub = b.connection.onProgress(type, token, (v) => {
      seen.push(v);
    });
    const r: any = await b.connection.sendRequest('backend/wait', { steps: 5, stepMs: 120, progressToken: token });
    sub.dispose();
    assert.deepEqual(r, { steps: 5 });
    assert.equal(seen[0].kind, 'begin');
    assert.equal(seen[0].title, 'backend/wait');
    assert.equal(seen.at(-1).kind, 'end');
    const reports = seen.filter((v) => v.kind === 'report');
    assert.ok(reports.length >= 3, `expected several reports, got ${reports.length}`);
    const done = reports.map((v) => v.entriesDone);
    assert.deepEqual(done, [...done].sort((x, y) => x - y), 'progress only goes forward');
    assert.ok(reports.every((v) => v.percentage >= 0 && v.percentage <= 100));
  });

  test('streamed items arrive as $/items batches before the response', async () => {
    const items: any[] = [];
    const sub = b.connection.onNotification('$/items', (p: any) => {
      assert.equal(p.token, 'items-1');
      items.push(...p.items);
    });
    await b.connection.sendRequest('backend/wait', { steps: 7, stepMs: 1, itemToken: 'items-1' });
    sub.dispose();
    assert.deepEqual(items, [1, 2, 3, 4, 5, 6, 7].map((step) => ({ step })));
  });

  test('a cancelled request answers -32800 and the backend stays usable', async () => {
    const source = new CancellationTokenSource();
    const pending = b.connection.sendRequest('backend/wait', { steps: 100, stepMs: 50 }, source.token);
    setTimeout(() => source.cancel(), 200);
    const e = await rpcError(pending);
    assert.equal(e.code, -32800);
    assert.equal(e.data.code, 'Cancelled');
    const step = Number(/step (\d+) of 100/.exec(e.message)?.[1]);
    assert.ok(step < 100, `cancellation stopped the work early (at step ${step})`);
    const pong: any = await b.connection.sendRequest('backend/ping', {});
    assert.equal(pong.pong, true);
  });

  test('requests run concurrently: a ping answers while a long request runs', async () => {
    const order: string[] = [];
    const long = b.connection.sendRequest('backend/wait', { steps: 10, stepMs: 50 }).then(() => order.push('wait'));
    await b.connection.sendRequest('backend/ping', {}).then(() => order.push('ping'));
    await long;
    assert.deepEqual(order, ['ping', 'wait'], 'the ping was answered while the long request ran');
  });
});

describe('framing and lifecycle', () => {
  test('a leading UTF-8 BOM on stdin is tolerated', async () => {
    const input = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), frame({ jsonrpc: '2.0', id: 1, method: 'backend/ping', params: {} })]);
    const { stdout } = await rawExchange(input, 1);
    const messages = parseFrames(stdout) as any[];
    assert.equal(messages.length, 1);
    assert.equal(messages[0].id, 1);
    assert.equal(messages[0].result.pong, true);
  });

  test('stdout carries nothing but frames, even at the most verbose log level', async () => {
    const input = Buffer.concat([
      frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }),
      frame({ jsonrpc: '2.0', id: 2, method: 'nope', params: {} }),
      frame({ jsonrpc: '2.0', id: 3, method: 'backend/wait', params: { steps: 3, stepMs: 5, progressToken: 'p', itemToken: 'i' } }),
      frame({ jsonrpc: '2.0', id: 4, method: 'backend/ping', params: { bogus: 1 } }),
      frame({ jsonrpc: '2.0', method: 'some/notification', params: {} }),
    ]);
    const child = spawn(process.execPath, [cliPath, 'serve', '--stdio', '--log-level', 'trace'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    child.stdin.write(input);
    // Give every request time to finish, then close the pipe as the module does.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (Buffer.concat(out).toString().match(/"id":\d/g) ?? []).length < 4) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.stdin.end();
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
    const messages = parseFrames(Buffer.concat(out)) as any[];
    const byId = new Map(messages.filter((m) => m.id !== undefined).map((m) => [m.id, m]));
    assert.deepEqual([...byId.keys()].sort(), [1, 2, 3, 4]);
    assert.equal(byId.get(2).error.code, -32601);
    assert.equal(byId.get(4).error.code, -32602);
    assert.ok(messages.some((m) => m.method === '$/progress'));
    assert.ok(messages.some((m) => m.method === '$/items'));
    assert.match(err, /backend ready/, 'logs went to stderr');
  });

  test('a stray console.log in backend code goes to stderr, not into the protocol', async () => {
    const script = `
      import { reserveStdoutForProtocol } from ${JSON.stringify(new URL('../../src/cli/stdio-guard.js', import.meta.url).href)};
      const out = reserveStdoutForProtocol();
      console.log('stray debug output');
      process.stdout.write('more stray output\\n');
      const body = JSON.stringify({ jsonrpc: '2.0', method: 'x' });
      out.write('Content-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n' + body);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    await new Promise((r) => child.on('exit', r));
    assert.deepEqual(parseFrames(Buffer.concat(out)), [{ jsonrpc: '2.0', method: 'x' }]);
    assert.match(err, /stray debug output/);
    assert.match(err, /more stray output/);
  });

  test('the backend exits with 0 when stdin closes', async () => {
    const b = startBackend();
    await b.connection.sendRequest('backend/ping', {});
    b.child.stdin.end();
    assert.equal(await b.exited, 0);
  });

  test('closing stdin cancels a running request, answers it, then exits', async () => {
    const input = Buffer.concat([
      frame({ jsonrpc: '2.0', id: 1, method: 'backend/ping', params: {} }),
      frame({ jsonrpc: '2.0', id: 2, method: 'backend/wait', params: { steps: 1000, stepMs: 20 } }),
    ]);
    const { stdout, code } = await rawExchange(input, 1, 300);
    assert.equal(code, 0);
    const byId = new Map((parseFrames(stdout) as any[]).map((m) => [m.id, m]));
    assert.equal(byId.get(1).result.pong, true);
    assert.equal(byId.get(2).error.code, -32800);
  });

  test('shutdown then exit ends the process with 0', async () => {
    const b = startBackend();
    assert.equal(await b.connection.sendRequest('shutdown'), null);
    await b.connection.sendNotification('exit');
    assert.equal(await b.exited, 0);
    b.connection.dispose();
  });

  test('exit without shutdown ends the process with 1', async () => {
    const b = startBackend();
    await b.connection.sendRequest('backend/ping', {});
    await b.connection.sendNotification('exit');
    assert.equal(await b.exited, 1);
    b.connection.dispose();
  });

  test('serve without a transport refuses with a clear message', () => {
    const child = spawn(process.execPath, [cliPath, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    return new Promise<void>((resolve) =>
      child.on('exit', (code) => {
        assert.notEqual(code, 0);
        assert.match(err, /--stdio/);
        resolve();
      }),
    );
  });
});
