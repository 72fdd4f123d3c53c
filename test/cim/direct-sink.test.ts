// The data region's direct-I/O sink (src/cim/direct-sink.ts): whatever mix of appends, unawaited
// appends, cuts into bytes already on disk and a final partial page, the file holds exactly the
// bytes a plain model says; a whole image written with direct I/O is byte-identical to one
// written through the page cache; WCLAYER_DIRECT_IO=0 turns it off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsImageOutput } from '../../src/cim/fs-files.js';
import { directIoAllowed, isDirectSink, openDirect } from '../../src/cim/direct-sink.js';
import { createCimImage } from '../../src/cim/image.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { tempDir } from './helpers.js';

const MiB = 1 << 20;

/** Whether this file system takes direct writes at all (tmpfs before Linux 6.6 does not, nor do other OSes). */
async function directWorksIn(dir: string): Promise<boolean> {
  const probe = join(dir, 'probe');
  await fs.writeFile(probe, '');
  const fh = await openDirect(probe);
  await fh?.close();
  await fs.rm(probe);
  return fh !== undefined;
}

function bytesFor(seed: number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    b[i] = s & 0xff;
  }
  return b;
}

test('direct sink: appends, unawaited appends, cuts into written pages and a partial last page give the model bytes', async (tc) => {
  const t = tempDir('direct');
  try {
    const direct = await directWorksIn(t.dir);
    if (!direct) tc.diagnostic(`no direct I/O in ${t.dir} (allowed: ${directIoAllowed()}): the buffered fallback was checked instead`);
    for (const seed of [1, 2, 3]) {
      const out = new FsImageOutput(t.dir);
      const sink = await out.createAppendFile(`data-${seed}`, { bulk: true });
      assert.equal(isDirectSink(sink), direct);
      let model = Buffer.alloc(0);
      let rnd = seed * 7919;
      const next = (m: number): number => {
        rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
        return (rnd >>> 8) % m; // the low bits of this generator repeat too soon
      };
      const pending: Promise<void>[] = [];
      for (let step = 0; step < 60; step++) {
        const r = next(10);
        if (r < 6) {
          // sizes from a few bytes to more than a buffer, at odd offsets of their source
          const n = [1 + next(700), 4096 - next(3), 1 + next(MiB), 4 * MiB + 1 + next(MiB)][next(4)]!;
          const src = bytesFor(seed * 1000 + step, n + 7);
          const at = next(7);
          const view = src.subarray(at, at + n);
          model = Buffer.concat([model, view]);
          const p = next(2) ? sink.append(view) : sink.appendViews([view.subarray(0, n >> 1), view.subarray(n >> 1)]);
          pending.push(p); // not awaited: later appends must still land after this one
          assert.equal(sink.length, model.length);
        } else if (r < 8) {
          await Promise.all(pending.splice(0));
          // cut back: within the buffer, or pages (even buffers) back into what is on disk
          const back = [next(3000), next(5 * MiB), next(12 * MiB)][next(3)]!;
          const to = Math.max(0, model.length - back);
          await sink.truncate(to);
          model = model.subarray(0, to);
          assert.equal(sink.length, to);
        } else {
          await Promise.all(pending.splice(0));
        }
      }
      await Promise.all(pending);
      await sink.finish();
      await out.commit(`data-${seed}`);
      const got = readFileSync(join(t.dir, `data-${seed}`));
      assert.equal(got.length, model.length, `seed ${seed}: length`);
      assert.ok(got.equals(model), `seed ${seed}: bytes`);
    }
  } finally {
    t.done();
  }
});

test('direct sink: an empty file, and one of exactly one buffer, come out exact', async () => {
  const t = tempDir('direct-edges');
  try {
    for (const size of [0, 4 * MiB, 4096]) {
      const out = new FsImageOutput(t.dir);
      const name = `f${size}`;
      const sink = await out.createAppendFile(name, { bulk: true });
      const bytes = bytesFor(size + 1, size);
      await sink.append(bytes);
      await sink.finish();
      await out.commit(name);
      assert.ok(readFileSync(join(t.dir, name)).equals(bytes), `${size} bytes`);
    }
  } finally {
    t.done();
  }
});

test('direct sink: WCLAYER_DIRECT_IO=0 writes through the page cache instead', async () => {
  const t = tempDir('direct-off');
  const before = process.env.WCLAYER_DIRECT_IO;
  try {
    process.env.WCLAYER_DIRECT_IO = '0';
    assert.equal(directIoAllowed(), false);
    const out = new FsImageOutput(t.dir);
    const sink = await out.createAppendFile('x', { bulk: true });
    assert.equal(isDirectSink(sink), false);
    await sink.append(Buffer.from('plain'));
    await sink.finish();
    await out.commit('x');
    assert.equal(readFileSync(join(t.dir, 'x'), 'utf8'), 'plain');
  } finally {
    if (before === undefined) delete process.env.WCLAYER_DIRECT_IO;
    else process.env.WCLAYER_DIRECT_IO = before;
    t.done();
  }
});

test('a generated layer written with direct I/O is byte-identical to one written through the page cache', async () => {
  const t = tempDir('direct-image');
  const before = process.env.WCLAYER_DIRECT_IO;
  try {
    const regionSetId = new Uint8Array(16).fill(0x3c);
    for (const [name, flag] of [['direct', '1'], ['cached', '0']] as const) {
      process.env.WCLAYER_DIRECT_IO = flag;
      const dir = join(t.dir, name);
      mkdirSync(dir);
      const w = await createCimImage(dir, 'x.cim', { regionSetId });
      try {
        for await (const e of generateSampleLayer({ seed: 'direct', kind: 'base', fileCount: 300, totalSize: 24 << 20 })) {
          if (e.kind === 'directory') await w.addFile(e.path, e.info, 0);
          else if (e.kind === 'file' || e.kind === 'stream') {
            if (e.kind === 'file') await w.addFile(e.path, e.info, e.size);
            else await w.createAlternateStream(e.path, e.name, e.size);
            for await (const c of e.data ?? []) await w.write(c as Buffer);
          } else if (e.kind === 'link') await w.addHardLink(e.path, e.target);
        }
        await w.commit();
      } finally {
        await w.close();
      }
    }
    const names = readdirSync(join(t.dir, 'direct')).sort();
    assert.deepEqual(names, readdirSync(join(t.dir, 'cached')).sort());
    for (const n of names) assert.ok(readFileSync(join(t.dir, 'direct', n)).equals(readFileSync(join(t.dir, 'cached', n))), `${n} differs`);
  } finally {
    if (before === undefined) delete process.env.WCLAYER_DIRECT_IO;
    else process.env.WCLAYER_DIRECT_IO = before;
    t.done();
  }
});
