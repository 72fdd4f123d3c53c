// gzip files inflated on a worker thread (src/formats/tar/inflate-worker.ts): the entries, their
// bytes and the digests equal the in-thread decoder's, in order, even when the consumer is slow
// and the shared slots are reused; corrupt or truncated input, early stops and cancellation end
// the worker with a clear error, and a failed import leaves nothing behind.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { decodeLayerTar, type DecodeOptions } from '../../src/formats/tar/index.js';
import type { GzipFileInput, InflateEngine } from '../../src/formats/tar/inflate-worker.js';
import { importLayer, WORKER_INFLATE_MIN } from '../../src/layer/import.js';
import { exportLayer } from '../../src/layer/export.js';
import { isWcError } from '../../src/errors.js';
import { assertRejectsWc, listDir, removeDir, tempDir } from './helpers.js';
import { sampleTar, type SampleTar } from './pipeline-helpers.js';

let dir: string;
let gz: SampleTar;
let layers: string;

before(async () => {
  dir = await tempDir('wclayer-inflate-worker-');
  // ~6 MB of tar: several 1 MiB slots, files that span slot boundaries
  gz = await sampleTar(dir, 'base.tar.gz', 'base', 'gzip', 31, 300, 6_000_000);
  layers = join(dir, 'layers');
  await mkdir(layers);
});
after(async () => removeDir(dir));

interface Seen {
  list: string[];
  result: { diffId?: string; compressedDigest?: string; tarSize: number; compressedSize: number; entries: number };
}

/** Decodes, hashing each entry's bytes; `slow` waits a turn per chunk, so the worker fills the ring and waits. */
async function decodeWith(input: Parameters<typeof decodeLayerTar>[0], options: DecodeOptions, slow = false): Promise<Seen> {
  const d = decodeLayerTar(input, options);
  const list: string[] = [];
  for await (const e of d.entries) {
    let line = `${e.kind} ${e.path}`;
    if ((e.kind === 'file' || e.kind === 'stream') && e.size > 0) {
      const h = createHash('sha256');
      for await (const c of e.data!) {
        if (slow) await tick();
        h.update(c as Buffer);
      }
      line += ` ${e.size} ${h.digest('hex')}`;
    }
    list.push(line);
  }
  return { list, result: await d.result };
}

/** Both ways the worker drives zlib: in place through the handle (the default) and the stream fallback. */
const ENGINES: InflateEngine[] = ['handle', 'stream'];

async function withFd<T>(path: string, fn: (input: GzipFileInput) => Promise<T>, engine: InflateEngine = 'handle'): Promise<T> {
  const fh = await open(path, 'r');
  try {
    // 2 slots: the ~6 MB sample wraps the ring several times, so slots are reused under a slow consumer
    return await fn({ gzipFd: fh.fd, size: (await fh.stat()).size, engine, ringSlots: 2 });
  } finally {
    await fh.close();
  }
}

test('the sample is big enough for importLayer to take the worker path', () => {
  assert.ok((gz.tarSize > 4 * (1 << 20)), `tar of ${gz.tarSize} bytes spans several slots`);
});

for (const engine of ENGINES) {
  test(`worker inflate (${engine}): same entries, bytes, order and digests as the in-thread decoder, with a slow consumer reusing slots`, async () => {
    const want = await decodeWith(createReadStream(gz.path), {});
    const file = await readFile(gz.path);
    for (const slow of [false, true]) {
      const got = await withFd(gz.path, (input) => decodeWith(input, { transientData: true, inputDigest: true }, slow), engine);
      assert.deepEqual(got.list, want.list);
      assert.equal(got.result.diffId, gz.diffId);
      assert.equal(got.result.compressedDigest, `sha256:${createHash('sha256').update(file).digest('hex')}`);
      assert.equal(got.result.tarSize, want.result.tarSize);
      assert.equal(got.result.compressedSize, file.length);
      assert.equal(got.result.entries, want.result.entries);
    }
    // Without transientData the decoder copies what it hands out: chunks kept to the end stay intact.
    const kept = await withFd(gz.path, async (input) => {
      const d = decodeLayerTar(input, { inputDigest: false });
      const files: { line: string; chunks: Buffer[] }[] = [];
      for await (const e of d.entries) {
        const f = { line: `${e.kind} ${e.path}`, chunks: [] as Buffer[] };
        if ((e.kind === 'file' || e.kind === 'stream') && e.size > 0) {
          f.line += ` ${e.size}`;
          for await (const c of e.data!) f.chunks.push(c as Buffer);
        }
        files.push(f);
      }
      return { files, r: await d.result };
    }, engine);
    assert.equal(kept.r.compressedDigest, undefined);
    assert.equal(kept.r.diffId, gz.diffId);
    const late = kept.files.map((f) => (f.chunks.length ? `${f.line} ${createHash('sha256').update(Buffer.concat(f.chunks)).digest('hex')}` : f.line));
    assert.deepEqual(late, want.list);
  });
}

