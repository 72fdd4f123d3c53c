// `wclayer hive …`: read, export and merge registry hive files.

import type { Argv, CommandModule } from 'yargs';
import type { KeyJson, ValueJson } from '../../formats/regf/query.js';

// Libraries load when a command runs, not when `wclayer` starts (serve's cold start).
const hiveLib = () => import('../../hive/operations.js');

type LogsMode = 'auto' | 'none';

function printJson(v: unknown): void {
  console.log(JSON.stringify(v, null, 2));
}

function valueText(v: ValueJson): string {
  const data = v.data ?? '';
  if (v.value === undefined) return `${data.length > 64 ? data.slice(0, 64) + '…' : data} (base64, ${v.size} bytes)`;
  return Array.isArray(v.value) ? v.value.map((s) => JSON.stringify(s)).join(', ') : typeof v.value === 'string' ? JSON.stringify(v.value) : String(v.value);
}

const logsOption = { type: 'string', choices: ['auto', 'none'], default: 'auto', describe: 'Replay .LOG1/.LOG2 beside a dirty hive (auto) or read it as it is (none)' } as const;

const info: CommandModule<object, { hive: string; json: boolean; check: boolean; logs: LogsMode }> = {
  command: 'info <hive>',
  describe: 'Show a hive file\'s header: version, sequence numbers, dirty state, log replay',
  builder: (y: Argv) =>
    y
      .positional('hive', { type: 'string', demandOption: true, describe: 'Hive file' })
      .option('json', { type: 'boolean', default: false, describe: 'Print as JSON' })
      .option('check', { type: 'boolean', default: false, describe: 'Walk the whole hive and report structural problems' })
      .option('logs', logsOption)
      .example('$0 hive info SYSTEM --check', 'header facts plus a full structural check') as never,
  handler: async (a) => {
    const r = await (await hiveLib()).hiveInfo(a.hive, { check: a.check, logs: a.logs });
    if (a.json) return printJson(r);
    console.log(`${r.path}: regf ${r.version}${r.layered ? ' (layered delta)' : ''}, root '${r.rootName}'`);
    console.log(`  sequence ${r.primarySequence}/${r.secondarySequence}${r.dirty ? ' (dirty)' : ''}, bins ${r.binsSize} bytes, flags 0x${r.flags.toString(16)}, written ${r.lastWritten ?? 'unknown'}`);
    if (r.logFiles.length) console.log(`  logs ${r.logFiles.join(', ')}: ${r.logEntriesApplied} entries / ${r.logPagesApplied} pages replayed`);
    if (r.problems) {
      console.log(`  ${r.keys} keys, ${r.values} values, ${r.securityRecords} security records`);
      console.log(r.problems.length ? r.problems.map((p) => `  problem: ${p}`).join('\n') : '  no structural problems');
      if (r.problems.length) process.exitCode = 1;
    }
  },
};

