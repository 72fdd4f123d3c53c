import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isWcError } from '../../src/errors.js';
import type { Entry } from '../../src/formats/entry.js';
import { encodeExtendedAttributes, parseSecurityDescriptor, sdToSddl } from '../../src/formats/backup/index.js';
import { BASE_HIVES, BCD_HIVE, DELTA_HIVES, SAMPLE_MIN_FILES, generateSampleLayer, placeholderHive, sampleHive, type SampleLayerOptions } from '../../src/sample/index.js';
import { decodeReparsePoint, encodeReparsePoint } from '../../src/formats/backup/reparse.js';

interface Collected {
  entries: Entry[];
  /** sha256 over every entry's metadata and data, in order. */
  digest: string;
  dataBytes: Map<string, number>;
}

const json = (x: unknown): string =>
  JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));

async function collect(options: SampleLayerOptions): Promise<Collected> {
  const h = createHash('sha256');
  const entries: Entry[] = [];
  const dataBytes = new Map<string, number>();
  for await (const e of generateSampleLayer(options)) {
    const { data, ...meta } = e as Entry & { data?: NodeJS.ReadableStream };
    h.update(json(meta));
    let n = 0;
    if (data) for await (const c of data as AsyncIterable<Buffer>) {
      h.update(c);
      n += c.length;
    }
    dataBytes.set(e.kind === 'stream' ? `${e.path}:${e.name}` : e.path, n);
    entries.push(meta as Entry);
  }
  return { entries, digest: h.digest('hex'), dataBytes };
}

/** The Entry order contract (src/formats/entry.ts) plus path uniqueness. */
function checkOrder(entries: Entry[]): void {
  const seen = new Map<string, Entry['kind']>();
  const lower = new Set<string>();
  let lastFile: string | undefined;
  for (const e of entries) {
    const parent = e.path.includes('/') ? e.path.slice(0, e.path.lastIndexOf('/')) : undefined;
    if (e.kind === 'stream') {
      assert.equal(e.path, lastFile, `stream ${e.path}:${e.name} does not follow its file`);
      continue;
    }
    if (parent !== undefined) assert.equal(seen.get(parent), 'directory', `${e.path} comes before its parent folder`);
    if (e.kind === 'link') assert.ok(seen.get(e.target) === 'file' || seen.get(e.target) === 'link', `link ${e.path} before its target ${e.target}`);
    assert.ok(!lower.has(e.path.toLowerCase()), `duplicate path ${e.path}`);
    lower.add(e.path.toLowerCase());
    seen.set(e.path, e.kind);
    lastFile = e.kind === 'file' ? e.path : undefined;
  }
}

function sizes(c: Collected): { files: number; total: number } {
  let files = 0;
  let total = 0;
  for (const e of c.entries) {
    if (e.kind === 'file') files++;
    if (e.kind === 'file' || e.kind === 'stream') {
      total += e.size;
      const key = e.kind === 'stream' ? `${e.path}:${e.name}` : e.path;
      assert.equal(c.dataBytes.get(key), e.size, `data of ${key} is not ${e.size} bytes`);
    }
  }
  return { files, total };
}

const base = { seed: 42, kind: 'base', fileCount: 400, totalSize: 3_000_000 } as const;
const child = { seed: 42, kind: 'child', fileCount: 400, totalSize: 3_000_000 } as const;
/** Bytes of a base layer's default hives (their size does not depend on the time). */
const baseHiveBytes = [...BASE_HIVES, BCD_HIVE].reduce((n, h) => n + sampleHive(h, 'base', 0n).length, 0);

test('same seed → identical entries and bytes; different seed → different', async () => {
  for (const o of [base, child]) {
    const a = await collect(o);
    const b = await collect(o);
    assert.equal(a.digest, b.digest);
    const c = await collect({ ...o, seed: 43 });
    assert.notEqual(a.digest, c.digest);
    const d = await collect({ ...o, seed: '42x' });
    assert.notEqual(a.digest, d.digest);
  }
});

