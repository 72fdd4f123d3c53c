// STATIC: every public function that supports ShouldProcess and calls the backend guards the
// call: `if (-not $PSCmdlet.ShouldProcess(...)) { return | continue }` comes first, so -WhatIf
// returns before Invoke-WcRequest. module.test.ts checks the same by running every such cmdlet
// with -WhatIf in PowerShell 7.6.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

const publicDir = join(repoRoot, 'powershell', 'WcLayer', 'Public');

/** Problems with the -WhatIf guard of one public function's source. */
export function whatIfProblems(file: string, source: string): string[] {
  if (!/SupportsShouldProcess\s*(=\s*\$true)?\s*[,)]/i.test(source)) return [];
  const code = source.replace(/<#[\s\S]*?#>/g, '').replace(/#.*$/gm, '');
  const calls = [...code.matchAll(/Invoke-WcRequest\b/g)].map((m) => m.index!);
  if (!calls.length) return [];
  const guards = [...code.matchAll(/if\s*\(\s*-not\s+\$PSCmdlet\.ShouldProcess\((?:[^()]|\([^()]*\))*\)\s*\)\s*\{\s*(return|continue)\s*\}/gi)].map((m) => m.index!);
  if (!guards.length) return [`${file}: no 'if (-not $PSCmdlet.ShouldProcess(...)) { return }' guard before Invoke-WcRequest`];
  return calls.filter((c) => c < guards[0]!).map((c) => `${file}: Invoke-WcRequest at offset ${c} comes before the ShouldProcess guard`);
}

const cmdlets = readdirSync(publicDir).filter((f) => f.endsWith('.ps1'));

test('static: -WhatIf returns before Invoke-WcRequest in every ShouldProcess cmdlet', () => {
  const problems = cmdlets.flatMap((f) => whatIfProblems(f, readFileSync(join(publicDir, f), 'utf8')));
  assert.deepEqual(problems, []);
  // the layer cmdlets are among those checked
  for (const name of ['Import-WcLayer', 'Export-WcLayer', 'New-CimLayer', 'ConvertTo-CimLayer', 'Remove-WcLayer']) {
    const src = readFileSync(join(publicDir, `${name}.ps1`), 'utf8');
    assert.match(src, /SupportsShouldProcess = \$true/, name);
    assert.match(src, /Invoke-WcRequest/, name);
  }
  assert.match(readFileSync(join(publicDir, 'Remove-WcLayer.ps1'), 'utf8'), /ConfirmImpact = 'High'/);
});

test('static check: a call before the guard, or no guard, is reported', () => {
  const head = "[CmdletBinding(SupportsShouldProcess = $true)]\nparam()\n";
  assert.deepEqual(whatIfProblems('ok.ps1', `${head}if (-not $PSCmdlet.ShouldProcess($t, "x $($a.b)")) { return }\nInvoke-WcRequest -Method 'a/b'`), []);
  assert.equal(whatIfProblems('late.ps1', `${head}$r = Invoke-WcRequest -Method 'a/b'\nif (-not $PSCmdlet.ShouldProcess($t, 'x')) { return }`).length, 1);
  assert.equal(whatIfProblems('none.ps1', `${head}Invoke-WcRequest -Method 'a/b'`).length, 1);
  assert.equal(whatIfProblems('soft.ps1', `${head}if ($PSCmdlet.ShouldProcess($t, 'x')) { }\nInvoke-WcRequest -Method 'a/b'`).length, 1);
});
