// The text exports against their definitions, over every hive of the corpus: the JSON export is
// JSON.stringify of keyJson/valueJson (the object model the RPC methods return) key by key, and
// the .reg export is what regedit's rules give value by value (written here the plain way: decode,
// re-encode, compare; one toString(16) per byte). Both through a buffer source and, for all but
// the two largest hives, a file source with a tiny block cache (cells read across block edges and
// after eviction). Plus the `wclayer hive export` route that skips yargs, and the file and stream
// writers' chunking.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { Hive, type RegKey } from '../../src/formats/regf/reader.js';
import { exportHeader, exportJson, exportReg, isoFromUnixMs, u64Decimal } from '../../src/formats/regf/export.js';
import { keyJson, valueJson, filetimeToIso } from '../../src/formats/regf/query.js';
import { decodeString, encodeString, REG_BINARY, REG_DWORD, REG_SZ } from '../../src/formats/regf/values.js';
import { openFileReadAt } from '../../src/hive/file-readat.js';
import { exportHiveFile, exportHiveToStream } from '../../src/hive/export-file.js';
import { writeHive } from '../../src/formats/regf/writer.js';
import { plainHiveExportArgs } from '../../src/cli/commands/hive.js';
import { cliPath } from '../helpers/paths.js';
import { corpusBytes, corpusFile, PRIMARY_HIVES, tempDir } from './corpus.js';

async function text(chunks: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const c of chunks) parts.push(c);
  return parts.join('');
}

/** Equal texts, or a failure that shows where they part (not two 18 MB strings). */
function assertSameText(actual: string, expected: string): void {
  if (actual === expected) return;
  let i = 0;
  while (i < actual.length && actual[i] === expected[i]) i++;
  assert.fail(`texts differ at ${i}: ${JSON.stringify(actual.slice(Math.max(0, i - 80), i + 80))} vs ${JSON.stringify(expected.slice(Math.max(0, i - 80), i + 80))}`);
}

/** The JSON export by its definition: one JSON.stringify per key object. */
function referenceJson(hive: Hive, from?: RegKey): string {
  const header = exportHeader(hive);
  const keys: string[] = [];
  for (const { key } of hive.walk(from)) {
    keys.push(JSON.stringify({ ...keyJson(hive, key), values: hive.values(key).map((v) => valueJson(hive, v, true)) }));
  }
  return `{"format":"wclayer-hive-export","version":1,"header":${JSON.stringify(header)},"keys":[${keys.map((k) => '\n' + k).join(',')}\n]}\n`;
}

function referenceHex(prefix: string, data: Uint8Array): string {
  let out = prefix;
  let line = prefix.length;
  for (let i = 0; i < data.length; i++) {
    const part = data[i]!.toString(16).padStart(2, '0') + (i < data.length - 1 ? ',' : '');
    out += part;
    line += part.length;
    if (line > 76 && i < data.length - 1) {
      out += '\\\r\n  ';
      line = 2;
    }
  }
  return out;
}

function referenceRegLine(name: string, type: number, data: Uint8Array): string {
  const quote = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  const lhs = name === '' ? '@=' : `"${quote(name)}"=`;
  if (type === REG_SZ && data.length % 2 === 0) {
    const s = decodeString(data);
    const again = encodeString(s);
    if (again.length === data.length && again.every((b, i) => b === data[i])) return `${lhs}"${quote(s)}"`;
  }
  if (type === REG_DWORD && data.length === 4) return `${lhs}dword:${new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true).toString(16).padStart(8, '0')}`;
  if (type === REG_BINARY) return referenceHex(`${lhs}hex:`, data);
  return referenceHex(`${lhs}hex(${type.toString(16)}):`, data);
}

function referenceReg(hive: Hive, prefix: string): string {
  const out = ['Windows Registry Editor Version 5.00\r\n\r\n'];
  for (const { key } of hive.walk()) {
    out.push(`[${prefix}${key.path ? '\\' + key.path : ''}]\r\n`);
    for (const v of hive.values(key)) if (!v.tombstone) out.push(referenceRegLine(v.name, v.type, hive.valueData(v)) + '\r\n');
    out.push('\r\n');
  }
  return out.join('');
}

/** The text, or the error it ends in (code and message): corrupt hives must fail the same way. */
async function outcome(make: () => string | Promise<string>): Promise<string> {
  try {
    return await make();
  } catch (e) {
    const err = e as { code?: string; message: string };
    return `error ${err.code}: ${err.message}`;
  }
}

