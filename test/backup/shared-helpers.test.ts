// The helpers several areas now share (one copy each): FILETIME at millisecond precision,
// UTF-16LE by code unit, and writing a file through a temporary sibling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isWcError } from '../../src/errors.js';
import { FILETIME_UNIX_EPOCH } from '../../src/formats/entry.js';
import { filetimeToIso, filetimeToIsoMillis, filetimeToUnixMs, unixMsToFiletime } from '../../src/formats/backup/filetime.js';
import { decodeUtf16le, encodeUtf16le } from '../../src/formats/backup/utf16.js';
import { filetimeToIso as cimIso } from '../../src/cim/inspect.js';
import { filetimeToIso as regfIso } from '../../src/formats/regf/query.js';
import { temporarySibling, writeFileAtomic } from '../../src/fs/stage.js';
import { readLayerChain, writeLayerChain } from '../../src/layer/layerchain.js';

test('FILETIME to milliseconds floors, and agrees with the 100 ns ISO form', () => {
  assert.equal(filetimeToUnixMs(FILETIME_UNIX_EPOCH), 0);
  assert.equal(filetimeToUnixMs(FILETIME_UNIX_EPOCH - 1n), -1);
  assert.equal(filetimeToUnixMs(FILETIME_UNIX_EPOCH + 9_999n), 0);
  assert.equal(filetimeToIsoMillis(132469312249553355n), '2020-10-11T23:07:04.955Z');
  assert.equal(filetimeToIsoMillis(0n), '1601-01-01T00:00:00.000Z');
  assert.equal(filetimeToIsoMillis(2n ** 63n - 1n), '+030828-09-14T02:48:05.477Z');
  assert.equal(filetimeToIsoMillis(10n ** 21n), null, 'beyond what a Date holds');
  assert.equal(cimIso(0n), null, 'CIM shows an unset time as null');
  assert.equal(regfIso(0n), '1601-01-01T00:00:00.000Z');
  assert.equal(unixMsToFiletime(Date.UTC(2020, 0, 1)), 132223104000000000n);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2_650_467_743_999_999_999n }), (ft) => {
      const iso = filetimeToIsoMillis(ft)!;
      // The 100 ns form truncated to milliseconds is the same instant.
      assert.equal(new Date(filetimeToIso(ft)).getTime(), new Date(iso).getTime());
      assert.equal(unixMsToFiletime(filetimeToUnixMs(ft)!) <= ft, true);
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 20_000 : 300 },
  );
});

test('UTF-16LE keeps every code unit, lone surrogates and NULs included', () => {
  const s = 'a\u0000\ud800b\udfff\u00e9\u{1f600}';
  assert.equal(decodeUtf16le(encodeUtf16le(s)), s);
  assert.deepEqual(Buffer.from(encodeUtf16le('Ab')), Buffer.from([0x41, 0, 0x62, 0]));
  assert.equal(decodeUtf16le(Uint8Array.from([0x41, 0, 0x62])), 'A', 'an odd last byte is ignored');
  assert.equal(decodeUtf16le(Buffer.from('xyAB', 'utf16le').subarray(4)), 'AB', 'views at an offset');
});

test('writeFileAtomic: replaces only on success and leaves no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wclayer-stage-'));
  try {
    const target = join(dir, 'out.txt');
    assert.match(temporarySibling(target), /[/\\]\.out\.txt\.[0-9a-f]{12}\.tmp$/);
    assert.equal(await writeFileAtomic(target, ['ab', Buffer.from('c')]), 3);
    assert.equal(await readFile(target, 'utf8'), 'abc');
    await assert.rejects(writeFileAtomic(target, ['x']), (e: unknown) => isWcError(e) && e.code === 'AlreadyExists');
    async function* failing(): AsyncGenerator<string> {
      yield 'partial';
      throw new Error('source broke');
    }
    await assert.rejects(writeFileAtomic(target, failing(), { overwrite: true }), /source broke/);
    assert.equal(await readFile(target, 'utf8'), 'abc', 'the old content survives a failed write');
    await writeFile(join(dir, 'other'), '');
    await writeFileAtomic(target, ['new'], { overwrite: true, encoding: 'utf16le' });
    assert.equal(await readFile(target, 'utf16le'), 'new');
    assert.deepEqual((await readdir(dir)).sort(), ['other', 'out.txt']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writeFileAtomic syncs before the rename unless told not to (sync: false, as for layerchain.json)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wclayer-stage-sync-'));
  const fh = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(fh) as { sync: () => Promise<void> };
  await fh.close();
  const original = proto.sync;
  let syncs = 0;
  proto.sync = function (this: unknown) {
    syncs++;
    return original.call(this);
  };
  try {
    await writeFileAtomic(join(dir, 'a'), ['a']);
    assert.equal(syncs, 1);
    await writeFileAtomic(join(dir, 'b'), ['b'], { sync: false });
    assert.equal(syncs, 1);
    assert.equal(await readFile(join(dir, 'b'), 'utf8'), 'b');
    await writeLayerChain(dir, ['C:\\layers\\base']);
    assert.equal(syncs, 1, 'layerchain.json is written without a sync');
    assert.deepEqual(await readLayerChain(dir), ['C:\\layers\\base']);
  } finally {
    proto.sync = original;
    await rm(dir, { recursive: true, force: true });
  }
});
