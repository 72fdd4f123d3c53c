// The header scanner's listing of plain tar files (listing-plain.ts) must equal the streaming
// decoder's (listing-stream.ts) item for item, error for error: generated base and child layers,
// hand-made edge cases, the file route of tar/list and `wclayer tar ls`, and cancellation.
// (The bad-input corpus and the fuzz run compare both routes too: bad-input.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WcError } from '../../src/errors.js';
import { sdToSddl } from '../../src/formats/backup/sddl.js';
import { TYPE } from '../../src/formats/tar/header.js';
import { listPlainTar } from '../../src/formats/tar/listing-plain.js';
import type { ListingItem } from '../../src/formats/tar/listing.js';
import { listLayerTarFile } from '../../src/layer/tar-list.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { cliPath } from '../helpers/paths.js';
import { END, encode, goldenEntries, listFast, listStreaming, memoryInput, rawEntry, tarOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wclayer-plain-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sampleTars = new Map<string, Promise<Buffer>>();
function sampleTar(kind: 'base' | 'child', fileCount: number, totalSize: number): Promise<Buffer> {
  const key = `${kind}-${fileCount}-${totalSize}`;
  let p = sampleTars.get(key);
  if (!p) sampleTars.set(key, (p = encode(generateSampleLayer({ seed: key, kind, fileCount, totalSize }))));
  return p;
}

test('generated base and child layers list the same through the scanner and the streaming decoder', async () => {
  for (const [kind, files, size] of [
    ['base', 300, 3_000_000],
    ['child', 300, 2_000_000],
    ['child', 40, 100_000], // small entries: several headers per read
  ] as const) {
    const tar = await sampleTar(kind, files, size);
    for (const options of [{}, { renderSddl: sdToSddl }]) {
      const fast = await listFast(tar, options);
      const streaming = await listStreaming(tar, options);
      assert.equal(fast.error, undefined, `${kind}: ${fast.error?.message}`);
      assert.deepEqual(fast, streaming, kind);
      assert.ok(fast.items.length > files, kind);
    }
    const items = (await listFast(tar)).items;
    const kinds = new Set(items.map((i) => i.kind));
    if (kind === 'base') assert.ok(kinds.has('link') && kinds.has('directory') && kinds.has('file'), [...kinds].join());
    else {
      assert.ok(kinds.has('whiteout') && (kinds.has('symlink') || kinds.has('junction')), [...kinds].join());
      assert.ok(items.some((i) => i.streams.length > 0), 'ADS folded into their files');
      assert.ok(items.some((i) => i.extendedAttributes.length > 0), 'EAs');
    }
    assert.ok(items.some((i) => i.securityDescriptor), 'security descriptors');
  }
});

test('the scanner reads the headers only, not the entry data', async () => {
  const tar = await sampleTar('base', 300, 3_000_000);
  const input = memoryInput(tar);
  let n = 0;
  await listPlainTar(input, () => void n++);
  assert.ok(n > 300);
  assert.ok(input.bytesRead < tar.length / 3, `read ${input.bytesRead} of ${tar.length} bytes`);
});

test('edge cases list the same: GNU long names, global headers, ./ prefixes, no end marker, trailing data', async () => {
  const long = `Files/${'d'.repeat(120)}/${'f'.repeat(120)}`;
  const cases: [string, Buffer][] = [
    ['golden', await encode(goldenEntries())],
    ['GNU long name and link', tarOf(
      rawEntry({ name: '././@LongLink', typeflag: TYPE.GNU_LONGNAME, data: Buffer.from(`${long}\0`) }),
      rawEntry({ name: long.slice(0, 99), data: Buffer.from('x') }),
      rawEntry({ name: '././@LongLink', typeflag: TYPE.GNU_LONGLINK, data: Buffer.from(long) }),
      rawEntry({ name: 'Files/h', typeflag: TYPE.LINK, linkname: 'ignored' }),
    )],
    ['global header', tarOf(rawEntry({ name: 'pax_global_header', typeflag: TYPE.PAX_GLOBAL, data: Buffer.from('15 comment=abc\n') }), rawEntry({ name: 'Files/a', data: Buffer.alloc(3000, 1) }))],
    ['./ prefixes', tarOf(rawEntry({ name: './', typeflag: TYPE.DIR, mode: 0o40000 }), rawEntry({ name: './Files/', typeflag: TYPE.DIR }), rawEntry({ name: './Files/a', data: Buffer.from('a') }))],
    ['no end marker', Buffer.concat([rawEntry({ name: 'Files/a', data: Buffer.alloc(700, 2) }), rawEntry({ name: 'Files/b' })])],
    ['trailing data', Buffer.concat([tarOf(rawEntry({ name: 'Files/a', data: Buffer.alloc(10) })), Buffer.alloc(5000, 7)])],
    ['big PAX header', tarOf(rawEntry({ name: 'Files/a', records: { 'MSWINDOWS.xattr.big': Buffer.alloc(200_000, 3).toString('base64') }, data: Buffer.alloc(100_000) }))],
    ['empty input', Buffer.alloc(0)],
    ['end marker only', END],
  ];
  for (const [label, tar] of cases) {
    const fast = await listFast(tar);
    assert.deepEqual(fast, await listStreaming(tar), label);
    if (tar.length < 20_000) assert.deepEqual(fast, await listStreaming(tar, {}, 1), `${label}, byte by byte`);
    assert.equal(fast.error, undefined, `${label}: ${fast.error?.message}`);
  }
});

test('tar/list on a file: the scanner route (no digests) and the streaming route list the same', async () => {
  const file = join(dir, 'child.tar');
  writeFileSync(file, await sampleTar('child', 300, 2_000_000));
  const fast: ListingItem[] = [];
  const streaming: ListingItem[] = [];
  const r1 = await listLayerTarFile(file, (i) => void fast.push(i), { digests: false });
  const r2 = await listLayerTarFile(file, (i) => void streaming.push(i), { digests: true });
  assert.deepEqual(fast, streaming);
  assert.ok(fast.every((i) => i.securityDescriptor === undefined || typeof i.sddl === 'string'));
  assert.match(r2.diffId ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.equal(r1.diffId, undefined);
  const { compressedDigest: _c, diffId: _d, ...rest } = r2;
  assert.deepEqual(r1, rest);
});

test('wclayer tar ls prints the same for a file (scanner) and for stdin (streaming)', async () => {
  const file = join(dir, 'base.tar');
  const tar = await sampleTar('base', 300, 3_000_000);
  writeFileSync(file, tar);
  for (const flags of [[], ['--json']]) {
    const fromFile = spawnSync(process.execPath, [cliPath, 'tar', 'ls', ...flags, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const fromStdin = spawnSync(process.execPath, [cliPath, 'tar', 'ls', ...flags, '-'], { encoding: 'utf8', input: tar, maxBuffer: 1 << 28 });
    assert.equal(fromFile.status, 0, fromFile.stderr);
    assert.equal(fromStdin.status, 0, fromStdin.stderr);
    assert.ok(fromFile.stdout.split('\n').length > 300);
    assert.equal(fromFile.stdout, fromStdin.stdout, flags.join(' '));
  }
  // a damaged file fails the same way on both routes, after listing the same entries
  const cut = tar.subarray(0, Math.floor(tar.length / 2));
  const cutFile = join(dir, 'cut.tar');
  writeFileSync(cutFile, cut);
  const a = spawnSync(process.execPath, [cliPath, 'tar', 'ls', cutFile], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const b = spawnSync(process.execPath, [cliPath, 'tar', 'ls', '-'], { encoding: 'utf8', input: cut, maxBuffer: 1 << 28 });
  assert.equal(a.status, 1);
  assert.match(a.stderr, /Corrupt: .*unexpected end of input/);
  assert.equal(a.stdout, b.stdout);
  assert.equal(a.stderr.replace(` (${cutFile})`, ''), b.stderr.replace(' (-)', ''));
});

test('a named pipe is listed as a stream (no size, no positions), the same as the file', async () => {
  const tar = await sampleTar('child', 40, 100_000);
  const file = join(dir, 'pipe-src.tar');
  writeFileSync(file, tar);
  const fifo = join(dir, 'layer.fifo');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
  const writer = spawn('sh', ['-c', `cat "$0" > "$1"`, file, fifo]);
  const written = new Promise((resolve) => writer.once('exit', resolve));
  const fromPipe: ListingItem[] = [];
  const fromFile: ListingItem[] = [];
  await listLayerTarFile(fifo, (i) => void fromPipe.push(i), { digests: false });
  await listLayerTarFile(file, (i) => void fromFile.push(i), { digests: false });
  assert.equal(await written, 0);
  assert.ok(fromFile.length > 40);
  assert.deepEqual(fromPipe, fromFile);
});

test('cancelling the scanner: Cancelled, and nothing listed after the cancel', async () => {
  const tar = await sampleTar('base', 300, 3_000_000);
  const before = new AbortController();
  before.abort();
  const r = await listFast(tar, { signal: before.signal });
  assert.equal(r.error?.code, 'Cancelled');
  assert.equal(r.items.length, 0);

  const controller = new AbortController();
  const items: ListingItem[] = [];
  await assert.rejects(
    listPlainTar(memoryInput(tar), (item) => {
      items.push(item);
      if (items.length === 10) controller.abort();
    }, { signal: controller.signal }),
    (e: unknown) => e instanceof WcError && e.code === 'Cancelled',
  );
  assert.equal(items.length, 10);
});
