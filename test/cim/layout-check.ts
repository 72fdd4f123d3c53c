// Checks an image's layout from the raw bytes of its files (spec §3-§6, §13): header fields,
// region alignment, object-ID tables (sorted, exact digests, no duplicates), sorted link tables,
// and that identical objects (data, SDs) are stored once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CimImage } from '../../src/formats/cim/reader.js';
import { compareNames } from '../../src/formats/cim/names.js';
import { guidToString } from '../../src/formats/cim/layout.js';

const u16 = (b: Buffer, at: number): number => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at);
const u64 = (b: Buffer, at: number): bigint => b.readBigUInt64LE(at);

export interface LayoutFacts {
  parentCount: number;
  regionSetId: string;
}

export async function checkLayout(dir: string, cimName: string, img: CimImage, expectMajor = 2): Promise<LayoutFacts> {
  const cim = readFileSync(join(dir, cimName));
  assert.equal(cim.subarray(0, 8).toString('latin1'), 'cimfile0');
  assert.equal(u32(cim, 8), 72, '.cim HeaderLength');
  assert.equal(cim[12], 0, '.cim type');
  assert.equal(u32(cim, 16), expectMajor, 'major version');
  assert.equal(u32(cim, 20), 0, 'minor version');
  const parentCount = u16(cim, 70);
  assert.equal(cim.length, 72 + 24 * parentCount, '.cim size');
  const setId = guidToString(cim.subarray(32, 48));
  assert.match(setId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(u16(cim, 48), 3, 'own region count');
  const base = [...Array(parentCount).keys()].reduce((n, i) => n + u16(cim, 72 + 24 * i + 16), 0);
  const fsOffset = u64(cim, 56);
  const align = [8, 4096, 8];
  const regions: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const r = readFileSync(join(dir, `region_${setId}_${i}`));
    regions.push(r);
    assert.equal(r.subarray(0, 8).toString('latin1'), 'cimfile0');
    assert.equal(u32(r, 8), 40, 'region HeaderLength');
    assert.equal(r[12], 1, 'region file type');
    assert.equal(u32(r, 16), expectMajor);
    assert.equal(r[34], i, `region ${i} type`);
    if (i === 1) {
      assert.equal(r.length % 4096, 0, 'data region length is page-aligned');
      assert.ok(r.subarray(40, 4096).every((x) => x === 0), 'data region bytes 0x28..0xfff are zero');
    }
    const o = readFileSync(join(dir, `objectid_${setId}_${i}`));
    assert.equal(o[12], 2, 'objectid file type');
    assert.equal(u32(o, 8), 48);
    assert.equal(u16(o, 32), i, 'objectid Index');
    assert.equal(o[34], i, 'objectid Type');
    assert.equal(u32(o, 40), 48, 'TableOffset');
    const count = u32(o, 44);
    assert.equal(o.length, 48 + 40 * count, 'objectid file size');
    let prev: Buffer | undefined;
    const offsets = new Set<bigint>();
    for (let k = 0; k < count; k++) {
      const e = o.subarray(48 + 40 * k, 88 + 40 * k);
      const len = Number(u64(e, 0));
      const off = Number(u64(e, 32));
      assert.equal(off % align[i]!, 0, `region ${i} object at ${off} aligned to ${align[i]}`);
      assert.ok(off >= (i === 1 ? 4096 : 40) && off + len <= r.length, `object at ${off} inside region ${i}`);
      const obj = r.subarray(off, off + len);
      const digest = len <= 24 ? Buffer.concat([obj, Buffer.alloc(24 - len)]) : createHash('sha512').update(obj).digest().subarray(0, 24);
      assert.ok(digest.equals(e.subarray(8, 32)), `region ${i} object at ${off}: digest matches its bytes`);
      const key = Buffer.concat([e.subarray(0, 8).reverse(), e.subarray(8, 32)]);
      if (prev) assert.ok(Buffer.compare(prev, key) < 0, `objectid ${i} entries sorted and unique (entry ${k})`);
      prev = Buffer.from(key);
      assert.ok(!offsets.has(BigInt(off)) || len === 0, 'one entry per object');
      offsets.add(BigInt(off));
    }
    if (i !== 1 && parentCount === 0) {
      // The Filesystem object is the last object of the metadata region.
      if (i === 0) assert.equal(Number(fsOffset & 0xffffffffffffn) + 24, r.length, 'Filesystem object ends region 0');
    }
  }
  if (parentCount === 0) assert.equal(Number(fsOffset >> 48n), 0, 'Filesystem object in region 0');
  else assert.ok(Number(fsOffset >> 48n) < base + 3, 'Filesystem object in a known region');
  // Every directory sorted; identical contents and SDs share one object.
  const byContent = new Map<string, Set<string>>();
  const bySd = new Map<string, Set<string>>();
  for await (const w of img.walk()) {
    if (w.isDirectory) {
      const names = (await img.list(w.fileId)).map((e) => e.name);
      for (let k = 1; k < names.length; k++) assert.ok(compareNames(names[k - 1]!, names[k]!, img.upcaseTable) < 0, `${w.path}: ${names[k - 1]} < ${names[k]}`);
    }
    const rec = await img.record(w.fileId);
    const st = await img.stat(w.fileId);
    if (!w.isDirectory && !rec.defaultStream.sparse && rec.defaultStream.size > 0) {
      const h = createHash('sha256');
      for await (const c of img.createReadStream(w.fileId)) h.update(c as Buffer);
      const k = `${rec.defaultStream.size}:${h.digest('hex')}`;
      const set = byContent.get(k) ?? new Set();
      set.add(`${rec.defaultStream.dataOffset.region}:${rec.defaultStream.dataOffset.offset}`);
      byContent.set(k, set);
      if (rec.defaultStream.dataOffset.region >= base) {
        const rr = regions[rec.defaultStream.dataOffset.region - base]!;
        assert.equal(rec.defaultStream.dataOffset.region - base, rec.defaultStream.size <= 1024 ? 2 : 1, `${w.path}: data in the right region`);
        assert.ok(rec.defaultStream.dataOffset.offset + rec.defaultStream.size <= rr.length);
      }
    }
    if (st.info.securityDescriptor) {
      const k = Buffer.from(st.info.securityDescriptor).toString('hex');
      const set = bySd.get(k) ?? new Set();
      set.add(`${rec.sdOffset.region}:${rec.sdOffset.offset}`);
      bySd.set(k, set);
    }
  }
  for (const [k, s] of byContent) assert.equal(s.size, 1, `content ${k.slice(0, 20)} stored once, found at ${[...s].join(', ')}`);
  for (const [k, s] of bySd) assert.equal(s.size, 1, `SD ${k.slice(0, 20)} stored once`);
  return { parentCount, regionSetId: setId };
}