for (const name of PRIMARY_HIVES) {
  test(`export of ${name} equals its definition (JSON; .reg and a small-cache file source below 4 MiB)`, async () => {
    let hive: Hive;
    try {
      hive = await Hive.fromBytes(corpusBytes(name));
    } catch (e) {
      // A hive that does not open (bad base block) has nothing to export.
      assert.equal((e as { code?: string }).code, 'Corrupt');
      return;
    }
    const json = await outcome(() => referenceJson(hive));
    assertSameText(await outcome(() => text(exportJson(hive))), json);
    // The two 12 MB hives: JSON only (the CLI test and the bench export them from files; the
    // .reg rules are covered by the other hives, and here they would only add seconds).
    const src = await openFileReadAt(corpusFile(name));
    try {
      if (src.size > 4 << 20) return;
      const prefix = 'HKEY_LOCAL_MACHINE\\X';
      const reg = await outcome(() => referenceReg(hive, prefix));
      assertSameText(await outcome(() => text(exportReg(hive, undefined, { prefix }))), reg);
      // A file source with four 64 KiB blocks of cache, keeping dropped blocks' views and lending
      // their memory to the next block (transientViews, as the file exports open hives).
      for (const transientViews of [false, true]) {
        const fromFile = await Hive.open(src, { cacheBytes: 1, transientViews });
        assertSameText(await outcome(() => text(exportJson(fromFile))), json);
      }
    } finally {
      await src.close();
    }
  });
}

test('export from a key: only that key and below, paths from the root', async () => {
  const hive = await Hive.fromBytes(corpusBytes('regipy-SYSTEM'));
  const from = hive.key('controlset001\\services\\tcpip')!;
  const json = await text(exportJson(hive, from));
  assert.equal(json, referenceJson(hive, from));
  const doc = JSON.parse(json);
  assert.equal(doc.keys[0].path, 'ControlSet001\\services\\Tcpip');
  assert.ok(doc.keys.every((k: { path: string }) => k.path.startsWith('ControlSet001\\services\\Tcpip')));
});

test('u64Decimal gives every 64-bit value exactly', () => {
  const check = (hi: number, lo: number) => assert.equal(u64Decimal(hi, lo), ((BigInt(hi) << 32n) | BigInt(lo)).toString());
  for (const [hi, lo] of [[0, 0], [0, 1], [0, 0xffffffff], [1, 0], [0xffffffff, 0xffffffff], [30656020, 407004968], [0x1d3c9a4, 0xd4e8f600]] as const) check(hi, lo);
  fc.assert(fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), check), { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 200000 : 2000 });
});

test('isoFromUnixMs is Date.toISOString for every millisecond a FILETIME can name', () => {
  const check = (ms: number) => assert.equal(isoFromUnixMs(ms), new Date(ms).toISOString());
  // 1601 (FILETIME 0), 1970, leap days, 1999-12-31, 2000-02-29, 2100-03-01, 9999/10000, the FILETIME maximum.
  for (const ms of [-11644473600000, -1, 0, 951782400000, 951868799999, 946684799999, 4107542400000, 253402300799999, 253402300800000, 1833029933770955]) check(ms);
  fc.assert(fc.property(fc.integer({ min: -11644473600000, max: 1833029933770955 }), check), { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 500000 : 5000 });
  fc.assert(fc.property(fc.integer({ min: -11644473600000, max: 4102444800000 }), check), { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 500000 : 5000 });
});

test('key timestamps in the JSON export match filetimeToIso for any FILETIME', async () => {
  // One key whose nk timestamp is patched to each FILETIME in turn (hivex-minimal has one key).
  const bytes = corpusBytes('hivex-minimal');
  const hive0 = await Hive.fromBytes(bytes);
  const at = 4096 + hive0.root().offset + 4 + 4;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const check = async (ft: bigint) => {
    dv.setBigUint64(at, ft, true);
    const doc = JSON.parse(await text(exportJson(await Hive.fromBytes(bytes))));
    assert.equal(doc.keys[0].timestamp, filetimeToIso(ft));
    assert.equal(doc.keys[0].timestampRaw, ft.toString());
  };
  for (const ft of [0n, 1n, 9999n, 10000n, 116444736000000000n, 116444735999999999n, 131511664248689449n, 0xffffffffffffffffn]) await check(ft);
  await fc.assert(fc.asyncProperty(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), check), { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 5000 : 200 });
});

