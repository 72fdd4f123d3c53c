// The JSON-RPC server: vscode-jsonrpc over a pair of streams (stdin/stdout in production).
// Registers every area's methods, maps errors to codes, wires progress and cancellation, and
// handles the shutdown/exit lifecycle.

import { PassThrough, type Readable, type Writable } from 'node:stream';
import {
  createMessageConnection,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
  type CancellationToken,
  type MessageConnection,
  type ProgressToken,
} from 'vscode-jsonrpc/node';
import { isWcError } from '../errors.js';
import { logger } from '../log.js';
import { StripLeadingBom } from './bom.js';
import { ItemSink } from './items.js';
import { METHOD_NOT_FOUND, RPC_ERROR_CODE } from './codes.js';
import type { RpcMethod } from './method.js';
import { areaMethods } from './methods/index.js';
import { initializeMethod } from './methods/backend.js';
import { ParamReader } from './params.js';
import { ProgressReporter } from './progress.js';

const log = logger('rpc');

export interface ServerOptions {
  input: Readable;
  output: Writable;
  methods?: RpcMethod[];
}

export interface Server {
  connection: MessageConnection;
  /** Resolves with the exit code when the client sent `exit` or closed the input. */
  closed: Promise<number>;
}

/** Converts anything thrown by a handler into the error the client sees. */
export function toResponseError(e: unknown, method: string, signal?: AbortSignal): ResponseError<unknown> {
  if (e instanceof ResponseError) return e;
  if (isWcError(e)) {
    return new ResponseError(RPC_ERROR_CODE[e.code], e.message, { code: e.code, ...e.data });
  }
  if (signal?.aborted || (e as Error)?.name === 'AbortError') {
    return new ResponseError(RPC_ERROR_CODE.Cancelled, `${method} was cancelled`, { code: 'Cancelled' });
  }
  const err = e as Error;
  log.error(`${method} failed unexpectedly: ${err?.stack ?? String(e)}`);
  return new ResponseError(RPC_ERROR_CODE.Internal, `${method} failed: ${err?.message ?? String(e)}`, { code: 'Internal' });
}

function tokenOf(params: unknown, ...keys: string[]): ProgressToken | undefined {
  if (!params || typeof params !== 'object') return undefined;
  const p = params as Record<string, unknown>;
  for (const k of keys) {
    const t = p[k];
    if (typeof t === 'string' || typeof t === 'number') return t;
  }
  return undefined;
}

function abortControllerFrom(token: CancellationToken): AbortController {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller;
}

export function startServer(options: ServerOptions): Server {
  // The connection only sees the end of input once in-flight requests have unwound (see below),
  // so their last progress, items and responses can still be written.
  const input = new PassThrough();
  options.input.pipe(new StripLeadingBom()).pipe(input, { end: false });
  const connection = createMessageConnection(new StreamMessageReader(input), new StreamMessageWriter(options.output));

  const methods = [...(options.methods ?? areaMethods)];
  const names = (): string[] => ['shutdown', ...methods.map((m) => m.name)].sort();
  methods.push(initializeMethod(names));

  const inFlight = new Set<AbortController>();
  for (const m of methods) {
    // vscode-jsonrpc passes only the token when a request has no params, and spreads array
    // params into separate arguments; gather them back so every shape reaches the ParamReader.
    connection.onRequest(m.name, async (...args: unknown[]) => {
      const token = args.pop() as CancellationToken;
      const params = args.length === 0 ? undefined : args.length === 1 ? args[0] : args;
      const started = Date.now();
      const controller = abortControllerFrom(token);
      const signal = controller.signal;
      inFlight.add(controller);
      const progress = new ProgressReporter(connection, tokenOf(params, 'progressToken', 'workDoneToken'), m.name);
      const items = new ItemSink(connection, tokenOf(params, 'itemToken'));
      try {
        const result = await m.handler(new ParamReader(params, m.name, m.params), { signal, progress, items });
        await items.flush();
        log.debug(`${m.name} done in ${Date.now() - started} ms`);
        return result ?? null;
      } catch (e) {
        const re = toResponseError(e, m.name, signal);
        log.debug(`${m.name} failed in ${Date.now() - started} ms: ${re.code} ${re.message}`);
        throw re;
      } finally {
        progress.end();
        inFlight.delete(controller);
      }
    });
  }

  let shutdownRequested = false;
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));

  connection.onRequest('shutdown', () => {
    shutdownRequested = true;
    log.info('shutdown requested');
    return null;
  });
  connection.onNotification('exit', () => {
    // LSP convention: exit without a prior shutdown is an abnormal end.
    resolveClosed(shutdownRequested ? 0 : 1);
  });
  // Anything else is a method this backend does not have: version skew, or a typo.
  connection.onRequest((method: string) => {
    throw new ResponseError(METHOD_NOT_FOUND, `unknown method '${method}'`, { code: 'NotFound', method });
  });
  connection.onNotification((method: string) => log.debug(`ignored notification ${method}`));
  connection.onError(([error]: [Error, unknown, unknown]) => log.error(`protocol error: ${error.message}`));
  connection.onClose(() => resolveClosed(0));

  // End of input means the client is gone (PowerShell closed the pipe, Remove-Module). Requests
  // already read are still answered; running ones are cancelled so they clean up their staged
  // files; then the connection closes and the process can exit.
  options.input.on('end', () => {
    log.debug(`input closed with ${inFlight.size} request(s) running`);
    let idle = 0;
    const poll = setInterval(() => {
      for (const c of inFlight) c.abort();
      idle = inFlight.size === 0 ? idle + 1 : 0;
      if (idle >= 3) {
        clearInterval(poll);
        input.end();
      }
    }, 10);
  });

  connection.listen();
  return { connection, closed };
}