test('file count and total size are exact, and every data stream has exactly its size', async () => {
  for (const o of [base, child, { ...base, fileCount: 7, totalSize: baseHiveBytes + 10 }, { ...base, fileCount: 6, totalSize: baseHiveBytes }, { ...child, fileCount: 37, totalSize: 1_234_567 }]) {
    const c = await collect(o);
    const s = sizes(c);
    assert.equal(s.files, o.fileCount, `${o.kind} file count`);
    assert.equal(s.total, o.totalSize, `${o.kind} total size`);
  }
});

test('20,000 files / 2 GB: count and size honoured (data not read)', async () => {
  for (const kind of ['base', 'child'] as const) {
    let files = 0;
    let total = 0;
    for await (const e of generateSampleLayer({ seed: 7, kind, fileCount: 20_000, totalSize: 2_000_000_000 })) {
      if (e.kind === 'file') files++;
      if (e.kind === 'file' || e.kind === 'stream') {
        total += e.size;
        e.data?.destroy();
      }
    }
    assert.equal(files, 20_000);
    assert.equal(total, 2_000_000_000);
  }
});

test('entry order contract holds: parents first, streams after their file, link targets first, unique names', async () => {
  for (const o of [base, child, { ...base, seed: 'other', fileCount: 1500 }, { ...child, seed: 'other', fileCount: 1500 }]) {
    checkOrder((await collect(o)).entries);
  }
});

test('base layer: Files tree with the five hives, then UtilityVM/Files with BCD and hard links into Files/', async () => {
  const { entries } = await collect(base);
  assert.deepEqual(entries[0], { ...entries[0], kind: 'directory', path: 'Files' });
  for (const h of BASE_HIVES) {
    const e = entries.find((x) => x.path === `Files/Windows/System32/config/${h}`);
    assert.equal(e?.kind, 'file', h);
  }
  const firstUvm = entries.findIndex((e) => e.path.startsWith('UtilityVM'));
  assert.ok(entries.slice(firstUvm).every((e) => e.path.startsWith('UtilityVM')), 'Files tree precedes UtilityVM');
  assert.equal(entries[firstUvm]!.path, 'UtilityVM');
  assert.equal(entries[firstUvm + 1]!.path, 'UtilityVM/Files');
  assert.ok(entries.some((e) => e.kind === 'file' && e.path === 'UtilityVM/Files/EFI/Microsoft/Boot/BCD'));
  const links = entries.filter((e): e is Extract<Entry, { kind: 'link' }> => e.kind === 'link');
  assert.ok(links.length > 50, `only ${links.length} links`);
  const byPath = new Map(links.map((l) => [l.path, l.target]));
  for (const l of links) {
    assert.ok(l.path.startsWith('UtilityVM/Files/'), l.path);
    // follow chains: every link ends at a file in Files/
    let t = l.target;
    while (byPath.has(t)) t = byPath.get(t)!;
    assert.ok(t.startsWith('Files/'), `${l.path} → ${t}`);
    assert.equal(entries.find((e) => e.path === t)?.kind, 'file');
  }
  assert.ok(links.some((l) => l.target.startsWith('UtilityVM/')), 'some links chain');
  assert.ok(!entries.some((e) => e.kind === 'whiteout' || e.kind === 'stream'), 'a base layer has no whiteouts or ADS');
  assert.ok(!entries.some((e) => 'info' in e && e.info?.reparseData), 'a base layer has no reparse points');
});

test('child layer: Files and Hives folders first, delta hives, whiteouts, ADS, EAs, symlinks, junctions, links', async () => {
  const { entries } = await collect(child);
  assert.deepEqual(entries.slice(0, 2).map((e) => [e.kind, e.path]), [['directory', 'Files'], ['directory', 'Hives']]);
  assert.deepEqual(entries.slice(2, 7).map((e) => [e.kind, e.path]), DELTA_HIVES.map((h) => ['file', `Hives/${h}`]));
  const count = (f: (e: Entry) => boolean): number => entries.filter(f).length;
  assert.ok(count((e) => e.kind === 'whiteout') > 0);
  assert.ok(count((e) => e.kind === 'stream') > 0);
  assert.ok(count((e) => e.kind === 'link') > 0);
  assert.ok(count((e) => 'info' in e && !!e.info?.extendedAttributes) > 0);
  assert.ok(count((e) => e.kind === 'file' && !!e.info.reparseData) > 0, 'symlink files');
  assert.ok(count((e) => e.kind === 'directory' && !!e.info.reparseData) > 0, 'junctions or directory symlinks');
  assert.ok(!entries.some((e) => e.path.startsWith('UtilityVM')));
});

