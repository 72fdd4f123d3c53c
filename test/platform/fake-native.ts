// Fake DLL tables for driving the win32 platform on any OS: each fake function records its
// calls and runs a JS implementation, synchronously or through .async like koffi does.

import type { NativeFunction, NativeLibraries, NativeTable } from '../../src/platform/win32/library.js';
import type { DllName } from '../../src/platform/win32/prototypes.js';

export interface FakeFunction extends NativeFunction {
  calls: unknown[][];
  asyncCalls: number;
}

export function fake(impl: (...args: any[]) => unknown): FakeFunction {
  const calls: unknown[][] = [];
  const f = ((...args: unknown[]) => {
    calls.push(args);
    return impl(...args);
  }) as FakeFunction;
  f.calls = calls;
  f.asyncCalls = 0;
  f.async = (...args: unknown[]) => {
    const cb = args.pop() as (err: unknown, result?: unknown) => void;
    f.asyncCalls++;
    calls.push(args);
    let result: unknown;
    try {
      result = impl(...args);
    } catch (e) {
      setImmediate(() => cb(e));
      return;
    }
    setImmediate(() => cb(null, result));
  };
  return f;
}

export function fakeLibraries(tables: Partial<Record<DllName, Record<string, FakeFunction>>>): NativeLibraries {
  return {
    get(dll: DllName): NativeTable {
      const t = tables[dll];
      if (!t) throw new Error(`the test did not expect ${dll} to be loaded`);
      return t;
    },
  };
}

/** kernel32 with a settable last error, as the BOOL-returning fakes need. */
export function fakeKernel32(extra: Record<string, FakeFunction> = {}) {
  const state = { lastError: 0 };
  const table: Record<string, FakeFunction> = {
    GetLastError: fake(() => state.lastError),
    GetCurrentProcess: fake(() => 0xffffffffffffffffn),
    CloseHandle: fake(() => 1),
    ...extra,
  };
  return { state, table };
}
