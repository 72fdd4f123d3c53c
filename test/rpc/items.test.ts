// ItemSink (src/rpc/items.ts): batches in order, no promise per item, one batch written while
// the next is built, flush waits for every write, a failed write reaches the caller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { ItemSink, ITEMS_NOTIFICATION } from '../../src/rpc/items.js';

/** A connection whose writes complete only when the test says so. */
function fakeConnection() {
  const sent: { items: unknown[]; done: () => void; fail: (e: Error) => void; written: boolean }[] = [];
  const connection = {
    sendNotification(method: string, params: { token: string; items: unknown[] }): Promise<void> {
      assert.equal(method, ITEMS_NOTIFICATION);
      assert.equal(params.token, 't');
      return new Promise<void>((resolve, reject) => {
        const s = { items: params.items, written: false, done: () => ((s.written = true), resolve()), fail: reject };
        sent.push(s);
      });
    },
  } as unknown as MessageConnection;
  return { connection, sent };
}

const settled = async (p: Promise<unknown> | undefined) => {
  let done = false;
  void p?.then(() => (done = true), () => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

test('items go out in batches, in order; a promise only when a batch was sent; one batch in flight', async () => {
  const { connection, sent } = fakeConnection();
  const sink = new ItemSink(connection, 't', 3, 60_000);
  assert.equal(sink.push(1), undefined);
  assert.equal(sink.push(2), undefined);
  assert.equal(sink.push(3), undefined, 'the first batch has no batch before it to wait for');
  assert.deepEqual(sent.map((s) => s.items), [[1, 2, 3]]);
  sink.push(4);
  sink.push(5);
  const wait = sink.push(6);
  assert.ok(wait instanceof Promise, 'the second batch gives the first one\'s write to wait for');
  assert.deepEqual(sent.map((s) => s.items), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(await settled(wait), false, 'not before the first batch is written');
  sent[0]!.done();
  assert.equal(await settled(wait), true);
  sink.push(7);
  const flushed = sink.flush();
  assert.deepEqual(sent.map((s) => s.items), [[1, 2, 3], [4, 5, 6], [7]]);
  sent[1]!.done();
  assert.equal(await settled(flushed), false, 'flush waits for the last write');
  sent[2]!.done();
  await flushed;
  assert.equal(sink.sent, 7);
  await sink.flush(); // nothing left: resolves at once
  assert.equal(sent.length, 3);
});

test('a failed write reaches the caller that waits for it, and is never unhandled', async () => {
  const { connection, sent } = fakeConnection();
  const sink = new ItemSink(connection, 't', 1, 60_000);
  sink.push('a');
  sent[0]!.fail(new Error('pipe closed'));
  await new Promise((r) => setImmediate(r)); // an unhandled rejection would fail the test run here
  const wait = sink.push('b');
  await assert.rejects(wait!, /pipe closed/);
  sent[1]!.fail(new Error('still closed'));
  await assert.rejects(sink.flush(), /still closed/);
});

test('without an item token nothing is sent', async () => {
  const { connection, sent } = fakeConnection();
  const sink = new ItemSink(connection, undefined, 1, 0);
  assert.equal(sink.active, false);
  assert.equal(sink.push(1), undefined);
  await sink.flush();
  assert.equal(sent.length, 0);
});
