import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import {
  BACKUP_STREAM_ID,
  BackupStreamDecoder,
  STREAM_ATTRIBUTE,
  decodeBackupStream,
  decodeBackupStreamBuffer,
  encodeBackupStream,
  encodeBackupStreamBuffer,
  encodeBackupStreamHeader,
  type BackupStreamEvent,
  type BackupStreamHeader,
} from '../../src/formats/backup/index.js';
import { assertWcError, hex, runs, toHex } from './helpers.js';

// layer-format.md 2.3: SECURITY (NULL-DACL SD), DATA "hi\n", ADS ":Zone.Identifier:$DATA" "ads\n".
const VECTOR_131 = hex(`
  03000000 00000000 1400000000000000 00000000
  01000480 00000000 00000000 00000000 00000000
  01000000 00000000 0300000000000000 00000000
  68690a
  04000000 00000000 0400000000000000 2c000000
  3a005a006f006e0065002e004900640065006e00
  740069006600690065007200 3a0024004400410054004100
  6164730a`);

// layer-format.md 2.3: sparse DATA of size 0, one 4-byte block at 0x10000, terminator at 0x20000.
const VECTOR_SPARSE = hex(`
  01000000 08000000 0000000000000000 00000000
  09000000 08000000 0c00000000000000 00000000 0000010000000000 64617461
  09000000 08000000 0800000000000000 00000000 0000020000000000`);

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const vector131Streams = [
  { header: { id: BACKUP_STREAM_ID.SECURITY_DATA, attributes: 0, size: 20, name: '' }, data: hex('0100048000000000000000000000000000000000') },
  { header: { id: BACKUP_STREAM_ID.DATA, attributes: 0, size: 3, name: '' }, data: enc('hi\n') },
  { header: { id: BACKUP_STREAM_ID.ALTERNATE_DATA, attributes: 0, size: 4, name: ':Zone.Identifier:$DATA' }, data: enc('ads\n') },
];

const sparseStreams = [
  { header: { id: BACKUP_STREAM_ID.DATA, attributes: STREAM_ATTRIBUTE.SPARSE, size: 0, name: '' }, data: new Uint8Array(0) },
  { header: { id: BACKUP_STREAM_ID.SPARSE_BLOCK, attributes: STREAM_ATTRIBUTE.SPARSE, size: 4, name: '', sparseOffset: 0x10000 }, data: enc('data') },
  { header: { id: BACKUP_STREAM_ID.SPARSE_BLOCK, attributes: STREAM_ATTRIBUTE.SPARSE, size: 0, name: '', sparseOffset: 0x20000 }, data: new Uint8Array(0) },
];

test('spec 2.3 vector: 131-byte stream encodes byte for byte and decodes back', () => {
  assert.equal(VECTOR_131.length, 131);
  assert.equal(toHex(encodeBackupStreamBuffer(vector131Streams)), toHex(VECTOR_131));
  const decoded = decodeBackupStreamBuffer(VECTOR_131);
  assert.deepEqual(decoded.map((s) => s.header), vector131Streams.map((s) => s.header));
  assert.deepEqual(decoded.map((s) => toHex(s.data)), vector131Streams.map((s) => toHex(s.data)));
});

test('spec 2.3 vector: sparse blocks encode byte for byte and decode back', () => {
  assert.equal(toHex(encodeBackupStreamBuffer(sparseStreams)), toHex(VECTOR_SPARSE));
  const decoded = decodeBackupStreamBuffer(VECTOR_SPARSE);
  assert.deepEqual(decoded.map((s) => s.header), sparseStreams.map((s) => s.header));
  assert.equal(new TextDecoder().decode(decoded[1]!.data), 'data');
});

test('a header split across reads (one byte at a time) decodes the same', () => {
  const d = new BackupStreamDecoder();
  const events: BackupStreamEvent[] = [];
  for (let i = 0; i < VECTOR_131.length; i++) events.push(...d.write(VECTOR_131.subarray(i, i + 1)));
  d.end();
  assert.deepEqual(events.filter((e) => e.type === 'header').map((e) => (e as { header: BackupStreamHeader }).header), vector131Streams.map((s) => s.header));
  const data = Buffer.concat(events.filter((e) => e.type === 'data').map((e) => (e as { chunk: Uint8Array }).chunk));
  assert.equal(toHex(data), toHex(VECTOR_131.subarray(20, 40)) + toHex(enc('hi\n')) + toHex(enc('ads\n')));
  // header offsets point at the stream headers in the input
  assert.deepEqual(events.filter((e) => e.type === 'header').map((e) => e.offset), [0, 40, 63]);
});

test('data events are views into the input, never copies', () => {
  const d = new BackupStreamDecoder();
  const events = d.write(VECTOR_131);
  const data = events.find((e) => e.type === 'data')!;
  assert.equal((data as { chunk: Uint8Array }).chunk.buffer, VECTOR_131.buffer);
});

test('odd NameSize is Corrupt at the NameSize field', () => {
  const b = VECTOR_131.slice(63);
  b[16] = 43;
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 16, /odd/);
});

test('sparse block with Size < 8 is Corrupt', () => {
  const b = hex('09000000 00000000 0700000000000000 00000000');
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 8, /sparse block size 7/);
});

test('negative sparse offset is Corrupt', () => {
  const b = hex('09000000 00000000 0800000000000000 00000000 ffffffffffffffff');
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 20, /offset/);
});

test('unknown stream id is Corrupt at the header', () => {
  const b = hex('0b000000 00000000 0000000000000000 00000000');
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 0, /unknown stream id 11/);
  const after = new Uint8Array([...VECTOR_131, ...b]);
  assertWcError(() => decodeBackupStreamBuffer(after), 'Corrupt', 131, /unknown stream id 11/);
});

