#!/usr/bin/env node
// Import and export pipelines against GNU tar, in one run, on generated layers. By default three
// layers: 0.5 GB and 2 GB with the same 20,000 files (the issue's goal compares layer SIZE, so
// size is the only thing that changes between them) and 0.5 GB with 5,000 files (so the cost
// per file stays visible):
//   tar.gz → legacy layer (wclayer import)        vs  tar -xzf of the same file (goal ≤ 1.0×)
//   tar.gz → CIM layer (wclayer import --cim)     vs  tar -xzf                  (goal ≤ 0.5×)
//   legacy / CIM layer → tar.gz (gzip 6)          vs  tar -czf of the extracted copy (gzip 6)
// Each command runs in its own process under /usr/bin/time (wall, user+sys CPU, peak RSS);
// rounds alternate between the tools and the best time is kept (and the highest peak RSS).
// Floors printed beside: the import's inflate stage alone (its worker: zlib in place plus the
// diffID's sha256; one gzip stream cannot be split) and `gzip -dc`, since a single-stream import
// can be no faster than its inflate. At the end, one peak-RSS table: every operation at every layer, and the spread
// between the layers that differ only in size (goal: under 300 MiB, within 20%).
//   node bench/layer/pipeline.bench.mjs [--layers 512MB:20000,512MB:5000,2GB:20000] [--rounds R]
// Needs a build.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const layers = arg('layers', process.env.WCLAYER_BENCH_LAYERS ?? '512MB:20000,512MB:5000,2GB:20000')
  .split(',')
  .map((spec) => {
    const [sizeText, files] = spec.split(':');
    return { sizeText, files: Number(files ?? 20000) };
  });
const rounds = Number(arg('rounds', '2'));

const parseSize = (text) => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)/i.exec(text);
  return Math.round(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
};

function timed(cmd, args, shell = false) {
  const full = shell ? ['sh', '-c', cmd] : [cmd, ...args];
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', ...full], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${full.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 };
}

function best(list) {
  return { seconds: Math.min(...list.map((x) => x.seconds)), cpu: Math.min(...list.map((x) => x.cpu)), rssMiB: Math.max(...list.map((x) => x.rssMiB)) };
}

// The import's own inflate stage alone: the worker inflating in place and hashing the diffID,
// its chunks drained unread. What is left of an import's time above this is parsing and writing.
const INFLATE_ONLY = `import(process.argv[1]).then(async ({ inflateOnWorker }) => {
  const fs = require('fs'); const fd = fs.openSync(process.argv[2], 'r');
  const job = inflateOnWorker({ gzipFd: fd, size: fs.fstatSync(fd).size });
  for await (const c of job.chunks) void c;
  await job.uncompressed.hash.hex();
})`;
const inflateModule = pathToFileURL(join(root, 'dist', 'src', 'formats', 'tar', 'inflate-worker.js')).href;

