// Static checks of PowerShell sources with tree-sitter-powershell: what PSScriptAnalyzer and a
// Pester manifest test would catch (syntax errors, PowerShell-7-only syntax and parameters,
// export lists, verbs, help, ShouldProcess). The module also runs end to end in a hosted
// PowerShell 7.6 engine (module.test.ts), but neither Windows PowerShell 5.1 nor PSScriptAnalyzer
// can run here, so the 5.1 rules are checked statically.
// Each check returns a list of problems ("file:line: what"); the tests assert the lists are empty.

import Parser from 'tree-sitter';
import PowerShell from 'tree-sitter-powershell';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export type Node = Parser.SyntaxNode;

const parser = new Parser();
parser.setLanguage(PowerShell as unknown as Parser.Language);

// node-tree-sitter's nodes do not keep their tree alive: a tree collected while its nodes are
// still being walked yields garbage nodes. The tests parse a few dozen small files, so keep them all.
const keepAlive: Parser.Tree[] = [];

export function parse(source: string): Parser.Tree {
  // A UTF-8 BOM is fine for PowerShell (5.1 needs one for non-ASCII text); the grammar chokes on it.
  const tree = parser.parse(source.replace(/^\uFEFF/, ''));
  keepAlive.push(tree);
  return tree;
}

