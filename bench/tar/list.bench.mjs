#!/usr/bin/env node
// Listing benchmark: `wclayer tar ls` against `tar -tvzf` (on the .tar.gz) and `bsdtar -tvf`
// (on the .tar), in one run, with wall time, CPU time and peak RSS of each, and the ratios.
// Issue 3's goals: a 2 GB layer of 20,000 files, gz <= 0.7x, tar <= 1.0x, peak RSS < 200 MB and
// within 20% between the 0.5 GB and the 2 GB layer (both sizes are measured by default).
//
//   npm run bench -- tar
//   node bench/tar/list.bench.mjs [--files 20000] [--size 0.5G,2G] [--runs 3] [--dir /tmp/x] [--clean]
//
// The generated layers are kept under /tmp (wclayer-bench-<files>-<bytes>/) and reused by later
// runs; --clean deletes them afterwards.
// The layer is generated with our own encoder until the sample generator lands: a `Files` tree
// of ~100 files per directory, sizes spread log-uniformly to the requested total, contents half
// random and half repetitive text (gzip ratio ~2), every file with attributes, times and an SD.
// Needs GNU tar, bsdtar (libarchive-tools) and /usr/bin/time. Run `npm run build` first.
//
// Two rows explain the fresh `wclayer tar ls` time: the same command on a tar with no entries
// (Node's start and the module loading, the floor no listing goes below) and the listing alone
// in the bench's own process (first call and median; µs per entry).
// Besides the fresh `wclayer tar ls` process, a "warm backend" row measures the listing as the
// PowerShell module gets it: one `wclayer serve --stdio` per runspace stays up, and
// Get-WcLayerContent sends `tar/list` {digests: false, isoTimes: false} with an itemToken (objects streamed as
// $/items) and a progressToken. The backend is started once per size; the first call (which
// loads the tar code and warms the JIT) and the median of the next `--warm-runs` calls are
// reported, wall time as the client sees it and CPU time of the backend process (from
// /proc/<pid>/stat), against bsdtar -tvf measured in the same run.

import { spawn, spawnSync } from 'node:child_process';
import { closeSync, createWriteStream, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { Readable } from 'node:stream';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const { encodeLayerTar } = await import(join(root, 'dist', 'src', 'formats', 'tar', 'encode.js'));

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
function parseSize(s) {
  const m = /^([\d.]+)\s*([KMG]?)B?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2].toUpperCase()]);
}

const files = Number(arg('files', '20000'));
const totals = arg('size', '0.5G,2G').split(',').map(parseSize);
const runs = Number(arg('runs', '3'));
const warmRuns = Number(arg('warm-runs', '5'));
const clean = process.argv.includes('--clean');
let total = totals[0];
let dir;

// Deterministic pseudo-random numbers (xorshift32) so every run builds the same layer.
let seed = 0x9e3779b9;
function rand() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
}

// 8 MiB pool of content: 4 KiB blocks, half random bytes, half repeated words.
const POOL = Buffer.alloc(8 << 20);
{
  const words = Buffer.from('the quick brown fox jumps over the lazy dog; Windows container layer data ');
  for (let off = 0; off < POOL.length; off += 4096) {
    if (rand() < 0.5) for (let i = 0; i < 4096; i++) POOL[off + i] = (rand() * 256) | 0;
    else for (let i = 0; i < 4096; i++) POOL[off + i] = words[(i + off / 4096) % words.length];
  }
}
const seedAfterPool = seed; // each layer starts from here, so its bytes do not depend on the others

function sizes() {
  // log-uniform weights between 1 and 1000, scaled to the total
  const w = Array.from({ length: files }, () => Math.exp(rand() * Math.log(1000)));
  const sum = w.reduce((a, b) => a + b, 0);
  const out = w.map((x) => Math.floor((x / sum) * total));
  out[0] += total - out.reduce((a, b) => a + b, 0);
  return out;
}

async function* content(size) {
  let left = size;
  while (left > 0) {
    const at = Math.floor(rand() * (POOL.length / 2));
    const n = Math.min(left, 1 << 20, POOL.length - at);
    left -= n;
    yield POOL.subarray(at, at + n);
  }
}

const T = 132223104001234567n;
const SD = Buffer.from('AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==', 'base64');
const info = (attributes) => ({ attributes, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T, securityDescriptor: SD });

async function* entries() {
  const s = sizes();
  yield { kind: 'directory', path: 'Files', info: info(16) };
  yield { kind: 'directory', path: 'Hives', info: info(16) };
  let d = -1;
  for (let i = 0; i < files; i++) {
    if (i % 100 === 0) {
      d++;
      yield { kind: 'directory', path: `Files/dir${d}`, info: info(16) };
    }
    yield { kind: 'file', path: `Files/dir${d}/file${i}.dll`, info: info(32), size: s[i], data: s[i] ? Readable.from(content(s[i])) : undefined };
  }
}

