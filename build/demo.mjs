#!/usr/bin/env node
// The README's main job, on a sample it makes itself: generate a base layer and a child layer,
// import both as CIM layers (the child a fork of the base), export the child back to a
// tar.gz, check that its diffID is the one imported, and print a short summary.
// Everything goes through the `wclayer` command line, the way a user would run it.
//   node build/demo.mjs [--out demo-out] [--files 400] [--size 40MB]

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const out = resolve(root, arg('out', 'demo-out'));
const files = arg('files', '400');
const size = arg('size', '40MB');

function wclayer(...args) {
  const shown = args.map((a) => (a.startsWith(root) ? relative(root, a) : a)).join(' ');
  process.stderr.write(`$ wclayer ${shown}\n`);
  const r = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    process.stderr.write(`demo: 'wclayer ${shown}' failed with exit code ${r.status}\n`);
    process.exit(1);
  }
  return JSON.parse(r.stdout);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'layers'), { recursive: true });
const t0 = Date.now();

const baseTar = join(out, 'base.tar.gz');
const childTar = join(out, 'child.tar.gz');
const base = wclayer('sample', '--kind', 'base', '--seed', 'demo', '--files', files, '--size', size, '-o', baseTar);
const child = wclayer('sample', '--kind', 'child', '--seed', 'demo', '--files', String(Math.max(5, Math.floor(Number(files) / 4))), '--size', '4MB', '-o', childTar);

const baseLayer = join(out, 'layers', 'base');
const childLayer = join(out, 'layers', 'child');
const imported = wclayer('import', '--cim', '-i', baseTar, baseLayer);
const importedChild = wclayer('import', '--cim', '-l', baseLayer, '-i', childTar, childLayer);

const exportedTar = join(out, 'child-exported.tar.gz');
const exported = wclayer('export', '-l', baseLayer, '-o', exportedTar, childLayer);
const info = wclayer('info', baseLayer);

const same = exported.diffId === importedChild.diffId;
const line = (k, v) => console.log(`  ${k.padEnd(22)} ${v}`);
console.log('\nWcLayer demo');
line('base layer tar', `${relative(root, baseTar)}: ${base.entries ?? '?'} entries, diffID ${imported.diffId}`);
line('child layer tar', `${relative(root, childTar)}: ${child.entries ?? '?'} entries, diffID ${importedChild.diffId}`);
line('CIM layers', `${relative(root, baseLayer)} (base), ${relative(root, childLayer)} (fork of base)`);
line('base OS version', info.osVersion?.version ?? 'n/a');
line('child exported', `${relative(root, exportedTar)}: diffID ${exported.diffId}`);
line('round trip', same ? 'the exported child has the diffID that was imported' : 'MISMATCH');
line('time', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(same ? 0 : 1);
