// The backend's start loads no area library: `serve --stdio` answers initialize (with the full
// method list) before any codec, hive, CIM or layer code or yargs is loaded; those load on the
// first call that needs them. Checked with a module-load hook, not a clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { areaMethods } from '../../src/rpc/methods/index.js';
import { cliPath } from '../helpers/paths.js';

// Reports every file: URL Node loads on stderr, one line each.
const hooks = `export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); }`;
const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}));`;

/**
 * Modules that must not load before the first call needing them (src/cim/lazy.ts only holds
 * the loader; src/layer/format-names.ts only the two format names the RPC params check).
 */
const HEAVY = /\/dist\/src\/(formats|hive|cim|layer|sample|platform\/(win32|portable))\/(?!lazy\.js$|format-names\.js$)|\/node_modules\/(yargs|@?zstd|fzstd)/;

test('serve --stdio answers initialize without loading area libraries; they load on first use', async () => {
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, cliPath, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const c = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  c.listen();
  try {
    const init = await c.sendRequest<{ capabilities: { methods: string[] } }>('initialize', { clientName: 'test' });
    for (const m of areaMethods) assert.ok(init.capabilities.methods.includes(m.name), `initialize lists ${m.name}`);
    await c.sendRequest('backend/ping', {});
    const loaded = stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
    assert.ok(loaded.some((u) => u.endsWith('/dist/src/rpc/server.js')), 'the hook saw the server load');
    assert.deepEqual(loaded.filter((u) => HEAVY.test(u)), [], 'loaded before any call needed them');
    // The first call that needs a library loads it (and works).
    await assert.rejects(c.sendRequest('hive/info', { path: '/nonexistent/hive' }), /nonexistent/);
    assert.ok(stderr.split('\n').some((l) => l.startsWith('LOADED ') && l.includes('/dist/src/hive/operations.js')), 'hive library loaded on first use');
  } finally {
    c.dispose();
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
  }
});
