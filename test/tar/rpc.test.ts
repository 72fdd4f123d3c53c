// tar/list end to end through a real `wclayer serve --stdio` child: $/items streaming,
// $/progress, errors with codes, and cancellation in the middle of a large listing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { createMessageConnection, ProgressType, ResponseError, StreamMessageReader, StreamMessageWriter, CancellationTokenSource, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Entry } from '../../src/formats/entry.js';
import { encodeLayerTar } from '../../src/formats/tar/encode.js';
import { cliPath } from '../helpers/paths.js';
import { encode, goldenEntries, info } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wclayer-rpc-'));
let child: ChildProcess | undefined;
let conn: MessageConnection | undefined;

function connect(): MessageConnection {
  if (conn) return conn;
  child = spawn(process.execPath, [cliPath, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr!.resume();
  conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  conn.listen();
  return conn;
}

after(async () => {
  if (conn) {
    await conn.sendRequest('shutdown').catch(() => {});
    await conn.sendNotification('exit').catch(() => {});
    conn.dispose();
  }
  child?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Item {
  name: string;
  kind: string;
  size: number;
  attributes: number;
  streams: { name: string; size: number }[];
  linkTarget?: string;
  securityDescriptor?: string;
  isWhiteout: boolean;
  lastWriteTime?: string;
}

// vscode-jsonrpc keeps one handler per notification: dispatch $/items by token ourselves.
const itemListeners = new Map<string, (items: Item[]) => void>();
let dispatching = false;

function collectItems(c: MessageConnection, token: string, onBatch?: (batches: number) => void): { items: Item[]; batches: number } {
  const state = { items: [] as Item[], batches: 0 };
  if (!dispatching) {
    dispatching = true;
    c.onNotification('$/items', (p: { token: string; items: Item[] }) => itemListeners.get(p.token)?.(p.items));
  }
  itemListeners.set(token, (items) => {
    state.batches++;
    state.items.push(...items);
    onBatch?.(state.batches);
  });
  return state;
}

test('tar/list streams one object per entry with progress and digests', async () => {
  const c = connect();
  const file = join(dir, 'golden.tar.gz');
  const tar = await encode(goldenEntries());
  writeFileSync(file, gzipSync(tar));
  const got = collectItems(c, 'items-1');
  const progress: { kind: string; bytesDone?: number; bytesTotal?: number }[] = [];
  c.onProgress(new ProgressType<{ kind: string }>(), 'progress-1', (v) => {
    progress.push(v as never);
  });
  const res = (await c.sendRequest('tar/list', { path: file, itemToken: 'items-1', progressToken: 'progress-1' })) as Record<string, unknown>;
  assert.equal(res.compression, 'gzip');
  assert.equal(res.diffId, 'sha256:632e09d3ef6d7ec35275af2ba91fa9f1e8c8d7d426834705ee11149a8c42631f');
  assert.equal(res.entries, 6);
  assert.equal(res.items, undefined, 'items travel as $/items, not in the response');
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got.items.map((i) => [i.name, i.kind, i.size]), [
    ['Files/hello.txt', 'file', 3],
    ['Files/gone.txt', 'whiteout', 0],
    ['Files/dir', 'directory', 0],
    ['Files/link', 'symlink', 0],
    ['Files/hard.txt', 'link', 0],
  ]);
  const hello = got.items[0]!;
  assert.deepEqual(hello.streams, [{ name: 'Zone.Identifier', size: 4 }]);
  assert.equal(hello.attributes, 32);
  assert.equal(hello.securityDescriptor, 'AQAEgAAAAAAAAAAAAAAAAAAAAAA=');
  assert.equal(hello.lastWriteTime, '2020-01-01T00:00:00.1234567Z');
  assert.equal(got.items[1]!.isWhiteout, true);
  assert.equal(got.items[3]!.linkTarget, 'hello.txt');
  assert.equal(got.items[4]!.linkTarget, 'Files/hello.txt');
  assert.equal(progress[0]?.kind, 'begin');
  assert.equal(progress.at(-1)?.kind, 'end');
});

test('tar/list without an item token returns the items in the response; errors carry codes', async () => {
  const c = connect();
  const file = join(dir, 'plain.tar');
  writeFileSync(file, await encode(goldenEntries()));
  const res = (await c.sendRequest('tar/list', { path: file })) as { items: Item[] };
  assert.equal(res.items.length, 5);
  assert.ok(res.items.filter((i) => !i.isWhiteout).every((i) => typeof i.lastWriteTime === 'string'));
  // Get-WcLayerContent's request: the exact FILETIMEs only
  const lean = (await c.sendRequest('tar/list', { path: file, digests: false, isoTimes: false })) as { items: (Item & Record<string, unknown>)[] };
  assert.deepEqual(lean.items.map((i) => i.name), res.items.map((i) => i.name));
  for (const i of lean.items.filter((x) => !x.isWhiteout)) {
    assert.equal(i.lastWriteTime, undefined);
    assert.equal(i.creationTime, undefined);
    assert.equal(i.lastWriteTimeRaw, '132223104001234567');
  }
  await assert.rejects(c.sendRequest('tar/list', { path: join(dir, 'missing.tar') }), (e: unknown) => e instanceof ResponseError && e.code === -32010 && (e.data as { code: string }).code === 'NotFound');
  const bad = join(dir, 'bad.tar');
  const broken = Buffer.from(await encode(goldenEntries()));
  broken[1024 + 5] ^= 0xff;
  writeFileSync(bad, broken);
  await assert.rejects(c.sendRequest('tar/list', { path: bad }), (e: unknown) => e instanceof ResponseError && e.code === -32013 && /bad checksum/.test(e.message) && (e.data as { offset: number }).offset === 1024);
  await assert.rejects(c.sendRequest('tar/list', { path: '-' }), (e: unknown) => e instanceof ResponseError && e.code === -32602 && /protocol stream/.test(e.message));
  await assert.rejects(c.sendRequest('tar/list', { path: file, bogus: 1 }), (e: unknown) => e instanceof ResponseError && e.code === -32602 && /unknown parameter 'bogus'/.test(e.message));
});

test('tar/list reports progress on a large listing and can be cancelled in the middle of one', async () => {
  const c = connect();
  const file = join(dir, 'large.tar');
  const count = 40_000;
  async function* entries(): AsyncGenerator<Entry> {
    yield { kind: 'directory', path: 'Files', info: info(16) };
    for (let i = 0; i < count; i++) yield { kind: 'file', path: `Files/f${i}.txt`, info: info(32), size: 0 };
  }
  await pipeline(encodeLayerTar(entries()), createWriteStream(file));
  // first a full listing with progress: reports carry bytes read against the file size
  const progress: { kind: string; bytesDone?: number; bytesTotal?: number; percentage?: number }[] = [];
  c.onProgress(new ProgressType<{ kind: string }>(), 'progress-big', (v) => {
    progress.push(v as never);
  });
  const all = collectItems(c, 'items-all');
  const res = (await c.sendRequest('tar/list', { path: file, itemToken: 'items-all', progressToken: 'progress-big', digests: false })) as { entries: number; diffId?: string };
  assert.equal(res.entries, count + 1);
  assert.equal(res.diffId, undefined, 'digests: false skips hashing');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(all.items.length, count + 1);
  const reports = progress.filter((p) => p.kind === 'report');
  assert.ok(reports.length >= 1, `progress reports: ${JSON.stringify(progress.slice(0, 3))}`);
  const size = statSync(file).size;
  for (const r of reports) assert.ok(r.bytesTotal === size && r.bytesDone! > 0 && r.bytesDone! <= size, JSON.stringify(r));
  assert.equal(progress.at(-1)?.kind, 'end');

  const source = new CancellationTokenSource();
  const got = collectItems(c, 'items-big', (batches) => {
    if (batches === 2) source.cancel();
  });
  const started = Date.now();
  await assert.rejects(c.sendRequest('tar/list', { path: file, itemToken: 'items-big' }, source.token), (e: unknown) => e instanceof ResponseError && e.code === -32800);
  assert.ok(got.items.length > 0 && got.items.length < count, `cancelled after ${got.items.length} of ${count + 1} items`);
  assert.ok(Date.now() - started < 20_000);
  // the backend is still healthy afterwards
  // ({} because vscode-jsonrpc hands a param-less request's token over as the params)
  const ping = (await c.sendRequest('backend/ping', {})) as { pong: boolean };
  assert.equal(ping.pong, true);
  void Readable;
});
