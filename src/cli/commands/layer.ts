// `wclayer import|export|remove|makebaselayer|create|mount|unmount` shaped like hcsshim's
// cmd/wclayer, plus `info`, `verify`, `convert` and `sample`. The portable ones work on any OS;
// create, mount, unmount and makebaselayer need Windows and say so (Unsupported, exit code 1).

import type { Argv, CommandModule } from 'yargs';
import { WcError, invalidArgument } from '../../errors.js';
import type { Compression } from '../../formats/tar/index.js';
import { parseSize, progressLine } from '../progress-line.js';

// The layer libraries load when a command runs, not when the CLI starts (the backend's
// `serve --stdio` shares this entry point and its handshake should not pay for them).
const exportLib = () => import('../../layer/export.js');
const hostLib = () => import('../../layer/host.js');
const importLib = () => import('../../layer/import.js');
const sampleLib = () => import('../../layer/sample-tar.js');

interface LayerArgs {
  path: string;
  layer: string[];
  input?: string;
  output?: string;
  cim?: boolean;
  gzip?: boolean;
  zstd?: boolean;
  level?: number;
  force?: boolean;
  json?: boolean;
  'expected-diff-id'?: string;
  'blob-digest'?: boolean;
  tar?: string;
  'diff-id'?: string;
  destination?: string;
  'destination-layer'?: string[];
  kind?: 'base' | 'child';
  seed?: string;
  files?: number;
  size?: string;
  target?: string;
  mounted?: string;
  'prepare-only'?: boolean;
}

const layerPos = (y: Argv, describe = 'The layer folder'): Argv => y.positional('path', { type: 'string', demandOption: true, describe });
const parentsOpt = (y: Argv, describe = 'A parent layer folder, nearest parent first (repeat for each)'): Argv =>
  // Not `array: true`: that would swallow the positional after the last -l. Repeats still collect.
  y.option('layer', { alias: 'l', type: 'string', default: [] as string[], describe }).coerce('layer', list);

const list = (v: unknown): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String));

/** '-' or '' (yargs turns a lone '-' into '') means the standard stream. */
const isStd = (s: string | undefined): boolean => s === undefined || s === '' || s === '-';

function cancelOnSigint(): { signal: AbortSignal; dispose(): void } {
  const c = new AbortController();
  const on = () => c.abort();
  process.once('SIGINT', on);
  return { signal: c.signal, dispose: () => process.off('SIGINT', on) };
}

async function run<T>(label: string, body: (signal: AbortSignal, onProgress: ReturnType<typeof progressLine>['report']) => Promise<T>): Promise<T> {
  const c = cancelOnSigint();
  const line = progressLine(label);
  try {
    return await body(c.signal, line.report);
  } finally {
    line.done();
    c.dispose();
  }
}

function compressionOf(a: LayerArgs, fromName?: string): Compression {
  if (a.gzip && a.zstd) throw invalidArgument('choose one of --gzip and --zstd', { parameter: 'gzip' });
  if (a.gzip) return 'gzip';
  if (a.zstd) return 'zstd';
  if (fromName && /\.(t?gz|tgz)$/i.test(fromName)) return 'gzip';
  if (fromName && /\.(zst|tzst)$/i.test(fromName)) return 'zstd';
  return 'none';
}

function refuseTerminal(): void {
  if (process.stdout.isTTY) throw invalidArgument('refusing to write a tar to a terminal: pass -o <file> or redirect stdout', { parameter: 'output' });
}

function print(a: LayerArgs, v: Record<string, unknown>, to: NodeJS.WriteStream = process.stdout): void {
  if (a.json) to.write(`${JSON.stringify(v, null, 2)}\n`);
  else to.write(Object.entries(v).map(([k, x]) => `${k.padEnd(17)} ${Array.isArray(x) ? x.join(', ') || '(none)' : typeof x === 'object' && x ? JSON.stringify(x) : String(x)}`).join('\n') + '\n');
}

const json = (y: Argv): Argv => y.option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' });

