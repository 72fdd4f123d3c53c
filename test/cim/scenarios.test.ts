// Specific cases from spec §25 E and F, format 1.0, both stream-table framings, and the writer's
// refusal and clean-up behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCimImage, openCimImage } from '../../src/cim/image.js';
import { isWcError } from '../../src/errors.js';
import { decodeFileRecord, encodeFileRecord, guidToString, packOffset } from '../../src/formats/cim/layout.js';
import { dirInfo, fileInfo, readAll, tempDir } from './helpers.js';
import { checkLayout } from './layout-check.js';

async function withDir(tag: string, body: (dir: string) => Promise<void>): Promise<void> {
  const t = tempDir(tag);
  try {
    await body(t.dir);
  } finally {
    t.done();
  }
}

async function put(w: Awaited<ReturnType<typeof createCimImage>>, path: string, data: Buffer | string, info = fileInfo()): Promise<void> {
  const b = Buffer.from(data);
  await w.addFile(path, info, b.length);
  await w.write(b);
}

test('small/large boundary, dedup that cuts the data region back, empty and sparse files', () =>
  withDir('edge', async (dir) => {
    const w = await createCimImage(dir, 'e.cim');
    await put(w, 'f1023', Buffer.alloc(1023, 1));
    await put(w, 'f1024', Buffer.alloc(1024, 2));
    await put(w, 'f1025', Buffer.alloc(1025, 3));
    const big = Buffer.alloc(10000, 9);
    await put(w, 'big1', big);
    await put(w, 'big2', big);
    await put(w, 'small1', 'same');
    await put(w, 'small2', 'same');
    await w.addFile('empty', fileInfo(), 0);
    await w.addFile('emptydir', dirInfo(), 0);
    await w.addFile('huge-unwritten', fileInfo({ attributes: 0x200 }), 2 ** 40);
    await w.addFile('half', fileInfo(), 5000);
    await w.write(Buffer.alloc(2000, 5));
    const r = await w.commit();
    await w.close();
    assert.equal(r.dedupedBytes, 10000 + 4);
    const img = await openCimImage(join(dir, 'e.cim'));
    try {
      const rec = async (p: string) => img.record(await img.lookup(p));
      assert.equal((await rec('f1023')).defaultStream.dataOffset.region, 2);
      assert.equal((await rec('f1024')).defaultStream.dataOffset.region, 2);
      assert.equal((await rec('f1025')).defaultStream.dataOffset.region, 1);
      assert.deepEqual((await rec('big1')).defaultStream.dataOffset, (await rec('big2')).defaultStream.dataOffset);
      assert.deepEqual((await rec('small1')).defaultStream.dataOffset, (await rec('small2')).defaultStream.dataOffset);
      const id = guidToString(new Uint8Array(r.regionSetId));
      // f1025, big (once), half: three page-aligned objects after the first page.
      assert.equal(statSync(join(dir, `region_${id}_1`)).size, 4096 + 4096 + 12288 + 8192);
      assert.equal((await rec('empty')).defaultStream.size, 0);
      assert.deepEqual(await img.list(await img.lookup('emptydir')), []);
      const huge = await rec('huge-unwritten');
      assert.equal(huge.defaultStream.sparse, true);
      assert.equal(huge.defaultStream.size, 2 ** 40);
      assert.deepEqual(Buffer.from(await img.read(await img.lookup('huge-unwritten'), 2 ** 39, 16)), Buffer.alloc(16));
      const half = await readAll(img, await img.lookup('half'));
      assert.ok(half.equals(Buffer.concat([Buffer.alloc(2000, 5), Buffer.alloc(3000)])));
      await checkLayout(dir, 'e.cim', img);
    } finally {
      await img.close();
    }
  }));

test('multi-MiB files hash on the worker thread and still dedup; both hashers agree', () =>
  withDir('worker', async (dir) => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const ids: string[] = [];
    for (const hashOnWorker of [true, false]) {
      const name = `w${hashOnWorker}.cim`;
      const w = await createCimImage(dir, name, { hashOnWorker });
      for (const f of ['a', 'b', 'c']) {
        await w.addFile(f, fileInfo(), big.length);
        if (f === 'c') big[0]! ^= 1;
        for (let i = 0; i < big.length; i += 65536) await w.write(big.subarray(i, i + 65536));
        if (f === 'c') big[0]! ^= 1;
      }
      const r = await w.commit();
      await w.close();
      assert.equal(r.dedupedBytes, big.length);
      // A duplicate is cut off the region when found in time, else left unreferenced.
      const id = guidToString(new Uint8Array(r.regionSetId));
      assert.equal(statSync(join(dir, `region_${id}_1`)).size, 4096 + 2 * 3149824 + r.unreclaimedBytes + (r.unreclaimedBytes ? 4091 : 0));
      const img = await openCimImage(join(dir, name));
      try {
        const a = await img.record(await img.lookup('a'));
        assert.deepEqual(a.defaultStream.dataOffset, (await img.record(await img.lookup('b'))).defaultStream.dataOffset);
        assert.ok((await readAll(img, await img.lookup('b'))).equals(big));
        const c = await readAll(img, await img.lookup('c'));
        assert.equal(c[0], big[0]! ^ 1);
        assert.ok(c.subarray(1).equals(big.subarray(1)));
        await checkLayout(dir, name, img);
        const oid = readFileSync(join(dir, `objectid_${guidToString(new Uint8Array(r.regionSetId))}_1`));
        ids.push(oid.subarray(48).toString('hex'));
      } finally {
        await img.close();
      }
    }
    assert.equal(ids[0], ids[1], 'same object-ID entries from the worker and the inline hasher');
  }));

