// STATIC ANALYSIS of the PowerShell module (the 5.1 rules; module.test.ts runs it in PowerShell 7.6):
// every .ps1/.psm1/.psd1 under powershell/ parses, uses nothing PowerShell-7-only, and the public
// functions and the manifest follow the module's conventions. Generic: files added later by
// other areas (Public/Get-WcLayerContent.ps1 ...) are checked the same way.
// The second half feeds the checks known-bad snippets, so a check that stopped finding anything
// would fail here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type Parser from 'tree-sitter';
import { extname, join, relative } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { ERROR_CODES } from '../../src/errors.js';
import { METHOD_NOT_FOUND, RPC_ERROR_CODE } from '../../src/rpc/codes.js';
import {
  APPROVED_VERBS,
  callProblems,
  publicMembersOfCSharp,
  transportMemberProblems,
  STATE_CHANGING_VERBS,
  encodingProblems,
  manifestProblems,
  parse,
  psdValue,
  ps7OnlyProblems,
  publicFunctionProblems,
  readManifest,
  syntaxProblems,
} from './ps-static.js';

const psRoot = join(repoRoot, 'powershell');
const moduleDir = join(psRoot, 'WcLayer');
const manifestPath = join(moduleDir, 'WcLayer.psd1');
const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

type Node = Parser.SyntaxNode;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const psFiles = walk(psRoot).filter((f) => ['.ps1', '.psm1', '.psd1'].includes(extname(f).toLowerCase())).sort();
const rel = (f: string): string => relative(repoRoot, f);
const read = (f: string): string => readFileSync(f, 'utf8');
const publicFiles = psFiles.filter((f) => rel(f).startsWith(join('powershell', 'WcLayer', 'Public') + '/') && f.endsWith('.ps1'));

function expectNone(problems: string[]): void {
  assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
}

test('static: the module has the files the manifest and the psm1 expect', () => {
  assert.ok(psFiles.length >= 5, `found only ${psFiles.map(rel).join(', ')}`);
  assert.ok(psFiles.includes(manifestPath));
  assert.ok(psFiles.includes(join(moduleDir, 'WcLayer.psm1')));
  assert.ok(publicFiles.length >= 2, 'Get-WcBackend and Stop-WcBackend at least');
  assert.ok(statSync(join(moduleDir, 'en-US', 'about_WcLayer.help.txt')).size > 0);
  assert.ok(statSync(join(moduleDir, 'Private', 'WcLayerRpcClient.cs')).size > 0);
});

test('static: every .ps1/.psm1/.psd1 parses without errors (tree-sitter-powershell)', () => {
  expectNone(psFiles.flatMap((f) => syntaxProblems(rel(f), parse(read(f)))));
});

test('static: no PowerShell-7-only syntax, commands, parameters or variables (must load on 5.1)', () => {
  expectNone(psFiles.flatMap((f) => ps7OnlyProblems(rel(f), parse(read(f)))));
});

test('static: files are ASCII or carry a UTF-8 BOM (Windows PowerShell 5.1 reads BOM-less files as ANSI)', () => {
  expectNone(psFiles.flatMap((f) => encodingProblems(rel(f), readFileSync(f))));
});

test('static: public functions: one per file, approved verb, Wc/Cim noun, CmdletBinding, OutputType, help, ShouldProcess', () => {
  expectNone(publicFiles.flatMap((f) => publicFunctionProblems(rel(f), parse(read(f))).problems));
});

test('static: the manifest exports exactly the public functions and loads on Desktop and Core', () => {
  const names = publicFiles.map((f) => publicFunctionProblems(rel(f), parse(read(f))).name).filter((n): n is string => n !== null);
  const manifest = readManifest(parse(read(manifestPath)));
  expectNone(manifestProblems(rel(manifestPath), manifest, names, packageVersion));
  assert.ok((manifest['FunctionsToExport'] as string[]).includes('Get-WcBackend'));
  assert.ok((manifest['FunctionsToExport'] as string[]).includes('Stop-WcBackend'));
});

