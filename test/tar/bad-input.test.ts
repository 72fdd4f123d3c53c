// A bad-input corpus made in code: each case must end in a clear WcError (no crash, no hang,
// bounded memory). Plus a fuzz smoke run over mutated golden tars (longer with WCLAYER_FUZZ=long).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { WcError, type ErrorCode } from '../../src/errors.js';
import { TYPE, encodeHeader } from '../../src/formats/tar/header.js';
import { decodeLayerTar } from '../../src/formats/tar/decode.js';
import { detectCompression } from '../../src/formats/tar/magic.js';
import { END, chunked, decodeAll, encode, fuzzLong, goldenEntries, listFast, listStreaming, rawEntry, tarOf } from './helpers.js';

async function expectError(input: Buffer | Buffer[], code: ErrorCode | ErrorCode[], pattern: RegExp, label: string): Promise<void> {
  const codes = Array.isArray(code) ? code : [code];
  await assert.rejects(decodeAll(input), (e: unknown) => {
    assert.ok(e instanceof WcError, `${label}: expected a WcError, got ${(e as Error)?.stack ?? e}`);
    assert.ok(codes.includes(e.code), `${label}: code ${e.code}, message: ${e.message}`);
    assert.match(e.message, pattern, label);
    return true;
  }, label);
  if (!Array.isArray(input) && detectCompression(input) === 'none') await expectSameListing(input, label);
}

/** A plain tar: the header scanner lists the same items and fails with the same error (code, message, offset) as the streaming decoder. */
async function expectSameListing(tar: Buffer, label: string): Promise<void> {
  assert.deepEqual(await listFast(tar), await listStreaming(tar), `${label}: scanner and streaming listings differ`);
}