test('a directory of 1500 files spans two file tables; hard links share a FileID', () =>
  withDir('many', async (dir) => {
    const w = await createCimImage(dir, 'm.cim');
    await w.addFile('d', dirInfo(), 0);
    for (let i = 0; i < 1500; i++) await put(w, `d\\f${i}`, `content ${i % 10}`);
    await w.addHardLink('link', 'd\\f7');
    await w.addHardLink('d\\F8', 'd\\f7');
    await assert.rejects(w.addHardLink('x', 'd'), (e: unknown) => isWcError(e) && e.code === 'FailedPrecondition');
    await w.commit();
    const img = await openCimImage(join(dir, 'm.cim'));
    try {
      assert.equal(img.fileTables.length, 2);
      assert.equal(img.fileTables[0]!.count, 1024);
      assert.equal((await img.list(await img.lookup('d'))).length, 1500);
      const f7 = await img.lookup('d/f7');
      assert.equal(await img.lookup('LINK'), f7);
      assert.equal(await img.lookup('d/f8'), f7);
      assert.equal((await readAll(img, await img.lookup('d/f1499'))).toString(), 'content 9');
      await checkLayout(dir, 'm.cim', img);
    } finally {
      await img.close();
    }
  }));

test('§25 F: fork semantics, FileIDs and data offsets reused, parent left intact', () =>
  withDir('fork', async (dir) => {
    const p = await createCimImage(dir, 'p.cim');
    await put(p, 'a', 'A');
    await p.addFile('d', dirInfo(), 0);
    await put(p, 'd\\x', Buffer.alloc(5000, 1));
    await p.commit();
    const c = await createCimImage(dir, 'c.cim', { parent: 'p.cim' });
    assert.equal(c.has('d\\x'), true);
    await c.unlinkPath('a');
    await put(c, 'd\\y', 'Y');
    await c.addFile('d', dirInfo({ creationTime: 5n }), 0);
    await put(c, 'copy', Buffer.alloc(5000, 1));
    await c.commit();
    const pi = await openCimImage(join(dir, 'p.cim'));
    const ci = await openCimImage(join(dir, 'c.cim'));
    try {
      assert.deepEqual((await pi.list(pi.rootId)).map((e) => e.name), ['a', 'd']);
      assert.deepEqual((await ci.list(ci.rootId)).map((e) => e.name), ['copy', 'd']);
      assert.deepEqual((await ci.list(await ci.lookup('d'))).map((e) => e.name), ['x', 'y']);
      assert.equal((await ci.stat(await ci.lookup('d'))).info.creationTime, 5n);
      assert.equal(ci.header.parents.length, 1);
      assert.equal(ci.header.parents[0]!.regionSetId, pi.header.regionSetId);
      const px = await pi.lookup('d\\x');
      assert.equal(await ci.lookup('d\\x'), px, 'FileID reused');
      const pr = await pi.record(px);
      const cr = await ci.record(px);
      assert.deepEqual(cr.defaultStream.dataOffset, pr.defaultStream.dataOffset, 'data offset reused');
      assert.deepEqual((await ci.record(await ci.lookup('copy'))).defaultStream.dataOffset, pr.defaultStream.dataOffset, 'dedup against the parent');
      assert.equal(ci.regionInfo.filter((r) => r.inherited).length, 3);
      await assert.rejects(createCimImage(dir, 'c.cim', { parent: 'p.cim' }), (e: unknown) => isWcError(e) && e.code === 'AlreadyExists');
    } finally {
      await pi.close();
      await ci.close();
    }
  }));