test('static: the format file defines a view for every type name it is given, and is well formed', () => {
  const xml = read(join(moduleDir, 'WcLayer.Format.ps1xml')).replace(/<!--[\s\S]*?-->/g, '');
  assert.match(xml, /^<\?xml[^>]*\?>\s*<Configuration>[\s\S]*<\/Configuration>\s*$/);
  const views = [...xml.matchAll(/<View>([\s\S]*?)<\/View>/g)].map((m) => m[1]!);
  assert.ok(views.length >= 1);
  for (const v of views) {
    assert.match(v, /<Name>[^<]+<\/Name>/);
    assert.match(v, /<TypeName>WcLayer\.[A-Za-z.]+<\/TypeName>/);
    // Every open tag closed: a cheap well-formedness check without an XML parser.
    const opens = [...v.matchAll(/<([A-Za-z]+)>/g)].map((m) => m[1]);
    for (const tag of new Set(opens)) {
      const open = opens.filter((t) => t === tag).length;
      const close = [...v.matchAll(new RegExp(`</${tag}>`, 'g'))].length;
      assert.equal(open, close, `<${tag}> opened ${open} times, closed ${close} times`);
    }
  }
  // Every type the public functions emit has a view.
  for (const f of publicFiles) {
    for (const m of read(f).matchAll(/TypeNames\.Insert\(0,\s*'(WcLayer\.[A-Za-z.]+)'\)/g)) {
      assert.ok(xml.includes(`<TypeName>${m[1]}</TypeName>`), `${rel(f)} emits ${m[1]}, which has no view in WcLayer.Format.ps1xml`);
    }
  }
});

test('static: commands called exist (module functions or 5.1 built-ins) with the parameters they declare', () => {
  const moduleFiles = psFiles.filter((f) => rel(f).startsWith(join('powershell', 'WcLayer') + '/'));
  expectNone(callProblems(moduleFiles.map((f) => ({ file: rel(f), tree: parse(read(f)) }))));
});

test('static: what the PowerShell code calls on the C# transport exists in WcLayerRpcClient.cs', () => {
  const members = publicMembersOfCSharp(read(join(moduleDir, 'Private', 'WcLayerRpcClient.cs')));
  for (const m of ['Start', 'Send', 'TryTake', 'CancelRequest', 'WaitForResponse', 'IsAlive', 'TakeNewStderr', 'Close', 'Kill']) assert.ok(members.has(m), m);
  const moduleFiles = psFiles.filter((f) => rel(f).startsWith(join('powershell', 'WcLayer') + '/'));
  expectNone(transportMemberProblems(moduleFiles.map((f) => ({ file: rel(f), source: read(f) })), members));
});