async function generate() {
  mkdirSync(dir, { recursive: true });
  const tar = join(dir, 'layer.tar');
  const gz = join(dir, 'layer.tar.gz');
  if (existsSync(tar) && existsSync(gz)) return { tar, gz };
  seed = seedAfterPool;
  let t = Date.now();
  await pipeline(encodeLayerTar(entries()), createWriteStream(tar));
  console.log(`generated ${tar} (${(statSync(tar).size / 1024 ** 2).toFixed(0)} MiB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  t = Date.now();
  const { createReadStream } = await import('node:fs');
  await pipeline(createReadStream(tar, { highWaterMark: 1 << 20 }), createGzip({ level: 1, strategy: zlibConstants.Z_DEFAULT_STRATEGY }), createWriteStream(gz));
  console.log(`compressed ${gz} (${(statSync(gz).size / 1024 ** 2).toFixed(0)} MiB) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return { tar, gz };
}

/** Runs a command `runs` times under /usr/bin/time; median wall, median CPU, max peak RSS. */
function measure(label, cmd, args) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
    const last = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    samples.push({ wall: last[0], cpu: last[1] + last[2], rssMb: last[3] / 1024 });
  }
  const med = (k) => samples.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  const out = { label, wall: med('wall'), cpu: med('cpu'), rssMb: Math.max(...samples.map((s) => s.rssMb)) };
  console.log(`${label.padEnd(34)} wall ${out.wall.toFixed(2).padStart(6)} s  cpu ${out.cpu.toFixed(2).padStart(6)} s  peak RSS ${out.rssMb.toFixed(0).padStart(5)} MB`);
  return out;
}

