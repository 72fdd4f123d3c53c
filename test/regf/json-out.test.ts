// The byte writer of the JSON export against its definitions: strings are JSON.stringify's text
// in UTF-8 (escapes, lone surrogates, pairs), base64 is Buffer's, integers are String's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonOut } from '../../src/formats/regf/json-out.js';

const runs = (short: number, long: number) => (process.env.WCLAYER_FUZZ === 'long' ? long : short);

/** Any sequence of UTF-16 code units (lone surrogates, NULs and control characters included). */
const units = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), { maxLength: 40 })
  .map((a) => String.fromCharCode(...a));

function written(write: (out: JsonOut) => void, size = 1): Buffer {
  // A tiny start size: every write has to make its own room.
  const out = new JsonOut(size);
  write(out);
  return Buffer.from(out.buf.subarray(0, out.n));
}

function utf16(s: string): Uint8Array {
  return Buffer.from(s, 'utf16le');
}

test('string() and utf16String() write JSON.stringify as UTF-8', () => {
  const check = (s: string) => {
    const want = Buffer.from(JSON.stringify(s), 'utf8');
    assert.deepEqual(written((o) => o.string(s)), want);
    // The UTF-16 form at an odd offset inside a larger buffer.
    const bytes = new Uint8Array([7, ...utf16(s), 9]);
    assert.deepEqual(written((o) => o.utf16String(bytes, 1, bytes.length - 1)), want);
    assert.deepEqual(written((o) => o.stringBody(s)), want.subarray(1, want.length - 1));
  };
  for (const s of ['', 'plain', '"\\/', '\b\t\n\f\r\0\x1f\x7f', '\u2028\u2029', 'é€', '😀', '\ud83d', '\ude00', '\ude00\ud83d', 'a\ud83d"', '\ud83d\ud83d\ude00']) check(s);
  fc.assert(fc.property(units, check), { numRuns: runs(3000, 100000) });
  fc.assert(fc.property(fc.string({ unit: 'binary' }), check), { numRuns: runs(1000, 20000) });
});

test('base64() is Buffer\'s base64, for every length remainder and inside a larger buffer', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(5), fc.nat(5), (bytes, before, after) => {
      const all = new Uint8Array(before + bytes.length + after).fill(0xaa);
      all.set(bytes, before);
      assert.equal(written((o) => o.base64(all, before, before + bytes.length)).toString('latin1'), Buffer.from(bytes).toString('base64'));
    }),
    { numRuns: runs(2000, 50000) },
  );
});

test('uint() and digits() write decimal numbers', () => {
  const check = (x: number) => assert.equal(written((o) => o.uint(x)).toString('latin1'), String(x));
  for (const x of [0, 9, 10, 99, 100, 0xffffffff, 2 ** 53 - 1]) check(x);
  fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), check), { numRuns: runs(2000, 50000) });
  assert.equal(written((o) => o.digits(7, 3)).toString('latin1'), '007');
  assert.equal(written((o) => o.digits(12345, 5)).toString('latin1'), '12345');
});

test('a buffer that grows keeps what was written before', () => {
  const out = new JsonOut(4);
  out.ascii('abc');
  out.string('x'.repeat(100));
  out.bytes(new Uint8Array([0x21, 0x22, 0x23]), 1, 3);
  assert.equal(Buffer.from(out.buf.subarray(0, out.n)).toString('latin1'), `abc"${'x'.repeat(100)}""#`);
});
