// Spec 7.1: the golden tar, byte for byte, and its decoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { encodeReparsePoint } from '../../src/formats/backup/reparse.js';
import { GOLDEN_SD as SD, T, chunked, decodeAll, encode, goldenEntries, toEntries } from './helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const field = (tar: Buffer, block: number, off: number, len: number) => tar.toString('latin1', block + off, block + off + len);

test('golden tar: whole-archive and first-1024-byte digests match spec 7.1', async () => {
  const tar = await encode(goldenEntries());
  assert.equal(tar.length, 10240);
  assert.equal(sha(tar.subarray(0, 1024)), 'b0932aa4c1f8f5339a81a90712250de038c58071e51586791f356b29e0086f4e');
  assert.equal(sha(tar), '632e09d3ef6d7ec35275af2ba91fa9f1e8c8d7d426834705ee11149a8c42631f');
});

test('golden tar: header fields at the offsets of spec 7.1', async () => {
  const tar = await encode(goldenEntries());
  // 1: extended header of hello.txt
  assert.equal(field(tar, 0, 0, 29), 'Files/PaxHeaders.0/hello.txt\0');
  assert.equal(field(tar, 0, 124, 12), '00000000313\0');
  assert.equal(field(tar, 0, 148, 8), '013124\0 ');
  assert.equal(tar[156], 0x78);
  assert.equal(field(tar, 0, 329, 16), '\0'.repeat(16), 'devmajor/devminor left NUL on x headers');
  assert.equal(
    field(tar, 512, 0, 203),
    '46 LIBARCHIVE.creationtime=1577836800.1234567\n25 MSWINDOWS.fileattr=32\n48 MSWINDOWS.rawsd=AQAEgAAAAAAAAAAAAAAAAAAAAAA=\n28 atime=1577836800.1234567\n28 ctime=1577836800.1234567\n28 mtime=1577836800.1234567\n',
  );
  // 2: the file
  assert.equal(field(tar, 1024, 0, 16), 'Files/hello.txt\0');
  assert.equal(field(tar, 1024, 100, 8), '0100000\0');
  assert.equal(field(tar, 1024, 124, 12), '00000000003\0');
  assert.equal(field(tar, 1024, 136, 12), '13602760400\0');
  assert.equal(field(tar, 1024, 148, 8), '012124\0 ');
  assert.equal(field(tar, 1024, 257, 8), 'ustar\x0000');
  assert.equal(field(tar, 1024, 329, 16), '0000000\x000000000\0');
  assert.equal(field(tar, 1536, 0, 4), 'hi\n\0');
  // 3-4: the ADS
  assert.equal(field(tar, 2048, 0, 45), 'Files/PaxHeaders.0/hello.txt:Zone.Identifier\0');
  assert.equal(field(tar, 2560, 0, 84), '28 atime=1577836800.1234567\n28 ctime=1577836800.1234567\n28 mtime=1577836800.1234567\n');
  assert.equal(field(tar, 3072, 0, 32), 'Files/hello.txt:Zone.Identifier\0');
  assert.equal(field(tar, 3072, 100, 8), '0100000\0');
  // 5: whiteout, plain ustar
  assert.equal(field(tar, 4096, 0, 19), 'Files/.wh.gone.txt\0');
  assert.equal(field(tar, 4096, 100, 48), '0000000\x000000000\x000000000\x0000000000000\x0000000000000\0');
  assert.equal(field(tar, 4096, 148, 8), '012403\0 ');
  // 6: directory
  assert.equal(field(tar, 4608, 0, 23), 'Files/PaxHeaders.0/dir\0');
  assert.equal(field(tar, 4608, 124, 12), '00000000233\0'); // 155 bytes
  assert.equal(field(tar, 5632, 0, 10), 'Files/dir\0');
  assert.equal(field(tar, 5632, 100, 8), '0040000\0');
  assert.equal(String.fromCharCode(tar[5632 + 156]!), '5');
  // 7: symlink
  assert.match(field(tar, 6656, 0, 200), /MSWINDOWS\.fileattr=1056\n/);
  assert.equal(field(tar, 7168, 0, 11), 'Files/link\0');
  assert.equal(field(tar, 7168, 100, 8), '0120000\0');
  assert.equal(String.fromCharCode(tar[7168 + 156]!), '2');
  assert.equal(field(tar, 7168, 157, 10), 'hello.txt\0');
  // 8: hard link
  assert.match(field(tar, 8192, 0, 200), /MSWINDOWS\.fileattr=32\n/);
  assert.equal(field(tar, 8704, 0, 15), 'Files/hard.txt\0');
  assert.equal(field(tar, 8704, 100, 8), '0000644\0');
  assert.equal(String.fromCharCode(tar[8704 + 156]!), '1');
  assert.equal(field(tar, 8704, 157, 16), 'Files/hello.txt\0');
  assert.ok(tar.subarray(9216).every((b) => b === 0));
});

