import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeExtendedAttributes, encodeExtendedAttributes, FILE_NEED_EA } from '../../src/formats/backup/index.js';
import { assertWcError, hex, runs, toHex } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

// layer-format.md 2.5 (go-winio ea_test.go): [{foo,bar},{fizz,buzz}] ↔ 36 bytes.
const VECTOR = hex('10000000 00 03 0300 666f6f00 626172 00 00000000 00 04 0400 66697a7a00 62757a7a 000000');
const VECTOR_EAS = [
  { name: 'foo', value: enc('bar'), flags: 0 },
  { name: 'fizz', value: enc('buzz'), flags: 0 },
];

test('spec 2.5 vector: two EAs encode to the 36 bytes', () => {
  assert.equal(VECTOR.length, 36);
  assert.equal(toHex(encodeExtendedAttributes(VECTOR_EAS)), toHex(VECTOR));
});

test('spec 2.5 vector decodes; without the final padding it decodes the same', () => {
  assert.deepEqual(decodeExtendedAttributes(VECTOR), VECTOR_EAS);
  assert.deepEqual(decodeExtendedAttributes(VECTOR.subarray(0, 33)), VECTOR_EAS);
});

test('spec 2.5 vector: the first 20 bytes alone are Corrupt at offset 16', () => {
  assertWcError(() => decodeExtendedAttributes(VECTOR.subarray(0, 20)), 'Corrupt', 16, /invalid extended attribute buffer/);
});

test('empty list ↔ empty buffer', () => {
  assert.equal(encodeExtendedAttributes([]).length, 0);
  assert.deepEqual(decodeExtendedAttributes(new Uint8Array(0)), []);
});

test('flags are kept (FILE_NEED_EA)', () => {
  const eas = [{ name: 'X', value: enc('1'), flags: FILE_NEED_EA }];
  const b = encodeExtendedAttributes(eas);
  assert.equal(b[4], 0x80);
  assert.deepEqual(decodeExtendedAttributes(b), eas);
});

test('name of 256 bytes and value of 65536 bytes are rejected; 255 and 65535 are fine', () => {
  assertWcError(() => encodeExtendedAttributes([{ name: 'n'.repeat(256), value: enc(''), flags: 0 }]), 'InvalidArgument', undefined, /name too large/);
  assertWcError(() => encodeExtendedAttributes([{ name: 'n', value: new Uint8Array(65536), flags: 0 }]), 'InvalidArgument', undefined, /value too large/);
  const ok = [{ name: 'n'.repeat(255), value: new Uint8Array(65535).fill(1), flags: 0 }];
  assert.deepEqual(decodeExtendedAttributes(encodeExtendedAttributes(ok)), ok);
});

test('NextEntryOffset 0 ends the chain even if bytes remain', () => {
  const b = new Uint8Array(VECTOR);
  b[0] = 0;
  assert.deepEqual(decodeExtendedAttributes(b), [VECTOR_EAS[0]]);
});

test('bad input corpus: every case is Corrupt with the offset', () => {
  const v = (): Uint8Array => new Uint8Array(VECTOR);
  // NextEntryOffset past the end
  let b = v();
  b[0] = 0x40;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 0, /NextEntryOffset 64/);
  // NextEntryOffset inside its own entry (would overlap or loop)
  b = v();
  b[0] = 4;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 0, /NextEntryOffset 4/);
  // second entry points back at itself: it can only move forward, and never inside itself
  b = v();
  b[16] = 1;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 16);
  // value length past the end
  b = v();
  b[22] = 0xff;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 16, /needs/);
  // name length past the end
  b = v();
  b[5] = 0xff;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 0);
  // short header
  assertWcError(() => decodeExtendedAttributes(hex('00000000 0003')), 'Corrupt', 0, /too few/);
  // invalid UTF-8 name
  b = v();
  b[8] = 0xff;
  assertWcError(() => decodeExtendedAttributes(b), 'Corrupt', 8, /UTF-8/);
});

test('a NextEntryOffset chain that would loop is impossible: offsets only move forward', () => {
  // 1000 entries, each pointing just past itself: decodes in one pass, ends at the last.
  const eas = Array.from({ length: 1000 }, (_, i) => ({ name: `E${i}`, value: enc(String(i)), flags: 0 }));
  assert.deepEqual(decodeExtendedAttributes(encodeExtendedAttributes(eas)), eas);
});

const eaArb = fc.record({
  name: fc.string({ unit: fc.integer({ min: 1, max: 0x7f }).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 255 }),
  value: fc.uint8Array({ maxLength: 600 }),
  flags: fc.integer({ min: 0, max: 255 }),
}).map((e) => ({ ...e })); // plain objects, like the decoder's

test('property: random EA lists → encode → decode are equal; every entry is 4-byte aligned', () => {
  fc.assert(
    fc.property(fc.array(eaArb, { maxLength: 12 }), (eas) => {
      const b = encodeExtendedAttributes(eas);
      assert.equal(b.length % 4, 0);
      assert.deepEqual(decodeExtendedAttributes(b), eas);
    }),
    { numRuns: runs(300) },
  );
});