test('worker inflate (handle, stream): a gzip in two members, or followed by zero padding, reads as the in-thread decoder reads it', async () => {
  const tar = gunzipSync(await readFile(gz.path));
  const half = Math.floor(tar.length / 2) + 123;
  const cases = {
    'two members': Buffer.concat([gzipSync(tar.subarray(0, half)), gzipSync(tar.subarray(half))]),
    'zero padding': Buffer.concat([await readFile(gz.path), Buffer.alloc(3000)]),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    const path = join(dir, `${name.replace(' ', '-')}.tar.gz`);
    await writeFile(path, bytes);
    const want = await decodeWith(createReadStream(path), {});
    assert.equal(want.result.diffId, gz.diffId, name);
    for (const engine of ENGINES) {
      const got = await withFd(path, (input) => decodeWith(input, { transientData: true }), engine);
      assert.deepEqual(got.list, want.list, `${name}, ${engine}`);
      assert.equal(got.result.diffId, gz.diffId, `${name}, ${engine}`);
      assert.equal(got.result.tarSize, tar.length, `${name}, ${engine}`);
    }
  }
});

for (const engine of ENGINES) {
  test(`worker inflate (${engine}): corrupt or truncated gzip is Corrupt, mid-stream, and the result rejects too`, async () => {
    const file = await readFile(gz.path);
    const bad = Buffer.from(file);
    for (let i = Math.floor(bad.length / 2); i < Math.floor(bad.length / 2) + 64; i++) bad[i] ^= 0x5a;
    const badPath = join(dir, 'bad.tar.gz');
    await writeFile(badPath, bad);
    const cutPath = join(dir, 'cut.tar.gz');
    await writeFile(cutPath, file.subarray(0, Math.floor(file.length * 0.6)));
    for (const path of [badPath, cutPath]) {
      let entries = 0;
      await withFd(path, async (input) => {
        const d = decodeLayerTar(input, { transientData: true });
        await assert.rejects(
          (async () => {
            for await (const e of d.entries) {
              entries++;
              if ((e.kind === 'file' || e.kind === 'stream') && e.size > 0) for await (const _ of e.data!) void _;
            }
          })(),
          (e: unknown) => isWcError(e) && e.code === 'Corrupt',
        );
        await assert.rejects(d.result);
      }, engine);
      assert.ok(entries > 10, `${path}: entries before the damage were delivered (${entries})`);
    }
  });
}

test('worker inflate: stopping early ends the worker (the test would not end otherwise)', async () => {
  await withFd(gz.path, async (input) => {
    const d = decodeLayerTar(input, { transientData: true });
    let n = 0;
    for await (const e of d.entries) {
      void e;
      if (++n === 5) break;
    }
    await assert.rejects(d.result, (e: unknown) => isWcError(e) && e.code === 'Cancelled');
  });
});

test('import through the worker: CIM and legacy layers export back to the same diffID', async () => {
  assert.ok((await readFile(gz.path)).length >= WORKER_INFLATE_MIN, 'the input takes the worker path');
  for (const format of ['cim', 'legacy'] as const) {
    const layerPath = join(layers, `ok-${format}`);
    const r = await importLayer({ input: gz.path, layerPath, format, expectedDiffId: gz.diffId, blobDigest: true });
    assert.equal(r.diffId, gz.diffId);
    assert.equal(r.compressedDigest, gz.compressedDigest);
    const e = await exportLayer({ layerPath, output: join(dir, `out-${format}.tar`) });
    assert.equal(e.diffId, gz.diffId);
  }
});

test('import through the worker: truncated input and cancellation mid-stream leave nothing behind', async () => {
  const file = await readFile(gz.path);
  const cut = join(dir, 'cut-import.tar.gz');
  await writeFile(cut, file.subarray(0, file.length - 50_000));
  const target = join(dir, 'fail');
  await mkdir(target);
  for (const format of ['cim', 'legacy'] as const) {
    await assertRejectsWc(importLayer({ input: cut, layerPath: join(target, 'L'), format }), 'Corrupt');
    assert.deepEqual(await listDir(target), []);
    const controller = new AbortController();
    let seen = 0;
    const p = importLayer({
      input: gz.path,
      layerPath: join(target, 'L'),
      format,
      signal: controller.signal,
      onProgress: (pr) => {
        // abort once part of the input went through, so the worker is mid-stream
        if ((pr.bytesDone ?? 0) > 0 && ++seen === 2) controller.abort();
      },
    });
    await assertRejectsWc(p, 'Cancelled');
    assert.ok(seen >= 2);
    assert.deepEqual(await listDir(target), []);
  }
});