const importCommand: CommandModule<object, LayerArgs> = {
  command: 'import <path>',
  describe: 'Import a layer tar (.tar, .tar.gz, .tar.zst; detected) into a new layer folder',
  builder: (y: Argv) =>
    json(parentsOpt(layerPos(y, 'The new layer folder (must not exist)')))
      .option('input', { alias: 'i', type: 'string', describe: 'The layer tar (default: stdin)' })
      .option('cim', { type: 'boolean', default: false, describe: 'Write a CIM layer instead of a legacy layer' })
      .option('expected-diff-id', { type: 'string', describe: 'Keep the layer only if the tar\'s diffID is this sha256:<hex>' })
      .option('blob-digest', { type: 'boolean', default: false, describe: 'Also print the blob digest (sha256 of the input as given; one more hash pass)' })
      .example('$0 import -i base.tar.gz layers/base', 'a base layer from a file')
      .example('$0 import -l layers/base -i app.tar.zst layers/app', 'a child layer over layers/base')
      .example('curl -sL $URL | $0 import -l layers/base layers/app', 'from stdin')
      .example('$0 import --cim -i base.tar.gz layers/base-cim', 'as a CIM layer')
      .epilogue('The layer is staged beside <path> and appears only when the whole tar was read and its diffID checked; a failure or Ctrl+C leaves nothing. Prints the diffID (and with --blob-digest the blob digest).') as Argv<LayerArgs>,
  handler: async (a) => {
    const input = isStd(a.input) ? process.stdin : a.input!;
    const r = await run(`importing ${a.path}`, async (signal, onProgress) =>
      (await importLib()).importLayer({ input, layerPath: a.path, parents: a.layer, format: a.cim ? 'cim' : 'legacy', expectedDiffId: a['expected-diff-id'], blobDigest: a['blob-digest'], signal, onProgress }),
    );
    print(a, { ...r });
  },
};