test('static: the error mapping covers every backend error code, with real ErrorCategory names', () => {
  // System.Management.Automation.ErrorCategory
  const categories = new Set(['NotSpecified', 'OpenError', 'CloseError', 'DeviceError', 'DeadlockDetected', 'InvalidArgument',
    'InvalidData', 'InvalidOperation', 'InvalidResult', 'InvalidType', 'MetadataError', 'NotImplemented', 'NotInstalled',
    'ObjectNotFound', 'OperationStopped', 'OperationTimeout', 'SyntaxError', 'ParserError', 'PermissionDenied', 'ResourceBusy',
    'ResourceExists', 'ResourceUnavailable', 'ReadError', 'WriteError', 'FromStdErr', 'SecurityError', 'ProtocolError',
    'ConnectionError', 'AuthenticationError', 'LimitsExceeded', 'QuotaExceeded', 'NotEnabled']);
  const tree = parse(read(join(moduleDir, 'Private', 'ConvertTo-WcErrorRecord.ps1')));
  const tables: Record<string, Record<string, string>> = {};
  for (const a of [...(function* all(n: Node): Generator<Node> { yield n; for (const c of n.children) yield* all(c); })(tree.rootNode)]) {
    if (a.type !== 'assignment_expression') continue;
    const target = a.children[0]?.text ?? '';
    const hash = a.descendantsOfType('hash_literal_expression')[0];
    if (hash && /^\$script:Wc(ErrorCategory|RpcCodeName)$/.test(target)) tables[target] = psdValue(hash) as Record<string, string>;
  }
  const category = tables['$script:WcErrorCategory'];
  const byNumber = tables['$script:WcRpcCodeName'];
  assert.ok(category && byNumber, 'both tables found');
  for (const code of ERROR_CODES) assert.ok(category[code], `no ErrorCategory for ${code}`);
  for (const [code, name] of Object.entries(category)) assert.ok(categories.has(name), `${code} -> ${name} is not an ErrorCategory`);
  for (const [code, n] of Object.entries(RPC_ERROR_CODE)) assert.equal(byNumber[String(n)], code, `JSON-RPC ${n} should map to ${code}`);
  assert.equal(category['NotFound'], 'ObjectNotFound');
  assert.equal(category['BackendMethodMissing'], 'NotImplemented');
  // -32601 is decided before data.code (the backend sends data.code NotFound with it).
  const source = read(join(moduleDir, 'Private', 'ConvertTo-WcErrorRecord.ps1'));
  assert.ok(source.indexOf(`$number -eq ${METHOD_NOT_FOUND}`) < source.indexOf('elseif ($dataCode)'), '-32601 checked first');
});

// ---------------------------------------------------------------------------------------------
// The checks themselves catch what they should.

const goodFunction = `function Remove-WcThing {
    <#
    .SYNOPSIS
    Removes a thing.
    .DESCRIPTION
    Removes it for good.
    .PARAMETER Path
    Where it is.
    .EXAMPLE
    Remove-WcThing -Path x
    .OUTPUTS
    None
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType([void])]
    param([Parameter(Mandatory)] [string] $Path)
    if ($PSCmdlet.ShouldProcess($Path, 'Remove')) { Invoke-WcRequest -Method 'thing/remove' -Params @{ path = $Path } }
}
`;

test('static checks: a correct public function passes', () => {
  const r = publicFunctionProblems('Public/Remove-WcThing.ps1', parse(goodFunction));
  assert.equal(r.name, 'Remove-WcThing');
  expectNone(r.problems);
});

