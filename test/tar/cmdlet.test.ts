// Static checks of Get-WcLayerContent (PowerShell cannot run here): it parses, uses no
// PowerShell-7-only syntax, has full comment-based help, and calls tar/list streaming.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';
import { repoRoot } from '../helpers/paths.js';

const files = ['powershell/WcLayer/Public/Get-WcLayerContent.ps1', 'powershell/WcLayer/Private/ConvertTo-WcLayerEntry.ps1'];

function errorsOf(source: string): string[] {
  const parser = new Parser();
  parser.setLanguage(PowerShell as never);
  const tree = parser.parse((i: number) => source.slice(i, i + 4096));
  const out: string[] = [];
  const walk = (n: Parser.SyntaxNode) => {
    if (n.type === 'ERROR' || n.isMissing) out.push(`${n.startPosition.row + 1}:${n.startPosition.column} ${n.text.slice(0, 40)}`);
    for (const c of n.children) walk(c);
  };
  walk(tree.rootNode);
  return out;
}

test('Get-WcLayerContent and its helpers parse and avoid PowerShell-7-only syntax', () => {
  for (const f of files) {
    const src = readFileSync(join(repoRoot, f), 'utf8');
    assert.deepEqual(errorsOf(src), [], f);
    const code = src.replace(/<#[\s\S]*?#>/g, '').replace(/#.*$/gm, '').replace(/'[^']*'|"[^"]*"/g, "''");
    for (const bad of ['??', '?.', '&&', '||', 'clean {', '-AsHashtable']) assert.ok(!code.includes(bad), `${f} uses ${bad}`);
  }
  assert.ok(errorsOf('function Broken { param( }').length > 0, 'the parser reports errors');
});

test('Get-WcLayerContent is a thin, documented shell over tar/list', () => {
  const src = readFileSync(join(repoRoot, files[0]!), 'utf8');
  for (const section of ['.SYNOPSIS', '.DESCRIPTION', '.PARAMETER Path', '.EXAMPLE', '.OUTPUTS']) assert.ok(src.includes(section), section);
  assert.match(src, /\[CmdletBinding\(\)\]/);
  assert.match(src, /\[OutputType\('WcLayer\.LayerEntry'\)\]/);
  assert.match(src, /ValueFromPipelineByPropertyName = \$true/);
  assert.match(src, /\[Alias\('FullName'\)\]/);
  assert.match(src, /GetUnresolvedProviderPathFromPSPath/);
  assert.match(src, /Invoke-WcRequest -Method 'tar\/list' .*-ProgressActivity .*-Stream/);
  const helper = readFileSync(join(repoRoot, files[1]!), 'utf8');
  assert.match(helper, /TypeNames\.Insert\(0, 'WcLayer\.LayerEntry'\)/);
  assert.match(helper, /\[System\.IO\.FileAttributes\]/);
  for (const prop of ['Name', 'Kind', 'Size', 'Attributes', 'CreationTime', 'LastWriteTime', 'Sddl', 'Streams', 'LinkTarget', 'IsWhiteout']) {
    assert.match(helper, new RegExp(`^\\s+${prop}\\s+=`, 'm'), prop);
  }
});
