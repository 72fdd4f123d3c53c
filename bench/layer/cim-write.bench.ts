// CIM layer writer and reader speed, side by side with GNU tar on the same files in the same run:
// sample entries → CIM layer against `tar -xf` of those files, and reading the layer back
// (every byte) against `tar -cf` of the extracted copy. The generator's own time is measured
// alone and subtracted from the writer's.
//   WCLAYER_BENCH_FILES (default 4000), WCLAYER_BENCH_BYTES (default 400 MB)
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createCimLayerWriter, readCimLayer } from '../../src/layer/cim/index.js';
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

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const dir = await mkdtemp(join(tmpdir(), 'wclayer-bench-'));
try {
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
  let gnuX = Infinity;
  let gnuC = Infinity;
  let write = Infinity;
  let read = Infinity;
  for (let round = 0; round < 2; round++) {
    await mkdir(join(dir, 'gnu'));
    gnuX = Math.min(gnuX, await time(async () => run('tar', ['-xf', join(dir, 'sample.tar'), '-C', join(dir, 'gnu')])));
    gnuC = Math.min(gnuC, await time(async () => run('tar', ['-cf', join(dir, 'out.tar'), '-C', join(dir, 'gnu'), '.'])));
    await rm(join(dir, 'gnu'), { recursive: true });
    await rm(join(dir, 'out.tar'));
    // Placeholder hives: hive processing off (the merge is not what is measured here).
    write = Math.min(write, await time(async () => writeEntries(await createCimLayerWriter(join(dir, 'layer'), { processHives: false }), sample())));
    read = Math.min(read, await time(async () => {
      for await (const e of readCimLayer(join(dir, 'layer'))) if ('data' in e && e.data) for await (const chunk of e.data) void chunk;
    }));
    await rm(join(dir, 'layer'), { recursive: true });
  }
  const net = Math.max(write - generate, 0.001);
  console.log(`CIM layer, ${fileCount} files, ${(totalSize / 1e6).toFixed(0)} MB`);
  console.log(`  GNU tar -xf          ${gnuX.toFixed(2)} s`);
  console.log(`  sample generator     ${generate.toFixed(2)} s (alone)`);
  console.log(`  CIM layer writer     ${write.toFixed(2)} s (generator included), ${net.toFixed(2)} s net`);
  console.log(`  ratio write/tar -x   ${(net / gnuX).toFixed(2)}x net, ${(write / gnuX).toFixed(2)}x gross`);
  console.log(`  GNU tar -cf          ${gnuC.toFixed(2)} s`);
  console.log(`  readCimLayer (drain) ${read.toFixed(2)} s`);
  console.log(`  ratio read/tar -c    ${(read / gnuC).toFixed(2)}x`);
  console.log(`  peak RSS             ${(peakRss / 1e6).toFixed(0)} MB`);
} finally {
  clearInterval(sampler);
  await rm(dir, { recursive: true, force: true });
}