test('static checks: broken conventions are each reported', () => {
  const cases: [string, string, RegExp][] = [
    ['Public/Remove-WcThing.ps1', goodFunction.replace('SupportsShouldProcess = $true, ', ''), /needs \[CmdletBinding\(SupportsShouldProcess\)\]/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace('SupportsShouldProcess = $true', 'SupportsShouldProcess = $false'), /SupportsShouldProcess/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace('if ($PSCmdlet.ShouldProcess($Path, \'Remove\')) ', ''), /never calls \$PSCmdlet.ShouldProcess/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace('[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = \'High\')]', ''), /needs \[CmdletBinding\(\)\]/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace('[OutputType([void])]', ''), /OutputType/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace(/\.PARAMETER Path\n\s*Where it is.\n/, ''), /no \.PARAMETER Path/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace('.PARAMETER Path', '.PARAMETER Paht'), /documents \.PARAMETER Paht/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace(/\.EXAMPLE\n\s*Remove-WcThing -Path x\n/, ''), /no \.EXAMPLE/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace(/\.DESCRIPTION\n\s*Removes it for good.\n/, ''), /no \.DESCRIPTION/],
    ['Public/Remove-WcThing.ps1', goodFunction.replace(/<#[\s\S]*#>/, ''), /no comment-based help/],
    ['Public/Delete-WcThing.ps1', goodFunction.replace('Remove-WcThing {', 'Delete-WcThing {'), /'Delete' is not an approved verb/],
    ['Public/Remove-Thing.ps1', goodFunction.replace('Remove-WcThing {', 'Remove-Thing {'), /must start with Wc or Cim/],
    ['Public/Remove-WcOther.ps1', goodFunction, /must live in Remove-WcThing.ps1/],
    ['Public/Remove-WcThing.ps1', goodFunction + '\nfunction Get-WcExtra { }\n', /exactly one function, found 2/],
  ];
  for (const [file, source, expected] of cases) {
    const problems = publicFunctionProblems(file, parse(source)).problems;
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} for ${file}, got:\n${problems.join('\n') || '(nothing)'}`);
  }
});

test('static checks: PowerShell 7 syntax and parameters are reported, look-alikes in strings are not', () => {
  const bad: [string, RegExp][] = [
    ['$a = $b ?? "x"', /syntax error|\?\?/],
    ['$c = $d?.Name', /syntax error|null-conditional/],
    ['$g = $h ? 1 : 2', /syntax error|ternary/],
    ['Get-Item x && Get-Item y', /pipeline chain/],
    ['Get-Item x || Get-Item y', /pipeline chain/],
    ['function f { param() process { } clean { } }', /syntax error|clean/],
    ['$x | ConvertFrom-Json -AsHashtable', /ConvertFrom-Json -ashashtable/],
    ['$x | ConvertFrom-Json -Depth 5', /ConvertFrom-Json -depth/],
    ['$x | convertfrom-json -AsHash', /-ashashtable/],
    ['Get-Content x -AsByteStream', /-asbytestream/],
    ['1..3 | ForEach-Object -Parallel { $_ }', /-parallel/],
    ['Join-Path a b c', /more than two paths/],
    ['if ($IsWindows) { }', /\$IsWindows does not exist/],
    ['Test-Json -Json $x', /Test-Json does not exist/],
  ];
  for (const [source, expected] of bad) {
    const tree = parse(source);
    const problems = [...syntaxProblems('x.ps1', tree), ...ps7OnlyProblems('x.ps1', tree)];
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} for ${source}, got:\n${problems.join('\n') || '(nothing)'}`);
  }
  const fine = [
    '$s = "a ?? b && c || d"',
    "# a comment with ?? and && and ||\n$x = 1",
    '$x | ConvertTo-Json -Depth 5 -Compress',
    '$x | ConvertFrom-Json',
    'Get-Content x -Encoding Byte -Raw',
    'Join-Path a b',
    'Join-Path -Path a -ChildPath b',
    'Select-Object -Skip 1 -First 2',
    '$y = $a -and $b -or $c',
    'if ($PSVersionTable.PSEdition -eq "Desktop") { }',
  ];
  for (const source of fine) {
    const tree = parse(source);
    expectNone([...syntaxProblems('x.ps1', tree), ...ps7OnlyProblems('x.ps1', tree)]);
  }
});

test('static checks: non-ASCII text needs a BOM', () => {
  assert.equal(encodingProblems('a.ps1', Buffer.from('# plain\n', 'utf8')).length, 0);
  assert.match(encodingProblems('a.ps1', Buffer.from('# line\n# Grüße\n', 'utf8'))[0]!, /a\.ps1:2: non-ASCII/);
  assert.equal(encodingProblems('a.ps1', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('# Grüße\n', 'utf8')])).length, 0);
});

