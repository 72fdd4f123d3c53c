#!/usr/bin/env node
// CIM write and read throughput against `cat`, in one run on the same bytes, for a 0.5 GB and a
// 2 GB tree of 20,000 files (issue 5: write goal >= 0.7 of cat's throughput).
//
//   node bench/cim/write-read.bench.mjs [--size-mb 512,2048] [--files 20000] [--rounds 3] [--keep] [--dir DIR]
//   (npm run build first; `npm run bench -- cim` runs it)
//
// 1. Generates a tree of ~N files totalling SIZE (many small files, some large, 5% duplicates),
//    and a plain tar of it (`tar -cf`).
// 2. Write, files on disk: `cat` of every file into one output file, versus adding every file
//    to a new CIM image (createCimImage + addFile + write, reading each file with blocking reads
//    into one buffer, as cat does). Both read the same warm files.
// 3. Write, from a tar stream (the way an import feeds the writer): `cat` of the tar into one
//    file, versus decodeLayerTar (with its sha256 digests) → CimWriter.
// 4. Read: list and read every file of the image back, versus `cat` of the region files.
// Each contender runs --rounds times, alternating, so a busy machine hurts both alike; the
// ratios use each side's best round. Wall and CPU (user+sys) times are printed, and the bare
// cost of SHA-512 over the bytes (the object IDs' floor, spec §6.3) for reference.

import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, openSync, readSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createHash, randomBytes } from 'node:crypto';

const root = new URL('../../', import.meta.url).pathname;
const { createCimImage, openCimImage } = await import(join(root, 'dist/src/cim/image.js'));
const { decodeLayerTar } = await import(join(root, 'dist/src/formats/tar/index.js'));

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const sizesMb = opt('size-mb', '512,2048').split(',').map(Number);
const fileCount = Number(opt('files', '20000'));
const keep = args.includes('--keep');
const rounds = Number(opt('rounds', '3'));

function generate(src, totalBytes) {
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

/** Runs fn, returning wall and CPU (user+sys of this process, all threads) milliseconds. */
async function measure(fn) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const v = await fn();
  const c = process.cpuUsage(cpu);
  return { ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000, v };
}

/** `cat` of the listed files into target, under /usr/bin/time: wall and CPU milliseconds. */
function catInto(work, list, target) {
  const listFile = join(work, 'list.txt');
  writeFileSync(listFile, list.join('\0'));
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S', 'sh', '-c', `xargs -0 cat < '${listFile}' > '${target}'`], { encoding: 'utf8' });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`cat failed: ${r.stderr}`);
  return { ms: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000 };
}

const mbps = (bytes, ms) => Math.round(bytes / 1024 / 1024 / (ms / 1000));
const DIR_INFO = { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n };

async function writeCimFromFiles(src, files, out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const w = await createCimImage(out, 'bench.cim');
  const made = new Set();
  const chunk = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const rel = relative(src, f.path).split('/');
    for (let k = 1; k < rel.length; k++) {
      const d = rel.slice(0, k).join('\\');
      if (!made.has(d)) {
        made.add(d);
        await w.addFile(d, DIR_INFO, 0);
      }
    }
    await w.addFile(rel.join('\\'), { ...DIR_INFO, attributes: 0x20 }, f.size);
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
  const r = await w.commit();
  await w.close();
  return r;
}

/** The import's way: the tar decoder (sha256 digests on) streams entries into the writer. */
async function writeCimFromTar(tarPath, out) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const w = await createCimImage(out, 'bench.cim');
  const decoded = decodeLayerTar(createReadStream(tarPath, { highWaterMark: 1 << 20 }));
  for await (const e of decoded.entries) {
    if (e.kind === 'directory') await w.addFile(e.path, e.info, 0);
    else if (e.kind === 'file') {
      await w.addFile(e.path, e.info, e.size);
      if (e.data) for await (const c of e.data) await w.write(c);
    } else throw new Error(`unexpected ${e.kind} entry in the bench tar`);
  }
  await decoded.result;
  const r = await w.commit();
  await w.close();
  return r;
}

