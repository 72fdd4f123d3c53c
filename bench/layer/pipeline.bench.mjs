#!/usr/bin/env node
// Import and export pipelines against GNU tar, in one run, on a generated layer:
//   tar.gz → legacy layer (wclayer import)        vs  tar -xzf of the same file
//   legacy layer → tar.gz (wclayer export, gzip 6) vs  tar -czf of the extracted copy (gzip 6)
// Each command runs in its own process under /usr/bin/time (wall time and peak RSS); rounds
// alternate between the two tools and the best time is kept.
//   node bench/layer/pipeline.bench.mjs [--size 2GB] [--files N] [--rounds R]
//   (legacy and CIM layers; the CIM rows run after the legacy ones in each round)
// Default 0.5 GB / 5,000 files; 2 GB uses 20,000 files unless --files is given. Needs a build.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizeText = arg('size', process.env.WCLAYER_BENCH_SIZE ?? '512MB');
const sizeBytes = (() => {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)/i.exec(sizeText);
  return Math.round(Number(m[1]) * 1024 ** ' kmgt'.indexOf((m[2] || ' ').toLowerCase()));
})();
const files = Number(arg('files', String(Math.max(1000, Math.round((sizeBytes / (512 * 2 ** 20)) * 5000)))));
const rounds = Number(arg('rounds', '2'));
const dir = mkdtempSync(join(tmpdir(), 'wclayer-bench-pipeline-'));

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { seconds: Number(m[1]), rssMiB: Number(m[2]) / 1024 };
}

function best(list) {
  return { seconds: Math.min(...list.map((x) => x.seconds)), rssMiB: Math.max(...list.map((x) => x.rssMiB)) };
}

try {
  const tarGz = join(dir, 'sample.tar.gz');
  console.log(`generating a ${sizeText} / ${files}-file sample base layer (gzip) in ${dir} …`);
  const g = spawnSync(process.execPath, [cli, 'sample', '--seed', 'bench', '--files', String(files), '--size', sizeText, '-o', tarGz], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(g.stderr);
  console.log(`tar.gz: ${(statSync(tarGz).size / 2 ** 20).toFixed(1)} MiB`);

  const ours = { imp: [], exp: [], cimImp: [], cimExp: [] };
  const gnu = { imp: [], exp: [] };
  for (let r = 0; r < rounds; r++) {
    const layer = join(dir, `layer-${r}`);
    const cimLayer = join(dir, `cim-layer-${r}`);
    const extracted = join(dir, `extracted-${r}`);
    spawnSync('mkdir', ['-p', extracted]);
    const order = r % 2 === 0 ? ['gnu', 'ours'] : ['ours', 'gnu'];
    for (const who of order) {
      if (who === 'gnu') gnu.imp.push(timed('tar', ['--warning=no-unknown-keyword', '-xzf', tarGz, '-C', extracted]));
      else ours.imp.push(timed(process.execPath, [cli, 'import', '-i', tarGz, layer]));
    }
    ours.cimImp.push(timed(process.execPath, [cli, 'import', '--cim', '-i', tarGz, cimLayer]));
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
    ['tar.gz → legacy layer', best(ours.imp), 'tar -xzf', best(gnu.imp)],
    ['legacy layer → tar.gz', best(ours.exp), 'tar -czf', best(gnu.exp)],
    ['tar.gz → CIM layer', best(ours.cimImp), 'tar -xzf', best(gnu.imp)],
    ['CIM layer → tar.gz', best(ours.cimExp), 'tar -czf', best(gnu.exp)],
  ];
  console.log(`\n${'operation'.padEnd(24)} ${'wclayer s'.padStart(10)} ${'peak MiB'.padStart(9)}   ${'peer'.padEnd(9)} ${'peer s'.padStart(8)} ${'peak MiB'.padStart(9)}   ratio`);
  for (const [name, a, peer, b] of rows) {
    console.log(`${name.padEnd(24)} ${a.seconds.toFixed(2).padStart(10)} ${a.rssMiB.toFixed(0).padStart(9)}   ${peer.padEnd(9)} ${b.seconds.toFixed(2).padStart(8)} ${b.rssMiB.toFixed(0).padStart(9)}   ${(a.seconds / b.seconds).toFixed(2)}×`);
  }
  console.log(`(best of ${rounds} alternating rounds; ratio = wclayer time / peer time; ${files} files, ${sizeText})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
