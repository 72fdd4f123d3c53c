import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attributeNames, formatAttributes, parseAttributes } from '../../src/formats/backup/index.js';
import { assertWcError, runs } from './helpers.js';

test('typical layer values (spec 2.4) have the .NET names', () => {
  assert.equal(formatAttributes(16), 'Directory');
  assert.equal(formatAttributes(32), 'Archive');
  assert.equal(formatAttributes(1056), 'Archive, ReparsePoint');
  assert.equal(formatAttributes(1040), 'Directory, ReparsePoint');
  assert.equal(formatAttributes(8208), 'Directory, NotContentIndexed');
  assert.equal(formatAttributes(0), '0');
  assert.deepEqual(attributeNames(0x20 | 0x8 | 0x80000000), ['Archive', '0x80000008']);
});

test('names, winnt spellings and numbers parse', () => {
  assert.equal(parseAttributes('ReadOnly, Hidden'), 3);
  assert.equal(parseAttributes('FILE_ATTRIBUTE_ARCHIVE|SPARSE_FILE'), 0x220);
  assert.equal(parseAttributes(['0x10', '32']), 0x30);
  assert.equal(parseAttributes('reparsepoint'), 0x400);
  assertWcError(() => parseAttributes('Shiny'), 'InvalidArgument');
});

test('property: bits → names → bits', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => assert.equal(parseAttributes(attributeNames(bits)), bits)), { numRuns: runs(500) });
});