function xHeader(data: Buffer | string, declared?: number): Buffer {
  const body = Buffer.from(data);
  const size = declared ?? body.length;
  const h = encodeHeader({ name: 'Files/PaxHeaders.0/x', linkname: '', mode: 0, size, mtime: 0, typeflag: TYPE.PAX, raw: true });
  return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

const file = (name: string, extra: Parameters<typeof rawEntry>[0] = { name }) => rawEntry({ ...extra, name });

test('truncated headers and bodies give Corrupt errors with offsets', async () => {
  const tar = await encode(goldenEntries());
  for (const cut of [100, 511, 700, 1100, 1537, 2600, 3100, 3500, 6700]) {
    await expectError(tar.subarray(0, cut), 'Corrupt', /unexpected end of input|offset/, `cut at ${cut}`);
  }
  const gz = gzipSync(tar);
  await expectError(gz.subarray(0, gz.length - 10), 'Corrupt', /gzip|unexpected end/, 'truncated gzip');
  await expectError(Buffer.concat([gz.subarray(0, 20), Buffer.alloc(50, 0xff)]), 'Corrupt', /gzip/, 'garbage gzip');
  const zst = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x01, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  await expectError(zst, 'Corrupt', /zstd/, 'garbage zstd');
});

test('bad checksums, bad octal numbers and stray blocks are Corrupt', async () => {
  const good = tarOf(file('Files/x'));
  const badSum = Buffer.from(good);
  badSum[10] ^= 0x01;
  await expectError(badSum, 'Corrupt', /offset 0: bad checksum/, 'checksum');
  const badOctal = Buffer.from(good);
  badOctal.write('00000009999', 124, 'latin1');
  // fix the checksum so only the size field is wrong
  badOctal.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += badOctal[i]!;
  badOctal.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  await expectError(badOctal, 'Corrupt', /invalid octal size/, 'octal');
  await expectError(Buffer.concat([Buffer.alloc(512), file('Files/x')]), 'Corrupt', /zero block at offset 0 is followed by a non-zero block/, 'zero then data');
  await expectError(Buffer.concat([xHeader('25 MSWINDOWS.fileattr=32\n'), END]), 'Corrupt', /extended header at offset 0 is not followed by an entry/, 'dangling x');
});

test('huge or malformed PAX data is refused without allocating it', async () => {
  await expectError(Buffer.concat([xHeader('', 1 << 30), END]), 'Corrupt', /more than the 1048576 allowed/, 'huge PAX');
  const malformed: [string, RegExp][] = [
    ['99 k=v\n', /length 99 does not fit/],
    ['6 k=v!', /does not end in a newline|does not fit/],
    ['7 kv12\n', /no '='/],
    ['x k=v\n', /not a decimal number/],
    ['4 k=\n', /does not fit/],
    ['12345678901234567890123 k=v\n', /no length field|does not fit/],
  ];
  for (const [data, re] of malformed) await expectError(Buffer.concat([xHeader(data), file('Files/x'), END]), 'Corrupt', re, JSON.stringify(data));
  const gnuLong = rawEntry({ name: '././@LongLink', typeflag: TYPE.GNU_LONGNAME, size: 1 << 20 });
  await expectError(Buffer.concat([gnuLong.subarray(0, 512), END]), 'Corrupt', /long-name header .* more than/, 'huge GNU long name');
  await expectError(tarOf(file('Files/x', { name: '', records: { size: '12abc' } })), 'Corrupt', /invalid PAX size/, 'PAX size');
});

test('malformed base64 and PAX times name the entry and the record', async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ 'MSWINDOWS.rawsd': 'AQAEgA=A' }, /Files\/x: PAX record 'MSWINDOWS.rawsd' is not valid base64/],
    [{ 'MSWINDOWS.rawsd': 'AQA' }, /MSWINDOWS.rawsd' is not valid base64/],
    [{ 'MSWINDOWS.xattr.foo': 'Y$Fy' }, /MSWINDOWS.xattr.foo' is not valid base64/],
    [{ 'MSWINDOWS.xattr.': 'YmFy' }, /has no extended attribute name/],
    [{ 'LIBARCHIVE.creationtime': '1.2.3' }, /LIBARCHIVE.creationtime' is not a valid time/],
    [{ atime: '1e9' }, /'atime' is not a valid time/],
    [{ mtime: '' }, /'mtime' is not a valid time/],
    [{ 'MSWINDOWS.fileattr': '0x20' }, /invalid MSWINDOWS.fileattr/],
  ];
  for (const [records, re] of cases) await expectError(tarOf(file('Files/x', { name: '', records })), 'Corrupt', re, JSON.stringify(records));
  await expectError(tarOf(file('Files/s', { name: '', typeflag: TYPE.SYMLINK })), 'Corrupt', /symbolic link without a target/, 'empty symlink');
  await expectError(tarOf(file('Files/s', { name: '', typeflag: 0x53 })), 'Unsupported', /GNU sparse/, 'GNU sparse');
  await expectError(tarOf(file('Files/s', { name: '', typeflag: 0x44 })), 'Unsupported', /type 'D'/, 'dumpdir');
});

test('traversal and unsafe names are rejected, naming the entry', async () => {
  const names: [string, RegExp][] = [
    ['/Files/x', /absolute/],
    ['Files/../../x', /'\.\.' component/],
    ['..', /'\.\.' component/],
    ['C:/x', /drive letter/],
    ['C:x', /drive letter/],
    ['Files/a\\b', /backslash/],
    ['Files\\..\\..\\x', /backslash/],
    ['\\\\server\\share\\x', /UNC/],
    ['//server/share', /UNC/],
    ['Files//x', /empty component/],
    ['Files/./x', /'\.' component/],
    ['Files/a\u0001b', /control character 0x01/],
    ['Files/a|b', /'\|'/],
    [`Files/${'n'.repeat(256)}`, /longer than 255/],
  ];
  for (const [name, re] of names) {
    await expectError(tarOf(file(name)), 'InvalidArgument', new RegExp(`unsafe .*path .*${re.source}`), name);
  }
  // NUL can only arrive through a PAX path record (ustar names end at NUL): Go refuses it, so do we
  await expectError(Buffer.concat([xHeader('18 path=Files/a\0b\n'), file('Files/a'), END]), 'Corrupt', /NUL/, 'NUL in PAX path');
  await expectError(tarOf(file('Files/x', { name: '', typeflag: TYPE.LINK, linkname: '../../etc/passwd' })), 'InvalidArgument', /unsafe hard link target path/, 'link traversal');
});

