// `wclayer tar ls` through the real CLI: table and JSON lines, stdin, digests, errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cliPath } from '../helpers/paths.js';
import { encode, goldenEntries } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wclayer-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function wclayer(args: string[], input?: Buffer) {
  return spawnSync(process.execPath, [cliPath, ...args], { input, encoding: 'utf8' });
}

test('tar ls prints an aligned table, JSON lines, and reads stdin', async () => {
  const tar = await encode(goldenEntries());
  const file = join(dir, 'layer.tar.gz');
  writeFileSync(file, gzipSync(tar));
  const table = wclayer(['tar', 'ls', file]);
  assert.equal(table.status, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5);
  const nameColumn = lines.map((l) => l.indexOf('Files/'));
  assert.ok(nameColumn.every((c) => c === nameColumn[0]), `names start in one column:\n${table.stdout}`);
  assert.match(lines[0]!, /^- -a------ +3 2020-01-01 00:00:00 Files\/hello\.txt \[streams: Zone\.Identifier \(4\)\]$/);
  assert.match(lines[3]!, /Files\/link -> hello\.txt$/);
  assert.match(lines[4]!, /^h .*Files\/hard\.txt link to Files\/hello\.txt$/);
  const json = wclayer(['tar', 'ls', '--json', '--digests', '-'], tar);
  assert.equal(json.status, 0, json.stderr);
  const objs = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(objs.map((o) => o.kind), ['file', 'whiteout', 'directory', 'symlink', 'link']);
  assert.equal(objs[0].securityDescriptor, 'AQAEgAAAAAAAAAAAAAAAAAAAAAA=');
  assert.match(json.stderr, /diffID: sha256:632e09d3ef6d7ec35275af2ba91fa9f1e8c8d7d426834705ee11149a8c42631f/);
});

test('tar ls reports missing and corrupt inputs with codes and exit status', async () => {
  const missing = wclayer(['tar', 'ls', join(dir, 'nope.tar')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /NotFound: not found: .*nope\.tar/);
  const tar = Buffer.from(await encode(goldenEntries()));
  tar[4096 + 3] ^= 0x40;
  const bad = wclayer(['tar', 'ls', '-'], tar);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /Corrupt: tar header at offset 4096: bad checksum/);
  assert.match(bad.stdout, /Files\/hello\.txt/, 'entries before the damage are still listed');
});