test('metadata is well-formed: SDs parse and render as SDDL, EAs encode, attributes match reparse data, varied values', async () => {
  const { entries } = await collect(child);
  const sddl = new Set<string>();
  const attrs = new Set<number>();
  const times = new Set<bigint>();
  for (const e of entries) {
    if (!('info' in e) || !e.info) continue;
    const i = e.info;
    attrs.add(i.attributes);
    times.add(i.lastWriteTime);
    assert.ok(i.creationTime <= i.lastWriteTime && i.lastWriteTime <= i.changeTime && i.lastWriteTime <= i.lastAccessTime);
    assert.equal((i.attributes & 0x10) !== 0, e.kind === 'directory', e.path);
    assert.equal((i.attributes & 0x400) !== 0, !!i.reparseData, e.path);
    if (i.securityDescriptor) {
      parseSecurityDescriptor(i.securityDescriptor);
      sddl.add(sdToSddl(i.securityDescriptor));
    }
    if (i.extendedAttributes) encodeExtendedAttributes(i.extendedAttributes);
  }
  assert.ok(sddl.size >= 5, `only ${sddl.size} distinct descriptors`);
  assert.ok(attrs.size >= 5, `only ${attrs.size} distinct attribute sets`);
  assert.ok(times.size > entries.length / 2);
  // Hives/* carry no descriptor (the legacy exporter drops them)
  assert.ok(entries.filter((e) => e.path.startsWith('Hives')).every((e) => !('info' in e) || !e.info?.securityDescriptor));
});

test('hiveContent supplies hive bytes and counts toward totalSize; the placeholder only on request', async () => {
  const calls: string[] = [];
  const c = await collect({
    ...child,
    hiveContent: (name, kind) => {
      calls.push(`${name}/${kind}`);
      return new TextEncoder().encode(`hive ${name}`);
    },
  });
  assert.deepEqual(calls, DELTA_HIVES.map((h) => `${h}/delta`));
  assert.equal(sizes(c).total, child.totalSize);
  assert.equal(c.entries.find((e) => e.path === 'Hives/Sam_Delta' && e.kind === 'file')?.kind === 'file' ? (c.entries.find((e) => e.path === 'Hives/Sam_Delta') as { size: number }).size : -1, 'hive Sam_Delta'.length);
  const baseCalls: string[] = [];
  await collect({ ...base, fileCount: 10, totalSize: 100_000, hiveContent: (n, k) => (baseCalls.push(`${n}/${k}`), new Uint8Array(8)) });
  assert.deepEqual(baseCalls, [...BASE_HIVES.map((h) => `${h}/base`), 'BCD/base']);
  // the placeholder when asked for: 4096 bytes starting with "regf"
  for await (const e of generateSampleLayer({ ...child, hiveContent: placeholderHive })) {
    if (e.kind === 'file' && e.path === 'Hives/System_Delta') {
      const chunks: Buffer[] = [];
      for await (const ch of e.data!) chunks.push(ch as Buffer);
      const b = Buffer.concat(chunks);
      assert.equal(b.length, 4096);
      assert.equal(b.subarray(0, 4).toString(), 'regf');
      assert.deepEqual(b, Buffer.from(placeholderHive('System_Delta', 'delta')));
      break;
    }
    (e as { data?: { destroy(): void } }).data?.destroy();
  }
});