test('static checks: manifest problems are reported', () => {
  const good = read(manifestPath);
  // The module's real public functions (file name = function name), so cmdlets added later are covered.
  const names = publicFiles.map((f) => f.split('/').pop()!.replace(/\.ps1$/, ''));
  const check = (source: string): string[] => manifestProblems(rel(manifestPath), readManifest(parse(source)), names, packageVersion);
  expectNone(check(good));
  const cases: [string, RegExp][] = [
    [good.replace("'Stop-WcBackend'", "'Stop-WcBackend'\n        'Get-WcNothing'"), /lists Get-WcNothing, which no Public/],
    [good.replace("'Stop-WcBackend'", ''), /lacks Stop-WcBackend/],
    [good.replace(/FunctionsToExport\s*=\s*@\([^)]*\)/, "FunctionsToExport = '*'"), /wildcard/],
    [good.replace(/AliasesToExport\s*=\s*@\(\)/, "AliasesToExport = '*'"), /wildcard/],
    [good.replace(/CmdletsToExport\s*=\s*@\(\)\n/, ''), /CmdletsToExport must be an explicit array/],
    [good.replace("@('Desktop', 'Core')", "@('Core')"), /CompatiblePSEditions/],
    [good.replace("PowerShellVersion    = '5.1'", "PowerShellVersion    = '7.2'"), /PowerShellVersion/],
    [good.replace("ModuleVersion        = '0.1.0'", "ModuleVersion        = '9.9.9'"), /ModuleVersion 9\.9\.9 differs/],
    [good.replace("@('WcLayer.Format.ps1xml')", "@('Missing.Format.ps1xml')"), /Missing\.Format\.ps1xml, which does not exist/],
    [good.replace("RootModule           = 'WcLayer.psm1'", "RootModule           = 'Nope.psm1'"), /RootModule Nope\.psm1 does not exist/],
    [good.replace(/GUID\s*=\s*'[^']*'/, "GUID = 'not-a-guid'"), /GUID/],
    [good.replace("'PSEdition_Desktop', ", ''), /Tags lacks PSEdition_Desktop/],
  ];
  for (const [source, expected] of cases) {
    assert.notEqual(source, good, `the replacement for ${expected} changed nothing`);
    const problems = check(source);
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected}, got:\n${problems.join('\n') || '(nothing)'}`);
  }
});

test('static checks: the verb lists are consistent', () => {
  for (const v of STATE_CHANGING_VERBS) assert.ok(APPROVED_VERBS.has(v), `${v} is not an approved verb`);
  for (const v of ['Get', 'Test', 'Compare', 'ConvertFrom', 'Invoke']) assert.ok(!STATE_CHANGING_VERBS.has(v), v);
  for (const v of ['Remove', 'Set', 'New', 'Import', 'Export', 'Merge', 'Stop', 'ConvertTo', 'Clear', 'Reset', 'Mount', 'Dismount', 'Checkpoint']) {
    assert.ok(STATE_CHANGING_VERBS.has(v), v);
  }
});

test('static checks: calls to missing commands or parameters are reported', () => {
  const helper = 'function Get-WcHelper {\n    [CmdletBinding()]\n    param([string] $Name, [switch] $Force)\n    $Name\n}\n';
  const check = (caller: string): string[] => callProblems([{ file: 'a.ps1', tree: parse(helper) }, { file: 'b.ps1', tree: parse(caller) }]);
  expectNone(check('Get-WcHelper -Name x -Force -Verbose -ErrorAction Stop; Get-WcHelper -N x; Write-Verbose hi; & $x; . $y'));
  assert.match(check('Get-WcHelpr -Name x').join(), /Get-WcHelpr is neither a module function/);
  assert.match(check('Get-WcHelper -Nmae x').join(), /has no parameter -nmae/);
  assert.match(check('Get-WcHelper -WhatIf').join(), /has no parameter -whatif/);
  assert.match(check('Invoke-Something').join(), /Invoke-Something is neither/);
  const members = publicMembersOfCSharp('public sealed class C { public bool IsAlive { get { return true; } } public string TryTake(int t) { return null; } }');
  assert.deepEqual([...members].sort(), ['IsAlive', 'TryTake']);
  expectNone(transportMemberProblems([{ file: 'c.ps1', source: '$client.TryTake(100); $State.Client.IsAlive' }], members));
  assert.match(transportMemberProblems([{ file: 'c.ps1', source: '$client.TryTakes(100)' }], members).join(), /no public member TryTakes/);
});
