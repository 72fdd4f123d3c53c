#!/usr/bin/env node
// CIM write and read throughput against `cat`, in one run on the same files.
//
//   node bench/cim/bench.mjs [--size-mb 512] [--files 20000] [--rounds 3] [--keep] [--dir DIR]
//   (npm run build first; --size-mb 2048 for the 2 GB case)
//
// 1. Generates a tree of ~N files totalling SIZE (many small files, some large, 5% duplicates).
// 2. Write: `cat` of every file into one output file, versus adding every file to a new CIM
//    image (createCimImage + addFile + writeFrom(createReadStream)). Both read the same warm files.
// 3. Read: list and read every file of the image back, versus `cat` of the region files.
// Each contender runs --rounds times, alternating, so a busy machine hurts both alike; the
// ratios use each side's best round (and the median rounds are printed too).
// Prints the times, throughputs and the ratios (goal for write: >= 0.7 of cat's throughput).

import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';

const root = new URL('../../', import.meta.url).pathname;
const { createCimImage, openCimImage } = await import(join(root, 'dist/src/cim/image.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const totalBytes = Number(opt('size-mb', '512')) * 1024 * 1024;
const fileCount = Number(opt('files', '20000'));
const keep = args.includes('--keep');
const rounds = Number(opt('rounds', '3'));
const work = opt('dir', undefined) ?? mkdtempSync(join(tmpdir(), 'wclayer-cim-bench-'));
const src = join(work, 'src');
const out = join(work, 'cim');

function generate() {
  // Sizes: 70% small (< 4 KiB), 25% medium (4..64 KiB), 5% large taking the rest.
  const pool = randomBytes(64 << 20);
  const sizes = [];
  let used = 0;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < fileCount; i++) {
    const r = rnd();
    const s = r < 0.7 ? Math.floor(rnd() * 4096) : r < 0.95 ? 4096 + Math.floor(rnd() * 61440) : -1;
    sizes.push(s);
    if (s > 0) used += s;
  }
  const large = sizes.filter((s) => s < 0).length;
  const each = Math.max(65536, Math.floor((totalBytes - used) / Math.max(1, large)));
  mkdirSync(src, { recursive: true });
  const files = [];
  let bytes = 0;
  for (let i = 0; i < fileCount; i++) {
    const dir = join(src, `d${i % 50}`, `e${i % 7}`);
    if (i < 350) mkdirSync(dir, { recursive: true });
    const size = sizes[i] < 0 ? each : sizes[i];
    const path = join(dir, `f${i}.bin`);
    // 5% duplicates of an earlier file's content (dedup at work); the rest unique pool slices.
    const dup = i > 100 && rnd() < 0.05;
    const from = dup ? (i % 97) * 4096 : Math.floor(rnd() * (pool.length - Math.min(size, pool.length)));
    if (size <= pool.length) writeFileSync(path, pool.subarray(from, from + size));
    else {
      const parts = [];
      for (let done = 0; done < size; done += pool.length) parts.push(pool.subarray(0, Math.min(pool.length, size - done)));
      writeFileSync(path, Buffer.concat(parts));
    }
    files.push({ path, size });
    bytes += size;
  }
  return { files, bytes };
}

function time(fn) {
  const t = performance.now();
  const r = fn();
  return r instanceof Promise ? r.then((v) => ({ ms: performance.now() - t, v })) : { ms: performance.now() - t, v: r };
}

function catInto(list, target) {
  const listFile = join(work, 'list.txt');
  writeFileSync(listFile, list.join('\0'));
  const r = spawnSync('sh', ['-c', `xargs -0 cat < '${listFile}' > '${target}'`], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('cat failed');
}

const mbps = (bytes, ms) => (bytes / 1024 / 1024 / (ms / 1000)).toFixed(0);

console.error(`bench: generating ${fileCount} files, ${(totalBytes / 2 ** 20).toFixed(0)} MiB in ${work}`);
const { files, bytes } = generate();
const paths = files.map((f) => f.path);
catInto(paths, '/dev/null'); // warm the page cache for both contenders

async function writeCim() {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const w = await createCimImage(out, 'bench.cim');
  const dirInfo = { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n };
  const made = new Set();
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const rel = relative(src, f.path).split('/');
    for (let k = 1; k < rel.length; k++) {
      const d = rel.slice(0, k).join('\\');
      if (!made.has(d)) {
        made.add(d);
        await w.addFile(d, dirInfo, 0);
      }
    }
    await w.addFile(rel.join('\\'), { ...dirInfo, attributes: 0x20 }, f.size);
    if (f.size > 0) {
      // Blocking reads into one reused buffer, as cat does; each chunk is awaited before reuse.
      const fd = openSync(f.path, 'r');
      try {
        for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) await w.write(chunk.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    }
  }
  return w.commit();
}

async function readCim() {
  const img = await openCimImage(join(out, 'bench.cim'));
  let n = 0;
  let b = 0;
  // List everything, then read with 16 reads in flight (positioned reads may run side by side).
  const todo = [];
  for await (const e of img.walk()) if (!e.isDirectory) todo.push({ id: e.fileId, at: (await img.record(e.fileId)).defaultStream.dataOffset });
  // In storage order, so the reads run through each region file front to back.
  todo.sort((x, y) => x.at.region - y.at.region || x.at.offset - y.at.offset);
  let next = 0;
  const reader = async () => {
    while (next < todo.length) {
      const id = todo[next++].id;
      const { size } = await img.streamOf(id);
      for (let pos = 0; pos < size; pos += 1 << 20) {
        const got = await img.read(id, pos, 1 << 20);
        b += got.length;
      }
      n++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, reader));
  await img.close();
  return { n, b };
}

const catOut = join(work, 'cat.out');
const times = { catW: [], cimW: [], catR: [], cimR: [] };
let commit;
let readBack;
let regionFiles = [];
for (let r = 0; r < rounds; r++) {
  times.catW.push(time(() => catInto(paths, catOut)).ms);
  rmSync(catOut);
  const w = await time(writeCim);
  times.cimW.push(w.ms);
  commit = w.v;
  regionFiles = readdirSync(out).filter((n) => n.startsWith('region_')).map((n) => join(out, n));
  times.catR.push(time(() => catInto(regionFiles, '/dev/null')).ms);
  const rd = await time(readCim);
  times.cimR.push(rd.ms);
  readBack = rd.v;
  console.error(`round ${r + 1}: write cat ${times.catW[r].toFixed(0)} ms, cim ${w.ms.toFixed(0)} ms; read cat ${times.catR[r].toFixed(0)} ms, cim ${rd.ms.toFixed(0)} ms`);
}
const onDisk = regionFiles.reduce((n, p) => n + statSync(p).size, 0);
const best = (a) => Math.min(...a);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const catW = { ms: best(times.catW) };
const cimW = { ms: best(times.cimW), v: commit };
const catR = { ms: best(times.catR) };
const cimR = { ms: best(times.cimR), v: readBack };

if (readBack.b !== bytes) throw new Error(`read back ${readBack.b} bytes, wrote ${bytes}`);
const result = {
  files: files.length,
  bytes,
  dedupedBytes: cimW.v.dedupedBytes,
  unreclaimedBytes: cimW.v.unreclaimedBytes,
  regionBytes: onDisk,
  write: { catMs: Math.round(catW.ms), cimMs: Math.round(cimW.ms), catMBps: +mbps(bytes, catW.ms), cimMBps: +mbps(bytes, cimW.ms), ratio: +(catW.ms / cimW.ms).toFixed(2) },
  read: { catRegionsMs: Math.round(catR.ms), cimListReadMs: Math.round(cimR.ms), filesRead: cimR.v.n, bytesRead: cimR.v.b, ratio: +(catR.ms / cimR.ms).toFixed(2) },
  medianRatios: { write: +(median(times.catW) / median(times.cimW)).toFixed(2), read: +(median(times.catR) / median(times.cimR)).toFixed(2) },
  rounds,
};
console.log(JSON.stringify(result, null, 2));
console.error(`write: cat ${result.write.catMBps} MB/s, cim ${result.write.cimMBps} MB/s -> ratio ${result.write.ratio} (goal >= 0.7)`);
console.error(`read:  cat of regions ${catR.ms.toFixed(0)} ms, cim list+read ${cimR.ms.toFixed(0)} ms -> ratio ${result.read.ratio}`);
if (!keep) rmSync(work, { recursive: true, force: true });
