import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCimImage, openCimImage } from '../../src/cim/image.js';
import { dirInfo, fileInfo, readAll, tempDir } from './helpers.js';

test('spec §25 E: foobar.txt, foo, foo\\bar.txt round trip', async () => {
  const t = tempDir('basic');
  try {
    const w = await createCimImage(t.dir, 'test.cim');
    const a = Buffer.from('foobar test data');
    await w.addFile('foobar.txt', fileInfo(), a.length);
    await w.write(a);
    await w.addFile('foo', dirInfo(), 0);
    const b = Buffer.from('bar test data');
    await w.addFile('foo\\bar.txt', fileInfo({ attributes: 0x21 }), b.length);
    await w.write(b);
    const res = await w.commit();
    await w.close();
    assert.equal(res.fileCount, 4);
    const names = readdirSync(t.dir).sort();
    assert.equal(names.length, 7);
    assert.ok(names.includes('test.cim'));
    assert.ok(!names.some((n) => n.startsWith('.tmp-')));
    const img = await openCimImage(join(t.dir, 'test.cim'));
    try {
      assert.deepEqual((await img.list(img.rootId)).map((e) => e.name), ['foo', 'foobar.txt']);
      const id = await img.lookup('FOOBAR.TXT');
      assert.deepEqual(await readAll(img, id), a);
      const st = await img.stat(await img.lookup('foo/bar.txt'));
      assert.equal(st.info.attributes, 0x21);
      assert.equal(st.info.lastWriteTime, 132469312249553357n);
      assert.deepEqual(await readAll(img, st.fileId), b);
      assert.equal((await img.stat(await img.lookup('foo'))).info.attributes, 0x10);
      assert.equal(img.header.version.major, 2);
    } finally {
      await img.close();
    }
  } finally {
    t.done();
  }
});
