// The hive cmdlets, checked statically (PowerShell is not installed here): each file parses
// (tree-sitter-powershell), defines one function named like the file, has comment-based help
// for every parameter, [CmdletBinding()], [OutputType], ShouldProcess where it writes, uses no
// PowerShell 7-only syntax, and calls an RPC method the backend really has.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'tree-sitter';
import { repoRoot } from '../helpers/paths.js';
import { hiveMethods } from '../../src/rpc/methods/hive.js';

const CMDLETS: Record<string, { method: string[]; writes: boolean }> = {
  'Get-WcHiveKey': { method: ['hive/keys'], writes: false },
  'Get-WcHiveValue': { method: ['hive/get', 'hive/values'], writes: false },
  'Export-WcHive': { method: ['hive/export'], writes: true },
  'Merge-WcHive': { method: ['hive/merge'], writes: true },
  'Get-WcOsVersion': { method: ['hive/osVersion'], writes: false },
};

// The grammar package ships no type declarations: load it by a name TypeScript does not resolve.
const grammarName = 'tree-sitter-powershell';
const grammar = (await import(grammarName)) as { default?: unknown };
const parser = new Parser();
parser.setLanguage((grammar.default ?? grammar) as Parameters<Parser['setLanguage']>[0]);

for (const [name, spec] of Object.entries(CMDLETS)) {
  test(`cmdlet ${name}: parses and follows the module conventions`, () => {
    const text = readFileSync(join(repoRoot, 'powershell', 'WcLayer', 'Public', `${name}.ps1`), 'utf8');
    const tree = parser.parse(text);
    assert.equal(tree.rootNode.hasError, false, 'tree-sitter-powershell reports a syntax error');
    assert.match(text, new RegExp(`^function ${name} \\{`, 'm'));
    for (const section of ['.SYNOPSIS', '.DESCRIPTION', '.EXAMPLE', '.OUTPUTS']) assert.ok(text.includes(section), `help lacks ${section}`);
    assert.match(text, /\[CmdletBinding\(/);
    assert.match(text, /\[OutputType\('WcLayer\.\w+'\)\]/);
    assert.match(text, /PSObject\.TypeNames\.Insert\(0, 'WcLayer\.\w+'\)/);
    // Every parameter is documented.
    const paramBlock = text.slice(text.indexOf('param('));
    const params = [...paramBlock.matchAll(/\]\s*\$(\w+)/g)].map((m) => m[1]!);
    assert.ok(params.length > 0);
    for (const p of params) assert.ok(text.includes(`.PARAMETER ${p}`), `no help for -${p}`);
    assert.equal(/SupportsShouldProcess = \$true/.test(text), spec.writes, 'SupportsShouldProcess exactly for cmdlets that write');
    if (spec.writes) assert.match(text, /\$PSCmdlet\.ShouldProcess\(/);
    assert.match(text, /GetUnresolvedProviderPathFromPSPath/);
    // Windows PowerShell 5.1 compatibility: no ??, ?., &&, ||, ternary.
    const code = text.replace(/<#[\s\S]*?#>/g, '').replace(/'[^']*'/g, "''").replace(/"[^"]*"/g, '""');
    assert.doesNotMatch(code, /\?\?|\?\.|&&|\|\||\s\?\s/);
    const methods = [...text.matchAll(/-Method '([^']+)'/g)].map((m) => m[1]!);
    assert.deepEqual([...new Set(methods)].sort(), [...spec.method].sort());
    for (const m of methods) assert.ok(hiveMethods.some((h) => h.name === m), `backend has no method ${m}`);
  });
}