test('golden tar decodes to the entries it was made from, and re-encodes byte-identically', async () => {
  const tar = await encode(goldenEntries());
  for (const chunkSize of [tar.length, 1, 7, 512, 513]) {
    const { entries, result } = await decodeAll(chunked(tar, chunkSize));
    assert.deepEqual(
      entries.map((e) => [e.kind, e.path]),
      [['file', 'Files/hello.txt'], ['stream', 'Files/hello.txt'], ['whiteout', 'Files/gone.txt'], ['directory', 'Files/dir'], ['file', 'Files/link'], ['link', 'Files/hard.txt']],
    );
    const [file, ads, , dir, link, hard] = entries as any[];
    assert.equal(file.info.attributes, 32);
    assert.equal(file.info.creationTime, T);
    assert.equal(file.info.lastAccessTime, T);
    assert.deepEqual(Buffer.from(file.info.securityDescriptor), SD);
    assert.deepEqual(file.content, Buffer.from('hi\n'));
    assert.equal(ads.name, 'Zone.Identifier');
    assert.deepEqual(ads.content, Buffer.from('ads\n'));
    assert.equal(dir.info.attributes, 16);
    assert.deepEqual(Buffer.from(link.info.reparseData), Buffer.from(encodeReparsePoint('hello.txt', false)));
    assert.equal(hard.target, 'Files/hello.txt');
    assert.equal(result.diffId, `sha256:${sha(tar)}`);
    assert.equal(result.entries, 6);
    assert.deepEqual(await encode(toEntries(entries)), tar);
  }
});

test('gzip and zstd inputs are detected by magic bytes and give both digests from one pass', async () => {
  const tar = await encode(goldenEntries());
  const gz = gzipSync(tar);
  const g = await decodeAll(chunked(gz, 100));
  assert.equal(g.result.compression, 'gzip');
  assert.equal(g.result.compressedDigest, `sha256:${sha(gz)}`);
  assert.equal(g.result.compressedSize, gz.length);
  assert.equal(g.result.diffId, `sha256:${sha(tar)}`);
  assert.equal(g.result.tarSize, tar.length);
  assert.equal(g.entries.length, 6);
  const z = spawnSync('zstd', ['-q', '-c', '-3'], { input: tar });
  assert.equal(z.status, 0, `the zstd tool is needed by this test: ${z.error ?? z.stderr}`);
  const zst = z.stdout as Buffer;
  const r = await decodeAll(chunked(zst, 33));
  assert.equal(r.result.compression, 'zstd');
  assert.equal(r.result.compressedDigest, `sha256:${sha(zst)}`);
  assert.equal(r.result.diffId, `sha256:${sha(tar)}`);
  assert.deepEqual(await encode(toEntries(r.entries)), tar);
});

test('inputDigest: false skips the blob digest only: the diffID is still taken, plain or gzip', async () => {
  const tar = await encode(goldenEntries());
  const gz = gzipSync(tar);
  for (const input of [tar, gz]) {
    const d = await decodeAll(chunked(input, 700), { inputDigest: false });
    assert.equal(d.result.compressedDigest, undefined);
    assert.equal(d.result.diffId, `sha256:${sha(tar)}`);
    assert.equal(d.result.tarSize, tar.length);
    assert.equal(d.result.compressedSize, input.length);
    assert.equal(d.entries.length, 6);
  }
});

test('compressChunks writes gzip and multi-frame zstd that our decoder and the zstd tool read', async () => {
  const { compressChunks } = await import('../../src/formats/tar/compress.js');
  const { iter } = await import('./helpers.js');
  // 9 MiB + a bit: three zstd frames
  const big = Buffer.concat([await encode(goldenEntries()), Buffer.alloc(9 * 1024 * 1024 + 1234, 0x61)]);
  for (const kind of ['gzip', 'zstd'] as const) {
    const parts: Buffer[] = [];
    for await (const c of compressChunks(iter(chunked(big, 300_000)), kind)) parts.push(c);
    const packed = Buffer.concat(parts);
    const { decompressInput } = await import('../../src/formats/tar/compression.js');
    const d = decompressInput([packed]);
    const out: Buffer[] = [];
    for await (const c of d.chunks) out.push(c);
    assert.equal(await d.compression, kind);
    assert.ok(Buffer.concat(out).equals(big), `${kind} round trip`);
    if (kind === 'zstd') {
      const z = spawnSync('zstd', ['-d', '-c'], { input: packed, maxBuffer: 1 << 30 });
      assert.equal(z.status, 0, `the zstd tool is needed by this test: ${z.error ?? z.stderr}`);
      assert.ok((z.stdout as Buffer).equals(big), 'zstd -d reads our frames');
    }
  }
});