async function readCim(out) {
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

/** The floor for any writer of this format: SHA-512 over every byte once, on one thread. */
function bareSha512(files) {
  const buf = Buffer.allocUnsafe(1 << 20);
  const t = performance.now();
  for (const f of files) {
    if (f.size <= 1024) continue;
    const h = createHash('sha512');
    const fd = openSync(f.path, 'r');
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
    closeSync(fd);
    h.digest();
  }
  return performance.now() - t;
}

async function benchSize(totalBytes) {
  const work = opt('dir', undefined) ?? mkdtempSync(join(tmpdir(), 'wclayer-cim-bench-'));
  const src = join(work, 'src');
  const out = join(work, 'cim');
  const tarPath = join(work, 'tree.tar');
  try {
    console.error(`bench: generating ${fileCount} files, ${(totalBytes / 2 ** 20).toFixed(0)} MiB in ${work}`);
    const { files, bytes } = generate(src, totalBytes);
    const paths = files.map((f) => f.path);
    const t = spawnSync('tar', ['-cf', tarPath, '-C', src, '.']);
    if (t.status !== 0) throw new Error(`tar -cf failed: ${t.stderr}`);
    catInto(work, paths, '/dev/null'); // warm the page cache for both contenders
    const catOut = join(work, 'cat.out');
    const times = { catW: [], cimW: [], catT: [], cimT: [], catR: [], cimR: [] };
    let commit;
    let readBack;
    let regionFiles = [];
    const load = loadavg()[0];
    for (let r = 0; r < rounds; r++) {
      times.catW.push(catInto(work, paths, catOut));
      rmSync(catOut);
      const w = await measure(() => writeCimFromFiles(src, files, out));
      times.cimW.push(w);
      commit = w.v;
      regionFiles = readdirSync(out).filter((n) => n.startsWith('region_')).map((n) => join(out, n));
      times.catR.push(catInto(work, regionFiles, '/dev/null'));
      const rd = await measure(() => readCim(out));
      times.cimR.push(rd);
      readBack = rd.v;
      times.catT.push(catInto(work, [tarPath], catOut));
      rmSync(catOut);
      times.cimT.push(await measure(() => writeCimFromTar(tarPath, join(work, 'cim-tar'))));
      console.error(
        `round ${r + 1}: files→cim: cat ${times.catW[r].ms.toFixed(0)} ms, cim ${w.ms.toFixed(0)} ms; tar→cim: cat ${times.catT[r].ms.toFixed(0)} ms, cim ${times.cimT[r].ms.toFixed(0)} ms; read: cat ${times.catR[r].ms.toFixed(0)} ms, cim ${rd.ms.toFixed(0)} ms`,
      );
    }
    if (readBack.b !== bytes) throw new Error(`read back ${readBack.b} bytes, wrote ${bytes}`);
    const sha = bareSha512(files);
    const onDisk = regionFiles.reduce((n, p) => n + statSync(p).size, 0);
    const best = (a, k = 'ms') => Math.min(...a.map((x) => x[k]));
    const row = (cat, cim) => ({
      catMs: Math.round(best(cat)),
      cimMs: Math.round(best(cim)),
      catMBps: mbps(bytes, best(cat)),
      cimMBps: mbps(bytes, best(cim)),
      ratio: +(best(cat) / best(cim)).toFixed(2),
      catCpuMs: Math.round(best(cat, 'cpuMs')),
      cimCpuMs: Math.round(best(cim, 'cpuMs')),
      cpuRatio: +(best(cat, 'cpuMs') / best(cim, 'cpuMs')).toFixed(2),
    });
    const result = {
      sizeMiB: Math.round(totalBytes / 2 ** 20),
      files: files.length,
      bytes,
      dedupedBytes: commit.dedupedBytes,
      regionBytes: onDisk,
      loadAverageAtStart: +load.toFixed(2),
      bareSha512Ms: Math.round(sha),
      writeFromFiles: row(times.catW, times.cimW),
      writeFromTar: row(times.catT, times.cimT),
      read: { catRegionsMs: Math.round(best(times.catR)), cimListReadMs: Math.round(best(times.cimR)), filesRead: readBack.n, ratio: +(best(times.catR) / best(times.cimR)).toFixed(2) },
      rounds,
    };
    console.log(JSON.stringify(result, null, 2));
    const mib = result.sizeMiB;
    console.log(`ratio ${mib} MiB write files→cim vs cat: ${result.writeFromFiles.ratio} of cat's throughput (goal >= 0.7); cpu ${result.writeFromFiles.cpuRatio}`);
    console.log(`ratio ${mib} MiB write tar→cim vs cat of the tar: ${result.writeFromTar.ratio} of cat's throughput; cpu ${result.writeFromTar.cpuRatio}`);
    console.log(`ratio ${mib} MiB read cim list+read vs cat of the regions: ${result.read.ratio}`);
    console.log(`floor ${mib} MiB: SHA-512 of the data alone ${result.bareSha512Ms} ms on one thread, cat ${result.writeFromFiles.catMs} ms; load average ${result.loadAverageAtStart}`);
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

for (const mb of sizesMb) await benchSize(mb * 1024 * 1024);
