#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node's built-in test runner.
//   --fuzz      longer fuzz and property runs (sets WCLAYER_FUZZ=long)
//   <filter>    only test files whose path contains the filter
// The runner's own summary (pass/fail counts) is the last thing printed; the exit code is its.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const fuzz = args.includes('--fuzz');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(join(root, 'dist', 'test')).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('run-tests: no test files found (did the build run?)');
  process.exit(1);
}
console.error(`run-tests: ${files.length} test files${fuzz ? ' (long fuzz runs)' : ''}`);

const env = { ...process.env, ...(fuzz ? { WCLAYER_FUZZ: 'long' } : {}) };
// The spec reporter for people, a TAP copy in a file for the closing count line.
const tapFile = join(mkdtempSync(join(tmpdir(), 'wclayer-tests-')), 'results.tap');
const res = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    '--test-concurrency=2',
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env },
);
let summary = '';
try {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (k) => Number(tap.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  summary = `tests: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped') + count('todo')} skipped`;
} catch {
  summary = 'tests: the runner wrote no results';
}
console.log(summary);
process.exit(res.status ?? 1);
