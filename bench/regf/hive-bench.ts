// Hive benchmark, side by side with hivex in one run (numbers, never assertions):
//   1. full export of the largest corpus hive: our JSON export (in this process, and through
//      the `wclayer hive export` CLI in a fresh process) vs `hivexml` on the same file;
//   2. open the hive file and read one value (goal: under 50 ms).
// Run: npm run build && node dist/bench/regf/hive-bench.js [runs]

import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJson } from '../../src/formats/regf/export.js';
import { openHiveFile } from '../../src/hive/files.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const hives = join(root, '..', 'shared', 'testdata', 'hives');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const runs = Number(process.argv[2] ?? 5);
const work = mkdtempSync(join(tmpdir(), 'wclayer-hive-bench-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

let lastChildCpuMs = NaN;

/** Wall time of a child process; its CPU time (user + system) goes to lastChildCpuMs when /usr/bin/time exists. */
function timeChild(cmd: string, args: string[], stdoutFile?: string): number {
  const fd = stdoutFile ? openSync(stdoutFile, 'w') : 'ignore';
  const useTime = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = useTime
    ? spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', cmd, ...args], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' })
    : spawnSync(cmd, args, { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (typeof fd === 'number') closeSync(fd);
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  lastChildCpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN;
  return ms;
}

async function main(): Promise<void> {
  // The largest hive of the corpus, decompressed for the run.
  const name = 'regipy-SYSTEM_B';
  const hive = join(work, name);
  const xz = spawnSync('xz', ['-dc', join(hives, `${name}.xz`)], { maxBuffer: 1 << 27 });
  if (xz.status !== 0) throw new Error(`xz failed: ${xz.stderr}`);
  writeFileSync(hive, xz.stdout);
  const size = statSync(hive).size;
  console.log(`hive: ${name} (${(size / 1048576).toFixed(1)} MiB), ${runs} runs each, medians; load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);

  const hivexMs: number[] = [];
  const hivexCpu: number[] = [];
  const cliMs: number[] = [];
  const cliCpu: number[] = [];
  const inProcMs: number[] = [];
  const inProcCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    hivexMs.push(timeChild('hivexml', [hive], join(work, 'out.xml')));
    hivexCpu.push(lastChildCpuMs);
    rmSync(join(work, 'out.json'), { force: true });
    cliMs.push(timeChild(process.execPath, [cli, 'hive', 'export', hive, join(work, 'out.json'), '--logs', 'none']));
    cliCpu.push(lastChildCpuMs);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const opened = await openHiveFile(hive, { logs: 'none' });
    let bytes = 0;
    for await (const chunk of exportJson(opened.hive)) bytes += chunk.length;
    await opened.close();
    inProcMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    inProcCpu.push((c.user + c.system) / 1000);
    if (i === 0) console.log(`  sizes: hivexml ${statSync(join(work, 'out.xml')).size} bytes, our JSON ${statSync(join(work, 'out.json')).size} bytes`);
  }
  const h = median(hivexMs);
  const hc = median(hivexCpu);
  const row = (label: string, wall: number[], cpu: number[]): void => {
    const w = median(wall);
    const c = median(cpu);
    const cpuText = Number.isFinite(c) ? `   cpu ${c.toFixed(0).padStart(5)} ms${Number.isFinite(hc) ? ` (${(c / hc).toFixed(2)}x)` : ''}` : '';
    console.log(`${label} wall ${w.toFixed(0).padStart(5)} ms (${(w / h).toFixed(2)}x)${cpuText}`);
  };
  row('full export  hivexml          ', hivexMs, hivexCpu);
  row('full export  ours, in process ', inProcMs, inProcCpu);
  row('full export  ours, CLI process', cliMs, cliCpu);
  console.log('  (the CLI process includes Node start-up and an fsync of the output before its rename)');

  // Open the file and read one value.
  const key = 'ControlSet001\\Control\\ComputerName\\ComputerName';
  const one: number[] = [];
  for (let i = 0; i < Math.max(runs, 20); i++) {
    const t0 = performance.now();
    const opened = await openHiveFile(hive, { logs: 'none' });
    const k = opened.hive.key(key)!;
    const v = opened.hive.value(k, 'ComputerName')!;
    opened.hive.valueData(v);
    await opened.close();
    one.push(performance.now() - t0);
  }
  console.log(`open + read one value: first ${one[0]!.toFixed(1)} ms, median ${median(one).toFixed(2)} ms (goal < 50 ms)`);
  const get = timeChild('hivexget', [hive, `\\${key}`, 'ComputerName']);
  console.log(`  for comparison: hivexget process ${get.toFixed(0)} ms`);
  rmSync(work, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  rmSync(work, { recursive: true, force: true });
  console.error(e);
  process.exit(1);
});
