// tar → legacy layer → tar: same entries, same diffID, byte-identical for our own encoder's
// output; compressed exports readable by GNU tar and zstd; describe/verify/convert.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { decodeLayerTar } from '../../src/formats/tar/index.js';
import { convertLayer, describeLayer, exportLayer, verifyLayer } from '../../src/layer/export.js';
import { importLayer } from '../../src/layer/import.js';
import { LAYERCHAIN_FILE } from '../../src/layer/layerchain.js';
import { assertRejectsWc, assertSameEntries, collect, removeDir, tempDir } from './helpers.js';
import { sampleTar, type SampleTar } from './pipeline-helpers.js';

let dir: string;
let base: SampleTar;
let child: SampleTar;
let childZst: SampleTar;
let basePath: string;
let childPath: string;

const entriesOf = async (file: string) => {
  const d = decodeLayerTar(createReadStream(file));
  return collect(d.entries);
};

before(async () => {
  dir = await tempDir('wclayer-pipeline-');
  base = await sampleTar(dir, 'base.tar', 'base', 'none', 11);
  child = await sampleTar(dir, 'child.tar', 'child', 'none', 12);
  childZst = await sampleTar(dir, 'child.tar.zst', 'child', 'zstd', 12);
  basePath = join(dir, 'layers', 'base');
  childPath = join(dir, 'layers', 'child');
  const b = await importLayer({ input: base.path, layerPath: basePath, expectedDiffId: base.diffId });
  assert.equal(b.diffId, base.diffId);
  assert.equal(b.compressedDigest, undefined, 'the blob digest is taken only when asked');
  const c = await importLayer({ input: childZst.path, layerPath: childPath, parents: [basePath], expectedDiffId: child.diffId, blobDigest: true });
  assert.equal(c.diffId, child.diffId);
  assert.equal(c.compression, 'zstd');
  assert.equal(c.compressedDigest, childZst.compressedDigest);
});

after(async () => removeDir(dir));

test('base layer: tar → legacy layer → tar is byte-identical, with the same diffID', async () => {
  const out = join(dir, 'base-out.tar');
  const r = await exportLayer({ layerPath: basePath, output: out });
  assert.equal(r.diffId, base.diffId);
  assert.equal(r.compressedDigest, base.diffId);
  assert.equal(r.entries, base.entries);
  assert.deepEqual(await readFile(out), await readFile(base.path));
});

test('child layer (imported from zstd): export gives every entry back and the same diffID', async () => {
  const out = join(dir, 'child-out.tar');
  const r = await exportLayer({ layerPath: childPath, output: out });
  assert.equal(r.diffId, child.diffId);
  assertSameEntries(await entriesOf(out), await entriesOf(child.path));
  assert.deepEqual(await readFile(out), await readFile(child.path));
});

test('gzip export is read by GNU tar (tar -tzf) with every name', async () => {
  const out = join(dir, 'child-out.tar.gz');
  const r = await exportLayer({ layerPath: childPath, output: out, compression: 'gzip' });
  assert.equal(r.diffId, child.diffId);
  const file = await readFile(out);
  assert.equal(r.compressedDigest, `sha256:${createHash('sha256').update(file).digest('hex')}`);
  const names = execFileSync('tar', ['-tzf', out], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter(Boolean);
  const plain = execFileSync('tar', ['-tf', child.path], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] }).split('\n').filter(Boolean);
  assert.deepEqual(names, plain);
  assert.ok(names.length > 50);
});

test('zstd export decompresses (zstd -d) to the exact tar', async () => {
  const out = join(dir, 'base-out.tar.zst');
  const r = await exportLayer({ layerPath: basePath, output: out, compression: 'zstd' });
  const tar = execFileSync('zstd', ['-d', '-c', out], { maxBuffer: 256 << 20 });
  assert.equal(`sha256:${createHash('sha256').update(tar).digest('hex')}`, base.diffId);
  assert.equal(r.diffId, base.diffId);
  assert.ok(r.bytes < r.tarSize);
});

test('export to a Writable streams the tar and leaves the stream open', async () => {
  const sink = new PassThrough({ highWaterMark: 1024 }); // small: exercises back-pressure
  const chunks: Buffer[] = [];
  const reading = (async () => {
    for await (const c of sink) chunks.push(c as Buffer);
  })();
  const r = await exportLayer({ layerPath: childPath, output: sink });
  assert.equal(sink.writableEnded, false);
  sink.end();
  await reading;
  const all = Buffer.concat(chunks);
  assert.equal(all.length, r.bytes);
  assert.equal(`sha256:${createHash('sha256').update(all).digest('hex')}`, child.diffId);
});

