// `tar ls` written plainly skips yargs (main.ts); every other spelling must still reach yargs,
// and both routes must print the same bytes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { plainTarLsArgs } from '../../src/cli/commands/tar.js';
import { cliPath } from '../helpers/paths.js';
import { encode, goldenEntries } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'wclayer-fast-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('plainTarLsArgs takes only the plain spellings', () => {
  assert.deepEqual(plainTarLsArgs(['tar', 'ls', 'a.tar']), { file: 'a.tar', json: false, digests: false });
  assert.deepEqual(plainTarLsArgs(['tar', 'ls', '--json', 'a.tar', '--digests']), { file: 'a.tar', json: true, digests: true });
  assert.deepEqual(plainTarLsArgs(['tar', 'ls', '-']), { file: '-', json: false, digests: false });
  for (const argv of [
    ['tar', 'ls'],
    ['tar', 'ls', 'a.tar', 'b.tar'],
    ['tar', 'ls', '--help'],
    ['tar', 'ls', '-h', 'a.tar'],
    ['tar', 'ls', '--json', '--json', 'a.tar'],
    ['tar', 'ls', '--json=false', 'a.tar'],
    ['tar', 'ls', '--no-json', 'a.tar'],
    ['tar', 'ls', '--', 'a.tar'],
    ['tar', 'ls', ''],
    ['tar', 'list', 'a.tar'],
    ['ls', 'a.tar'],
  ]) {
    assert.equal(plainTarLsArgs(argv), undefined, argv.join(' '));
  }
});

test('the plain route and the yargs route print the same listing', async () => {
  const file = join(dir, 'layer.tar');
  writeFileSync(file, await encode(goldenEntries()));
  const run = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
  for (const flags of [[], ['--json'], ['--digests']]) {
    const plain = run(['tar', 'ls', ...flags, file]);
    // `--json=<bool>` spells the same request but is left to yargs
    const viaYargs = run(['tar', 'ls', `--json=${flags.includes('--json')}`, ...flags.filter((f) => f !== '--json'), file]);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(viaYargs.status, 0, viaYargs.stderr);
    assert.ok(plain.stdout.length > 0);
    assert.equal(plain.stdout, viaYargs.stdout, flags.join(' '));
    assert.equal(plain.stderr, viaYargs.stderr);
  }
});
