// Small helpers for calling bound functions: run one on a worker thread as a promise, and check
// the three failure conventions (BOOL + GetLastError, HRESULT, Win32 code result).

import type { ErrorData } from '../../errors.js';
import { checkHresult, checkWin32, errorFromWin32 } from './errors.js';
import type { NativeFunction, NativeTable } from './library.js';

/** Runs `fn` through koffi's .async (a worker thread), so the event loop keeps serving RPC. */
export function callAsync(fn: NativeFunction, ...args: unknown[]): Promise<any> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)));
  });
}

/** An HRESULT function on a worker thread; throws the mapped WcError on failure. */
export async function hresultAsync(fn: NativeFunction, operation: string, data: ErrorData, ...args: unknown[]): Promise<void> {
  checkHresult(await callAsync(fn, ...args), operation, data);
}

/** A function returning a Win32 error code (offreg, virtdisk) on a worker thread. */
export async function win32Async(fn: NativeFunction, operation: string, data: ErrorData, ...args: unknown[]): Promise<void> {
  checkWin32(await callAsync(fn, ...args), operation, data);
}

/**
 * A BOOL function, called synchronously: GetLastError() is per thread, so it can only be read
 * right after a call made on this thread.
 */
export function boolCall(kernel32: NativeTable, fn: NativeFunction, operation: string, data: ErrorData, ...args: unknown[]): void {
  if (!fn(...args)) throw errorFromWin32(kernel32.GetLastError!(), operation, data);
}

/** A pointer result as a bigint (koffi gives a bigint, or null for NULL). */
export function pointerValue(p: unknown): bigint {
  return p === null || p === undefined ? 0n : BigInt(p as bigint | number);
}