test('format 1.0 images (88-byte records) read back', () =>
  withDir('v1', async (dir) => {
    const w = await createCimImage(dir, 'v1.cim', { formatMajor: 1 });
    await w.addFile('dir', dirInfo(), 0);
    await put(w, 'dir\\f', 'hello', fileInfo({ securityDescriptor: new Uint8Array([1, 0, 4, 0x80, ...new Array(16).fill(0)]) }));
    await w.commit();
    const img = await openCimImage(join(dir, 'v1.cim'));
    try {
      assert.equal(img.header.version.major, 1);
      assert.equal(img.fileTables[0]!.entrySize, 88);
      const st = await img.stat(await img.lookup('dir\\f'));
      assert.equal(st.parentFileId, 0);
      assert.equal((await readAll(img, st.fileId)).toString(), 'hello');
      assert.equal(st.info.securityDescriptor!.length, 20);
      await checkLayout(dir, 'v1.cim', img, 1);
    } finally {
      await img.close();
    }
  }));

test('stream tables: the writer writes bare tables (H2); the reader also accepts the counted framing (H1)', () =>
  withDir('ads', async (dir) => {
    const w = await createCimImage(dir, 's.cim');
    await put(w, 'f', 'main');
    await w.createAlternateStream('f', 'Zone.Identifier:$DATA', 3);
    await w.write(Buffer.from('zzz'));
    await w.createAlternateStream('f', 'big', 3000);
    await w.write(Buffer.alloc(3000, 4));
    const r = await w.commit();
    const id = guidToString(new Uint8Array(r.regionSetId));
    let img = await openCimImage(join(dir, 's.cim'));
    const fid = await img.lookup('f');
    const rec = await img.record(fid);
    const ftd = img.fileTables[0]!;
    await img.close();
    const regionPath = join(dir, `region_${id}_0`);
    const region = readFileSync(regionPath);
    const at = rec.streamTableOffset.offset;
    const length = region.readUInt32LE(at);
    assert.notEqual(region.readUInt32LE(at + 4), length, 'H2: no count prefix');
    // Re-frame as H1 at the end of the region and point the record at it.
    const pad = (8 - (region.length % 8)) % 8;
    const h1At = region.length + pad;
    const h1 = Buffer.alloc(4 + length);
    h1.writeUInt32LE(length, 0);
    region.copy(h1, 4, at, at + length);
    const patched = Buffer.concat([region, Buffer.alloc(pad), h1]);
    const recAt = ftd.offset.offset + (fid - 1) * ftd.entrySize;
    const r2 = decodeFileRecord(patched, recAt, ftd.entrySize);
    r2.streamTableOffset = { region: 0, offset: h1At };
    encodeFileRecord(patched, recAt, r2, ftd.entrySize);
    writeFileSync(regionPath, patched);
    assert.notEqual(packOffset(r2.streamTableOffset), packOffset(rec.streamTableOffset));
    img = await openCimImage(join(dir, 's.cim'));
    try {
      const st = await img.stat(fid);
      assert.deepEqual(st.alternateStreams.map((s) => [s.name, s.size]), [['big', 3000], ['Zone.Identifier', 3]]);
      assert.equal((await readAll(img, fid, 'zone.identifier')).toString(), 'zzz');
      assert.ok((await readAll(img, fid, 'big')).equals(Buffer.alloc(3000, 4)));
    } finally {
      await img.close();
    }
  }));

test('refusals, and an abandoned or failed image leaves nothing behind', () =>
  withDir('refuse', async (dir) => {
    const w = await createCimImage(dir, 'r.cim');
    const code = (c: string) => (e: unknown) => isWcError(e) && e.code === c;
    await assert.rejects(w.addFile('missing\\f', fileInfo(), 0), code('NotFound'));
    await assert.rejects(w.addFile('a:b', fileInfo(), 0), code('InvalidArgument'));
    await assert.rejects(w.addFile('x'.repeat(256), fileInfo(), 0), code('InvalidArgument'));
    await w.addFile('f', fileInfo(), 3);
    await assert.rejects(w.write(Buffer.alloc(4)), code('InvalidArgument'));
    await w.write(Buffer.from('abc'));
    await assert.rejects(w.unlinkPath('nope'), code('NotFound'));
    await assert.rejects(w.addFile('g', fileInfo({ securityDescriptor: new Uint8Array(70000) }), 0), code('InvalidArgument'));
    assert.equal(w.has('g'), false);
    await w.close();
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(createCimImage(dir, 'child.cim', { parent: 'absent.cim' }), code('NotFound'));
    assert.deepEqual(readdirSync(dir), []);
  }));

