import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cliPath } from '../helpers/paths.js';

test('wclayer version prints the package version', () => {
  const r = spawnSync(process.execPath, [cliPath, 'version', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout);
  assert.match(v.backendVersion, /^\d+\.\d+\.\d+/);
});
