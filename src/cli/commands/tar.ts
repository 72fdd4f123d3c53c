// `wclayer tar ...`: commands over layer tars. `tar ls` lists entries with their Windows metadata.

import type { Argv, CommandModule } from 'yargs';
import type { ListingItem } from '../../formats/tar/listing.js';

// Libraries load when a command runs, not when `wclayer` starts (serve's cold start).
const tarLib = async () => ({ ...(await import('../../layer/tar-list.js')), ...(await import('../../formats/tar/listing.js')) });

interface LsArgs {
  file: string;
  json: boolean;
  digests: boolean;
}

const KIND_LETTER: Record<ListingItem['kind'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  junction: 'j',
  reparsePoint: 'r',
  link: 'h',
  whiteout: 'w',
};

/** The table's write time: `2020-01-01 00:00:00`; the last one is remembered (neighbouring entries share theirs). */
let lastIso: string | undefined = '';
let lastWhen = ''.padEnd(19);
function whenOf(iso: string | undefined): string {
  if (iso !== lastIso) {
    lastIso = iso;
    lastWhen = (iso ? iso.slice(0, 19).replace('T', ' ') : '').padEnd(19);
  }
  return lastWhen;
}

function tableRow(item: ListingItem, attributeLetters: (attributes: number) => string): string {
  const when = whenOf(item.lastWriteTime);
  let name = item.name;
  if (item.kind === 'link') name += ` link to ${item.linkTarget}`;
  else if (item.linkTarget !== undefined) name += ` -> ${item.linkTarget}`;
  if (item.streams.length) name += ` [streams: ${item.streams.map((s) => `${s.name} (${s.size})`).join(', ')}]`;
  return `${KIND_LETTER[item.kind]} ${attributeLetters(item.attributes)} ${String(item.size).padStart(13)} ${when} ${name}`;
}

const lsCommand: CommandModule<object, LsArgs> = {
  command: 'ls <file>',
  describe: 'List the entries of a layer tar (.tar, .tar.gz or .tar.zst; compression is detected)',
  builder: (y: Argv) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'The layer tar, or - for stdin' })
      .option('json', { type: 'boolean', default: false, describe: 'One JSON object per entry per line (attributes, times, streams, link targets)' })
      .option('digests', { type: 'boolean', default: false, describe: 'Also compute and print the sha256 of the input and of the tar (diffID); to stderr with --json. This reads every byte: without it a plain .tar file is listed from its headers alone' })
      .example('$0 tar ls layer.tar.gz', 'kind, attributes, size, write time and name of every entry')
      .example('$0 tar ls --json layer.tar | jq .name', 'machine-readable listing')
      .example('cat layer.tar.zst | $0 tar ls -', 'list from stdin')
      .epilogue('Kinds: - file, d directory, l symlink, j junction, r other reparse point, h hard link, w whiteout.\nAttributes: d directory, a archive, r read-only, h hidden, s system, l reparse point, p sparse, c compressed.') as Argv<LsArgs>,
  handler: (args) => runTarLs({ ...args, file: args.file === '' ? '-' : args.file }), // yargs parses a lone '-' as ''
};

/**
 * `tar ls <file> [--json] [--digests]` written exactly so, recognised without yargs (main.ts
 * takes this path: listing speed is start-up bound for small layers). Anything else, --help
 * included, returns undefined and goes through yargs.
 */
export function plainTarLsArgs(argv: readonly string[]): LsArgs | undefined {
  if (argv[0] !== 'tar' || argv[1] !== 'ls') return undefined;
  const args: LsArgs = { file: '', json: false, digests: false };
  let file: string | undefined;
  for (const a of argv.slice(2)) {
    if (a === '--json' && !args.json) args.json = true;
    else if (a === '--digests' && !args.digests) args.digests = true;
    else if (file === undefined && a !== '' && (a === '-' || !a.startsWith('-'))) file = a;
    else return undefined;
  }
  if (file === undefined) return undefined;
  args.file = file;
  return args;
}

export async function runTarLs(args: LsArgs): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  let buffered: string[] = [];
  const flush = async () => {
    if (!buffered.length) return;
    const text = buffered.join('');
    buffered = [];
    if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once('drain', r));
  };
  const file = args.file;
  try {
    const { listLayerTarFile, attributeLetters } = await tarLib();
    const result = await listLayerTarFile(
      file,
      (item) => {
        buffered.push(`${args.json ? JSON.stringify(item) : tableRow(item, attributeLetters)}\n`);
        if (buffered.length >= 512) return flush(); // a promise only when there is output to wait for
      },
      // the table shows no descriptors: skip rendering them as SDDL
      { signal: controller.signal, digests: args.digests, ...(args.json ? {} : { renderSddl: undefined }) },
    );
    await flush();
    if (args.digests) {
      const text = `compression: ${result.compression}\ndigest: ${result.compressedDigest}\ndiffID: ${result.diffId}\nentries: ${result.entries}\n`;
      if (args.json) process.stderr.write(text);
      else process.stdout.write(text);
    }
  } finally {
    await flush(); // what was listed before an error is still shown
    process.off('SIGINT', onSigint);
  }
}

interface TarArgs {}

export const tarCommand: CommandModule<object, TarArgs> = {
  command: 'tar <command>',
  describe: 'Windows layer tars: list entries with their Windows metadata',
  builder: (y: Argv) => y.command(lsCommand as never).demandCommand(1, 'Name a tar command.') as Argv<TarArgs>,
  handler: () => {},
};