const exportCommand: CommandModule<object, LayerArgs> = {
  command: 'export <path>',
  describe: 'Export a layer folder (legacy or CIM) to a layer tar, optionally gzip or zstd',
  builder: (y: Argv) =>
    json(parentsOpt(layerPos(y), 'A parent layer folder (default: from layerchain.json)'))
      .option('output', { alias: 'o', type: 'string', describe: 'The tar file to write (default: stdout); compression follows a .gz/.zst name unless given' })
      .option('gzip', { alias: 'z', type: 'boolean', default: false, describe: 'gzip the tar' })
      .option('zstd', { type: 'boolean', default: false, describe: 'zstd the tar' })
      .option('level', { type: 'number', describe: 'Compression level (gzip 1-9, zstd 1-19)' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Replace an existing output file' })
      .example('$0 export -o app.tar.gz layers/app', 'to a gzip file (staged, renamed when complete)')
      .example('$0 export -l layers/base layers/app | tar -tv', 'to stdout')
      .example('$0 export --zstd layers/app > app.tar.zst', 'zstd to stdout')
      .epilogue('The diffID and digest go to stdout with -o, else to stderr.') as Argv<LayerArgs>,
  handler: async (a) => {
    const toStdout = isStd(a.output);
    if (toStdout) refuseTerminal();
    const compression = compressionOf(a, toStdout ? undefined : a.output);
    const r = await run(`exporting ${a.path}`, async (signal, onProgress) =>
      (await exportLib()).exportLayer({ layerPath: a.path, parents: a.layer, output: toStdout ? process.stdout : a.output!, compression, level: a.level, overwrite: a.force, signal, onProgress }),
    );
    print(a, { ...r }, toStdout ? process.stderr : process.stdout);
  },
};

const infoCommand: CommandModule<object, LayerArgs> = {
  command: 'info <path>',
  describe: 'Show a layer folder\'s format, kind, parents, size, OS version and image files',
  builder: (y: Argv) => json(layerPos(y)).example('$0 info layers/app', 'describe a layer') as Argv<LayerArgs>,
  handler: async (a) => print(a, { ...(await (await exportLib()).describeLayer(a.path)) }),
};

const verifyCommand: CommandModule<object, LayerArgs> = {
  command: 'verify <path>',
  describe: 'Check that a layer exports to the same diffID as a tar, or as a given diffID (exit 1 when not)',
  builder: (y: Argv) =>
    json(parentsOpt(layerPos(y), 'A parent layer folder (default: from layerchain.json)'))
      .option('tar', { type: 'string', describe: 'The layer tar to compare with (any compression)' })
      .option('diff-id', { type: 'string', describe: 'The diffID to compare with' })
      .example('$0 verify --tar app.tar.gz layers/app', 'same content as the tar?') as Argv<LayerArgs>,
  handler: async (a) => {
    const r = await run(`verifying ${a.path}`, async (signal, onProgress) => (await exportLib()).verifyLayer({ layerPath: a.path, parents: a.layer, tarPath: a.tar, diffId: a['diff-id'], signal, onProgress }));
    print(a, { ...r });
    if (!r.match) process.exitCode = 1;
  },
};

const convertCommand: CommandModule<object, LayerArgs> = {
  command: 'convert <path> <destination>',
  describe: 'Copy a layer into a new layer of another format (default: legacy → CIM), entry for entry',
  builder: (y: Argv) =>
    json(parentsOpt(layerPos(y, 'The source layer folder'), 'A parent of the source layer (default: from layerchain.json)'))
      .positional('destination', { type: 'string', demandOption: true, describe: 'The new layer folder' })
      .option('destination-layer', { alias: 'L', type: 'string', default: [] as string[], describe: 'A parent of the new layer, in the new format (repeat for each)' })
      .coerce('destination-layer', list)
      .option('cim', { type: 'boolean', default: true, describe: 'Write a CIM layer (--no-cim: legacy)' })
      .example('$0 convert layers/base layers/base-cim', 'a legacy base layer as a CIM layer') as Argv<LayerArgs>,
  handler: async (a) => {
    const r = await run(`converting ${a.path}`, async (signal, onProgress) =>
      (await exportLib()).convertLayer({ layerPath: a.path, parents: a.layer, destination: a.destination!, destinationParents: a['destination-layer'], format: a.cim ? 'cim' : 'legacy', signal, onProgress }),
    );
    print(a, { ...r });
  },
};

const removeCommand: CommandModule<object, LayerArgs> = {
  command: 'remove <path>',
  describe: 'Delete a layer folder (renamed aside first, so a half-deleted layer never looks whole); on Windows through vmcompute DestroyLayer, as hcsshim; an hcsshim-placed CIM image goes too',
  builder: (y: Argv) =>
    layerPos(y)
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Delete the folder even if it does not look like a layer' })
      .example('$0 remove layers/app', 'delete a layer') as Argv<LayerArgs>,
  handler: async (a) => {
    await (await exportLib()).removeLayer(a.path, { force: a.force });
  },
};

const makeBaseCommand: CommandModule<object, LayerArgs> = {
  command: 'makebaselayer <path>',
  describe: 'Turn a folder holding Files/ into a base layer: missing config hives created, utility VM checked, then ProcessBaseImage (Windows only unless --prepare-only)',
  builder: (y: Argv) =>
    json(layerPos(y))
      .option('prepare-only', { type: 'boolean', default: false, describe: 'Only create the missing hives and check the utility VM (any OS); no ProcessBaseImage' })
      .example('$0 makebaselayer C:\\layers\\base', 'process a base layer')
      .example('$0 makebaselayer --prepare-only layers/base', 'prepare it on any OS') as Argv<LayerArgs>,
  handler: async (a) => {
    const r = await (await hostLib()).makeBaseLayer(a.path, undefined, { prepareOnly: a['prepare-only'] ?? false });
    if (a.json) print(a, { ...r });
    else process.stdout.write(`${r.layerPath}\n`);
  },
};

const createCommand: CommandModule<object, LayerArgs> = {
  command: 'create <path>',
  describe: 'Create a writable scratch layer over read-only layers (Windows only: CreateSandboxLayer)',
  builder: (y: Argv) => parentsOpt(layerPos(y, 'The new scratch layer folder'), 'A read-only parent layer, nearest first (at least one)').example('$0 create -l C:\\layers\\app -l C:\\layers\\base C:\\scratch\\c1', 'a container scratch layer') as Argv<LayerArgs>,
  handler: async (a) => {
    const r = await (await hostLib()).createScratchLayer(a.path, a.layer);
    process.stdout.write(`${r.layerPath}\n`);
  },
};

const mountCommand: CommandModule<object, LayerArgs> = {
  command: 'mount <path> [target]',
  describe: 'Mount a scratch layer (activate + prepare) or a CIM layer; print its volume path, or mount it at [target] and print that (Windows only)',
  builder: (y: Argv) =>
    parentsOpt(layerPos(y, 'The scratch layer folder, or a CIM layer folder'), 'A read-only parent layer, nearest first (at least one for a scratch layer)')
      .positional('target', { type: 'string', describe: 'An empty folder to mount the volume at (SetVolumeMountPoint)' })
      .example('$0 mount -l C:\\layers\\base C:\\scratch\\c1', 'prints \\\\?\\Volume{…}')
      .example('$0 mount -l C:\\layers\\base C:\\scratch\\c1 C:\\mnt\\c1', 'mounts at C:\\mnt\\c1 and prints it')
      .example('$0 mount C:\\layers\\app-cim', 'a CIM layer (no parents needed)') as Argv<LayerArgs>,
  handler: async (a) => {
    const target = optionalPath(a.target, 'target');
    const r = await (await hostLib()).mountLayer(a.path, a.layer, undefined, target);
    process.stdout.write(`${r.target ?? r.mountPath}\n`);
  },
};

const unmountCommand: CommandModule<object, LayerArgs> = {
  command: 'unmount <path> [mounted]',
  describe: 'Unmount a layer mounted by `mount`: remove the mount point when given, then unprepare and deactivate (or dismount a CIM layer) (Windows only)',
  builder: (y: Argv) =>
    layerPos(y, 'The scratch layer folder, or a CIM layer folder')
      .positional('mounted', { type: 'string', describe: 'The folder the volume was mounted at (DeleteVolumeMountPoint)' })
      .example('$0 unmount C:\\scratch\\c1', 'unmount')
      .example('$0 unmount C:\\scratch\\c1 C:\\mnt\\c1', 'remove the mount point too') as Argv<LayerArgs>,
  handler: async (a) => {
    const mounted = optionalPath(a.mounted, 'mounted');
    const r = await (await hostLib()).unmountLayer(a.path, undefined, mounted);
    for (const w of r.warnings) process.stderr.write(`wclayer: warning: ${w}\n`);
  },
};

/** An optional path argument: absent, or a non-empty string (hcsshim's appargs Optional(String)). */
function optionalPath(v: string | undefined, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw invalidArgument(`the ${name} path must not be empty`, { parameter: name });
  return v;
}

const sampleCommand: CommandModule<object, LayerArgs> = {
  command: 'sample',
  describe: 'Write a generated sample layer tar (deterministic for a seed): for tests, demos and benchmarks',
  builder: (y: Argv) =>
    json(y)
      .option('kind', { choices: ['base', 'child'] as const, default: 'base' as const, describe: 'base: Files/, hives, UtilityVM; child: Hives deltas, whiteouts, streams, links' })
      .option('seed', { type: 'string', default: '1', describe: 'Same seed, same bytes' })
      .option('files', { type: 'number', default: 1000, describe: 'Number of files' })
      .option('size', { type: 'string', default: '50MB', describe: 'Total data size (e.g. 500KB, 50MB, 2GB)' })
      .option('output', { alias: 'o', type: 'string', describe: 'The tar file (default: stdout); .gz/.zst names pick the compression' })
      .option('gzip', { alias: 'z', type: 'boolean', default: false, describe: 'gzip the tar' })
      .option('zstd', { type: 'boolean', default: false, describe: 'zstd the tar' })
      .option('force', { alias: 'f', type: 'boolean', default: false, describe: 'Replace an existing output file' })
      .example('$0 sample -o base.tar.gz', 'a 50 MB base layer, gzip')
      .example('$0 sample --kind child --files 200 --size 5MB --zstd -o child.tar.zst', 'a small child layer')
      .example('$0 sample | $0 import layers/base', 'straight into a layer') as Argv<LayerArgs>,
  handler: async (a) => {
    let totalSize: number;
    try {
      totalSize = parseSize(a.size ?? '50MB');
    } catch (e) {
      throw invalidArgument((e as Error).message, { parameter: 'size' });
    }
    if (!Number.isInteger(a.files) || a.files! < 1) throw invalidArgument(`--files must be a positive integer, got ${a.files}`, { parameter: 'files' });
    const toStdout = isStd(a.output);
    if (toStdout) refuseTerminal();
    const compression = compressionOf(a, toStdout ? undefined : a.output);
    const r = await run('generating the sample layer', async (signal, onProgress) =>
      (await sampleLib()).writeSampleLayerTar({ kind: a.kind, seed: a.seed, fileCount: a.files!, totalSize, output: toStdout ? process.stdout : a.output!, compression, overwrite: a.force, signal, onProgress }),
    ).catch((e: unknown) => {
      if (e instanceof WcError) throw e;
      throw invalidArgument((e as Error).message);
    });
    print(a, { ...r }, toStdout ? process.stderr : process.stdout);
  },
};

/** All layer commands, top-level like hcsshim's wclayer (one entry in main.ts's list). */
export const layerCommands = [importCommand, exportCommand, infoCommand, verifyCommand, convertCommand, removeCommand, makeBaseCommand, createCommand, mountCommand, unmountCommand, sampleCommand];