// user+sys CPU seconds of a process so far (fields 14 and 15 of /proc/<pid>/stat, in clock ticks).
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** A running `wclayer serve --stdio`, spoken to like the module's transport does. */
async function startBackend() {
  const rpc = await import('vscode-jsonrpc/node');
  const child = spawn(process.execPath, [cli, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  let received = 0;
  conn.onNotification('$/items', (p) => { received += p.items.length; });
  conn.onProgress(new rpc.ProgressType(), 'bench-progress', () => undefined);
  conn.listen();
  await conn.sendRequest('initialize', { clientName: 'list.bench', clientVersion: '1', protocolVersion: '1' });
  return {
    async list(path) {
      received = 0;
      const cpu0 = cpuOf(child.pid);
      const t0 = process.hrtime.bigint();
      const r = await conn.sendRequest('tar/list', { path, digests: false, isoTimes: false, itemToken: 'bench-items', progressToken: 'bench-progress' });
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      if (received !== r.entries) throw new Error(`warm backend: ${received} items streamed, ${r.entries} entries reported`);
      return { wall, cpu: cpuOf(child.pid) - cpu0, items: received };
    },
    stop() {
      conn.dispose();
      child.stdin.end();
      child.kill();
    },
  };
}

/** First call and median of `warmRuns` later calls of tar/list in one backend. */
async function measureWarm(label, path) {
  const backend = await startBackend();
  try {
    const first = await backend.list(path);
    const samples = [];
    for (let i = 0; i < warmRuns; i++) samples.push(await backend.list(path));
    const med = (k) => samples.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
    const out = { label, first, wall: med('wall'), cpu: med('cpu'), items: first.items };
    console.log(`${(label + ' (first)').padEnd(34)} wall ${first.wall.toFixed(2).padStart(6)} s  cpu ${first.cpu.toFixed(2).padStart(6)} s  (backend process, ${first.items} items)`);
    console.log(`${(label + ' (median)').padEnd(34)} wall ${out.wall.toFixed(2).padStart(6)} s  cpu ${out.cpu.toFixed(2).padStart(6)} s  (median of ${warmRuns} later calls)`);
    return out;
  } finally {
    backend.stop();
  }
}

/**
 * The floor of a fresh `wclayer tar ls`: the same process on a tar with no entries (Node's start,
 * loading the listing modules, exit), so the listing's own share of the row above can be read off.
 */
function measureFloor() {
  const empty = join(tmpdir(), 'wclayer-bench-empty.tar');
  if (!existsSync(empty)) writeFileSync(empty, Buffer.alloc(1024));
  return measure('wclayer tar ls (empty tar: start-up)', process.execPath, [cli, 'tar', 'ls', empty]);
}

/**
 * The listing alone, in this process: listPlainTar as `wclayer tar ls` calls it (no SDDL), the
 * first call (cold code) and the median of `warmRuns` more; CPU time from process.cpuUsage.
 */
async function measureInProcess(path) {
  const { listPlainTar } = await import(join(root, 'dist', 'src', 'formats', 'tar', 'listing-plain.js'));
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const input = { size, readSync: (buffer, offset, length, position) => readSync(fd, buffer, offset, length, position) };
    const samples = [];
    let entries = 0;
    for (let i = 0; i <= warmRuns; i++) {
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      entries = (await listPlainTar(input, () => undefined, { inputSize: size })).entries;
      const c = process.cpuUsage(c0);
      samples.push({ wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: (c.user + c.system) / 1e6 });
    }
    const later = samples.slice(1);
    const med = (k) => later.map((s) => s[k]).sort((a, b) => a - b)[Math.floor(later.length / 2)];
    const out = { first: samples[0], wall: med('wall'), cpu: med('cpu'), entries, usPerEntry: (med('wall') * 1e6) / entries };
    console.log(`${'in-process listing (first)'.padEnd(34)} wall ${out.first.wall.toFixed(2).padStart(6)} s  cpu ${out.first.cpu.toFixed(2).padStart(6)} s`);
    console.log(`${'in-process listing (median)'.padEnd(34)} wall ${out.wall.toFixed(2).padStart(6)} s  cpu ${out.cpu.toFixed(2).padStart(6)} s  (${out.usPerEntry.toFixed(2)} µs per entry, ${entries} entries)`);
    return out;
  } finally {
    closeSync(fd);
  }
}

const loadavg = async () => (await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ');
const bySize = [];
for (total of totals) {
  dir = arg('dir', join(tmpdir(), `wclayer-bench-${files}-${total}`)) + (arg('dir') && totals.length > 1 ? `-${total}` : '');
  const { tar, gz } = await generate();
  console.log(`\n${files} files, ${(total / 1024 ** 2).toFixed(0)} MiB of data, median of ${runs} runs (load average ${await loadavg()})`);
  const oursGz = measure('wclayer tar ls layer.tar.gz', process.execPath, [cli, 'tar', 'ls', gz]);
  const gnuGz = measure('tar -tvzf layer.tar.gz', 'tar', ['-tvzf', gz]);
  const oursTar = measure('wclayer tar ls layer.tar', process.execPath, [cli, 'tar', 'ls', tar]);
  const bsdTar = measure('bsdtar -tvf layer.tar', 'bsdtar', ['-tvf', tar]);
  const floor = measureFloor();
  const inProcess = await measureInProcess(tar);
  const warm = await measureWarm('warm backend tar/list layer.tar', tar);
  const oursDig = measure('wclayer tar ls --digests layer.tar.gz', process.execPath, [cli, 'tar', 'ls', '--digests', gz]);
  const ratio = (a, b, k) => (a[k] / b[k]).toFixed(2);
  const rss = Math.max(oursGz.rssMb, oursTar.rssMb, oursDig.rssMb);
  console.log(`ratios at ${(total / 1024 ** 3).toFixed(1)} GiB (goal: gz <= 0.70, tar <= 1.00; load average now ${await loadavg()})`);
  console.log(`  .tar.gz vs tar -tvzf : wall ${ratio(oursGz, gnuGz, 'wall')}x  cpu ${ratio(oursGz, gnuGz, 'cpu')}x`);
  console.log(`  .tar    vs bsdtar -tvf: wall ${ratio(oursTar, bsdTar, 'wall')}x  cpu ${ratio(oursTar, bsdTar, 'cpu')}x`);
  console.log(`  start-up floor (empty tar) vs bsdtar -tvf on the layer: wall ${ratio(floor, bsdTar, 'wall')}x  cpu ${ratio(floor, bsdTar, 'cpu')}x; in-process listing (median) ${(inProcess.wall * 1000).toFixed(0)} ms wall, ${inProcess.usPerEntry.toFixed(2)} µs per entry (aim <= 100 ms)`);
  console.log(`  warm backend tar/list vs bsdtar -tvf: first call wall ${ratio(warm.first, bsdTar, 'wall')}x  cpu ${ratio(warm.first, bsdTar, 'cpu')}x; later calls wall ${ratio(warm, bsdTar, 'wall')}x  cpu ${ratio(warm, bsdTar, 'cpu')}x`);
  console.log(`  peak RSS: ${rss.toFixed(0)} MB (goal < 200 MB)`);
  console.log(JSON.stringify({ files, totalBytes: total, oursGz, gnuGz, oursTar, bsdTar, startupFloor: floor, inProcess, warmBackend: warm, oursDigests: oursDig }));
  bySize.push({ total, rss });
  if (clean) rmSync(dir, { recursive: true, force: true });
}
if (bySize.length > 1) {
  const rs = bySize.map((b) => b.rss);
  const spread = (Math.max(...rs) / Math.min(...rs) - 1) * 100;
  console.log(`\npeak RSS by size: ${bySize.map((b) => `${(b.total / 1024 ** 3).toFixed(1)} GiB ${b.rss.toFixed(0)} MB`).join(', ')}; spread ${spread.toFixed(0)}% (goal <= 20%)`);
}
