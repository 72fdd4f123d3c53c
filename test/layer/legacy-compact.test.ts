// The legacy writer remembers every entry until close (hard-link targets, folder times): that
// record must stay small. Checked by its structure, never by a memory measurement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLegacyLayerWriter } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { bytes, removeDir, tempDir } from './helpers.js';
import { minimalEntries } from './writer-contract.js';

const T = 132223104001234567n;
const info = { attributes: 0x20, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };

test('the legacy writer keeps no Buffer per entry, and a stream list only for files with streams', async () => {
  const dir = await tempDir('wclayer-legacy-compact-');
  try {
    const w = await createLegacyLayerWriter(join(dir, 'layer'));
    await writeEntries(
      w,
      [
        ...minimalEntries('base'),
        { kind: 'file', path: 'Files/with-stream.txt', info, size: 3, data: bytes('abc') },
        { kind: 'stream', path: 'Files/with-stream.txt', name: 'extra', size: 2, data: bytes('xy') },
        { kind: 'link', path: 'Files/hello-link.txt', target: 'Files/hello.txt' },
      ],
      { close: false },
    );
    await w.add('Files/last.txt', info, 0); // finishes the stream above
    const known = (w as unknown as { known: Map<string, Record<string, unknown>> }).known;
    assert.equal(known.size, 13);
    for (const [key, k] of known) {
      for (const v of Object.values(k)) assert.ok(!(ArrayBuffer.isView(v) || v instanceof ArrayBuffer), `${key}: no bytes kept per entry`);
      assert.equal(k.streams !== undefined, k.path === 'Files/with-stream.txt', `${key}: a stream list only for the file with a stream`);
      assert.equal(k.at, k.path, `${key}: a base layer places entries at their own path`);
    }
    await w.close();
  } finally {
    await removeDir(dir);
  }
});
