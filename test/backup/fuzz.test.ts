// Fuzz smoke run of every decoder here: random and mutated inputs must either decode or fail
// with a WcError (Corrupt carrying data.offset), never a crash or a hang. Short by default,
// long under WCLAYER_FUZZ=long (npm run fuzz).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BackupStreamDecoder,
  decodeExtendedAttributes,
  encodeBackupStreamBuffer,
  encodeExtendedAttributes,
  parseSddl,
  parseSecurityDescriptor,
  sddlToSd,
  sdToSddl,
} from '../../src/formats/backup/index.js';
import { mustNotCrash, runs } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const seeds = {
  backup: encodeBackupStreamBuffer([
    { header: { id: 3, attributes: 0, size: 20, name: '' }, data: sddlToSd('D:NO_ACCESS_CONTROL') },
    { header: { id: 2, attributes: 0, size: 12, name: '' }, data: encodeExtendedAttributes([{ name: 'A', value: enc('12'), flags: 0 }]) },
    { header: { id: 1, attributes: 8, size: 3, name: '' }, data: enc('abc') },
    { header: { id: 9, attributes: 8, size: 2, name: '', sparseOffset: 100 }, data: enc('zz') },
    { header: { id: 4, attributes: 0, size: 4, name: ':s:$DATA' }, data: enc('ads\n') },
  ]),
  ea: encodeExtendedAttributes([
    { name: 'foo', value: enc('bar'), flags: 0 },
    { name: 'fizz', value: enc('buzz'), flags: 0x80 },
  ]),
  sd: sddlToSd('O:BAG:SYD:PAI(A;OICIID;FA;;;SY)(OA;;RPWP;bf967a7f-0de6-11d0-a285-00aa003049e2;;AU)S:(ML;;NW;;;LW)'),
};

/** Mutations of a valid input: flipped bytes, truncation, splices of random bytes. */
function mutated(seed: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      extra: fc.uint8Array({ maxLength: 16 }),
    })
    .map(({ flips, cut, extra }) => {
      const b = new Uint8Array([...seed, ...extra]);
      for (const f of flips) b[f.at % b.length] = f.value;
      return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
    });
}

function decodeBackupAll(bytes: Uint8Array, chunk: number): void {
  const d = new BackupStreamDecoder();
  for (let i = 0; i < bytes.length; i += chunk) d.write(bytes.subarray(i, i + chunk));
  d.end();
}

const input = (seed: Uint8Array): fc.Arbitrary<Uint8Array> => fc.oneof(mutated(seed), fc.uint8Array({ maxLength: 200 }));

test('fuzz: backup-stream decoder', () => {
  fc.assert(fc.property(input(seeds.backup), fc.integer({ min: 1, max: 50 }), (b, chunk) => mustNotCrash(() => decodeBackupAll(b, chunk))), {
    numRuns: runs(1500),
  });
});

test('fuzz: EA decoder', () => {
  fc.assert(fc.property(input(seeds.ea), (b) => mustNotCrash(() => decodeExtendedAttributes(b))), { numRuns: runs(1500) });
});

test('fuzz: security-descriptor parser and SDDL renderer', () => {
  fc.assert(
    fc.property(input(seeds.sd), (b) =>
      mustNotCrash(() => {
        parseSecurityDescriptor(b);
        sdToSddl(b);
      }),
    ),
    { numRuns: runs(1500) },
  );
});

test('fuzz: SDDL parser on mutated and random text', () => {
  const base = 'O:BAG:SYD:PAI(A;OICIID;FA;;;SY)(OA;;RPWP;bf967a7f-0de6-11d0-a285-00aa003049e2;;S-1-5-21-1-2-3)S:(ML;;NW;;;LW)';
  const text = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.record({ at: fc.nat(), s: fc.string({ maxLength: 4 }), cut: fc.nat() }).map(({ at, s, cut }) => {
      const i = at % base.length;
      return (base.slice(0, i) + s + base.slice(i + s.length)).slice(0, base.length - (cut % 5));
    }),
  );
  fc.assert(
    fc.property(text, (t) =>
      mustNotCrash(() => {
        const sd = parseSddl(t);
        // anything that parses also encodes and renders
        assert.ok(sdToSddl(sddlToSd(t)).length >= 0);
        return sd;
      }),
    ),
    { numRuns: runs(1500) },
  );
});
