// Lazy reading: opening a large hive and reading one value touches a few blocks, not the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hive } from '../../src/formats/regf/reader.js';
import type { ReadAt } from '../../src/formats/regf/readat.js';
import { openFileReadAt } from '../../src/hive/file-readat.js';
import { openHiveFile } from '../../src/hive/files.js';
import { corpusFile } from './corpus.js';

function counting(src: ReadAt & { readSync(o: number, l: number): Uint8Array }): ReadAt & { bytesRead: number } {
  const c = {
    size: src.size,
    bytesRead: 0,
    read(o: number, l: number) {
      c.bytesRead += Math.min(l, src.size - o);
      return src.read(o, l);
    },
    readSync(o: number, l: number) {
      c.bytesRead += Math.min(l, src.size - o);
      return src.readSync(o, l);
    },
  };
  return c;
}

test('opening the 11.7 MB SYSTEM hive and reading one value reads a small part of the file', async () => {
  const file = await openFileReadAt(corpusFile('regipy-SYSTEM'));
  try {
    const src = counting(file as ReadAt & { readSync(o: number, l: number): Uint8Array });
    const hive = await Hive.open(src, { cacheBytes: 4 << 20 });
    const v = hive.value(hive.key('ControlSet001\\Control\\ComputerName\\ComputerName')!, 'ComputerName')!;
    assert.equal(Buffer.from(hive.valueData(v)).toString('utf16le'), 'WKS-WIN732BITA\0');
    assert.ok(src.bytesRead < file.size / 4, `read ${src.bytesRead} of ${file.size} bytes`);
  } finally {
    await file.close();
  }
});

test('a file-backed hive with a small cache reads the whole tree like a buffer-backed one', async () => {
  const opened = await openHiveFile(corpusFile('regipy-NTUSER.DAT'));
  try {
    let keys = 0;
    let bytes = 0;
    for (const { key } of opened.hive.walk()) {
      keys++;
      for (const v of opened.hive.values(key)) bytes += opened.hive.valueData(v).length;
    }
    assert.equal(keys, 1812);
    assert.ok(bytes > 0);
  } finally {
    await opened.close();
  }
});

test('a source without readSync is read into memory at open and works the same', async () => {
  const file = await openFileReadAt(corpusFile('regipy-BCD'));
  try {
    const asyncOnly: ReadAt = { size: file.size, read: (o, l) => file.read(o, l) };
    const hive = await Hive.open(asyncOnly);
    assert.equal([...hive.walk()].length, 132);
  } finally {
    await file.close();
  }
});