const ls: CommandModule<object, { hive: string; key: string; recursive: boolean; json: boolean; logs: LogsMode }> = {
  command: 'ls <hive> [key]',
  describe: 'List the subkeys of a key (names are case-insensitive, separated by \\)',
  builder: (y: Argv) =>
    y
      .positional('hive', { type: 'string', demandOption: true, describe: 'Hive file' })
      .positional('key', { type: 'string', default: '', describe: 'Key path from the root' })
      .option('recursive', { alias: 'r', type: 'boolean', default: false, describe: 'Every key below, as full paths' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line' })
      .option('logs', logsOption)
      .example('$0 hive ls SYSTEM ControlSet001\\\\Services', 'the services of a SYSTEM hive') as never,
  handler: async (a) => {
    await (await hiveLib()).listKeys(a.hive, { key: a.key, recursive: a.recursive, logs: a.logs }, (k: KeyJson) => {
      console.log(a.json ? JSON.stringify(k) : a.recursive ? k.path : k.name);
    });
  },
};

const get: CommandModule<object, { hive: string; key: string; name?: string; json: boolean; logs: LogsMode }> = {
  command: 'get <hive> <key> [name]',
  describe: "Show a key's values, or one value ('' = the default value)",
  builder: (y: Argv) =>
    y
      .positional('hive', { type: 'string', demandOption: true, describe: 'Hive file' })
      .positional('key', { type: 'string', demandOption: true, describe: 'Key path from the root (\'\' = root)' })
      .positional('name', { type: 'string', describe: 'Value name' })
      .option('json', { type: 'boolean', default: false, describe: 'Print as JSON' })
      .option('logs', logsOption)
      .example("$0 hive get SOFTWARE 'Microsoft\\Windows NT\\CurrentVersion' CurrentBuild", 'one value')
      .example("$0 hive get SOFTWARE 'Microsoft\\Windows NT\\CurrentVersion'", 'every value of the key') as never,
  handler: async (a) => {
    if (a.name !== undefined) {
      const v = await (await hiveLib()).getValue(a.hive, a.key, a.name, { logs: a.logs });
      if (a.json) return printJson(v);
      console.log(`${v.type} ${valueText(v)}`);
      return;
    }
    const k = await (await hiveLib()).getKey(a.hive, a.key, { logs: a.logs });
    if (a.json) return printJson(k);
    for (const v of k.values) console.log(`${v.name === '' ? '(default)' : v.name}\t${v.type}\t${valueText(v)}`);
  },
};

interface ExportArgs {
  hive: string;
  output: string;
  format: 'json' | 'reg';
  key: string;
  prefix?: string;
  encoding: 'utf16le' | 'utf8';
  force: boolean;
  logs: LogsMode;
}

const EXPORT_CHOICES: Record<string, readonly string[] | undefined> = {
  format: ['json', 'reg'],
  encoding: ['utf16le', 'utf8'],
  logs: ['auto', 'none'],
  key: undefined,
  prefix: undefined,
};

/**
 * `hive export <hive> <output>` with only plain options (--format, --key, --prefix, --encoding,
 * --logs as `--x v` or `--x=v`, and --force): parsed here, so the export skips loading yargs and
 * the other command groups. Anything else (help, aliases, bad choices) returns undefined and goes
 * through yargs, which explains it.
 */
export function plainHiveExportArgs(argv: readonly string[]): ExportArgs | undefined {
  if (argv[0] !== 'hive' || argv[1] !== 'export') return undefined;
  const args: ExportArgs = { hive: '', output: '', format: 'json', key: '', encoding: 'utf16le', force: false, logs: 'auto' };
  const seen = new Set<string>();
  const files: string[] = [];
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--force') {
      if (seen.has('force')) return undefined;
      seen.add('force');
      args.force = true;
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (!(name in EXPORT_CHOICES) || seen.has(name)) return undefined;
      const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
      const choices = EXPORT_CHOICES[name];
      if (value === undefined || (choices ? !choices.includes(value) : value.startsWith('-'))) return undefined;
      seen.add(name);
      (args as unknown as Record<string, string>)[name] = value;
      continue;
    }
    if (a === '' || (a.startsWith('-') && a !== '-')) return undefined;
    files.push(a);
  }
  if (files.length !== 2) return undefined;
  [args.hive, args.output] = files as [string, string];
  return args;
}

