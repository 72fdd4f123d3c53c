// The README's first command ends in build/demo.mjs; keep it true: on a small sample it must
// import a base and a child layer as CIM layers and export the child with the same diffID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

test('the demo imports sample layers as CIM layers and gets the child diffID back', () => {
  const out = mkdtempSync(join(tmpdir(), 'wclayer-demo-'));
  try {
    const r = spawnSync(process.execPath, [join(repoRoot, 'build', 'demo.mjs'), '--out', out, '--files', '80', '--size', '6MB'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /round trip\s+the exported child has the diffID that was imported/);
    assert.match(r.stdout, /base OS version\s+10\.0\.20348\.2113/);
    const diffIds = [...r.stdout.matchAll(/diffID (sha256:[0-9a-f]{64})/g)].map((m) => m[1]);
    assert.equal(diffIds.length, 3);
    assert.equal(diffIds[1], diffIds[2], 'child tar and exported child share one diffID');
    assert.ok(existsSync(join(out, 'layers', 'child', 'cim-layers')), 'the child is a CIM layer');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
