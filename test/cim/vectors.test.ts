// The spec's test vectors (§25 A, C, D) and the observed putty header (§4.2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { defaultUpcaseTable, encodeUpcaseTable } from '../../src/formats/cim/upcase.js';
import { compareNames, decodeLinkTable, encodeLinkTable } from '../../src/formats/cim/names.js';
import { encodeCimEaBuffer } from '../../src/formats/cim/ea.js';
import { decodeExtendedAttributes } from '../../src/formats/backup/ea.js';
import { objectDigest } from '../../src/formats/cim/objectid.js';
import {
  decodeFilesystemHeaderFixed,
  decodeFilesystemObject,
  decodeStream,
  encodeFilesystemObject,
  guidFromString,
  guidToString,
  packLengthAndType,
  packOffset,
  unpackOffset,
} from '../../src/formats/cim/layout.js';

test('§25 A: the upcase table is the mkntfs $UpCase table', () => {
  const bytes = encodeUpcaseTable();
  assert.equal(bytes.length, 131072);
  assert.equal(createHash('sha256').update(bytes).digest('hex'), '41c26bc7a12bdaeb26025c93118697c7e3ef81ee048b00fe5cce2a472e0e0742');
  const t = defaultUpcaseTable();
  const spots: [number, number][] = [[0x61, 0x41], [0xe0, 0xc0], [0xff, 0x178], [0xb5, 0xb5], [0x1c6, 0x1c4], [0x1c5, 0x1c5], [0x3c2, 0x3c2], [0x2c65, 0x23a], [0x1f80, 0x1f88], [0xff41, 0xff21]];
  for (const [from, to] of spots) assert.equal(t[from], to, `U+${from.toString(16)}`);
  let changed = 0;
  for (let i = 0; i < t.length; i++) if (t[i] !== i) changed++;
  assert.equal(changed, 973);
});

test('§25 D: RegionOffset and LengthAndType encodings', () => {
  assert.deepEqual(unpackOffset(0x0001000000269000n), { region: 1, offset: 0x269000 });
  assert.equal(packOffset({ region: 2, offset: 0x28 }), 0x0002000000000028n);
  assert.equal(packLengthAndType(26, 1, false), 0x0001_0000_0000_001an);
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigUint64(8, 0x0001_0000_0000_001an | (1n << 56n), true);
  assert.deepEqual(decodeStream(b, 0), { dataOffset: { region: 0, offset: 0 }, size: 26, type: 1, sparse: true });
});

test('§25 D: the 26-byte root link table of the putty image', () => {
  const id = new Uint8Array([2, 0, 0, 0]);
  const t = encodeLinkTable([{ name: 'msix', value: id }], 4);
  assert.equal(Buffer.from(t).toString('hex'), '1a000000' + '01000000' + '02000000' + '10000000' + '04006d00730069007800');
  const d = decodeLinkTable(t, 4);
  assert.equal(d.count, 1);
  assert.equal(d.name(0), 'msix');
  assert.deepEqual([...d.value(0)], [2, 0, 0, 0]);
});

test('§13.1: name order through the upcase table, as in the real images', () => {
  const up = defaultUpcaseTable();
  const sorted = (names: string[]): string[] => [...names].sort((a, b) => compareNames(a, b, up));
  for (const expected of [['SOUND1.WAV', 'SOUND104.WAV'], ['dlllist.txt', 'LICENCE', 'pageant.exe'], ['PINBALL.DAT', 'pinball.exe', 'PINBALL.MID']]) {
    assert.deepEqual(sorted([...expected].reverse()), expected);
  }
  assert.equal(compareNames('LICENCE', 'licence', up), 0);
  assert.equal(compareNames('ÿ', 'Ÿ', up), 0);
  assert.notEqual(compareNames('µ', 'Μ', up), 0, 'U+00B5 is not upcased by NTFS');
  assert.equal(compareNames('a', 'ab', up), -1);
  // Supplementary characters compare as code points, above U+FFxx (the Go reader's rule).
  assert.equal(compareNames('\u{1F600}', '\uFF21', up), 1);
});

test('§25 D: EA chain entries are 4-aligned, the last one unpadded', () => {
  const name = 'A'.repeat(28);
  const chain = encodeCimEaBuffer([{ name, value: new Uint8Array(20).fill(7), flags: 0 }, { name: 'B', value: new Uint8Array([1]), flags: 0x80 }]);
  assert.equal(new DataView(chain.buffer, chain.byteOffset).getUint32(0, true), 60);
  assert.equal(chain.length, 60 + 8 + 1 + 1 + 1);
  const back = decodeExtendedAttributes(chain);
  assert.equal(back.length, 2);
  assert.equal(back[0]!.name, name);
  assert.equal(back[1]!.flags, 0x80);
  // The codec is src/formats/backup's now, whose message says how many bytes are missing.
  assert.throws(() => decodeExtendedAttributes(chain.subarray(0, 70)), /entry at offset 60 needs 11 bytes, 10 remain/);
  assert.throws(() => encodeCimEaBuffer([{ name: 'n'.repeat(255), value: new Uint8Array(), flags: 0 }]), /1\.\.254 bytes/);
});

test('§6.3: object IDs of short objects are the bytes themselves, longer ones SHA-512/24', () => {
  const fsObj = encodeFilesystemObject({ upcaseTableOffset: { region: 0, offset: 0x990 }, fileTableDirectoryOffset: { region: 0, offset: 0x213b8 }, fileTableDirectoryLength: 1, rootDirectory: 1 });
  assert.equal(Buffer.from(fsObj).toString('hex'), '9009000000000000b81302000000000001000000' + '01000000');
  assert.deepEqual(objectDigest(fsObj), fsObj);
  assert.deepEqual(decodeFilesystemObject(fsObj).fileTableDirectoryOffset, { region: 0, offset: 0x213b8 });
  const long = new Uint8Array(100).fill(3);
  assert.deepEqual(Buffer.from(objectDigest(long)), createHash('sha512').update(long).digest().subarray(0, 24));
  const short = objectDigest(new Uint8Array([1, 2]));
  assert.deepEqual([...short.subarray(0, 3)], [1, 2, 0]);
});

test('§4.2: the observed putty filesystem header decodes', () => {
  const hex = '63696d66696c65304800000000020000' + '01000000000000000700000000000000' + 'e23b58514fe1934c9b516f2245ebd339' + '0300000000000000' + 'c813020000000000' + '0700000000000000';
  const h = decodeFilesystemHeaderFixed(Buffer.from(hex, 'hex'));
  assert.equal(h.common.magic, 'cimfile0');
  assert.equal(h.common.headerLength, 72);
  assert.deepEqual(h.common.version, { major: 1, minor: 0 });
  assert.equal(guidToString(h.regions.id), '51583be2-e14f-4c93-9b51-6f2245ebd339');
  assert.deepEqual(Buffer.from(guidFromString('51583be2-e14f-4c93-9b51-6f2245ebd339')), Buffer.from(h.regions.id));
  assert.equal(h.regions.count, 3);
  assert.deepEqual(h.filesystemOffset, { region: 0, offset: 0x213c8 });
  assert.equal(h.reserved, 7);
  assert.equal(h.parentCount, 0);
});