const OPERATIONS = [
  ['imp', 'tar.gz → legacy layer'],
  ['cimImp', 'tar.gz → CIM layer'],
  ['exp', 'legacy layer → tar.gz'],
  ['cimExp', 'CIM layer → tar.gz'],
];
const rss = []; // per layer: { label, sizeBytes, files, imp, cimImp, exp, cimExp } in MiB
for (const { sizeText, files } of layers) {
  const sizeBytes = parseSize(sizeText);
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-bench-pipeline-'));
  try {
    const tarGz = join(dir, 'sample.tar.gz');
    console.log(`\ngenerating a ${sizeText} / ${files}-file sample base layer (gzip) in ${dir} …`);
    const g = spawnSync(process.execPath, [cli, 'sample', '--seed', 'bench', '--files', String(files), '--size', sizeText, '-o', tarGz], { encoding: 'utf8' });
    if (g.status !== 0) throw new Error(g.stderr);
    console.log(`tar.gz: ${(statSync(tarGz).size / 2 ** 20).toFixed(1)} MiB; load average ${loadavg()[0].toFixed(2)}`);

    const ours = { imp: [], exp: [], cimImp: [], cimExp: [] };
    const gnu = { imp: [], exp: [] };
    const floor = { node: [], gzip: [] };
    for (let r = 0; r < rounds; r++) {
      const layer = join(dir, `layer-${r}`);
      const cimLayer = join(dir, `cim-layer-${r}`);
      const extracted = join(dir, `extracted-${r}`);
      spawnSync('mkdir', ['-p', extracted]);
      const order = r % 2 === 0 ? ['gnu', 'ours'] : ['ours', 'gnu'];
      for (const who of order) {
        if (who === 'gnu') gnu.imp.push(timed('tar', ['--warning=no-unknown-keyword', '-xzf', tarGz, '-C', extracted]));
        else {
          ours.imp.push(timed(process.execPath, [cli, 'import', '-i', tarGz, layer]));
          ours.cimImp.push(timed(process.execPath, [cli, 'import', '--cim', '-i', tarGz, cimLayer]));
        }
      }
      floor.node.push(timed(process.execPath, ['-e', INFLATE_ONLY, inflateModule, tarGz]));
      floor.gzip.push(timed(`gzip -dc '${tarGz}' > /dev/null`, [], true));
      ours.cimExp.push(timed(process.execPath, [cli, 'export', '-o', join(dir, `ours-cim-${r}.tar.gz`), cimLayer]));
      rmSync(cimLayer, { recursive: true, force: true });
      for (const who of order) {
        if (who === 'gnu') gnu.exp.push(timed('tar', ['-czf', join(dir, `gnu-${r}.tar.gz`), '-C', extracted, '.']));
        else ours.exp.push(timed(process.execPath, [cli, 'export', '-o', join(dir, `ours-${r}.tar.gz`), layer]));
      }
      rmSync(layer, { recursive: true, force: true });
      rmSync(extracted, { recursive: true, force: true });
    }
    const rows = [
      ['tar.gz → legacy layer', best(ours.imp), 'tar -xzf', best(gnu.imp), '≤ 1.0×'],
      ['tar.gz → CIM layer', best(ours.cimImp), 'tar -xzf', best(gnu.imp), '≤ 0.5×'],
      ['legacy layer → tar.gz', best(ours.exp), 'tar -czf', best(gnu.exp), ''],
      ['CIM layer → tar.gz', best(ours.cimExp), 'tar -czf', best(gnu.exp), ''],
      ['floor: inflate + diffID', best(floor.node), 'tar -xzf', best(gnu.imp), ''],
      ['floor: gzip -dc alone', best(floor.gzip), 'tar -xzf', best(gnu.imp), ''],
    ];
    console.log(`\n${'operation'.padEnd(26)} ${'wclayer s'.padStart(9)} ${'cpu s'.padStart(7)} ${'peak MiB'.padStart(8)}   ${'peer'.padEnd(9)} ${'peer s'.padStart(7)} ${'cpu s'.padStart(7)}   ratio (wall, cpu)`);
    for (const [name, a, peer, b, goal] of rows) {
      console.log(
        `${name.padEnd(26)} ${a.seconds.toFixed(2).padStart(9)} ${a.cpu.toFixed(2).padStart(7)} ${a.rssMiB.toFixed(0).padStart(8)}   ${peer.padEnd(9)} ${b.seconds.toFixed(2).padStart(7)} ${b.cpu.toFixed(2).padStart(7)}   ${(a.seconds / b.seconds).toFixed(2)}×, ${(a.cpu / b.cpu).toFixed(2)}× ${goal ? `(goal ${goal})` : ''}`,
      );
    }
    console.log(`ratio ${sizeText}/${files} tar.gz→legacy / tar -xzf: ${(best(ours.imp).seconds / best(gnu.imp).seconds).toFixed(2)}×; tar.gz→CIM / tar -xzf: ${(best(ours.cimImp).seconds / best(gnu.imp).seconds).toFixed(2)}×; inflate floor: ${(best(floor.node).seconds / best(gnu.imp).seconds).toFixed(2)}×`);
    console.log(`(best of ${rounds} alternating rounds; ratio = wclayer / peer; ${files} files, ${sizeText})`);
    rss.push({ label: `${sizeText}/${files}`, sizeBytes, files, ...Object.fromEntries(OPERATIONS.map(([k]) => [k, best(ours[k]).rssMiB])) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Peak RSS: every operation at every layer, then the spread between layers that differ only in size.
const sameFiles = rss.filter((r) => rss.some((o) => o.files === r.files && o.sizeBytes !== r.sizeBytes));
const pair = sameFiles.length ? sameFiles.filter((r) => r.files === sameFiles[0].files).sort((a, b) => a.sizeBytes - b.sizeBytes) : [];
const [small, large] = pair.length ? [pair[0], pair[pair.length - 1]] : [];
console.log(`\npeak RSS, MiB (load average ${loadavg()[0].toFixed(2)})`);
console.log(`${'operation'.padEnd(24)}${rss.map((r) => r.label.padStart(13)).join('')}${small ? `   spread ${small.label} → ${large.label}` : ''}`);
let ok = true;
for (const [k, name] of OPERATIONS) {
  const under = rss.every((r) => r[k] < 300);
  let spread = '';
  if (small) {
    const growth = large[k] / small[k] - 1;
    const within = Math.abs(growth) <= 0.2;
    ok &&= within && under;
    spread = `   ${(growth >= 0 ? '+' : '') + (growth * 100).toFixed(0)}% (${within ? 'within' : 'NOT within'} 20%${under ? '' : '; NOT under 300 MiB'})`;
  }
  console.log(`${name.padEnd(24)}${rss.map((r) => r[k].toFixed(0).padStart(13)).join('')}${spread}`);
}
if (small) console.log(`peak RSS goal (under 300 MiB, within 20% from ${small.label} to ${large.label}): ${ok ? 'met' : 'NOT met'}`);