test('reparse points come from the backup encoder (spec 2.6 vectors), and decode to their targets', async () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
  const u16 = (s: string): string => Buffer.from(`${s}\0`, 'utf16le').toString('hex');
  assert.equal(hex(encodeReparsePoint('hello.txt', false)), `0c0000a034000000000012001400120001000000${u16('hello.txt')}${u16('hello.txt')}`);
  assert.equal(hex(encodeReparsePoint('C:\\foo', false)), `0c0000a0300000000000140016000c0000000000${u16('\\??\\C:\\foo')}${u16('C:\\foo')}`);
  assert.equal(hex(encodeReparsePoint('C:\\target', true)), `030000a03800000000001a001c001200${u16('\\??\\C:\\target')}${u16('C:\\target')}`);
  const unc = encodeReparsePoint('\\\\server\\share', false);
  assert.equal(unc.length, 92);
  assert.equal(hex(unc.subarray(8, 20)), '000028002a001c0000000000');
  // Enough folders that both junctions and directory symlinks occur (data not read).
  const reparse: Entry[] = [];
  for await (const e of generateSampleLayer({ ...child, fileCount: 3000 })) {
    if ((e.kind === 'file' || e.kind === 'directory') && e.info.reparseData) reparse.push(e);
    if (e.kind === 'file' || e.kind === 'stream') e.data?.destroy();
  }
  assert.ok(reparse.length >= 2);
  const kinds = new Set<string>();
  for (const e of reparse) {
    const data = (e as { info: { reparseData: Uint8Array } }).info.reparseData;
    const rp = decodeReparsePoint(data);
    assert.ok(rp.kind === 'symlink' || rp.kind === 'mountPoint', e.path);
    kinds.add(rp.kind);
    assert.deepEqual(Buffer.from(encodeReparsePoint(rp.target, rp.kind === 'mountPoint')), Buffer.from(data), e.path);
  }
  assert.deepEqual([...kinds].sort(), ['mountPoint', 'symlink']);
});

test('progress reports reach the exact entry and byte totals', async () => {
  for (const o of [base, child]) {
    const reports: { entriesDone?: number; entriesTotal?: number; bytesDone?: number; bytesTotal?: number }[] = [];
    let entries = 0;
    for await (const e of generateSampleLayer({ ...o, onProgress: (p) => reports.push(p) })) {
      entries++;
      (e as { data?: { destroy(): void } }).data?.destroy();
    }
    const last = reports.at(-1)!;
    assert.equal(last.entriesDone, entries);
    assert.equal(last.entriesTotal, entries);
    assert.equal(last.bytesDone, o.totalSize);
    assert.equal(last.bytesTotal, o.totalSize);
    assert.ok(reports.length > 1);
  }
});

test('bad options are InvalidArgument; an aborted signal cancels', async () => {
  const bad: SampleLayerOptions[] = [
    { ...base, fileCount: SAMPLE_MIN_FILES.base - 1 },
    { ...child, fileCount: 1.5 },
    { ...base, totalSize: -1 },
    { ...base, totalSize: 100 }, // less than the hives
    { ...base, fileCount: 6, totalSize: baseHiveBytes + 1 }, // only hives: no file to hold the extra byte
    { ...base, kind: 'middle' as 'base' },
  ];
  for (const o of bad) {
    await assert.rejects(async () => {
      for await (const _ of generateSampleLayer(o)) void _;
    }, (e: unknown) => isWcError(e) && e.code === 'InvalidArgument');
  }
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(async () => {
    for await (const _ of generateSampleLayer({ ...base, signal: ac.signal })) void _;
  }, (e: unknown) => isWcError(e) && e.code === 'Cancelled');
});

test('memory stays bounded: producing 200 MB grows heap + buffers by only a few tens of MB', async () => {
  const before = process.memoryUsage();
  const baseline = before.heapUsed + before.arrayBuffers;
  let peak = baseline;
  let bytes = 0;
  for await (const e of generateSampleLayer({ seed: 'mem', kind: 'child', fileCount: 2000, totalSize: 200_000_000 })) {
    if (e.kind !== 'file' && e.kind !== 'stream') continue;
    if (!e.data) continue;
    for await (const c of e.data as AsyncIterable<Buffer>) {
      bytes += c.length;
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers);
    }
  }
  assert.equal(bytes, 200_000_000);
  const growthMb = (peak - baseline) / 2 ** 20;
  assert.ok(growthMb < 64, `heap + array buffers grew by ${growthMb.toFixed(1)} MB`);
});