test('plain `hive export` arguments are parsed without yargs; anything unusual is left to yargs', () => {
  assert.deepEqual(plainHiveExportArgs(['hive', 'export', 'SYSTEM', 'out.json']), {
    hive: 'SYSTEM', output: 'out.json', format: 'json', key: '', encoding: 'utf16le', force: false, logs: 'auto',
  });
  assert.deepEqual(plainHiveExportArgs(['hive', 'export', '--format=reg', 'S', '-', '--prefix', 'HKLM\\S', '--key', 'A\\B', '--encoding', 'utf8', '--logs', 'none', '--force']), {
    hive: 'S', output: '-', format: 'reg', key: 'A\\B', prefix: 'HKLM\\S', encoding: 'utf8', force: true, logs: 'none',
  });
  for (const argv of [
    ['hive', 'export', 'S'],
    ['hive', 'export', 'S', 'o', 'extra'],
    ['hive', 'export', 'S', 'o', '--help'],
    ['hive', 'export', 'S', 'o', '--format', 'xml'],
    ['hive', 'export', 'S', 'o', '--format'],
    ['hive', 'export', 'S', 'o', '--format', 'json', '--format', 'reg'],
    ['hive', 'export', 'S', 'o', '-f'],
    ['hive', 'export', 'S', 'o', '--no-force'],
    ['hive', 'ls', 'S'],
  ]) {
    assert.equal(plainHiveExportArgs(argv), undefined, argv.join(' '));
  }
});

test('cli: `hive export` to a file and to stdout (-) write the same bytes; bad options still get yargs\' message', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, 'hive', 'export', ...args], { maxBuffer: 1 << 26 });
  const hive = corpusFile('regipy-NTUSER.DAT');
  const out = join(tempDir(), 'cli-export.json');
  const toFile = run(hive, out);
  assert.equal(toFile.status, 0, String(toFile.stderr));
  const toStdout = run(hive, '-');
  assert.equal(toStdout.status, 0, String(toStdout.stderr));
  assert.ok(Buffer.compare(toStdout.stdout, readFileSync(out)) === 0);
  assert.equal(JSON.parse(toStdout.stdout.toString('utf8')).keys[0].path, '');
  // .reg to stdout: UTF-16LE with a BOM by default, the same text as the library's.
  const reg = run(hive, '-', '--format', 'reg', '--key', 'Software');
  assert.equal(reg.status, 0, String(reg.stderr));
  assert.deepEqual([...reg.stdout.subarray(0, 2)], [0xff, 0xfe]);
  assert.match(reg.stdout.toString('utf16le'), /^\ufeffWindows Registry Editor Version 5\.00\r\n\r\n\[HKEY_LOCAL_MACHINE\\HIVE\\Software\]\r\n/);
  const exists = run(hive, out);
  assert.equal(exists.status, 1);
  assert.match(String(exists.stderr), /AlreadyExists/);
  const bad = run(hive, out, '--format', 'xml');
  assert.equal(bad.status, 2);
  assert.match(String(bad.stderr), /Invalid values|Choices/);
  const missing = run(hive, '-', '--key', 'No\\Such\\Key');
  assert.equal(missing.status, 1);
  assert.match(String(missing.stderr), /NotFound/);
});

test('file and stream exports carry texts larger than an output buffer, and chunks that fill buffers exactly as the text export', async () => {
  // A 1 MiB binary value (1.4 M characters of base64: more than a 1 MiB buffer holds) between
  // many small keys, and a 600 KiB string; UTF-8 and UTF-16LE output.
  const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
  const keys = Array.from({ length: 3000 }, (_, i) => ({ name: `Key${i}`, values: [{ name: 'v', data: `value ${i} ${'x'.repeat(i % 300)}` }] }));
  const bytes = writeHive({ name: 'ROOT', subkeys: [...keys.slice(0, 1500), { name: 'Big', values: [{ name: 'bin', type: 'REG_BINARY', data: big }, { name: 's', data: 'é'.repeat(300000) }] }, ...keys.slice(1500)] });
  const file = join(tempDir(), 'big-value-hive');
  writeFileSync(file, bytes);
  const hive = await Hive.fromBytes(bytes);
  const json = await text(exportJson(hive));
  const reg = await text(exportReg(hive));
  const collect = async (options: Parameters<typeof exportHiveToStream>[2]): Promise<Buffer> => {
    const parts: Buffer[] = [];
    // The sink reads each chunk only later, just before it says the write is done: the exporter
    // must not refill a buffer before then.
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        setImmediate(() => {
          parts.push(Buffer.from(chunk));
          cb();
        });
      },
    });
    await exportHiveToStream(file, sink, options);
    return Buffer.concat(parts);
  };
  assert.ok((await collect({})).equals(Buffer.from(json, 'utf8')));
  assert.ok((await collect({ format: 'reg' })).equals(Buffer.from('\ufeff' + reg, 'utf16le')));
  assert.ok((await collect({ format: 'reg', encoding: 'utf8' })).equals(Buffer.from(reg, 'utf8')));
  // The big value's segments span more blocks than a four-block cache holds: its segment list
  // must survive the reads of its segments when dropped blocks lend their memory.
  const src = await openFileReadAt(file);
  try {
    assertSameText(await text(exportJson(await Hive.open(src, { cacheBytes: 1, transientViews: true }))), json);
  } finally {
    await src.close();
  }
  const out = join(tempDir(), 'big-value.json');
  const r = await exportHiveFile(file, out, {});
  assert.equal(r.bytes, Buffer.byteLength(json));
  assert.ok(readFileSync(out).equals(Buffer.from(json, 'utf8')));
});

