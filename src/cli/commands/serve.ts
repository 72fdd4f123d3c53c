import type { Argv, CommandModule } from 'yargs';
import { logger, setLogLevel, LOG_LEVELS } from '../../log.js';
import { startServer } from '../../rpc/server.js';
import { reserveStdoutForProtocol } from '../stdio-guard.js';
import { areaMethods } from '../../rpc/methods/index.js';

export interface ServeArgs {
  stdio: boolean;
  'log-level'?: string;
  'list-methods': boolean;
}

/**
 * The arguments of a plain `serve --stdio [--log-level L]` (how the PowerShell module starts the
 * backend), or undefined for anything else. main.ts runs that case without yargs, whose loading
 * costs more than the rest of the backend's start; other forms (--help, --list-methods, typos)
 * go through yargs as before.
 */
export function plainServeArgs(argv: readonly string[]): ServeArgs | undefined {
  if (argv[0] !== 'serve' || !argv.includes('--stdio')) return undefined;
  const args: ServeArgs = { stdio: true, 'list-methods': false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--stdio') continue;
    const level = a.startsWith('--log-level=') ? a.slice('--log-level='.length) : a === '--log-level' ? argv[++i] : undefined;
    if (level === undefined || !(LOG_LEVELS as readonly string[]).includes(level)) return undefined;
    args['log-level'] = level;
  }
  return args;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the JSON-RPC backend (used by the PowerShell module)',
  builder: (y: Argv) =>
    y
      .option('stdio', { type: 'boolean', default: false, describe: 'Speak JSON-RPC (Content-Length framing) on stdin/stdout' })
      .option('log-level', { type: 'string', choices: LOG_LEVELS as unknown as string[], describe: 'Log level on stderr (default: WCLAYER_LOG_LEVEL or info)' })
      .option('list-methods', { type: 'boolean', default: false, describe: 'Print the RPC methods and exit' })
      .example('$0 serve --stdio', 'serve JSON-RPC on stdin/stdout, logs on stderr')
      .example('$0 serve --list-methods', 'list the methods with a one-line summary') as Argv<ServeArgs>,
  handler: (args) => runServe(args),
};

export async function runServe(args: ServeArgs): Promise<void> {
  if (args['list-methods']) {
    for (const m of [...areaMethods].sort((a, b) => a.name.localeCompare(b.name))) {
      console.log(`${m.name.padEnd(28)} ${m.summary}`);
    }
    return;
  }
  if (!args.stdio) {
    throw new Error('serve needs a transport: pass --stdio');
  }
  if (args['log-level']) setLogLevel(args['log-level']);
  const log = logger('serve');
  const output = reserveStdoutForProtocol();
  process.on('uncaughtException', (e) => {
    log.error(`uncaught exception: ${e.stack ?? e}`);
    process.exit(70);
  });
  process.on('unhandledRejection', (e) => {
    log.error(`unhandled rejection: ${(e as Error)?.stack ?? e}`);
    process.exit(70);
  });
  const server = startServer({ input: process.stdin, output });
  log.info(`backend ready (pid ${process.pid}, node ${process.version})`);
  const code = await server.closed;
  log.info(`backend exiting with code ${code}`);
  server.connection.dispose();
  // Let pending frames drain before leaving.
  output.end(() => process.exit(code));
}
