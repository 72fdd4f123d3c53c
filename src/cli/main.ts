#!/usr/bin/env node
// `wclayer`: the command line over the same library functions the RPC methods call.
// Each command group lives in src/cli/commands/<name>.ts; add it to the list below.

import { isWcError } from '../errors.js';

// Command groups load when a command needs them: `serve --stdio` (the backend's cold start) and a
// plain `tar ls` or `hive export` (their speed) load neither yargs nor the other groups' libraries.
async function loadCommands() {
  const [layer, tar, hive, cim, sd, serve, version] = await Promise.all([
    import('./commands/layer.js'),
    import('./commands/tar.js'),
    import('./commands/hive.js'),
    import('./commands/cim.js'),
    import('./commands/sd.js'),
    import('./commands/serve.js'),
    import('./commands/version.js'),
  ]);
  return [layer.layerCommands, tar.tarCommand, hive.hiveCommand, cim.cimCommand, sd.sdCommand, serve.serveCommand, version.versionCommand];
}

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'serve') {
    const { plainServeArgs, runServe } = await import('./commands/serve.js');
    const serve = plainServeArgs(argv);
    if (serve) return runServe(serve);
  }
  if (argv[0] === 'tar') {
    const { plainTarLsArgs, runTarLs } = await import('./commands/tar.js');
    const ls = plainTarLsArgs(argv);
    if (ls) return runTarLs(ls);
  }
  if (argv[0] === 'hive') {
    const { plainHiveExportArgs, runHiveExport } = await import('./commands/hive.js');
    const exp = plainHiveExportArgs(argv);
    if (exp) return runHiveExport(exp);
  }
  const commands = await loadCommands();
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('wclayer')
    .usage('$0 <command> [options]\n\nWindows container image layers without a container daemon: tar, CimFS, legacy layers, registry hives.')
    .strict()
    .demandCommand(1, 'Name a command; see the list above.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue('Run `wclayer <command> --help` for a command\'s options. Logs go to stderr; set WCLAYER_LOG_LEVEL=debug for more.')
    .fail((msg, err, y) => {
      if (err) throw err;
      y.showHelp('error');
      process.stderr.write(`\n${msg}\n`);
      process.exit(2);
    });
  for (const c of commands) cli = cli.command(c as never);
  await cli.parseAsync();
}

// `wclayer … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// process.argv without the node binary and the script (what yargs' hideBin gives for Node).
main(process.argv.slice(2)).catch((e: unknown) => {
  if (isWcError(e)) {
    const where = e.data.path ?? e.data.entry ?? e.data.key;
    process.stderr.write(`wclayer: ${e.code}: ${e.message}${where && !e.message.includes(String(where)) ? ` (${where})` : ''}\n`);
    process.exit(e.code === 'InvalidArgument' ? 2 : 1);
  }
  process.stderr.write(`wclayer: ${(e as Error)?.message ?? e}\n`);
  process.exit(1);
});
