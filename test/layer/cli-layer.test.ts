// `wclayer import|export|sample|verify|info|remove` and the Windows-only commands, run as a user
// would: through the shell, with stdin/stdout pipes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliPath } from '../helpers/paths.js';
import { listDir, removeDir, tempDir } from './helpers.js';

let dir: string;
const W = `"${process.execPath}" "${cliPath}"`;

function sh(cmd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('sh', ['-c', cmd], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(cmd: string): string {
  const r = sh(cmd);
  assert.equal(r.code, 0, `${cmd}\n${r.stderr}`);
  return r.stdout;
}

before(async () => {
  dir = await tempDir('wclayer-cli-layer-');
});
after(async () => removeDir(dir));

test('wclayer sample | wclayer import, then export | tar -tz, verify and info', async () => {
  ok(`${W} sample --seed 5 --files 60 --size 400KB -o base.tar`);
  const out = ok(`${W} sample --seed 5 --files 60 --size 400KB | ${W} import --json layers/base`);
  const imported = JSON.parse(out) as { diffId: string; entries: number };
  const tar = await readFile(join(dir, 'base.tar'));
  assert.equal(imported.diffId, `sha256:${createHash('sha256').update(tar).digest('hex')}`, 'same seed, same tar');

  ok(`${W} sample --kind child --seed 6 --files 40 --size 300KB --zstd -o child.tar.zst`);
  ok(`${W} import -l layers/base -i child.tar.zst layers/child`);
  const names = ok(`${W} export -l layers/base -z layers/child 2>/dev/null | tar -tz 2>/dev/null`).split('\n').filter(Boolean);
  const expected = ok(`zstd -dc child.tar.zst | tar -t 2>/dev/null`).split('\n').filter(Boolean);
  assert.deepEqual(names, expected);

  assert.match(ok(`${W} verify --tar child.tar.zst layers/child`), /match\s+true/);
  const bad = sh(`${W} verify --diff-id sha256:${'0'.repeat(64)} layers/child`);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /match\s+false/);

  const info = JSON.parse(ok(`${W} info --json layers/child`)) as { kind: string; parents: string[]; format: string };
  assert.equal(info.kind, 'child');
  assert.equal(info.format, 'legacy');
  assert.deepEqual(info.parents, [join(dir, 'layers', 'base')]);
});

test('export -o picks the compression from the name; zstd -d reads it back to the same tar', async () => {
  ok(`${W} sample --seed 8 --files 30 --size 200KB -o s.tar`);
  ok(`${W} import -i s.tar layers/s`);
  ok(`${W} export -o s-out.tar.zst layers/s`);
  const back = spawnSync('zstd', ['-dc', join(dir, 's-out.tar.zst')], { maxBuffer: 64 << 20 });
  assert.equal(back.status, 0);
  assert.deepEqual(back.stdout, await readFile(join(dir, 's.tar')));
  const again = sh(`${W} export -o s-out.tar.zst layers/s`);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /AlreadyExists/);
  ok(`${W} export -f -o s-out.tar.zst layers/s`);
  ok(`${W} remove layers/s`);
  assert.ok(!(await listDir(join(dir, 'layers'))).includes('s'));
});

test('import with the wrong --expected-diff-id fails with DigestMismatch and leaves nothing', async () => {
  ok(`${W} sample --seed 9 --files 20 --size 100KB -o d.tar.gz`);
  const before = await listDir(dir);
  const r = sh(`${W} import --expected-diff-id sha256:${'1'.repeat(64)} -i d.tar.gz bad-layer`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /DigestMismatch: .*sha256:1{64}/);
  assert.deepEqual(await listDir(dir), before);
});

test('a truncated tar on stdin fails clearly and leaves nothing', async () => {
  const before = await listDir(dir);
  const r = sh(`head -c 30000 d.tar.gz | ${W} import cut-layer`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Corrupt/);
  assert.deepEqual(await listDir(dir), before);
});

test('Windows-only commands answer Unsupported with exit code 1', () => {
  for (const cmd of ['mount -l layers/base layers/child', 'unmount layers/child', 'create -l layers/base scratch', 'makebaselayer layers/base']) {
    const r = sh(`${W} ${cmd}`);
    assert.equal(r.code, 1, cmd);
    assert.match(r.stderr, /^wclayer: Unsupported: \w+ needs Windows/m, cmd);
  }
  const r = sh(`${W} create scratch`);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /at least one read-only layer must be specified/);
});

test('mount and unmount take hcsshim\'s optional target / mounted path; bad arguments are refused before any OS call', () => {
  const unsupported: Array<[string, string]> = [
    ['mount -l layers/base layers/child mnt/c1', 'ActivateLayer'],
    ['unmount layers/child mnt/c1', 'DeleteVolumeMountPointW'],
    ['unmount layers/child', 'UnprepareLayer'],
  ];
  for (const [cmd, operation] of unsupported) {
    const r = sh(`${W} ${cmd}`);
    assert.equal(r.code, 1, cmd);
    assert.match(r.stderr, new RegExp(`^wclayer: Unsupported: ${operation} needs Windows`, 'm'), cmd);
  }
  const refused: Array<[string, RegExp]> = [
    ['mount layers/child', /at least one read-only layer must be specified/],
    ["mount -l layers/base layers/child ''", /the target path must not be empty/],
    ['mount -l layers/base layers/child mnt/c1 extra', /Unknown argument: extra/],
    ['mount', /Not enough non-option arguments/],
    ["unmount layers/child ''", /the mounted path must not be empty/],
  ];
  for (const [cmd, message] of refused) {
    const r = sh(`${W} ${cmd}`);
    assert.equal(r.code, 2, cmd);
    assert.match(r.stderr, message, cmd);
    assert.doesNotMatch(r.stderr, /Unsupported/, cmd);
  }
});

test('--cim imports a CIM layer', async () => {
  const r = sh(`${W} import --cim -i base.tar layers/cim-base`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(ok(`${W} info layers/cim-base`), /format\s+cim/);
  // A CIM layer mounts through cimfs and needs no parents.
  const m = sh(`${W} mount layers/cim-base mnt/cim`);
  assert.equal(m.code, 1);
  assert.match(m.stderr, /^wclayer: Unsupported: CimMountImage needs Windows/m);
});

test('a reader that closes the pipe early is not an error', () => {
  const r = sh(`(${W} sample --files 40 --size 2MB; echo "status $?" >&2) | head -c 100 > /dev/null`);
  assert.match(r.stderr, /status 0/);
  assert.doesNotMatch(r.stderr, /EPIPE|Unhandled/);
});