test('duplicates, orphan streams and forward links are errors', async () => {
  await expectError(tarOf(file('Files/x'), file('Files/x')), 'InvalidArgument', /duplicate entry 'Files\/x'/, 'dup');
  await expectError(tarOf(file('Files/x'), file('FILES/X')), 'InvalidArgument', /duplicate entry 'FILES\/X'.*case/, 'case dup');
  await expectError(tarOf(file('Files/h', { name: '', typeflag: TYPE.LINK, linkname: 'Files/later' }), file('Files/later')), 'InvalidArgument', /not an earlier entry/, 'forward link');
  await expectError(tarOf(file('Files/d', { name: '', typeflag: TYPE.DIR }), file('Files/h', { name: '', typeflag: TYPE.LINK, linkname: 'Files/d' })), 'InvalidArgument', /points to the directory/, 'link to dir');
  await expectError(tarOf(file('Files/x'), file('Files/x:s'), file('Files/x:S')), 'InvalidArgument', /duplicate alternate data stream/, 'dup stream');
});

test('a huge declared size over a short input ends in Corrupt, and skipping a large body keeps memory flat', async () => {
  const header = encodeHeader({ name: 'Files/big', linkname: '', mode: 0o100000, size: 8 * 1024 ** 3 - 1, mtime: 0, typeflag: TYPE.REG });
  await expectError(Buffer.concat([header, Buffer.alloc(4096)]), 'Corrupt', /Files\/big|unexpected end of input/, 'huge size');
  const size = 256 * 1024 * 1024;
  const block = Buffer.alloc(1 << 20);
  async function* input() {
    yield rawEntry({ name: 'Files/big', size }).subarray(0, 512);
    for (let i = 0; i < size / block.length; i++) yield block;
    yield END;
  }
  const before = process.memoryUsage().rss;
  const d = decodeLayerTar(input());
  let n = 0;
  for await (const _ of d.entries) n++;
  const r = await d.result;
  assert.equal(n, 1);
  assert.equal(r.tarSize, 512 + size + 1024);
  const grown = process.memoryUsage().rss - before;
  assert.ok(grown < 64 * 1024 * 1024, `memory grew by ${grown} bytes while skipping 256 MiB`);
});

test('fuzz smoke: mutated tars end in a WcError or decode, never crash or hang', { timeout: fuzzLong ? 600_000 : 60_000 }, async () => {
  const tar = await encode(goldenEntries());
  const gz = gzipSync(tar);
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 }),
      fc.option(fc.nat(), { nil: undefined }),
      fc.integer({ min: 1, max: 4096 }),
      async (useGz, mutations, cut, chunk) => {
        const base = Buffer.from(useGz ? gz : tar);
        for (const m of mutations) base[m.at % base.length] = m.value;
        const input = cut === undefined ? base : base.subarray(0, cut % base.length);
        try {
          await decodeAll(chunked(input, chunk));
        } catch (e) {
          assert.ok(e instanceof WcError, `not a WcError: ${(e as Error)?.stack ?? e}`);
          assert.ok(['Corrupt', 'InvalidArgument', 'Unsupported'].includes(e.code), `${e.code}: ${e.message}`);
        }
        if (detectCompression(input) === 'none') await expectSameListing(input, 'mutated tar');
      },
    ),
    { numRuns: fuzzLong ? 20000 : 400 },
  );
});

test('the result promise rejects with the error that ended the iteration', async () => {
  const d = decodeLayerTar([tarOf(file('Files/../x'))]);
  await assert.rejects((async () => {
    for await (const _ of d.entries) void _;
  })(), /unsafe file path/);
  await assert.rejects(d.result, (e: unknown) => e instanceof WcError && e.code === 'InvalidArgument' && /unsafe file path/.test(e.message));
  const early = decodeLayerTar([tarOf(file('Files/a'), file('Files/b'))]);
  for await (const _ of early.entries) break;
  await assert.rejects(early.result, (e: unknown) => e instanceof WcError && e.code === 'Cancelled');
});
