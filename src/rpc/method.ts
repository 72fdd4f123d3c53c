// The shape of one RPC method. Areas (backend, tar, hive, cim, layer …) each export a list of
// these from src/rpc/methods/<area>.ts; the server registers them all. A handler is a thin
// shell: read params, call the library function, return plain JSON.

import type { ParamReader } from './params.js';
import type { ItemSink } from './items.js';
import type { ProgressReporter } from './progress.js';

export interface MethodContext {
  /** Fires when the client sends $/cancelRequest for this request. */
  signal: AbortSignal;
  /** Sends $/progress to the token the client passed as `progressToken` (no-op without one). */
  progress: ProgressReporter;
  /**
   * Streams result objects as `$/items` notifications to the client's `itemToken`. When the
   * client passed none (`items.active` is false), return the objects in the response instead.
   */
  items: ItemSink;
}

export interface RpcMethod {
  /** `area/verb`, e.g. `hive/get`. */
  name: string;
  /** One line, shown by `wclayer serve --list-methods` and in errors. */
  summary: string;
  /** The parameter names the method accepts (besides progressToken and itemToken). */
  params: readonly string[];
  handler(params: ParamReader, ctx: MethodContext): unknown | Promise<unknown>;
}

export function defineMethod(m: RpcMethod): RpcMethod {
  return m;
}
