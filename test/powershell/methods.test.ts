// STATIC: every backend method a public cmdlet calls exists in the backend's method table, and
// the layer cmdlets' parameter keys are parameters of their method.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { areaMethods } from '../../src/rpc/methods/index.js';
import { repoRoot } from '../helpers/paths.js';

const publicDir = join(repoRoot, 'powershell', 'WcLayer', 'Public');
const methods = new Map(areaMethods.map((m) => [m.name, m]));

test('static: cmdlets call only methods the backend has', () => {
  const missing: string[] = [];
  for (const f of readdirSync(publicDir).filter((x) => x.endsWith('.ps1'))) {
    for (const m of readFileSync(join(publicDir, f), 'utf8').matchAll(/Invoke-WcRequest\s+-Method\s+'([^']+)'/g)) {
      if (!methods.has(m[1]!)) missing.push(`${f}: ${m[1]}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('static: the layer cmdlets send only parameters their method accepts', () => {
  const problems: string[] = [];
  for (const name of ['Import-WcLayer', 'New-CimLayer', 'Export-WcLayer', 'ConvertTo-CimLayer', 'Test-WcLayer', 'Remove-WcLayer', 'Get-WcLayer', 'Mount-WcLayer', 'Dismount-WcLayer']) {
    const src = readFileSync(join(publicDir, `${name}.ps1`), 'utf8');
    const called = [...src.matchAll(/Invoke-WcRequest\s+-Method\s+'([^']+)'/g)].map((m) => m[1]!);
    assert.ok(called.length, name);
    const method = called.join(' or ');
    const allowed = new Set(['progressToken', 'itemToken', ...called.flatMap((c) => methods.get(c)!.params)]);
    const keys = new Set<string>();
    for (const table of src.matchAll(/\$params\s*=\s*@\{([\s\S]*?)\}/g)) for (const k of table[1]!.matchAll(/^\s*(\w+)\s*=/gm)) keys.add(k[1]!);
    for (const k of src.matchAll(/\$params\['(\w+)'\]/g)) keys.add(k[1]!);
    for (const k of src.matchAll(/-Params\s+@\{([^}]*)\}/g)) for (const kv of k[1]!.split(';')) keys.add(kv.split('=')[0]!.trim());
    for (const k of keys) if (k && !allowed.has(k)) problems.push(`${name}: '${k}' is not a parameter of ${method}`);
  }
  assert.deepEqual(problems, []);
});
