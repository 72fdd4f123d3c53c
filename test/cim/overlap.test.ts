// The data region places each object only once its digest is known, so hashing on the worker
// thread (beside the writes) must give the very same files as hashing inline. Checked on a
// generated layer plus the cases that take other paths: objects too big to hold in memory
// (streamed, cut back when duplicate), duplicates of held objects, chunks at odd offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCimImage, openCimImage } from '../../src/cim/image.js';
import type { CimWriter } from '../../src/formats/cim/writer.js';
import { HOLD_MAX } from '../../src/formats/cim/data-region.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { fileInfo, dirInfo, readAll, tempDir } from './helpers.js';
import { checkLayout } from './layout-check.js';

const REGION_SET = new Uint8Array(16).fill(0x5a);

/** Feeds `bytes` in pieces of varying length, each copied to an odd offset of a scratch buffer. */
async function writeOddly(w: CimWriter, bytes: Uint8Array, seed: number): Promise<void> {
  const scratch = Buffer.alloc(80_000);
  let s = seed;
  for (let done = 0; done < bytes.length; ) {
    s = (s * 1103515245 + 12345) >>> 0;
    const n = Math.min(bytes.length - done, 1 + (s % 70_000));
    const at = s % 7;
    scratch.set(bytes.subarray(done, done + n), at);
    await w.write(scratch.subarray(at, at + n));
    done += n;
  }
}

function pattern(size: number, salt: number): Buffer {
  const b = Buffer.alloc(size + 4);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE(((i + salt) * 2654435761) >>> 0, i);
  return b.subarray(0, size);
}

async function writeImage(dir: string, name: string, hashOnWorker: boolean): Promise<void> {
  const w = await createCimImage(dir, name, { hashOnWorker, regionSetId: REGION_SET });
  try {
    await fill(w);
    await w.commit();
  } finally {
    await w.close();
  }
}

async function fill(w: CimWriter): Promise<void> {
  let n = 0;
  for await (const e of generateSampleLayer({ seed: 'overlap', kind: 'base', fileCount: 400, totalSize: 12 << 20 })) {
    const path = e.path;
    if (e.kind === 'directory') await w.addFile(path, e.info, 0);
    else if (e.kind === 'file' || e.kind === 'stream') {
      if (e.kind === 'file') await w.addFile(path, e.info, e.size);
      else await w.createAlternateStream(path, e.name, e.size);
      const parts: Buffer[] = [];
      for await (const c of e.data ?? []) parts.push(c as Buffer);
      await writeOddly(w, Buffer.concat(parts), n++);
    } else if (e.kind === 'link') await w.addHardLink(path, e.target);
  }
  await w.addFile('extra', dirInfo(), 0);
  const huge = pattern(HOLD_MAX + 12345, 1);
  const held = pattern(3 << 20, 2);
  for (const [file, bytes] of [
    ['extra/held1', held],
    ['extra/huge1', huge],
    ['extra/huge2', huge], // streamed duplicate: written, then cut back off
    ['extra/held2', held], // held duplicate: never written
    ['extra/tail', pattern(5000, 3)],
  ] as const) {
    await w.addFile(file, fileInfo(), bytes.length);
    await writeOddly(w, bytes, bytes.length);
  }
  // A large stream left unwritten stays sparse and leaves no padding behind.
  await w.addFile('extra/sparse', fileInfo(), 2 << 20);
  await w.addFile('extra/after', fileInfo(), 4097);
  await w.write(pattern(4097, 4));
}

test('hashing on the worker writes byte-identical images to hashing inline (generated layer)', async () => {
  const t = tempDir('overlap');
  try {
    const a = join(t.dir, 'a');
    const b = join(t.dir, 'b');
    for (const [d, worker] of [[a, true], [b, false]] as const) {
      mkdirSync(d);
      await writeImage(d, 'x.cim', worker);
    }
    const names = readdirSync(a).sort();
    assert.deepEqual(names, readdirSync(b).sort());
    assert.ok(names.length >= 7, names.join());
    for (const n of names) assert.ok(readFileSync(join(a, n)).equals(readFileSync(join(b, n))), `${n} differs`);
    const img = await openCimImage(join(a, 'x.cim'));
    try {
      await checkLayout(a, 'x.cim', img);
      const huge1 = await img.record(await img.lookup('extra/huge1'));
      assert.deepEqual(huge1.defaultStream.dataOffset, (await img.record(await img.lookup('extra/huge2'))).defaultStream.dataOffset);
      assert.deepEqual((await img.record(await img.lookup('extra/held1'))).defaultStream.dataOffset, (await img.record(await img.lookup('extra/held2'))).defaultStream.dataOffset);
      assert.ok((await readAll(img, await img.lookup('extra/huge2'))).equals(pattern(HOLD_MAX + 12345, 1)));
      assert.ok((await readAll(img, await img.lookup('extra/after'))).equals(pattern(4097, 4)));
      assert.equal((await img.record(await img.lookup('extra/sparse'))).defaultStream.sparse, true);
    } finally {
      await img.close();
    }
  } finally {
    t.done();
  }
});
