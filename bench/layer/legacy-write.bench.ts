// Legacy layer writer speed, side by side with GNU tar extracting the same files in the same run.
// The writer is fed by the sample generator; the generator's own time (drained alone) is
// measured too and subtracted, so the ratio compares writing with writing.
//   WCLAYER_BENCH_FILES (default 4000), WCLAYER_BENCH_BYTES (default 400 MB)
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createLegacyLayerWriter } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';

const fileCount = Number(process.env.WCLAYER_BENCH_FILES ?? 4000);
const totalSize = Number(process.env.WCLAYER_BENCH_BYTES ?? 400_000_000);
const sample = () => generateSampleLayer({ seed: 'bench', kind: 'base', fileCount, totalSize });

async function time(what: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await what();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const dir = await mkdtemp(join(tmpdir(), 'wclayer-bench-'));
try {
  // The same files as a plain tar (not timed).
  const pack = tar.pack();
  const done = pipeline(pack, createWriteStream(join(dir, 'sample.tar')));
  for await (const e of sample()) {
    if (e.kind === 'directory') pack.entry({ name: e.path, type: 'directory' });
    else if (e.kind === 'link') pack.entry({ name: e.path, type: 'link', linkname: e.target });
    else if (e.kind === 'file') {
      if (e.data) await pipeline(e.data, pack.entry({ name: e.path, size: e.size }));
      else pack.entry({ name: e.path, size: 0 }, Buffer.alloc(0));
    } else if (e.kind === 'stream') e.data?.destroy();
  }
  pack.finalize();
  await done;

  const generate = await time(async () => {
    for await (const e of sample()) if ('data' in e && e.data) for await (const chunk of e.data) void chunk;
  });
  // Alternate the two twice and keep the best of each: the disk is shared and noisy.
  let gnu = Infinity;
  let legacy = Infinity;
  for (let round = 0; round < 2; round++) {
    await mkdir(join(dir, 'gnu'));
    gnu = Math.min(gnu, await time(async () => {
      const r = spawnSync('tar', ['-xf', join(dir, 'sample.tar'), '-C', join(dir, 'gnu')]);
      if (r.status !== 0) throw new Error(`tar failed: ${r.stderr}`);
    }));
    await rm(join(dir, 'gnu'), { recursive: true });
    legacy = Math.min(legacy, await time(async () => writeEntries(await createLegacyLayerWriter(join(dir, 'layer')), sample())));
    await rm(join(dir, 'layer'), { recursive: true });
  }
  const net = Math.max(legacy - generate, 0.001);
  console.log(`legacy writer, ${fileCount} files, ${(totalSize / 1e6).toFixed(0)} MB`);
  console.log(`  GNU tar -xf          ${gnu.toFixed(2)} s`);
  console.log(`  sample generator     ${generate.toFixed(2)} s (alone)`);
  console.log(`  legacy writer        ${legacy.toFixed(2)} s (generator included), ${net.toFixed(2)} s net`);
  console.log(`  ratio legacy/tar     ${(net / gnu).toFixed(2)}x net, ${(legacy / gnu).toFixed(2)}x gross`);
  console.log(`  peak RSS             ${(peakRss / 1e6).toFixed(0)} MB`);
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
