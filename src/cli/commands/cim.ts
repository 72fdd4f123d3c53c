// `wclayer cim …`: look inside CimFS images from the command line.

import type { Argv, CommandModule } from 'yargs';
import type { CimItem } from '../../cim/inspect.js';
import type { CimImage } from '../../formats/cim/reader.js';
import { loadCimLibrary, type CimLibrary } from '../../cim/lazy.js';

async function withImage<T>(path: string, body: (img: CimImage, lib: CimLibrary) => Promise<T>): Promise<T> {
  const lib = await loadCimLibrary();
  const img = await lib.openCimImage(path, { warn: (m) => process.stderr.write(`wclayer: warning: ${m}\n`) });
  try {
    return await body(img, lib);
  } finally {
    await img.close();
  }
}

function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

function itemLine(i: CimItem): string {
  const mode = i.isDirectory ? 'd' : i.reparseData ? 'l' : '-';
  const flags = `${i.attributes & 0x20 ? 'a' : '-'}${i.attributes & 0x1 ? 'r' : '-'}${i.attributes & 0x2 ? 'h' : '-'}${i.attributes & 0x4 ? 's' : '-'}`;
  const when = (i.lastWriteTime ?? '').replace('T', ' ').replace(/\.\d+Z$/, '');
  const streams = i.alternateStreams.length ? `  [+${i.alternateStreams.map((s) => s.name).join(',')}]` : '';
  return `${mode}${flags}  ${when.padEnd(19)}  ${String(i.size).padStart(12)}  ${i.path}${i.isDirectory ? '\\' : ''}${streams}`;
}

interface CimArgs {
  image: string;
  path?: string;
  destination?: string;
  json?: boolean;
  recurse?: boolean;
  stream?: string;
}

const image = (y: Argv): Argv => y.positional('image', { type: 'string', demandOption: true, describe: 'The .cim file (its region files must be in the same directory)' });

export const cimCommand: CommandModule<object, CimArgs> = {
  command: 'cim <command>',
  describe: 'Inspect CimFS images: info, ls, stat, cat, extract',
  builder: (y: Argv) =>
    y
      .command<CimArgs>({
        command: 'info <image>',
        describe: 'Show the header, version, parents, region files, counts and sizes',
        builder: (a) => image(a).option('json', { type: 'boolean', default: false, describe: 'Print as JSON' }).example('$0 cim info layer.cim', 'summarize layer.cim') as Argv<CimArgs>,
        handler: async (a) => {
          const s = await withImage(a.image, (img, { summarizeImage }) => summarizeImage(img, a.image));
          if (a.json) return printJson(s);
          const lines = [
            `image        ${s.path}`,
            `format       ${s.version}`,
            `region set   ${s.regionSetId}`,
            `parents      ${s.parents.length ? s.parents.map((p) => p.regionSetId).join(', ') : '(none)'}`,
            `contents     ${s.files} files, ${s.directories} directories, ${s.extraLinks} extra hard links, ${s.alternateStreams} alternate streams`,
            `data         ${s.dataBytes} bytes in files`,
            `on disk      ${s.ownBytes} bytes own (+ ${s.parentBytes} shared with parents), .cim ${s.cimFileBytes} bytes`,
            'region files',
            ...s.regionFiles.map((r) => `  ${String(r.index).padStart(3)} ${r.type.padEnd(9)} ${String(r.size).padStart(12)}  ${r.name}${r.inherited ? '  (parent)' : ''}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        },
      })
      .command<CimArgs>({
        command: 'ls <image> [path]',
        describe: 'List a directory of the image (default: the root)',
        builder: (a) =>
          image(a)
            .positional('path', { type: 'string', describe: 'Directory inside the image (\\ or / separators)' })
            .option('recurse', { alias: 'r', type: 'boolean', default: false, describe: 'Everything below the directory' })
            .option('json', { type: 'boolean', default: false, describe: 'One JSON object per line' })
            .example('$0 cim ls layer.cim Files/Windows', 'list one directory')
            .example('$0 cim ls -r layer.cim', 'list the whole image') as Argv<CimArgs>,
        handler: async (a) =>
          withImage(a.image, async (img, { listItems }) => {
            for await (const item of listItems(img, a.path ?? '', a.recurse ?? false)) process.stdout.write(`${a.json ? JSON.stringify(item) : itemLine(item)}\n`);
          }),
      })
      .command<CimArgs>({
        command: 'stat <image> <path>',
        describe: 'Show all metadata of one item (JSON)',
        builder: (a) => image(a).positional('path', { type: 'string', demandOption: true, describe: 'Item inside the image' }).example('$0 cim stat layer.cim Files/License.txt', 'attributes, times, SD, EAs, streams') as Argv<CimArgs>,
        handler: async (a) => withImage(a.image, async (img, { toItem }) => printJson(toItem(a.path!, await img.stat(await img.lookup(a.path!))))),
      })
      .command<CimArgs>({
        command: 'cat <image> <path>',
        describe: 'Write a file (or one of its alternate streams) to stdout',
        builder: (a) =>
          image(a)
            .positional('path', { type: 'string', demandOption: true, describe: 'File inside the image' })
            .option('stream', { type: 'string', describe: 'Alternate data stream name' })
            .example('$0 cim cat layer.cim Files/License.txt', 'print a file')
            .example('$0 cim cat layer.cim Files/a.exe --stream Zone.Identifier', 'print a stream') as Argv<CimArgs>,
        handler: async (a) =>
          withImage(a.image, async (img) => {
            const id = await img.lookup(a.path!);
            for await (const chunk of img.createReadStream(id, a.stream ? { streamName: a.stream } : {})) {
              if (!process.stdout.write(chunk as Buffer)) await new Promise((r) => process.stdout.once('drain', r));
            }
          }),
      })
      .command<CimArgs>({
        command: 'extract <image> <destination>',
        describe: 'Copy the image (or --path inside it) to a new directory (written under a temporary name, renamed when done)',
        builder: (a) =>
          image(a)
            .positional('destination', { type: 'string', demandOption: true, describe: 'Directory to create; must not exist' })
            .option('path', { type: 'string', describe: 'Directory inside the image to extract (default: all)' })
            .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
            .example('$0 cim extract layer.cim ./out', 'copy everything to ./out') as Argv<CimArgs>,
        handler: async (a) => {
          const r = await withImage(a.image, (img, { extractImage }) => extractImage(img, a.destination!, a.path ?? ''));
          if (a.json) return printJson(r);
          process.stdout.write(`extracted ${r.files} files (${r.bytes} bytes), ${r.directories} directories, ${r.hardLinks} hard links to ${r.destination}\n`);
          if (r.streamsSkipped || r.reparsePointsSkipped) process.stdout.write(`not representable here: ${r.streamsSkipped} alternate streams, ${r.reparsePointsSkipped} reparse points\n`);
        },
      })
      .demandCommand(1, 'Name a cim subcommand.') as Argv<CimArgs>,
  handler: () => undefined,
};