test('entries(): the image as layer entries (parents first, streams after their file, links after targets)', () =>
  withDir('entries', async (dir) => {
    const w = await createCimImage(dir, 'n.cim');
    await w.addFile('d', dirInfo(), 0);
    await put(w, 'd\\f', 'data');
    await w.createAlternateStream('d\\f', 's', 2);
    await w.write(Buffer.from('ss'));
    await w.addHardLink('z-link', 'd\\f');
    await w.addFile('a-empty', fileInfo(), 0);
    await w.commit();
    const img = await openCimImage(join(dir, 'n.cim'));
    try {
      const got: string[] = [];
      for await (const e of img.entries()) {
        let extra = '';
        if ((e.kind === 'file' || e.kind === 'stream') && e.data) {
          const parts: Buffer[] = [];
          for await (const c of e.data) parts.push(c as Buffer);
          extra = `=${Buffer.concat(parts).toString()}`;
        }
        got.push(`${e.kind}:${e.path}${e.kind === 'stream' ? `:${e.name}` : ''}${e.kind === 'link' ? `->${e.target}` : ''}${extra}`);
      }
      assert.deepEqual(got, ['file:a-empty', 'directory:d', 'file:d/f=data', 'stream:d/f:s=ss', 'link:z-link->d/f']);
    } finally {
      await img.close();
    }
  }));

test('PE image streams (type 2) read through their mappings (spec §12.2)', () =>
  withDir('pe', async (dir) => {
    // Original bytes O; the expanded copy E places [1024,5120) at +3072 and [5120,10000) at +4096.
    const O = Buffer.alloc(10000);
    for (let i = 0; i < O.length; i++) O[i] = (i * 7 + 3) & 0xff;
    const E = Buffer.alloc(10000 + 4096);
    O.copy(E, 0, 0, 1024);
    O.copy(E, 1024 + 3072, 1024, 5120);
    O.copy(E, 5120 + 4096, 5120, 10000);
    const w = await createCimImage(dir, 'pe.cim');
    await put(w, 'expanded', E);
    await put(w, 'pe.exe', Buffer.alloc(10000, 1));
    const r = await w.commit();
    const setId = guidToString(new Uint8Array(r.regionSetId));
    let img = await openCimImage(join(dir, 'pe.cim'));
    const peId = await img.lookup('pe.exe');
    const expanded = await img.record(await img.lookup('expanded'));
    const ftd = img.fileTables[0]!;
    await img.close();
    const regionPath = join(dir, `region_${setId}_0`);
    const region = readFileSync(regionPath);
    const desc = Buffer.alloc(24 + 16);
    desc.writeBigUInt64LE(packOffset(expanded.defaultStream.dataOffset), 0);
    desc.writeBigUInt64LE(BigInt(E.length), 8);
    desc.writeUInt32LE(0x5000, 16);
    desc.writeUInt16LE(2, 20);
    desc.writeUInt16LE(1, 22);
    desc.writeUInt32LE(1024, 24);
    desc.writeUInt32LE(3072, 28);
    desc.writeUInt32LE(5120, 32);
    desc.writeUInt32LE(4096, 36);
    const pad = (8 - (region.length % 8)) % 8;
    const descAt = region.length + pad;
    const patched = Buffer.concat([region, Buffer.alloc(pad), desc]);
    const recAt = ftd.offset.offset + (peId - 1) * ftd.entrySize;
    const rec = decodeFileRecord(patched, recAt, ftd.entrySize);
    rec.defaultStream = { dataOffset: { region: 0, offset: descAt }, size: 10000, type: 2, sparse: false };
    encodeFileRecord(patched, recAt, rec, ftd.entrySize);
    writeFileSync(regionPath, patched);
    img = await openCimImage(join(dir, 'pe.cim'));
    try {
      const st = await img.stat(peId);
      assert.equal(st.streamType, 'peImage');
      assert.ok((await readAll(img, peId)).equals(O));
      for (const [at, n] of [[0, 1], [1000, 100], [1023, 2], [5119, 2], [9990, 50], [4000, 3000]] as const) {
        assert.ok(Buffer.from(await img.read(peId, at, n)).equals(O.subarray(at, at + n)), `read ${n} at ${at}`);
      }
    } finally {
      await img.close();
    }
  }));

test('two writers racing for one name: the second commit fails and takes its files back', () =>
  withDir('race', async (dir) => {
    const w1 = await createCimImage(dir, 'same.cim');
    const w2 = await createCimImage(dir, 'same.cim');
    await put(w1, 'one', '1');
    await put(w2, 'two', '2');
    await w1.commit();
    await assert.rejects(w2.commit(), (e: unknown) => isWcError(e) && e.code === 'AlreadyExists');
    await w2.close();
    assert.equal(readdirSync(dir).length, 7);
    const img = await openCimImage(join(dir, 'same.cim'));
    try {
      assert.deepEqual((await img.list(img.rootId)).map((e) => e.name), ['one']);
    } finally {
      await img.close();
    }
  }));
