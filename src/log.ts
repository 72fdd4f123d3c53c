// Logging goes to stderr only: stdout belongs to the JSON-RPC frames. The level comes from
// WCLAYER_LOG_LEVEL (error, warn, info, debug, trace) or from setLogLevel (the --log-level flag).

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let current: number = levelIndex(process.env.WCLAYER_LOG_LEVEL) ?? 2;

function levelIndex(name: string | undefined): number | undefined {
  if (!name) return undefined;
  const i = (LOG_LEVELS as readonly string[]).indexOf(name.toLowerCase());
  return i >= 0 ? i : undefined;
}

export function setLogLevel(name: string): void {
  const i = levelIndex(name);
  if (i === undefined) throw new Error(`unknown log level '${name}' (use one of ${LOG_LEVELS.join(', ')})`);
  current = i;
}

export function logLevel(): LogLevel {
  return LOG_LEVELS[current]!;
}

function write(level: number, scope: string, message: string): void {
  if (level > current) return;
  process.stderr.write(`${new Date().toISOString()} ${LOG_LEVELS[level]} [${scope}] ${message}\n`);
}

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
}

export function logger(scope: string): Logger {
  return {
    error: (m) => write(0, scope, m),
    warn: (m) => write(1, scope, m),
    info: (m) => write(2, scope, m),
    debug: (m) => write(3, scope, m),
    trace: (m) => write(4, scope, m),
  };
}
