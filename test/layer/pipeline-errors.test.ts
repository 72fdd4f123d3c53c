// Failed imports and exports leave nothing behind: digest mismatch, truncated or unsafe tars,
// cancellation, existing targets, missing parents.
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { FILE_ATTRIBUTE, type Entry } from '../../src/formats/entry.js';
import { encodeLayerTar } from '../../src/formats/tar/index.js';
import { exportLayer, removeLayer } from '../../src/layer/export.js';
import { importLayer } from '../../src/layer/import.js';
import { isWcError } from '../../src/errors.js';
import { assertRejectsWc, listDir, removeDir, tempDir } from './helpers.js';
import { sampleTar, type SampleTar } from './pipeline-helpers.js';

let dir: string;
let base: SampleTar;
let layers: string;

before(async () => {
  dir = await tempDir('wclayer-pipeline-err-');
  base = await sampleTar(dir, 'base.tar.gz', 'base', 'gzip', 21);
  layers = join(dir, 'layers');
  await mkdir(layers);
});
after(async () => removeDir(dir));

const T = 132000000000000000n;
const info = (attributes: number) => ({ attributes, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T });

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of encodeLayerTar((async function* () { yield* entries; })(), { validate: false })) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('expectedDiffId mismatch: DigestMismatch naming both digests, and nothing left', async () => {
  const wrong = `sha256:${'ab'.repeat(32)}`;
  await assert.rejects(importLayer({ input: base.path, layerPath: join(layers, 'L'), expectedDiffId: wrong }), (e: unknown) => {
    assert.ok(isWcError(e));
    assert.equal(e.code, 'DigestMismatch');
    assert.ok(e.message.includes(wrong) && e.message.includes(base.diffId), e.message);
    assert.equal(e.data.expected, wrong);
    assert.equal(e.data.actual, base.diffId);
    return true;
  });
  assert.deepEqual(await listDir(layers), []);
});

test('malformed expectedDiffId is InvalidArgument before anything is written', async () => {
  await assertRejectsWc(importLayer({ input: base.path, layerPath: join(layers, 'L'), expectedDiffId: 'md5:1234' }), 'InvalidArgument', /sha256/);
  assert.deepEqual(await listDir(layers), []);
});

test('truncated input: Corrupt, and nothing left', async () => {
  const full = await readFile(base.path);
  const cut = join(dir, 'cut.tar.gz');
  await writeFile(cut, full.subarray(0, Math.floor(full.length / 2)));
  await assert.rejects(importLayer({ input: cut, layerPath: join(layers, 'L') }), (e: unknown) => isWcError(e) && e.code === 'Corrupt');
  assert.deepEqual(await listDir(layers), []);
});

test('a plain tar cut inside an entry: Corrupt, and nothing left', async () => {
  const plain = await sampleTar(dir, 'plain.tar', 'base', 'none', 22);
  const full = await readFile(plain.path);
  const stream = Readable.from([full.subarray(0, full.length - 100_000)]);
  await assertRejectsWc(importLayer({ input: stream, layerPath: join(layers, 'L') }), 'Corrupt');
  assert.deepEqual(await listDir(layers), []);
});

test('traversal names are refused, and nothing left', async () => {
  for (const bad of ['Files/../../evil', '../Files/x', '/Files/x', 'Files/a:b']) {
    const tar = await tarOf([
      { kind: 'directory', path: 'Files', info: info(FILE_ATTRIBUTE.DIRECTORY) },
      { kind: 'file', path: bad, info: info(FILE_ATTRIBUTE.ARCHIVE), size: 3, data: Readable.from([Buffer.from('bad')]) },
    ]);
    await assert.rejects(importLayer({ input: Readable.from([tar]), layerPath: join(layers, 'L'), parents: [dir] }), (e: unknown) => {
      assert.ok(isWcError(e), String(e));
      assert.ok(['Corrupt', 'InvalidArgument'].includes(e.code), `${bad}: ${e.code} ${e.message}`);
      return true;
    });
    assert.deepEqual(await listDir(layers), []);
  }
  assert.deepEqual((await listDir(dir)).filter((n) => n === 'evil' || n.startsWith('Files')), []);
});

test('cancellation mid-import: Cancelled, and nothing left', async () => {
  const controller = new AbortController();
  let reports = 0;
  const p = importLayer({
    input: base.path,
    layerPath: join(layers, 'L'),
    signal: controller.signal,
    onProgress: (pr) => {
      reports++;
      if ((pr.bytesDone ?? 0) > 0) controller.abort();
    },
  });
  await assertRejectsWc(p, 'Cancelled');
  assert.ok(reports > 0);
  assert.deepEqual(await listDir(layers), []);
});

test('an existing layer path is AlreadyExists and is left untouched', async () => {
  const target = join(layers, 'exists');
  await mkdir(target);
  await writeFile(join(target, 'keep'), 'x');
  await assertRejectsWc(importLayer({ input: base.path, layerPath: target }), 'AlreadyExists');
  assert.deepEqual(await listDir(layers), ['exists']);
  assert.deepEqual(await listDir(target), ['keep']);
  await removeDir(target);
});

test('a missing parent is NotFound, nothing written', async () => {
  await assertRejectsWc(importLayer({ input: base.path, layerPath: join(layers, 'L'), parents: [join(dir, 'nope')] }), 'NotFound', /missing parent/);
  assert.deepEqual(await listDir(layers), []);
});

test('a missing input file is NotFound', async () => {
  await assertRejectsWc(importLayer({ input: join(dir, 'nope.tar'), layerPath: join(layers, 'L') }), 'NotFound');
  assert.deepEqual(await listDir(layers), []);
});

test('cancelled export leaves no output file nor temporary file', async () => {
  const layerPath = join(layers, 'exp');
  await importLayer({ input: base.path, layerPath });
  const out = join(dir, 'outdir');
  await mkdir(out);
  const controller = new AbortController();
  const p = exportLayer({ layerPath, output: join(out, 'x.tar.gz'), compression: 'gzip', signal: controller.signal, onProgress: () => controller.abort() });
  await assertRejectsWc(p, 'Cancelled');
  assert.deepEqual(await listDir(out), []);
  await removeLayer(layerPath);
  assert.deepEqual(await listDir(layers), []);
});

test('removeLayer refuses a folder that is not a layer, and a missing one', async () => {
  const plain = join(dir, 'not-a-layer');
  await mkdir(plain);
  await assertRejectsWc(removeLayer(plain), 'FailedPrecondition');
  await assertRejectsWc(removeLayer(join(dir, 'missing')), 'NotFound');
  assert.deepEqual(await removeLayer(plain, { force: true }), { path: plain, removed: true });
});