test('size beyond 2^53 is Corrupt', () => {
  const b = hex('01000000 00000000 ffffffffffffff7f 00000000');
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 8, /too large/);
});

test('huge name size is Corrupt before anything is allocated', () => {
  const b = hex('04000000 00000000 0000000000000000 feffff7f');
  assertWcError(() => decodeBackupStreamBuffer(b), 'Corrupt', 16, /name size/);
});

test('truncation at every byte inside a stream is Corrupt with the end offset; at a boundary it is the end', () => {
  const boundaries = new Set([0, 40, 63, 131]);
  for (let n = 0; n <= VECTOR_131.length; n++) {
    const cut = VECTOR_131.subarray(0, n);
    if (boundaries.has(n)) {
      assert.equal(decodeBackupStreamBuffer(cut).length, [0, 40, 63, 131].indexOf(n));
    } else {
      assertWcError(() => decodeBackupStreamBuffer(cut), 'Corrupt', n, /ends inside/);
    }
  }
});

test('payload truncated mid-way is reported by the async decoder too', async () => {
  const src = [VECTOR_131.subarray(0, 50), VECTOR_131.subarray(50, 60)];
  await assert.rejects(async () => {
    for await (const _ of decodeBackupStream(src)) void _;
  }, (e: unknown) => (e as { code: string; data: { offset: number } }).code === 'Corrupt' && (e as { data: { offset: number } }).data.offset === 60);
});

test('writer: missing bytes and too many bytes are InvalidArgument', async () => {
  const short = { id: 1, attributes: 0, size: 5, name: '', data: enc('abc') };
  await assert.rejects(async () => {
    for await (const _ of encodeBackupStream([short])) void _;
  }, /missing 2 bytes/);
  const long = { id: 1, attributes: 0, size: 2, name: '', data: [enc('ab'), enc('c')] };
  await assert.rejects(async () => {
    for await (const _ of encodeBackupStream([long])) void _;
  }, /too many bytes by 1/);
  // a missing payload is also caught when the next stream starts
  await assert.rejects(async () => {
    for await (const _ of encodeBackupStream([{ id: 1, attributes: 0, size: 1, name: '' }, { id: 3, attributes: 0, size: 0, name: '' }])) void _;
  }, /missing 1 bytes/);
});

test('writer rejects bad headers', () => {
  assertWcError(() => encodeBackupStreamHeader({ id: 11, attributes: 0, size: 0, name: '' }), 'InvalidArgument');
  assertWcError(() => encodeBackupStreamHeader({ id: 9, attributes: 0, size: 0, name: '' }), 'InvalidArgument');
  assertWcError(() => encodeBackupStreamHeader({ id: 1, attributes: 0, size: 0, name: '', sparseOffset: 1 }), 'InvalidArgument');
  assertWcError(() => encodeBackupStreamHeader({ id: 4, attributes: 0, size: 0, name: 'a\0b' }), 'InvalidArgument');
  assertWcError(() => encodeBackupStreamHeader({ id: 1, attributes: -1, size: 0, name: '' }), 'InvalidArgument');
});

test('encoder streams Readable data without gathering it', async () => {
  const big = 5 * 1024 * 1024;
  const chunk = new Uint8Array(64 * 1024).fill(7);
  const data = Readable.from((function* () {
    for (let i = 0; i < big / chunk.length; i++) yield chunk;
  })());
  let total = 0;
  let maxChunk = 0;
  for await (const c of encodeBackupStream([{ id: 1, attributes: 0, size: big, name: '', data }])) {
    total += c.length;
    maxChunk = Math.max(maxChunk, c.length);
  }
  assert.equal(total, 20 + big);
  assert.ok(maxChunk <= chunk.length);
});

// ---- properties ----------------------------------------------------------------------------

const codeUnit = fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c));
const streamArb = fc
  .record({
    id: fc.integer({ min: 1, max: 10 }),
    attributes: fc.oneof(fc.constantFrom(0, 8), fc.integer({ min: 0, max: 0xffffffff })),
    name: fc.oneof(fc.constant(''), fc.string({ unit: codeUnit, maxLength: 40 })),
    data: fc.uint8Array({ maxLength: 300 }),
    sparseOffset: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  })
  .map(({ id, attributes, name, data, sparseOffset }) => ({
    header: { id, attributes, size: data.length, name, ...(id === 9 ? { sparseOffset } : {}) } as BackupStreamHeader,
    data,
  }));

function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  let i = 0;
  while (o < bytes.length) {
    const n = sizes.length ? sizes[i++ % sizes.length]! : bytes.length;
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

test('property: random stream lists → encode → decode (random chunk sizes) are equal', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(streamArb, { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 10 }), async (streams, sizes) => {
      // encode through the streaming encoder, payloads split in pieces
      const parts: Uint8Array[] = [];
      for await (const c of encodeBackupStream(streams.map((s) => ({ ...s.header, data: chunked(s.data, sizes) })))) parts.push(c);
      const bytes = new Uint8Array(Buffer.concat(parts));
      assert.equal(toHex(bytes), toHex(encodeBackupStreamBuffer(streams)));
      const got: { header: BackupStreamHeader; data: Uint8Array[] }[] = [];
      for await (const ev of decodeBackupStream(chunked(bytes, sizes))) {
        if (ev.type === 'header') got.push({ header: ev.header, data: [] });
        else got[got.length - 1]!.data.push(ev.chunk);
      }
      assert.deepEqual(got.map((g) => g.header), streams.map((s) => s.header));
      assert.deepEqual(got.map((g) => toHex(Buffer.concat(g.data))), streams.map((s) => toHex(s.data)));
    }),
    { numRuns: runs(200) },
  );
});