function where(file: string, node: Node): string {
  return `${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
}

function* walk(node: Node): Generator<Node> {
  yield node;
  for (const child of node.children) yield* walk(child);
}

function descendants(node: Node, type: string): Node[] {
  return [...walk(node)].filter((n) => n.type === type);
}

/** Syntax errors: ERROR and MISSING nodes. */
export function syntaxProblems(file: string, tree: Parser.Tree): string[] {
  const problems: string[] = [];
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'ERROR') problems.push(`${where(file, n)}: syntax error near ${JSON.stringify(n.text.slice(0, 60))}`);
    else if (n.isMissing) problems.push(`${where(file, n)}: missing ${n.type}`);
  }
  if (tree.rootNode.hasError && problems.length === 0) problems.push(`${file}: the parser reports an error`);
  return problems;
}

/**
 * Windows PowerShell 5.1 reads a .ps1/.psm1/.psd1 without BOM in the ANSI code page, so any
 * non-ASCII character must come with a UTF-8 BOM (or be avoided).
 */
export function encodingProblems(file: string, bytes: Buffer): string[] {
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (hasBom) return [];
  const i = bytes.findIndex((b) => b > 0x7f);
  if (i < 0) return [];
  const line = bytes.subarray(0, i).toString('latin1').split('\n').length;
  return [`${file}:${line}: non-ASCII text in a file without a UTF-8 BOM (Windows PowerShell 5.1 would misread it)`];
}

// Parameters that exist only in PowerShell 6/7, by command (names in lower case).
const PS7_ONLY_PARAMETERS: Record<string, string[]> = {
  'convertfrom-json': ['ashashtable', 'depth', 'noenumerate', 'datekind'],
  'convertto-json': ['asarray', 'enumsasstrings', 'escapehandling'],
  'get-content': ['asbytestream'],
  'set-content': ['asbytestream'],
  'add-content': ['asbytestream'],
  'foreach-object': ['parallel', 'throttlelimit', 'asjob', 'usenewrunspace'],
  'invoke-webrequest': ['maximumretrycount', 'retryintervalsec', 'skipcertificatecheck', 'skiphttperrorcheck', 'authentication', 'sslprotocol', 'statuscodevariable', 'responseheadersvariable', 'resume', 'form', 'skipheadervalidation', 'preservefileauthorizationonredirect'],
  'invoke-restmethod': ['maximumretrycount', 'retryintervalsec', 'skipcertificatecheck', 'skiphttperrorcheck', 'authentication', 'sslprotocol', 'statuscodevariable', 'responseheadersvariable', 'resume', 'form', 'skipheadervalidation', 'followrellink'],
  'join-path': ['additionalchildpath'],
  'split-path': ['leafbase', 'extension'],
  'select-object': ['skipindex'],
  'get-childitem': ['followsymlink'],
  'test-connection': ['tcpport', 'traceroute', 'mtusize', 'repeat'],
  'start-process': ['environment'],
};
// Commands that do not exist in Windows PowerShell 5.1.
const PS7_ONLY_COMMANDS = new Set(['test-json', 'get-error', 'start-threadjob', 'convertfrom-markdown', 'get-markdownoption', 'set-markdownoption', 'show-markdown', 'remove-alias', 'get-uptime', 'join-string']);
// Automatic variables that are absent in 5.1 ($IsWindows is $null there: `if ($IsWindows)` is false on Windows).
const PS7_ONLY_VARIABLES = new Set(['$iswindows', '$islinux', '$ismacos', '$iscoreclr']);

function insideLiteralOrComment(node: Node): boolean {
  for (let n: Node | null = node; n; n = n.parent) {
    if (n.type === 'comment' || n.type === 'string_literal') return true;
  }
  return false;
}

function commandParameters(command: Node): { name: string; node: Node }[] {
  const elements = command.children.find((c) => c.type === 'command_elements');
  if (!elements) return [];
  return elements.namedChildren.filter((c) => c.type === 'command_parameter').map((c) => ({ name: c.text.replace(/^-/, '').replace(/:.*$/, '').toLowerCase(), node: c }));
}

/** PowerShell-7-only syntax, commands, parameters and variables. */
export function ps7OnlyProblems(file: string, tree: Parser.Tree): string[] {
  const problems: string[] = [];
  for (const n of walk(tree.rootNode)) {
    if (insideLiteralOrComment(n)) continue;
    if (n.type === 'pipeline_chain_tail') {
      problems.push(`${where(file, n)}: pipeline chain operator (&& or ||) is PowerShell 7 only`);
      continue;
    }
    if (n.childCount === 0) {
      const t = n.text.trim();
      if (t === '??' || t === '??=') problems.push(`${where(file, n)}: null-coalescing operator ${t} is PowerShell 7 only`);
      else if (t === '?' || t === '?.' || t === '?[') problems.push(`${where(file, n)}: ternary or null-conditional operator '${t}' is PowerShell 7 only`);
      else if ((t === 'clean') && (n.parent?.type === 'ERROR' || n.parent?.type === 'block_name')) problems.push(`${where(file, n)}: the clean block is PowerShell 7.3+ only`);
    }
    if (n.type === 'variable' && PS7_ONLY_VARIABLES.has(n.text.toLowerCase())) {
      problems.push(`${where(file, n)}: ${n.text} does not exist in Windows PowerShell 5.1 (use the module's Test-WcIsWindows)`);
    }
    if (n.type === 'command') {
      const nameNode = n.children.find((c) => c.type === 'command_name');
      if (!nameNode) continue;
      const command = nameNode.text.toLowerCase();
      if (PS7_ONLY_COMMANDS.has(command)) problems.push(`${where(file, n)}: ${nameNode.text} does not exist in Windows PowerShell 5.1`);
      const banned = PS7_ONLY_PARAMETERS[command] ?? [];
      for (const p of commandParameters(n)) {
        // PowerShell accepts any unambiguous prefix of a parameter name; short prefixes may be
        // valid 5.1 names of their own (Select-Object -Skip), so only long ones count.
        const hit = banned.find((b) => b === p.name || (p.name.length >= 5 && b.startsWith(p.name)));
        if (hit) problems.push(`${where(file, p.node)}: ${nameNode.text} -${hit} is PowerShell 7 only`);
      }
      if (command === 'join-path') {
        // Join-Path a b c (AdditionalChildPath) is PowerShell 7 only.
        const elements = n.children.find((c) => c.type === 'command_elements');
        let positional = 0;
        let skipNext = false;
        for (const c of elements?.namedChildren ?? []) {
          if (c.type === 'command_argument_sep') continue;
          if (c.type === 'command_parameter') {
            skipNext = !/^-res/i.test(c.text) && !c.text.includes(':');
            continue;
          }
          if (skipNext) { skipNext = false; continue; }
          positional++;
        }
        if (positional > 2) problems.push(`${where(file, n)}: Join-Path with more than two paths is PowerShell 7 only`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Functions, attributes, help

export interface FunctionInfo {
  name: string;
  node: Node;
  parameters: string[];
  attributes: { name: string; args: { name: string | null; value: string | null }[] }[];
  help: Map<string, string[]> | null; // keyword (upper case) -> arguments (e.g. parameter names)
  body: string;
}

function attributeInfo(attr: Node): FunctionInfo['attributes'][number] {
  const nameNode = attr.children.find((c) => c.type === 'attribute_name');
  const name = (nameNode?.text ?? '').replace(/^System\.Management\.Automation\./i, '').replace(/Attribute$/i, '');
  const argsNode = attr.children.find((c) => c.type === 'attribute_arguments');
  const args: { name: string | null; value: string | null }[] = [];
  for (const a of argsNode?.namedChildren.filter((c) => c.type === 'attribute_argument') ?? []) {
    const first = a.namedChildren[0];
    if (first?.type === 'simple_name') {
      const value = a.namedChildren[1];
      args.push({ name: first.text, value: value ? value.text : null });
    } else {
      args.push({ name: null, value: a.text });
    }
  }
  return { name, args };
}

function helpOf(fn: Node): Map<string, string[]> | null {
  // Comment-based help: inside the function before the param block, at the top of the body, or
  // right before the function.
  const comments: Node[] = [];
  for (const c of fn.children) if (c.type === 'comment') comments.push(c);
  const block = fn.children.find((c) => c.type === 'script_block');
  if (block) {
    for (const c of block.children) {
      if (c.type === 'comment') comments.push(c);
      else if (c.type !== '{') break;
    }
  }
  for (let p = fn.previousSibling; p && p.type === 'comment'; p = p.previousSibling) comments.push(p);
  const text = comments.map((c) => c.text).join('\n');
  if (!/^\s*\.SYNOPSIS\b/im.test(text.replace(/^\s*#/gm, ''))) return null;
  const help = new Map<string, string[]>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s*(<#|#)?/, '');
    const m = /^\s*\.([A-Za-z]+)[ \t]*(\S*)/.exec(line);
    if (!m) continue;
    const key = m[1]!.toUpperCase();
    const list = help.get(key) ?? [];
    list.push(m[2] ?? '');
    help.set(key, list);
  }
  return help;
}

export function functionsIn(tree: Parser.Tree): FunctionInfo[] {
  return descendants(tree.rootNode, 'function_statement').map((fn) => {
    const name = fn.children.find((c) => c.type === 'function_name')?.text ?? '';
    const block = fn.children.find((c) => c.type === 'script_block');
    const paramBlock = block?.children.find((c) => c.type === 'param_block');
    const attributeList = paramBlock?.children.find((c) => c.type === 'attribute_list');
    const attributes = (attributeList?.namedChildren.filter((c) => c.type === 'attribute') ?? []).map(attributeInfo);
    const parameterList = paramBlock?.children.find((c) => c.type === 'parameter_list');
    const parameters = (parameterList?.namedChildren.filter((c) => c.type === 'script_parameter') ?? [])
      .map((p) => p.children.find((c) => c.type === 'variable')?.text.replace(/^\$/, '') ?? '')
      .filter((p) => p);
    return { name, node: fn, parameters, attributes, help: helpOf(fn), body: block?.text ?? '' };
  });
}

/** Get-Verb on PowerShell 7.4 (a superset of 5.1's list; Build/Deploy/Switch/Unprotect/Protect … included). */
export const APPROVED_VERBS = new Set([
  // Common
  'Add', 'Clear', 'Close', 'Copy', 'Enter', 'Exit', 'Find', 'Format', 'Get', 'Hide', 'Join', 'Lock', 'Move', 'New', 'Open',
  'Optimize', 'Pop', 'Push', 'Redo', 'Remove', 'Rename', 'Reset', 'Resize', 'Search', 'Select', 'Set', 'Show', 'Skip',
  'Split', 'Step', 'Switch', 'Undo', 'Unlock', 'Watch',
  // Communications
  'Connect', 'Disconnect', 'Read', 'Receive', 'Send', 'Write',
  // Data
  'Backup', 'Checkpoint', 'Compare', 'Compress', 'Convert', 'ConvertFrom', 'ConvertTo', 'Dismount', 'Edit', 'Expand',
  'Export', 'Group', 'Import', 'Initialize', 'Limit', 'Merge', 'Mount', 'Out', 'Publish', 'Restore', 'Save', 'Sync',
  'Unpublish', 'Update',
  // Diagnostic
  'Debug', 'Measure', 'Ping', 'Repair', 'Resolve', 'Test', 'Trace',
  // Lifecycle
  'Approve', 'Assert', 'Build', 'Complete', 'Confirm', 'Deny', 'Deploy', 'Disable', 'Enable', 'Install', 'Invoke',
  'Register', 'Request', 'Restart', 'Resume', 'Start', 'Stop', 'Submit', 'Suspend', 'Uninstall', 'Unregister', 'Wait',
  // Security
  'Block', 'Grant', 'Protect', 'Revoke', 'Unblock', 'Unprotect',
  // Other
  'Use',
]);

/**
 * Verbs whose cmdlets change state (files, layers, processes, registrations) and so must offer
 * -WhatIf/-Confirm (SupportsShouldProcess). Left out on purpose: read-only verbs (Get, Test,
 * Compare, Find, Search, Measure, Resolve, Show, Format, Select, Read, Watch, Wait, Trace,
 * Debug, Ping, Group, Limit, Split, Join, Skip, Step), ConvertFrom (returns objects), Invoke
 * (too generic to judge), Send/Receive/Connect/Disconnect/Enter/Exit/Open/Push/Pop/Switch/Use
 * (sessions and locations), Out (output streams), Assert/Confirm/Request/Approve.
 * Included: ConvertTo and Export, because in this module they write layer files and images;
 * Stop and Start, because they end or start processes (Stop-WcBackend).
 */
export const STATE_CHANGING_VERBS = new Set([
  'Add', 'Backup', 'Block', 'Build', 'Checkpoint', 'Clear', 'Close', 'Compress', 'Convert', 'ConvertTo', 'Copy', 'Deny',
  'Deploy', 'Disable', 'Dismount', 'Edit', 'Enable', 'Expand', 'Export', 'Grant', 'Hide', 'Import', 'Initialize',
  'Install', 'Lock', 'Merge', 'Mount', 'Move', 'New', 'Optimize', 'Protect', 'Publish', 'Redo', 'Register', 'Remove',
  'Rename', 'Repair', 'Reset', 'Resize', 'Restart', 'Restore', 'Resume', 'Revoke', 'Save', 'Set', 'Start', 'Stop',
  'Submit', 'Suspend', 'Sync', 'Unblock', 'Undo', 'Uninstall', 'Unlock', 'Unprotect', 'Unpublish', 'Unregister',
  'Update', 'Write',
]);

export const NOUN_PREFIX = /^(Wc|Cim)[A-Z][A-Za-z0-9]*$/;

function hasAttribute(fn: FunctionInfo, name: string): FunctionInfo['attributes'][number] | undefined {
  return fn.attributes.find((a) => a.name.toLowerCase() === name.toLowerCase());
}

function isTrueArgument(arg: { value: string | null } | undefined): boolean {
  if (!arg) return false;
  return arg.value === null || /^\$true$/i.test(arg.value.trim());
}

/** Conventions for one public function file: Public/<Verb-Noun>.ps1 holding that one function. */
export function publicFunctionProblems(file: string, tree: Parser.Tree): { name: string | null; problems: string[] } {
  const problems: string[] = [];
  const fns = functionsIn(tree);
  const expected = basename(file).replace(/\.ps1$/i, '');
  if (fns.length !== 1) {
    problems.push(`${file}: a public file holds exactly one function, found ${fns.length}`);
    if (fns.length === 0) return { name: null, problems };
  }
  const fn = fns[0]!;
  const at = where(file, fn.node);
  if (fn.name !== expected) problems.push(`${at}: function ${fn.name} must live in ${fn.name}.ps1 (file is ${basename(file)})`);

  const dash = fn.name.indexOf('-');
  const verb = dash > 0 ? fn.name.slice(0, dash) : '';
  const noun = dash > 0 ? fn.name.slice(dash + 1) : '';
  if (!APPROVED_VERBS.has(verb)) problems.push(`${at}: '${verb || fn.name}' is not an approved verb (Get-Verb)`);
  if (!NOUN_PREFIX.test(noun)) problems.push(`${at}: the noun '${noun}' must start with Wc or Cim followed by a capital letter`);

  const binding = hasAttribute(fn, 'CmdletBinding');
  if (!binding) problems.push(`${at}: ${fn.name} needs [CmdletBinding()] on its param block`);
  if (!hasAttribute(fn, 'OutputType')) problems.push(`${at}: ${fn.name} needs an [OutputType(...)] attribute`);
  const shouldProcess = isTrueArgument(binding?.args.find((a) => a.name?.toLowerCase() === 'supportsshouldprocess'));
  if (STATE_CHANGING_VERBS.has(verb) && !shouldProcess) {
    problems.push(`${at}: ${verb} changes state: ${fn.name} needs [CmdletBinding(SupportsShouldProcess)]`);
  }
  if (shouldProcess && !/\$PSCmdlet\.Should(Process|Continue)\s*\(/i.test(fn.body)) {
    problems.push(`${at}: ${fn.name} declares SupportsShouldProcess but never calls $PSCmdlet.ShouldProcess`);
  }

  if (!fn.help) {
    problems.push(`${at}: ${fn.name} has no comment-based help (.SYNOPSIS ...)`);
  } else {
    for (const key of ['SYNOPSIS', 'DESCRIPTION', 'EXAMPLE', 'OUTPUTS']) {
      if (!fn.help.has(key)) problems.push(`${at}: the help of ${fn.name} has no .${key}`);
    }
    const documented = new Set((fn.help.get('PARAMETER') ?? []).map((p) => p.toLowerCase()));
    for (const p of fn.parameters) {
      if (!documented.has(p.toLowerCase())) problems.push(`${at}: the help of ${fn.name} has no .PARAMETER ${p}`);
    }
    const declared = new Set(fn.parameters.map((p) => p.toLowerCase()));
    for (const p of fn.help.get('PARAMETER') ?? []) {
      if (!declared.has(p.toLowerCase())) problems.push(`${at}: the help of ${fn.name} documents .PARAMETER ${p}, which it does not have`);
    }
  }
  return { name: fn.name, problems };
}

// ---------------------------------------------------------------------------------------------
// Manifest

export type PsdValue = string | number | boolean | null | PsdValue[] | { [key: string]: PsdValue };

function unquote(literal: Node): string {
  const t = literal.text;
  if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  if (t.startsWith('"')) return t.slice(1, -1);
  if (t.startsWith('@')) return t.replace(/^@['"]\r?\n/, '').replace(/\r?\n['"]@$/, '');
  return t;
}

/** The data in a .psd1-style expression: strings, numbers, booleans, arrays, hashtables. */
export function psdValue(node: Node): PsdValue {
  switch (node.type) {
    case 'string_literal':
      return unquote(node);
    case 'integer_literal':
    case 'real_literal':
      return Number(node.text);
    case 'variable':
      if (/^\$true$/i.test(node.text)) return true;
      if (/^\$false$/i.test(node.text)) return false;
      if (/^\$null$/i.test(node.text)) return null;
      throw new Error(`variable ${node.text} in a data file`);
    case 'hash_literal_expression': {
      const obj: { [key: string]: PsdValue } = {};
      const body = node.children.find((c) => c.type === 'hash_literal_body');
      for (const entry of body?.namedChildren.filter((c) => c.type === 'hash_entry') ?? []) {
        const keyNode = entry.children.find((c) => c.type === 'key_expression')!;
        const keyLiteral = keyNode.descendantsOfType('string_literal')[0];
        const key = keyLiteral ? unquote(keyLiteral) : keyNode.text;
        const valueNode = entry.namedChildren.find((c) => c.type !== 'key_expression' && c.type !== 'comment');
        obj[key] = valueNode ? psdValue(valueNode) : null;
      }
      return obj;
    }
    case 'array_expression': {
      const values: PsdValue[] = [];
      const collect = (n: Node): void => {
        for (const c of n.namedChildren) {
          if (['string_literal', 'integer_literal', 'real_literal', 'variable', 'hash_literal_expression', 'array_expression'].includes(c.type)) {
            values.push(psdValue(c));
          } else if (c.type !== 'comment') {
            collect(c);
          }
        }
      };
      collect(node);
      return values;
    }
    default: {
      // Wrapper nodes (pipeline, logical_expression ...) around one value; `'a', 'b'` without @().
      const inner = node.namedChildren.filter((c) => c.type !== 'comment');
      if (node.type === 'array_literal_expression' && inner.length > 1) return inner.map(psdValue);
      if (inner.length === 1) return psdValue(inner[0]!);
      throw new Error(`unexpected ${node.type} in a data file: ${node.text.slice(0, 60)}`);
    }
  }
}

export function readManifest(tree: Parser.Tree): { [key: string]: PsdValue } {
  const hash = descendants(tree.rootNode, 'hash_literal_expression')[0];
  if (!hash) throw new Error('the manifest holds no hashtable');
  return psdValue(hash) as { [key: string]: PsdValue };
}

function asList(v: PsdValue | undefined): string[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return null;
}

/** A module manifest that loads on 5.1 and 7, exports explicitly and points at files that exist. */
export function manifestProblems(file: string, manifest: { [key: string]: PsdValue }, publicFunctions: string[], packageVersion: string): string[] {
  const problems: string[] = [];
  const dir = dirname(file);
  const str = (k: string): string | undefined => (typeof manifest[k] === 'string' ? (manifest[k] as string) : undefined);

  const root = str('RootModule');
  if (!root) problems.push(`${file}: RootModule is missing`);
  else if (!existsSync(join(dir, root))) problems.push(`${file}: RootModule ${root} does not exist`);
  if (str('ModuleVersion') !== packageVersion) problems.push(`${file}: ModuleVersion ${str('ModuleVersion')} differs from package.json's ${packageVersion}`);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(str('GUID') ?? '')) problems.push(`${file}: GUID is missing or malformed`);
  if (str('PowerShellVersion') !== '5.1') problems.push(`${file}: PowerShellVersion must be '5.1'`);
  const editions = asList(manifest['CompatiblePSEditions']);
  if (!editions || [...editions].sort().join(',') !== 'Core,Desktop') problems.push(`${file}: CompatiblePSEditions must be exactly Desktop and Core`);
  if (!str('Description')) problems.push(`${file}: Description is missing`);
  if (!str('Author')) problems.push(`${file}: Author is missing`);

  for (const key of ['FunctionsToExport', 'CmdletsToExport', 'VariablesToExport', 'AliasesToExport']) {
    const list = asList(manifest[key] ?? undefined);
    if (list === null) {
      problems.push(`${file}: ${key} must be an explicit array (@() when empty)`);
      continue;
    }
    for (const name of list) if (/[*?]/.test(name)) problems.push(`${file}: ${key} has a wildcard '${name}': list names explicitly`);
  }
  const exported = asList(manifest['FunctionsToExport']) ?? [];
  const want = [...publicFunctions].sort();
  const have = [...exported].sort();
  for (const n of want) if (!have.includes(n)) problems.push(`${file}: FunctionsToExport lacks ${n} (defined in Public/${n}.ps1)`);
  for (const n of have) if (!want.includes(n)) problems.push(`${file}: FunctionsToExport lists ${n}, which no Public/*.ps1 defines`);
  if (new Set(have).size !== have.length) problems.push(`${file}: FunctionsToExport lists a name twice`);
  if ((asList(manifest['CmdletsToExport']) ?? []).length > 0) problems.push(`${file}: a script module has no cmdlets to export`);

  for (const key of ['FormatsToProcess', 'TypesToProcess', 'ScriptsToProcess', 'NestedModules', 'RequiredAssemblies', 'FileList']) {
    if (manifest[key] === undefined) continue;
    const list = asList(manifest[key]);
    if (list === null) {
      problems.push(`${file}: ${key} must be a list of file names`);
      continue;
    }
    for (const f of list) if (!existsSync(join(dir, f))) problems.push(`${file}: ${key} names ${f}, which does not exist`);
  }
  if (!asList(manifest['FormatsToProcess'])?.length) problems.push(`${file}: FormatsToProcess is missing`);

  const privateData = manifest['PrivateData'];
  const psData = privateData && typeof privateData === 'object' && !Array.isArray(privateData) ? privateData['PSData'] : undefined;
  const tags = psData && typeof psData === 'object' && !Array.isArray(psData) ? asList(psData['Tags']) : null;
  for (const tag of ['PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux']) {
    if (!tags?.includes(tag)) problems.push(`${file}: PrivateData.PSData.Tags lacks ${tag}`);
  }
  for (const t of tags ?? []) if (/\s/.test(t)) problems.push(`${file}: tag '${t}' has a space (the gallery refuses it)`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Calls: every command called exists in Windows PowerShell 5.1 (the hosted 7.6 engine of
// module.test.ts proves only that it exists in 7.6, and only for the paths the tests take).

/**
 * Commands of Windows PowerShell 5.1's own modules (Microsoft.PowerShell.Core, .Utility,
 * .Management, .Security, .Host) that the module may call. A command outside this list and not
 * defined by the module is most likely a typo, or something 5.1 lacks: add it here knowingly.
 */
export const BUILTIN_COMMANDS_51 = new Set(
  [
    'Add-Content', 'Add-Member', 'Add-Type', 'Clear-Variable', 'Compare-Object', 'ConvertFrom-Csv', 'ConvertFrom-Json',
    'ConvertFrom-StringData', 'ConvertTo-Csv', 'ConvertTo-Json', 'ConvertTo-Xml', 'Copy-Item', 'Export-Clixml', 'Export-Csv',
    'Export-ModuleMember', 'ForEach-Object', 'Format-List', 'Format-Table', 'Get-ChildItem', 'Get-Command', 'Get-Content',
    'Get-Date', 'Get-EventSubscriber', 'Get-FileHash', 'Get-Item', 'Get-ItemProperty', 'Get-Job', 'Get-Location',
    'Get-Member', 'Get-Module', 'Get-Process', 'Get-PSDrive', 'Get-Random', 'Get-Variable', 'Group-Object',
    'Import-Clixml', 'Import-Csv', 'Import-Module', 'Import-PowerShellDataFile', 'Invoke-Command', 'Join-Path',
    'Measure-Object', 'Move-Item', 'New-Item', 'New-Object', 'New-TemporaryFile', 'New-Variable', 'Out-File', 'Out-Null',
    'Out-String', 'Pop-Location', 'Push-Location', 'Read-Host', 'Register-EngineEvent', 'Register-ObjectEvent',
    'Remove-Item', 'Remove-Job', 'Remove-Module', 'Remove-Variable', 'Rename-Item', 'Resolve-Path', 'Select-Object',
    'Select-String', 'Set-Content', 'Set-Item', 'Set-ItemProperty', 'Set-Location', 'Set-StrictMode', 'Set-Variable',
    'Sort-Object', 'Split-Path', 'Start-Process', 'Start-Sleep', 'Stop-Process', 'Tee-Object', 'Test-Path',
    'Unregister-Event', 'Update-TypeData', 'Wait-Process', 'Where-Object', 'Write-Debug', 'Write-Error', 'Write-Host',
    'Write-Information', 'Write-Output', 'Write-Progress', 'Write-Verbose', 'Write-Warning',
  ].map((c) => c.toLowerCase()),
);

const COMMON_PARAMETERS = ['Verbose', 'Debug', 'ErrorAction', 'WarningAction', 'InformationAction', 'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable'];

/**
 * Across all the module's files: every command called is a module function or a 5.1 built-in,
 * and every named parameter passed to a module function is one it declares (or a common one).
 */
export function callProblems(files: { file: string; tree: Parser.Tree }[]): string[] {
  const problems: string[] = [];
  const defined = new Map<string, FunctionInfo>();
  for (const { tree } of files) for (const fn of functionsIn(tree)) defined.set(fn.name.toLowerCase(), fn);
  for (const { file, tree } of files) {
    for (const command of descendants(tree.rootNode, 'command')) {
      if (insideLiteralOrComment(command)) continue;
      const nameNode = command.children.find((c) => c.type === 'command_name');
      if (!nameNode || !/^[A-Za-z]+-[A-Za-z0-9]+$/.test(nameNode.text)) continue; // & $x, . $file, paths, aliases
      const name = nameNode.text.toLowerCase();
      const fn = defined.get(name);
      if (!fn) {
        if (!BUILTIN_COMMANDS_51.has(name)) problems.push(`${where(file, command)}: ${nameNode.text} is neither a module function nor a known Windows PowerShell 5.1 command`);
        continue;
      }
      const binding = hasAttribute(fn, 'CmdletBinding');
      const accepted = [...fn.parameters, ...(binding ? COMMON_PARAMETERS : [])];
      if (binding && isTrueArgument(binding.args.find((a) => a.name?.toLowerCase() === 'supportsshouldprocess'))) accepted.push('WhatIf', 'Confirm');
      for (const p of commandParameters(command)) {
        const matches = accepted.filter((a) => a.toLowerCase().startsWith(p.name));
        const exact = accepted.some((a) => a.toLowerCase() === p.name);
        if (!exact && matches.length !== 1) {
          problems.push(`${where(file, p.node)}: ${fn.name} has no parameter -${p.name}${matches.length > 1 ? ' (ambiguous)' : ''}`);
        }
      }
    }
  }
  return problems;
}

/** Public members of the C# transport class, to check what the PowerShell code calls on it. */
export function publicMembersOfCSharp(source: string): Set<string> {
  const members = new Set<string>();
  for (const m of source.matchAll(/public\s+(?:static\s+|override\s+|sealed\s+|readonly\s+|const\s+)*[\w<>[\]?,.]+\s+(\w+)\s*(?:\(|\{|=|;)/g)) {
    if (!/\b(class|struct|interface|enum)\b/.test(m[0])) members.add(m[1]!);
  }
  return members;
}

/** `$client.X` and `.Client.X` in the PowerShell code name members the C# class has. */
export function transportMemberProblems(files: { file: string; source: string }[], members: Set<string>): string[] {
  const problems: string[] = [];
  for (const { file, source } of files) {
    const lines = source.split('\n');
    lines.forEach((line, i) => {
      if (/^\s*#/.test(line)) return;
      for (const m of line.matchAll(/(?:\$client|\.Client)\.(\w+)/gi)) {
        if (!members.has(m[1]!)) problems.push(`${file}:${i + 1}: the transport has no public member ${m[1]}`);
      }
    });
  }
  return problems;
}
