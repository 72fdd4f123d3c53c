// Reads a request's params with checks that name the parameter at fault (JSON-RPC -32602).

import { WcError } from '../errors.js';

/** Keys every method accepts besides its own. */
const COMMON_KEYS = new Set(['progressToken', 'workDoneToken', 'itemToken']);

function bad(name: string, expected: string, value: unknown): WcError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  return new WcError('InvalidArgument', `parameter '${name}' must be ${expected}, got ${got}`, { parameter: name });
}

export class ParamReader {
  private readonly obj: Record<string, unknown>;

  /** `allowed` lists the method's parameter names; any other name is refused up front. */
  constructor(params: unknown, readonly method: string, allowed: readonly string[]) {
    if (params === undefined || params === null) this.obj = {};
    else if (typeof params === 'object' && !Array.isArray(params)) this.obj = params as Record<string, unknown>;
    else throw new WcError('InvalidArgument', `${method}: params must be an object with named parameters`, { parameter: '(params)' });
    for (const key of Object.keys(this.obj)) {
      // Unknown names are typos or version skew between module and backend: say so.
      if (!allowed.includes(key) && !COMMON_KEYS.has(key)) {
        throw new WcError('InvalidArgument', `${method}: unknown parameter '${key}'`, { parameter: key });
      }
    }
  }

  /** The raw value, for parameters with a shape of their own (the method checks it). */
  raw(name: string): unknown {
    return this.take(name);
  }

  private take(name: string): unknown {
    return this.obj[name];
  }

  string(name: string): string {
    const v = this.take(name);
    if (v === undefined) throw new WcError('InvalidArgument', `${this.method}: missing required parameter '${name}'`, { parameter: name });
    if (typeof v !== 'string') throw bad(name, 'a string', v);
    if (v.length === 0) throw new WcError('InvalidArgument', `parameter '${name}' must not be empty`, { parameter: name });
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.take(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw bad(name, 'a string', v);
    return v;
  }

  number(name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.take(name);
    if (v === undefined) throw new WcError('InvalidArgument', `${this.method}: missing required parameter '${name}'`, { parameter: name });
    return this.checkNumber(name, v, opts);
  }

  optionalNumber(name: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
    const v = this.take(name);
    if (v === undefined || v === null) return undefined;
    return this.checkNumber(name, v, opts);
  }

  private checkNumber(name: string, v: unknown, opts: { min?: number; max?: number; integer?: boolean }): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(name, 'a number', v);
    if (opts.integer && !Number.isInteger(v)) throw bad(name, 'an integer', v);
    if (opts.min !== undefined && v < opts.min) throw new WcError('InvalidArgument', `parameter '${name}' must be at least ${opts.min}, got ${v}`, { parameter: name });
    if (opts.max !== undefined && v > opts.max) throw new WcError('InvalidArgument', `parameter '${name}' must be at most ${opts.max}, got ${v}`, { parameter: name });
    return v;
  }

  optionalBoolean(name: string): boolean | undefined {
    const v = this.take(name);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw bad(name, 'a boolean', v);
    return v;
  }

  stringArray(name: string): string[] {
    const v = this.take(name);
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(name, 'an array of strings', v);
    return v as string[];
  }

}
