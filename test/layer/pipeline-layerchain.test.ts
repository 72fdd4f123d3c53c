// layerchain.json as moby writes and reads it.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatLayerChain, readLayerChain, writeLayerChain } from '../../src/layer/layerchain.js';
import { assertRejectsWc, removeDir, tempDir } from './helpers.js';

test('formatLayerChain writes Go json.Marshal output: null for none, escaped backslashes and <>&', () => {
  assert.equal(formatLayerChain([]), 'null');
  assert.equal(formatLayerChain(['C:\\layers\\a<b>&c', 'D:\\base']), '["C:\\\\layers\\\\a\\u003cb\\u003e\\u0026c","D:\\\\base"]');
});

test('readLayerChain: missing file, null, list, and corrupt content', async () => {
  const dir = await tempDir('wclayer-chain-');
  try {
    const layer = join(dir, 'l');
    await mkdir(layer);
    assert.equal(await readLayerChain(layer), undefined);
    await writeLayerChain(layer, []);
    assert.deepEqual(await readLayerChain(layer), []);
    await writeLayerChain(layer, ['C:\\a<b', '/p/q']);
    assert.deepEqual(await readLayerChain(layer), ['C:\\a<b', '/p/q']);
    await writeFile(join(layer, 'layerchain.json'), '{not json');
    await assertRejectsWc(readLayerChain(layer), 'Corrupt', /failed to unmarshal layerchain JSON/);
    await writeFile(join(layer, 'layerchain.json'), '[1,2]');
    await assertRejectsWc(readLayerChain(layer), 'Corrupt');
  } finally {
    await removeDir(dir);
  }
});