/** Runs the export; output `-` writes to stdout. Ctrl+C cancels it (the staged file is removed). */
export async function runHiveExport(a: ExportArgs): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const options = {
    format: a.format,
    key: a.key,
    encoding: a.encoding,
    ...(a.prefix !== undefined ? { prefix: a.prefix } : {}),
    overwrite: a.force,
    logs: a.logs,
    signal: controller.signal,
  };
  try {
    const lib = await import('../../hive/export-file.js');
    if (a.output === '-') {
      await lib.exportHiveToStream(a.hive, process.stdout, options);
      return;
    }
    const r = await lib.exportHiveFile(a.hive, a.output, options);
    process.stderr.write(`wrote ${r.bytes} bytes to ${r.output}\n`);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const exp: CommandModule<object, ExportArgs> = {
  command: 'export <hive> <output>',
  describe: 'Export a hive (or one key and everything below it) to JSON or .reg',
  builder: (y: Argv) =>
    y
      .positional('hive', { type: 'string', demandOption: true, describe: 'Hive file' })
      .positional('output', { type: 'string', demandOption: true, describe: 'File to write (staged under a temporary name), or - for stdout' })
      .option('format', { type: 'string', choices: ['json', 'reg'], default: 'json', describe: 'Output format' })
      .option('key', { type: 'string', default: '', describe: 'Export only this key and below' })
      .option('prefix', { type: 'string', describe: '.reg: root name in the file (default HKEY_LOCAL_MACHINE\\HIVE)' })
      .option('encoding', { type: 'string', choices: ['utf16le', 'utf8'], default: 'utf16le', describe: '.reg: text encoding (regedit writes UTF-16LE)' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing output file' })
      .option('logs', logsOption)
      .example('$0 hive export SYSTEM system.json', 'every key and value as JSON')
      .example('$0 hive export SOFTWARE sw.reg --format reg --prefix HKEY_LOCAL_MACHINE\\\\SOFTWARE', 'regedit-style .reg') as never,
  handler: (a) => runHiveExport(a),
};

const merge: CommandModule<object, { base: string; deltas: string[]; output: string; force: boolean; 'minor-version': number }> = {
  command: 'merge <base> <deltas..>',
  describe: 'Merge a base hive with delta hives (applied in order; later wins) into a new plain hive',
  builder: (y: Argv) =>
    y
      .positional('base', { type: 'string', demandOption: true, describe: 'Base hive (e.g. the parent layer\'s Hives/SYSTEM_BASE)' })
      .positional('deltas', { type: 'string', array: true, demandOption: true, describe: 'Delta hives (Hives/SYSTEM_DELTA …)' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'Merged hive to write' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing output file' })
      .option('minor-version', { type: 'number', choices: [5, 6], default: 5, describe: 'Output format 1.5 (plain) or 1.6' })
      .example('$0 hive merge parent/Hives/SYSTEM_BASE layer/Hives/SYSTEM_DELTA -o layer/Hives/SYSTEM_BASE', 'the layer writer\'s hive rollup') as never,
  handler: async (a) => {
    const r = await (await hiveLib()).mergeHiveFiles(a.base, a.deltas, a.output, { overwrite: a.force, minorVersion: a['minor-version'] as 5 | 6 });
    process.stderr.write(`wrote ${r.bytes} bytes to ${r.output}\n`);
  },
};

const os: CommandModule<object, { path: string; layer: boolean; 'utility-vm': boolean; json: boolean }> = {
  command: 'os-version <path>',
  describe: 'OS version (CurrentBuild, UBR, ProductName …) from a SOFTWARE hive or a layer folder',
  builder: (y: Argv) =>
    y
      .positional('path', { type: 'string', demandOption: true, describe: 'SOFTWARE hive, or a layer folder with --layer' })
      .option('layer', { type: 'boolean', default: false, describe: 'path is a layer folder: find Files/Windows/System32/config/SOFTWARE itself' })
      .option('utility-vm', { type: 'boolean', default: false, describe: 'With --layer: prefer the utility VM\'s SOFTWARE hive' })
      .option('json', { type: 'boolean', default: false, describe: 'Print as JSON' })
      .example('$0 hive os-version --layer ./layers/servercore', 'the build of a base layer') as never,
  handler: async (a) => {
    const r = await (await hiveLib()).osVersion(a.layer ? { layerPath: a.path, utilityVm: a['utility-vm'] } : { hivePath: a.path });
    if (a.json) return printJson(r);
    console.log(`${r.productName ?? 'Windows'} ${r.displayVersion ?? r.releaseId ?? ''} ${r.version}`.replace(/\s+/g, ' ').trim());
  },
};

export const hiveCommand: CommandModule = {
  command: 'hive <command>',
  describe: 'Registry hives: info, list, get, export, merge, OS version',
  builder: (y: Argv) =>
    y
      .command(info as never)
      .command(ls as never)
      .command(get as never)
      .command(exp as never)
      .command(merge as never)
      .command(os as never)
      .demandCommand(1, 'Name a hive command.'),
  handler: () => undefined,
};
