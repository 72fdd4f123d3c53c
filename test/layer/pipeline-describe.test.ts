// describeLayer / layer info: the OS version comes from the layer's SOFTWARE hive.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeLayer, exportLayer } from '../../src/layer/export.js';
import { importLayer } from '../../src/layer/import.js';
import { writeLayerTar } from '../../src/layer/tar-output.js';
import { generateSampleLayer, placeholderHive } from '../../src/sample/index.js';
import { softwareHive } from '../regf/fixtures.js';
import { removeDir, tempDir } from './helpers.js';

test('a base layer with a real SOFTWARE hive reports its OS version; export keeps the hive bytes', async () => {
  const dir = await tempDir('wclayer-describe-');
  try {
    const software = softwareHive('20348', 2113);
    const entries = generateSampleLayer({
      seed: 'os',
      kind: 'base',
      fileCount: 40,
      totalSize: 200_000 + software.length,
      hiveContent: (name, kind) => (name === 'SOFTWARE' ? software : placeholderHive(name, kind)),
    });
    const tar = join(dir, 'base.tar');
    const written = await writeLayerTar(entries, { output: tar });
    const layer = join(dir, 'base');
    await importLayer({ input: tar, layerPath: layer, expectedDiffId: written.diffId });
    const d = await describeLayer(layer);
    assert.equal(d.kind, 'base');
    assert.equal(d.osVersion?.build, 20348);
    assert.equal(d.osVersion?.version, '10.0.20348.2113');
    assert.match(d.osVersion?.hivePath ?? '', /Files\/Windows\/System32\/config\/SOFTWARE$/);
    assert.equal(d.osVersionProblem, undefined);
    assert.equal((await exportLayer({ layerPath: layer, output: join(dir, 'out.tar') })).diffId, written.diffId);
  } finally {
    await removeDir(dir);
  }
});
