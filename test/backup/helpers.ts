// Shared bits of the backup-format tests.
import assert from 'node:assert/strict';
import { isWcError, type ErrorCode } from '../../src/errors.js';

export const longFuzz = process.env.WCLAYER_FUZZ === 'long';

/** Property-test run count: short in `npm test`, long under `npm run fuzz`. */
export function runs(short: number, long = short * 50): number {
  return longFuzz ? long : short;
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Asserts fn throws a WcError with the code (and, when given, data.offset). */
export function assertWcError(fn: () => unknown, code: ErrorCode, offset?: number, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isWcError(e), `expected a WcError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.data.offset, offset, e.message);
    else if (code === 'Corrupt') assert.equal(typeof e.data.offset, 'number', `no data.offset in: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

/** Runs a decoder on arbitrary bytes: it must return or throw a WcError, nothing else. */
export function mustNotCrash(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!isWcError(e)) throw e;
    if (e.code === 'Corrupt') assert.equal(typeof e.data.offset, 'number', `Corrupt without data.offset: ${e.message}`);
  }
}
