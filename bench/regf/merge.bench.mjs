#!/usr/bin/env node
// Hive merge benchmark: `wclayer hive merge base delta -o out` in a fresh process, wall time and
// peak RSS, on the real SYSTEM_B (12 MiB) + System_Delta and on generated base hives of growing
// size with the same delta. Nothing on Linux merges hives, so there is no peer: what this
// shows is that memory stays flat as the base grows (the merge streams from the readers into
// the builder) and how time scales. The gzip -c of the base is printed beside as a yardstick of
// "one pass over the bytes".
//   npm run bench -- regf/merge     (or: node bench/regf/merge.bench.mjs [--sizes 12,50,100])
// Needs a build, xz and /usr/bin/time.

import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const hives = join(root, '..', 'shared', 'testdata', 'hives');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const { HiveBuilder, DescriptorTable } = await import(join(root, 'dist', 'src', 'formats', 'regf', 'builder.js'));
const { DEFAULT_KEY_SECURITY } = await import(join(root, 'dist', 'src', 'formats', 'regf', 'security.js'));
const { FileHiveSink } = await import(join(root, 'dist', 'src', 'hive', 'file-sink.js'));

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sizesMiB = arg('sizes', '50,100').split(',').map(Number);
const work = mkdtempSync(join(tmpdir(), 'wclayer-merge-bench-'));

function timed(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  return { wall: Number(m[1]), cpu: Number(m[2]) + Number(m[3]), rssMiB: Number(m[4]) / 1024 };
}

/**
 * A generated base hive of about `mib` MiB, written straight through the builder (no tree in
 * memory): ControlSet001\Services\groupK\svcN keys with a few values each, 1,000 services per
 * group, so no key has more subkeys than the widest keys of real hives (~10,000; the merge
 * holds one key's subkey list per open level).
 */
function generateBase(path, mib) {
  const fd = openSync(path, 'wx');
  const sink = new FileHiveSink(fd);
  const table = new DescriptorTable();
  const perKey = 700; // bytes of cells per service key, roughly
  const services = Math.round((mib * 1024 * 1024) / perKey);
  const groups = Math.ceil(services / 1000);
  for (let i = 0; i < services + groups + 4; i++) table.add(DEFAULT_KEY_SECURITY);
  const b = new HiveBuilder(sink, table, { timestamp: 132223104001234567n });
  const sd = DEFAULT_KEY_SECURITY;
  b.openKey({ name: 'ROOT', securityDescriptor: sd }, [], '');
  b.openKey({ name: 'ControlSet001', securityDescriptor: sd }, [], 'ControlSet001');
  b.openKey({ name: 'Services', securityDescriptor: sd }, [], 'ControlSet001\\Services');
  for (let i = 0; i < services; i++) {
    if (i % 1000 === 0) {
      if (i > 0) b.closeKey();
      b.openKey({ name: `group${i / 1000}`, securityDescriptor: sd }, [], `ControlSet001\\Services\\group${i / 1000}`);
    }
    const name = `svc${i}`;
    b.openKey({ name, securityDescriptor: sd }, [
      { name: 'Start', data: i % 5 },
      { name: 'Type', data: 16 },
      { name: 'ImagePath', type: 'REG_EXPAND_SZ', data: `%SystemRoot%\\System32\\drivers\\${name}.sys` },
      { name: 'DisplayName', data: `Service number ${i} of a generated SYSTEM hive` },
      { name: 'Description', data: `A generated service key used to measure hive merging, number ${i}.` },
    ], `ControlSet001\\Services\\group${Math.floor(i / 1000)}\\${name}`);
    b.closeKey();
  }
  if (services > 0) b.closeKey();
  b.closeKey();
  b.closeKey();
  b.closeKey();
  b.finish();
  sink.flush();
  closeSync(fd);
}

const cases = [];
{
  const sys = join(work, 'SYSTEM_B');
  writeFileSync(sys, spawnSync('xz', ['-dc', join(hives, 'regipy-SYSTEM_B.xz')], { maxBuffer: 1 << 28 }).stdout);
  cases.push({ label: 'regipy SYSTEM_B', base: sys });
}
for (const mib of sizesMiB) {
  const p = join(work, `generated-${mib}`);
  generateBase(p, mib);
  cases.push({ label: `generated ${mib} MiB`, base: p });
}
const delta = join(hives, 'yarp-System_Delta');

console.log(`hive merge, fresh processes (load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
console.log('base                     size MiB   merge wall   cpu    peak RSS   gzip -c wall');
try {
  for (const c of cases) {
    const out = join(work, 'merged');
    const best = [0, 1].map(() => {
      rmSync(out, { force: true });
      return timed(process.execPath, [cli, 'hive', 'merge', c.base, delta, '-o', out]);
    }).sort((a, b) => a.wall - b.wall)[0];
    const gz = timed('sh', ['-c', `gzip -c '${c.base}' > /dev/null`]);
    const mib = statSync(c.base).size / (1 << 20);
    console.log(
      `${c.label.padEnd(24)} ${mib.toFixed(1).padStart(8)}   ${best.wall.toFixed(2).padStart(8)} s ${best.cpu.toFixed(2).padStart(6)} s ${best.rssMiB.toFixed(0).padStart(6)} MiB   ${gz.wall.toFixed(2).padStart(8)} s`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
