// A Windows-only operation called through JSON-RPC reaches the client as an Unsupported error
// (code -32015, data.code 'Unsupported', data.operation the Win32 function). The layer methods
// come later; this wires a method the way they will be: a thin handler over the Platform.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { RPC_ERROR_CODE } from '../../src/rpc/codes.js';
import { defineMethod } from '../../src/rpc/method.js';
import { startServer } from '../../src/rpc/server.js';
import type { Platform } from '../../src/platform/index.js';
import { createPortablePlatform } from '../../src/platform/portable/index.js';

function layerMethods(os: Platform) {
  return [
    defineMethod({
      name: 'layer/mount',
      summary: 'activate and prepare a layer, return its mount path',
      params: ['path', 'parents'],
      handler: async (p) => {
        const path = p.string('path');
        const parents = p.stringArray('parents');
        await os.activateLayer(path);
        await os.prepareLayer(path, parents);
        return { mountPath: await os.getLayerMountPath(path) };
      },
    }),
    defineMethod({
      name: 'cim/mount',
      summary: 'mount a CIM',
      params: ['path'],
      handler: async (p) => os.cimMountImage(p.string('path')),
    }),
  ];
}

test('Windows-only operations surface as Unsupported over JSON-RPC', async () => {
  const toServer = new PassThrough();
  const fromServer = new PassThrough();
  const server = startServer({ input: toServer, output: fromServer, methods: layerMethods(createPortablePlatform()) });
  const client = createMessageConnection(new StreamMessageReader(fromServer), new StreamMessageWriter(toServer));
  client.listen();
  try {
    const cases: Array<[string, object, string]> = [
      ['layer/mount', { path: 'C:\\layers\\scratch', parents: ['C:\\layers\\base'] }, 'ActivateLayer'],
      ['cim/mount', { path: 'C:\\cim\\layer.cim' }, 'CimMountImage'],
    ];
    for (const [method, params, operation] of cases) {
      await assert.rejects(client.sendRequest(method, params), (e: unknown) => {
        assert.ok(e instanceof ResponseError, String(e));
        assert.equal(e.code, RPC_ERROR_CODE.Unsupported);
        assert.equal(e.code, -32015);
        const data = e.data as Record<string, unknown>;
        assert.equal(data.code, 'Unsupported');
        assert.equal(data.operation, operation);
        assert.equal(data.os, process.platform);
        assert.match(e.message, new RegExp(`^${operation} needs Windows`));
        return true;
      });
    }
    // The backend keeps serving after the refusals.
    const init = (await client.sendRequest('initialize', {})) as { capabilities: { methods: string[] } };
    assert.ok(init.capabilities.methods.includes('layer/mount'));
  } finally {
    client.dispose();
    toServer.end();
    await server.closed;
  }
});
