import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath } from '../helpers/paths.js';

const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8' });
const O_BU_G_BU = 'AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==';

test('wclayer sd decode prints SDDL; encode prints base64; they round-trip', () => {
  const d = run('sd', 'decode', O_BU_G_BU);
  assert.equal(d.status, 0, d.stderr);
  assert.equal(d.stdout.trim(), 'O:BUG:BU');
  const e = run('sd', 'encode', 'O:BUG:BU');
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout.trim(), O_BU_G_BU);
  const sddl = 'O:BAG:SYD:PAI(A;OICIID;FA;;;SY)(A;;0x1200a9;;;BU)S:(ML;;NW;;;LW)';
  const b64 = run('sd', 'encode', sddl).stdout.trim();
  assert.equal(run('sd', 'decode', b64).stdout.trim(), sddl);
});

test('wclayer sd decode @file reads raw bytes; --json prints the structure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-sd-'));
  const file = join(dir, 'sd.bin');
  writeFileSync(file, Buffer.from(O_BU_G_BU, 'base64'));
  const r = run('sd', 'decode', `@${file}`, '--json');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.sddl, 'O:BUG:BU');
  assert.deepEqual(j.owner, { sid: 'S-1-5-32-545', alias: 'BU' });
  assert.equal(j.control, '0x8000');
});

test('bad input: Corrupt descriptor exits 1, bad SDDL / base64 exit 2, with the reason on stderr', () => {
  const c = run('sd', 'decode', 'AQAA');
  assert.equal(c.status, 1);
  assert.match(c.stderr, /Corrupt: security descriptor of 3 bytes/);
  const s = run('sd', 'encode', 'O:QQ');
  assert.equal(s.status, 2);
  assert.match(s.stderr, /InvalidArgument: SDDL: 'QQ'/);
  const b = run('sd', 'decode', 'not base64!');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /not base64/);
  const f = run('sd', 'decode', '@/nonexistent/sd.bin');
  assert.equal(f.status, 1);
  assert.match(f.stderr, /NotFound/);
});
