// bsdtar and GNU tar, as independent readers, list our tars with the same names, sizes and link
// targets. The tools must be installed (CI: apt-get install libarchive-tools tar); a missing
// tool fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Entry } from '../../src/formats/entry.js';
import { encodeReparsePoint } from '../../src/formats/backup/reparse.js';
import { bytes, encode, info } from './helpers.js';

function sampleEntries(): Entry[] {
  const long = `Files/${'deep/'.repeat(30)}file-with-a-long-name.txt`;
  return [
    { kind: 'directory', path: 'Files', info: info(16) },
    { kind: 'directory', path: 'Hives', info: info(16) },
    { kind: 'file', path: 'Files/a.txt', info: info(32), size: 5, data: bytes('hello') },
    { kind: 'stream', path: 'Files/a.txt', name: 'Zone.Identifier', size: 3, data: bytes('ads') },
    { kind: 'file', path: 'Files/héllo wörld.txt', info: info(32), size: 2, data: bytes('hi') },
    { kind: 'file', path: long, info: info(32), size: 1000, data: bytes(Buffer.alloc(1000, 1)) },
    { kind: 'file', path: 'Files/rel-link', info: info(1056, { reparseData: encodeReparsePoint('..\\target.txt', false) }), size: 0 },
    { kind: 'directory', path: 'Files/junction', info: info(1040, { reparseData: encodeReparsePoint('C:\\ProgramData', true) }) },
    { kind: 'link', path: 'Files/hard.txt', target: 'Files/a.txt', info: info(32) },
    { kind: 'link', path: 'Files/bare-link.txt', target: long },
    { kind: 'whiteout', path: 'Files/removed.dll' },
    { kind: 'file', path: 'Hives/Software_Delta', info: info(32), size: 4096, data: bytes(Buffer.alloc(4096, 2)) },
  ];
}

/** name, size, link target as we expect any tar reader to see them. */
const expected = [
  ['Files', 0, ''],
  ['Hives', 0, ''],
  ['Files/a.txt', 5, ''],
  ['Files/a.txt:Zone.Identifier', 3, ''],
  ['Files/héllo wörld.txt', 2, ''],
  [`Files/${'deep/'.repeat(30)}file-with-a-long-name.txt`, 1000, ''],
  ['Files/rel-link', 0, '..\\target.txt'],
  ['Files/junction', 0, 'C:\\ProgramData'],
  ['Files/hard.txt', 0, 'Files/a.txt'],
  ['Files/bare-link.txt', 0, `Files/${'deep/'.repeat(30)}file-with-a-long-name.txt`],
  ['Files/.wh.removed.dll', 0, ''],
  ['Hives/Software_Delta', 4096, ''],
];

function run(tool: string, args: string[]): string {
  const r = spawnSync(tool, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', TZ: 'UTC' } });
  assert.ok(!r.error, `${tool} is needed by this test (apt-get install ${tool === 'bsdtar' ? 'libarchive-tools' : 'tar'}): ${r.error}`);
  assert.equal(r.status, 0, `${tool} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Parses `-tv` lines of both tools into [name, size, linkTarget]. */
function parseVerbose(out: string, tool: 'bsdtar' | 'gnu'): [string, number, string][] {
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      // bsdtar: mode links owner group size month day year name ; GNU: mode owner/group size date time name
      const m = tool === 'bsdtar' ? /^\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s(.*)$/.exec(line) : /^\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s(.*)$/.exec(line);
      assert.ok(m, `unexpected ${tool} line: ${line}`);
      let rest = m![2]!;
      let target = '';
      const link = rest.indexOf(' link to ');
      const sym = rest.indexOf(' -> ');
      if (line.startsWith('h') && link >= 0) [rest, target] = [rest.slice(0, link), rest.slice(link + 9)];
      else if (line.startsWith('l') && sym >= 0) [rest, target] = [rest.slice(0, sym), rest.slice(sym + 4)];
      // bsdtar -v escapes a backslash as two
      if (tool === 'bsdtar') [rest, target] = [rest, target].map((x) => x.replace(/\\\\/g, '\\')) as [string, string];
      return [rest, Number(m![1]), target];
    });
}

test('bsdtar and GNU tar list our tar with the same names, sizes and link targets', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-peers-'));
  const file = join(dir, 'layer.tar');
  writeFileSync(file, await encode(sampleEntries()));
  // names with plain -t (no escaping of spaces or non-ASCII), sizes and targets from -tv
  const bsdNames = run('bsdtar', ['-tf', file]).split('\n').filter(Boolean);
  const gnuNames = run('tar', ['--no-unquote', '--quoting-style=literal', '-tf', file]).split('\n').filter(Boolean);
  const names = expected.map((e) => e[0]);
  assert.deepEqual(bsdNames, names);
  assert.deepEqual(gnuNames, names);
  const bsd = parseVerbose(run('bsdtar', ['-tvf', file]), 'bsdtar');
  const gnu = parseVerbose(run('tar', ['--quoting-style=literal', '-tvf', file]), 'gnu');
  // GNU tar shows a hard link's size as 0 and a symlink's too, like us; bsdtar as well.
  assert.deepEqual(bsd, expected);
  assert.deepEqual(gnu, expected);
  rmSync(dir, { recursive: true, force: true });
});
