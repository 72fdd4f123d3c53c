#!/usr/bin/env node
// Runs the benchmarks: every bench/<area>/*.bench.mjs, and the compiled dist/bench/**/*.bench.js.
//   npm run bench [-- <filter>]     only benchmarks whose path contains the filter
// Benchmarks print their own results (ratios against the peer tool measured in the same run).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function walk(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

let files = [...walk(join(root, 'bench'), '.bench.mjs'), ...walk(join(root, 'dist', 'bench'), '.bench.js')].sort();
// match the path inside the repository: the checkout's own path may contain the filter word
if (filters.length) files = files.filter((f) => filters.some((x) => relative(root, f).includes(x)));
let failed = 0;
for (const f of files) {
  console.log(`\n== ${relative(root, f)}`);
  const r = spawnSync(process.execPath, [f], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