test('JSON export of names and data that need escapes, non-ASCII, lone surrogates and odd sizes equals its definition', async () => {
  const odd = ['', 'a"b\\c', 'tab\there\nnew', '\0\x01\x1f\x7f', 'é ÿ', '€ 漢字', '😀 pair', '\ud83d lone high', 'lone low \ude00', '\u2028\u2029'];
  const strings = (s: string) => Buffer.from(s, 'utf16le');
  const keys = odd.map((name, i) => ({
    // Key names cannot hold a backslash (the path separator); value names can.
    name: name === '' ? `empty${i}` : name.replace(/\\/g, '/'),
    className: i % 3 === 0 ? name : undefined,
    subkeys: [{ name: `${name}/child${i}`.replace(/\\/g, '/') }],
    values: [
      { name, type: 'REG_SZ', data: name },
      { name: `${name} expand`, type: 'REG_EXPAND_SZ', data: new Uint8Array([...strings(name), 0, 0, 0x41, 0]) },
      { name: `${name} multi`, type: 'REG_MULTI_SZ', data: [name, '', name, 'x'] },
      { name: 'multi empty', type: 'REG_MULTI_SZ', data: new Uint8Array(0) },
      { name: 'multi nul', type: 'REG_MULTI_SZ', data: new Uint8Array(2) },
      { name: 'multi nuls', type: 'REG_MULTI_SZ', data: new Uint8Array(6) },
      { name: 'multi unended', type: 'REG_MULTI_SZ', data: strings('ab') },
      { name: 'multi one end', type: 'REG_MULTI_SZ', data: strings('ab\0') },
      { name: 'multi middle empties', type: 'REG_MULTI_SZ', data: strings('a\0\0\0b\0\0\0\0') },
      { name: 'sz odd', type: 'REG_SZ', data: new Uint8Array([0x41, 0, 0x42]) },
      { name: 'sz unended', type: 'REG_SZ', data: strings('abc') },
      { name: 'sz empty', type: 'REG_SZ', data: new Uint8Array(0) },
      { name: 'sz two nuls', type: 'REG_SZ', data: strings('ab\0\0') },
      { name: 'link', type: 'REG_LINK', data: strings(`\\Registry\\${name}`) },
      { name: 'dword', type: 'REG_DWORD', data: 0xfedcba98 + i },
      { name: 'dword be', type: 'REG_DWORD_BIG_ENDIAN', data: 0x12345678 },
      { name: 'dword short', type: 'REG_DWORD', data: new Uint8Array([1, 2]) },
      { name: 'dword long', type: 'REG_DWORD', data: new Uint8Array([1, 2, 3, 4, 5, 6]) },
      { name: 'qword', type: 'REG_QWORD', data: 0xfedcba9876543210n + BigInt(i) },
      { name: 'qword odd', type: 'REG_QWORD', data: new Uint8Array(7).fill(i) },
      { name: 'binary', type: 'REG_BINARY', data: new Uint8Array(i * 7).map((_, j) => (j * 31 + i) & 0xff) },
      { name: 'unknown type', type: 0xffff0000 + i, data: new Uint8Array(i).fill(0xee) },
      { name: 'none', type: 'REG_NONE', data: new Uint8Array(0) },
    ],
  }));
  for (const minorVersion of [5, 6] as const) {
    const hive = await Hive.fromBytes(writeHive({ name: 'ROOT', subkeys: keys }, { minorVersion }));
    assertSameText(await text(exportJson(hive)), referenceJson(hive));
    // And from a key with escapes in its path.
    const from = hive.key('a"b/c')!;
    assert.ok(from);
    assertSameText(await text(exportJson(hive, from)), referenceJson(hive, from));
  }
});

test('exports one after another (the second reading into the memory the first handed back) and a recycled hive read again give the same text', async () => {
  const system = corpusFile('regipy-SYSTEM');
  const bcd = corpusFile('regipy-BCD');
  const expected = new Map<string, string>();
  for (const f of [system, bcd]) expected.set(f, referenceJson(await Hive.fromBytes(readFileSync(f))));
  let i = 0;
  for (const f of [system, bcd, system, system, bcd]) {
    const out = join(tempDir(), `again-${i++}.json`);
    await exportHiveFile(f, out, {});
    assertSameText(readFileSync(out, 'utf8'), expected.get(f)!);
  }
  // A hive whose blocks were handed back reads them again.
  const file = await openFileReadAt(system);
  try {
    const hive = await Hive.open(file);
    const first = await text(exportJson(hive));
    hive.recycle();
    assertSameText(await text(exportJson(hive)), first);
    assertSameText(first, expected.get(system)!);
  } finally {
    await file.close();
  }
});