test('export refuses to overwrite a file unless asked', async () => {
  const out = join(dir, 'exists.tar');
  await exportLayer({ layerPath: basePath, output: out });
  await assertRejectsWc(exportLayer({ layerPath: basePath, output: out }), 'AlreadyExists');
  const r = await exportLayer({ layerPath: basePath, output: out, overwrite: true });
  assert.equal(r.diffId, base.diffId);
});

test('layerchain.json is written as moby writes it; describeLayer reports kind and parents', async () => {
  assert.equal(await readFile(join(basePath, LAYERCHAIN_FILE), 'utf8'), 'null');
  assert.deepEqual(JSON.parse(await readFile(join(childPath, LAYERCHAIN_FILE), 'utf8')), [basePath]);
  const b = await describeLayer(basePath);
  assert.equal(b.kind, 'base');
  assert.equal(b.format, 'legacy');
  assert.deepEqual(b.parents, []);
  assert.ok(b.size >= 1_500_000, `size ${b.size}`);
  const c = await describeLayer(childPath);
  assert.equal(c.kind, 'child');
  assert.deepEqual(c.parents, [basePath]);
  assert.equal(c.parentsSource, 'layerchain.json');
  // the sample's hives are placeholders, so there is no OS version, and describe says why
  assert.equal(c.osVersion, undefined);
  assert.match(c.osVersionProblem ?? '', /SOFTWARE/);
});

test('verifyLayer compares with a tar (any compression) and with a diffID', async () => {
  const ok = await verifyLayer({ layerPath: childPath, tarPath: childZst.path });
  assert.equal(ok.match, true);
  assert.equal(ok.layerDiffId, child.diffId);
  const other = await verifyLayer({ layerPath: childPath, diffId: base.diffId });
  assert.equal(other.match, false);
  assert.equal(other.expectedDiffId, base.diffId);
  await assertRejectsWc(verifyLayer({ layerPath: childPath }), 'InvalidArgument');
});

test('convertLayer copies a layer entry for entry into a new layer', async () => {
  const dest = join(dir, 'layers', 'base-copy');
  const r = await convertLayer({ layerPath: basePath, destination: dest, format: 'legacy' });
  assert.equal(r.entries, base.entries);
  const e = await exportLayer({ layerPath: dest, output: join(dir, 'copy.tar') });
  assert.equal(e.diffId, base.diffId);
});

// Runs the CIM path once the CIM format is registered; until then it must answer Unsupported.
test('CIM format: tar → CIM layer → tar keeps the diffID; legacy → CIM conversion too', async () => {
  const layerPath = join(dir, 'layers', 'cim-base');
  const r = await importLayer({ input: base.path, layerPath, format: 'cim', expectedDiffId: base.diffId });
  assert.equal(r.format, 'cim');
  const e = await exportLayer({ layerPath, output: join(dir, 'cim-base.tar') });
  assert.equal(e.diffId, base.diffId);
  const conv = join(dir, 'layers', 'cim-converted');
  await convertLayer({ layerPath: basePath, destination: conv, format: 'cim' });
  assert.equal((await verifyLayer({ layerPath: conv, diffId: base.diffId })).match, true);
});

test('converting a child layer reuses its parents when they are already in the new format, and says so when not', async () => {
  // childPath sits on a legacy base: a CIM copy needs CIM parents, which it does not have.
  await assertRejectsWc(convertLayer({ layerPath: childPath, destination: join(dir, 'layers', 'child-cim-x'), format: 'cim' }), 'FailedPrecondition', /legacy layer; a cim child needs cim parents/);
  // A legacy child on a CIM base converts to CIM over that same base.
  const cimBase = join(dir, 'layers', 'cim-base-for-convert');
  await importLayer({ input: base.path, layerPath: cimBase, format: 'cim' });
  const legacyChild = join(dir, 'layers', 'legacy-child-on-cim');
  await importLayer({ input: child.path, layerPath: legacyChild, parents: [cimBase] });
  const converted = join(dir, 'layers', 'child-cim');
  await convertLayer({ layerPath: legacyChild, destination: converted, format: 'cim' });
  const v = await verifyLayer({ layerPath: converted, diffId: child.diffId });
  assert.equal(v.match, true);
  assert.deepEqual((await describeLayer(converted)).parents, [cimBase]);
});
