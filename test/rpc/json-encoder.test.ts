// The server's message encoder takes a Latin-1 copy for ASCII text; every message must still be
// the UTF-8 of its JSON, byte for byte, whatever characters it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Message } from 'vscode-jsonrpc/node';
import { jsonEncoder } from '../../src/rpc/json-encoder.js';

const encode = (msg: unknown) => (jsonEncoder as { encode(m: Message, o: { charset: 'utf-8' }): Promise<Uint8Array> }).encode(msg as Message, { charset: 'utf-8' });

test('json encoder: ASCII and non-ASCII messages are the UTF-8 of their JSON', async () => {
  const samples = [
    { jsonrpc: '2.0', method: '$/items', params: { token: 't', items: [{ name: 'Files/a.dll', sddl: 'O:BAG:SY' }] } },
    { jsonrpc: '2.0', id: 1, result: { name: 'Files/ünïcødé/日本語/😀.txt', latin1: 'caf\u00e9', c1: '\u0085\u00ff' } },
    { jsonrpc: '2.0', id: 2, result: { lone: '\ud800x', nul: 'a\u0000b', controls: '\t\n\u001f' } },
  ];
  for (const msg of samples) assert.deepEqual(Buffer.from(await encode(msg)), Buffer.from(JSON.stringify(msg), 'utf8'));
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), fc.string({ unit: 'binary' }), async (value, text) => {
      const msg = { jsonrpc: '2.0', id: 3, result: { value, text } };
      assert.deepEqual(Buffer.from(await encode(msg)), Buffer.from(JSON.stringify(msg), 'utf8'));
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 5000 : 300 },
  );
});

test('json encoder: a message that cannot be serialised rejects', async () => {
  const cyclic: Record<string, unknown> = { jsonrpc: '2.0', id: 4 };
  cyclic.result = cyclic;
  await assert.rejects(encode(cyclic), TypeError);
});
