import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, WcError, fromNodeError } from '../../src/errors.js';
import { RPC_ERROR_CODE } from '../../src/rpc/codes.js';
import { toResponseError } from '../../src/rpc/server.js';

test('every error code maps to a distinct JSON-RPC code and travels in data', () => {
  const seen = new Set<number>();
  for (const code of ERROR_CODES) {
    const re = toResponseError(new WcError(code, `it was ${code}`, { path: 'Files/x', offset: 12 }), 'area/verb');
    assert.equal(re.code, RPC_ERROR_CODE[code]);
    assert.equal(re.message, `it was ${code}`);
    assert.deepEqual(re.data, { code, path: 'Files/x', offset: 12 });
    assert.ok(!seen.has(re.code), `${code} shares its number`);
    seen.add(re.code);
  }
});

test('a plain exception becomes Internal, naming the method', () => {
  const re = toResponseError(new TypeError('boom'), 'tar/list');
  assert.equal(re.code, -32603);
  assert.match(re.message, /tar\/list failed: boom/);
  assert.equal((re.data as any).code, 'Internal');
});

test('an abort after cancellation becomes -32800', () => {
  const c = new AbortController();
  c.abort();
  const re = toResponseError(new DOMException('aborted', 'AbortError'), 'cim/extract', c.signal);
  assert.equal(re.code, -32800);
});

test('fs errors become error codes that name the path', () => {
  const e = fromNodeError(Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT', path: '/x/y.tar' }));
  assert.equal(e.code, 'NotFound');
  assert.match(e.message, /\/x\/y\.tar/);
  assert.equal(e.data.path, '/x/y.tar');
  assert.equal(fromNodeError(Object.assign(new Error('x'), { code: 'EEXIST' }), '/a').code, 'AlreadyExists');
  assert.equal(fromNodeError(Object.assign(new Error('x'), { code: 'EACCES' }), '/a').code, 'PermissionDenied');
});
