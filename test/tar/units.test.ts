// Spec 7.2 unit vectors: FILETIME, PAX time and records, fileattr, reparse buffers, and the
// decoder's handling of whiteouts, ADS grouping, header-only sizes, odd typeflags and names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  GO_ZERO_TIME_FILETIME, filetimeToIso, filetimeToPaxTime, filetimeToUnixNs, formatPaxTime, isoToFiletime, parsePaxTime, paxTimeToFiletime, unixNsToFiletime,
} from '../../src/formats/backup/filetime.js';
import { decodeReparsePoint, encodeReparsePoint, reparseTarget } from '../../src/formats/backup/reparse.js';
import { formatPaxRecord, parsePaxRecords } from '../../src/formats/tar/pax.js';
import { TYPE } from '../../src/formats/tar/header.js';
import { WcError } from '../../src/errors.js';
import { sddlToSd } from '../../src/formats/backup/sddl.js';
import { decodeAll, encode, info, rawEntry, tarOf, bytes } from './helpers.js';
import { decodeLayerTar } from '../../src/formats/tar/index.js';
import { plainDataOf, type Entry } from '../../src/formats/entry.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('FILETIME <-> Unix ns with the reference truncation and wrap-around (7.2 #1)', () => {
  assert.equal(filetimeToUnixNs(116444736000000000n), 0n);
  assert.equal(unixNsToFiletime(0n), 116444736000000000n);
  assert.equal(filetimeToUnixNs(132223104001234567n), 1577836800123456700n);
  assert.equal(unixNsToFiletime(1577836800123456700n), 132223104001234567n);
  assert.equal(unixNsToFiletime(-150n), 116444735999999999n);
  assert.equal(unixNsToFiletime(150n), 116444736000000001n);
  assert.equal(filetimeToUnixNs(0n), 6802270473709551616n);
  assert.equal(unixNsToFiletime(-6795364578871345152n), GO_ZERO_TIME_FILETIME);
  assert.equal(GO_ZERO_TIME_FILETIME, 48491090211286549n);
  // Reference quirk kept on purpose: FILETIME 0 wraps on the way to Unix ns and comes back as
  // 184467440737095516 (year 2185), as hcsshim would import it.
  assert.equal(paxTimeToFiletime(filetimeToPaxTime(0n)), 184467440737095516n);
});

test('PAX time strings both ways (7.2 #2)', () => {
  assert.equal(formatPaxTime(1_000_000_000n), '1');
  assert.equal(formatPaxTime(1_000_000_005n), '1.000000005');
  assert.equal(formatPaxTime(-999_999_500n), '-0.9999995');
  assert.equal(formatPaxTime(-5_000_000_000n), '-5');
  assert.equal(filetimeToPaxTime(132223104001234567n), '1577836800.1234567');
  assert.equal(paxTimeToFiletime('1577836800.1234567'), 132223104001234567n);
  assert.equal(parsePaxTime('1'), 1_000_000_000n);
  assert.equal(parsePaxTime('1.000000005'), 1_000_000_005n);
  assert.equal(parsePaxTime('-0.9999995'), -999_999_500n);
  assert.equal(parsePaxTime('5.'), 5_000_000_000n);
  assert.equal(parsePaxTime('1.1234567891'), 1_123_456_789n);
  assert.equal(parsePaxTime('+7'), 7_000_000_000n);
  for (const bad of ['1.12a', 'x', '', '.5', '1.-5', '99999999999999999999']) {
    assert.throws(() => parsePaxTime(bad), (e: unknown) => e instanceof WcError && e.code === 'Corrupt', bad);
  }
});

test('paxTimeToFiletime (its short path and its cache) equals the general conversion for any time text', () => {
  const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
  const text = fc.oneof(
    fc.tuple(digits(1, 11), fc.option(digits(0, 12), { nil: undefined })).map(([s, f]) => (f === undefined ? s : `${s}.${f}`)),
    fc.tuple(fc.constantFrom('', '-', '+'), digits(1, 19), digits(0, 10)).map(([sign, s, f]) => `${sign}${s}.${f}`),
    fc.constantFrom('8999999999.9999999', '9000000000.1', '9000000001', '9223372036.854775807', '0.00000001'),
  );
  fc.assert(
    fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), (texts) => {
      for (const t of [...texts, ...texts]) {
        let expected: bigint | string;
        try {
          expected = unixNsToFiletime(parsePaxTime(t));
        } catch (e) {
          expected = (e as WcError).code;
        }
        let got: bigint | string;
        try {
          got = paxTimeToFiletime(t);
        } catch (e) {
          got = (e as WcError).code;
        }
        assert.equal(got, expected, t);
      }
    }),
    { numRuns: 2000 },
  );
});

test('FILETIME <-> ISO 8601 keeps 100 ns precision', () => {
  assert.equal(filetimeToIso(132223104001234567n), '2020-01-01T00:00:00.1234567Z');
  assert.equal(filetimeToIso(116444736000000000n), '1970-01-01T00:00:00Z');
  assert.equal(filetimeToIso(0n), '1601-01-01T00:00:00Z');
  assert.equal(isoToFiletime('2020-01-01T00:00:00.1234567Z'), 132223104001234567n);
  assert.equal(isoToFiletime('2020-01-01T01:00:00.123456789+01:00'), 132223104001234567n);
  assert.equal(isoToFiletime(filetimeToIso(48491090211286549n)), 48491090211286549n);
  assert.throws(() => isoToFiletime('2020-02-30T00:00:00Z'), /not a valid date-time/);
  assert.throws(() => isoToFiletime('yesterday'), /ISO 8601/);
});

test('PAX record lengths count their own digits (7.2 #3)', () => {
  assert.equal(formatPaxRecord('MSWINDOWS.fileattr', '32'), '25 MSWINDOWS.fileattr=32\n');
  // body " k=<v>\n" of 97 bytes: 97+2 = 99 fits in 2 digits
  const v94 = 'x'.repeat(97 - 4);
  assert.equal(formatPaxRecord('k', v94).length, 99);
  assert.ok(formatPaxRecord('k', v94).startsWith('99 '));
  // body of 98 bytes: 98+2 = 100 needs 3 digits -> 101
  const v95 = 'x'.repeat(98 - 4);
  assert.ok(formatPaxRecord('k', v95).startsWith('101 '));
  assert.equal(formatPaxRecord('k', v95).length, 101);
  for (const v of [v94, v95, 'é'.repeat(60)]) {
    const rec = Buffer.from(formatPaxRecord('k', v));
    assert.equal(parsePaxRecords(rec, 'x', 0).get('k'), v);
  }
  assert.throws(() => formatPaxRecord('a=b', '1'));
  assert.throws(() => formatPaxRecord('k', 'a\0b'));
});

async function attrsOf(fileattr: string | undefined, typeflag: number = TYPE.REG): Promise<number> {
  const records: Record<string, string> = fileattr === undefined ? {} : { 'MSWINDOWS.fileattr': fileattr };
  const { entries } = await decodeAll(tarOf(rawEntry({ name: 'Files', typeflag: TYPE.DIR, mode: 0o40000 }), rawEntry({ name: 'Files/x', typeflag, records })));
  return (entries[1] as any).info.attributes;
}

test('MSWINDOWS.fileattr parsing (7.2 #4)', async () => {
  assert.equal(await attrsOf('32'), 32);
  assert.equal(await attrsOf('032'), 32);
  assert.equal(await attrsOf('4294967295'), 4294967295);
  assert.equal(await attrsOf(undefined), 0);
  assert.equal(await attrsOf(undefined, TYPE.DIR), 16);
  for (const bad of ['4294967296', '-1', '0x20', '', ' 32', '+32']) {
    await assert.rejects(attrsOf(bad), (e: unknown) => e instanceof WcError && e.code === 'Corrupt' && /Files\/x/.test(e.message) && /fileattr/.test(e.message), bad);
  }
});

test('reparse buffers: the spec 2.6 vectors round-trip (7.2 #6)', () => {
  const hello = hex('0c0000a0 3400 0000 0000 1200 1400 1200 01000000') ;
  const helloBuf = Buffer.concat([hello, Buffer.from('hello.txt\0hello.txt\0', 'utf16le')]);
  assert.equal(helloBuf.length, 60);
  assert.deepEqual(Buffer.from(encodeReparsePoint('hello.txt', false)), helloBuf);
  assert.deepEqual(decodeReparsePoint(helloBuf), { kind: 'symlink', tag: 0xa000000c, target: 'hello.txt', substituteName: 'hello.txt', relative: true });
  const cfoo = Buffer.concat([hex('0c0000a0 3000 0000 0000 1400 1600 0c00 00000000'), Buffer.from('\\??\\C:\\foo\0C:\\foo\0', 'utf16le')]);
  assert.equal(cfoo.length, 56);
  assert.deepEqual(Buffer.from(encodeReparsePoint('C:\\foo', false)), cfoo);
  assert.equal(reparseTarget(cfoo).target, 'C:\\foo');
  const mp = Buffer.concat([hex('030000a0 3800 0000 0000 1a00 1c00 1200'), Buffer.from('\\??\\C:\\target\0C:\\target\0', 'utf16le')]);
  assert.equal(mp.length, 64);
  assert.deepEqual(Buffer.from(encodeReparsePoint('C:\\target', true)), mp);
  assert.deepEqual(reparseTarget(mp), { target: 'C:\\target', isMountPoint: true });
  const unc = Buffer.from(encodeReparsePoint('\\\\server\\share', false));
  assert.equal(unc.length, 92);
  assert.equal(unc.readUInt16LE(10), 0x28);
  assert.equal(unc.readUInt16LE(12), 0x2a);
  assert.equal(unc.readUInt16LE(14), 0x1c);
  assert.equal(unc.readUInt32LE(16), 0);
  const rp = decodeReparsePoint(unc);
  assert.ok(rp.kind === 'symlink' && rp.substituteName === '\\??\\UNC\\server\\share' && !rp.relative);
  // unknown tags are kept raw; asking for a link target fails like go-winio
  const other = Buffer.concat([hex('1b0000a0 0400 0000'), Buffer.from([1, 2, 3, 4])]);
  const decoded = decodeReparsePoint(other);
  assert.ok(decoded.kind === 'other' && decoded.tag === 0xa000001b);
  assert.deepEqual(Buffer.from((decoded as { data: Uint8Array }).data), other);
  assert.throws(() => reparseTarget(other), /unsupported reparse point a000001b/);
  // truncations of a valid buffer are rejected, never read out of bounds
  for (let n = 0; n < helloBuf.length; n++) {
    assert.throws(() => decodeReparsePoint(helloBuf.subarray(0, n)), (e: unknown) => e instanceof WcError && e.code === 'Corrupt', `length ${n}`);
  }
  const badOffset = Buffer.from(helloBuf);
  badOffset.writeUInt16LE(0x40, 12);
  assert.throws(() => decodeReparsePoint(badOffset), /PrintName/);
});

test('whiteouts (7.2 #10): any typeflag, opaque marker kept literally, names rebuilt', async () => {
  const tar = tarOf(
    rawEntry({ name: 'Files/.wh.foo' }),
    rawEntry({ name: 'Files/a/.wh..wh..opq' }),
    rawEntry({ name: 'Files/.wh.dir', typeflag: TYPE.DIR }),
    rawEntry({ name: 'Hives/.wh.x', size: 3, data: Buffer.from('abc') }),
  );
  const { entries } = await decodeAll(tar);
  assert.deepEqual(entries, [
    { kind: 'whiteout', path: 'Files/foo' },
    { kind: 'whiteout', path: 'Files/a/.wh..opq' },
    { kind: 'whiteout', path: 'Files/dir' },
    { kind: 'whiteout', path: 'Hives/x' },
  ]);
  const zero = (name: string) => rawEntry({ name, mode: 0 });
  assert.deepEqual(await encode(entries as any), tarOf(zero('Files/.wh.foo'), zero('Files/a/.wh..wh..opq'), zero('Files/.wh.dir'), zero('Hives/.wh.x')));
});

test('ADS grouping (7.2 #11): after its file, :$DATA form accepted, separated or after a link rejected', async () => {
  const file = rawEntry({ name: 'Files/a', data: Buffer.from('x'), records: { 'MSWINDOWS.fileattr': '32' } });
  const { entries } = await decodeAll(tarOf(file, rawEntry({ name: 'Files/a:s1', data: Buffer.from('1') }), rawEntry({ name: 'Files/a:s2:$DATA', data: Buffer.from('22') })));
  assert.deepEqual(entries.slice(1).map((e: any) => [e.kind, e.path, e.name, e.content.toString()]), [['stream', 'Files/a', 's1', '1'], ['stream', 'Files/a', 's2', '22']]);
  await assert.rejects(decodeAll(tarOf(file, rawEntry({ name: 'Files/b' }), rawEntry({ name: 'Files/a:s' }))), /does not follow its file/);
  await assert.rejects(decodeAll(tarOf(file, rawEntry({ name: 'Files/h', typeflag: TYPE.LINK, linkname: 'Files/a' }), rawEntry({ name: 'Files/h:s' }))), /does not follow its file/);
  await assert.rejects(decodeAll(tarOf(file, rawEntry({ name: 'Files/a:s:$INDEX_ALLOCATION' }))), /stream types other than \$DATA/);
  await assert.rejects(decodeAll(tarOf(rawEntry({ name: 'Files/lone:s' }))), /does not follow its file/);
});

test('header-only types ignore the size field; typeflag \\0 is a regular file (7.2 #14, #15)', async () => {
  const tar = tarOf(
    rawEntry({ name: 'Files/l', typeflag: TYPE.SYMLINK, linkname: 'target', size: 5 }),
    rawEntry({ name: 'Files/old', typeflag: TYPE.REG_OLD, data: Buffer.from('old') }),
    rawEntry({ name: 'Files/d/', typeflag: TYPE.REG_OLD }),
    rawEntry({ name: 'Files/next', data: Buffer.from('next') }),
  );
  const { entries } = await decodeAll(tar);
  assert.deepEqual(entries.map((e: any) => [e.kind, e.path, e.size, e.content?.toString()]), [
    ['file', 'Files/l', 0, undefined],
    ['file', 'Files/old', 3, 'old'],
    ['directory', 'Files/d', undefined, undefined],
    ['file', 'Files/next', 4, 'next'],
  ]);
  assert.equal(reparseTarget((entries[0] as any).info.reparseData).target, 'target');
});

test('PAX global headers are skipped; GNU long names and ustar prefixes are read', async () => {
  const g = rawEntry({ name: 'pax_global_header', typeflag: TYPE.PAX_GLOBAL, data: Buffer.from(formatPaxRecord('comment', 'hi')) });
  const longName = `Files/${'d'.repeat(120)}/${'f'.repeat(90)}`;
  const gnuL = rawEntry({ name: '././@LongLink', typeflag: TYPE.GNU_LONGNAME, data: Buffer.from(`${longName}\0`) });
  const { entries } = await decodeAll(tarOf(g, gnuL, rawEntry({ name: 'ignored' }), rawEntry({ name: `Files/${'p'.repeat(120)}/x` })));
  assert.deepEqual(entries.map((e) => e.path), [longName, `Files/${'p'.repeat(120)}/x`]);
});

test('long and non-ASCII names travel in PAX path records (7.2 #13)', async () => {
  const name = 'Files/héllo.txt';
  const tar = await encode([{ kind: 'directory', path: 'Files', info: info(16) }, { kind: 'file', path: name, info: info(32), size: 1, data: bytes('z') }]);
  const mainAt = tar.indexOf(Buffer.from('Files/hllo.txt\0'));
  assert.ok(mainAt > 0 && mainAt % 512 === 0, 'ustar name has the non-ASCII byte dropped');
  assert.ok(tar.includes(Buffer.from(`path=${name}\n`)));
  const long = `Files/${'n'.repeat(230)}`;
  const tar2 = await encode([{ kind: 'file', path: long, info: info(32), size: 0 }]);
  const { entries } = await decodeAll(tar2);
  assert.equal(entries[0]!.path, long);
  assert.ok(tar2.includes(Buffer.from(`path=${long}\n`)));
  assert.equal(tar2.toString('latin1', 0, 100), `Files/PaxHeaders.0/${'n'.repeat(81)}`, 'extended header name truncated to 100 bytes');
});

test('missing atime/ctime/creationtime default to the write time (decision 8.3)', async () => {
  const { entries } = await decodeAll(tarOf(rawEntry({ name: 'Files/x', records: { mtime: '1600000000.5' } })));
  const i = (entries[0] as any).info;
  assert.equal(i.lastWriteTime, unixNsToFiletime(1_600_000_000_500_000_000n));
  assert.equal(i.lastAccessTime, i.lastWriteTime);
  assert.equal(i.changeTime, i.lastWriteTime);
  assert.equal(i.creationTime, i.lastWriteTime);
});

test('EAs come back sorted; legacy MSWINDOWS.sd goes through an SDDL converter', async () => {
  const { entries } = await decodeAll(tarOf(rawEntry({ name: 'Files/x', records: { 'MSWINDOWS.xattr.zeta': 'AQ==', 'MSWINDOWS.xattr.alpha': 'YmFy' } })));
  assert.deepEqual((entries[0] as any).info.extendedAttributes.map((e: any) => [e.name, Buffer.from(e.value).toString('latin1'), e.flags]), [['alpha', 'bar', 0], ['zeta', '\x01', 0]]);
  const sdTar = tarOf(rawEntry({ name: 'Files/x', records: { 'MSWINDOWS.sd': 'O:BAG:BA' } }));
  // Default converter: src/formats/backup's sddlToSd (see test/tar/sddl-wiring.test.ts).
  const { entries: withDefault } = await decodeAll(sdTar);
  assert.deepEqual(Buffer.from((withDefault[0] as any).info.securityDescriptor), Buffer.from(sddlToSd('O:BAG:BA')));
  const { entries: withConv } = await decodeAll(sdTar, { sddlToSecurityDescriptor: (s) => Buffer.from(s) });
  assert.equal(Buffer.from((withConv[0] as any).info.securityDescriptor).toString(), 'O:BAG:BA');
});

test('encoder refuses what go-winio cannot write', async () => {
  const other = Buffer.concat([hex('1b0000a0 0000 0000')]);
  await assert.rejects(encode([{ kind: 'file', path: 'Files/r', info: info(1056, { reparseData: other }), size: 0 }]), /unsupported reparse point a000001b/);
  await assert.rejects(encode([{ kind: 'file', path: 'Files/a', info: info(32), size: 3, data: bytes('ab') }]), /has 2 bytes, the entry's size is 3/);
  await assert.rejects(encode([{ kind: 'file', path: 'Files/a', info: info(32), size: 1, data: bytes('ab') }]), /longer than/);
  await assert.rejects(encode([{ kind: 'file', path: 'Files/a', info: info(32, { extendedAttributes: [{ name: 'n'.repeat(256), value: new Uint8Array(), flags: 0 }] }), size: 0 }]), /extended attribute name too large/);
  await assert.rejects(encode([{ kind: 'file', path: 'Files/a', info: info(32, { extendedAttributes: [{ name: 'n', value: new Uint8Array(65536), flags: 0 }] }), size: 0 }]), /extended attribute value too large/);
  await assert.rejects(encode([{ kind: 'directory', path: 'Files', info: info(32) }]), /without FILE_ATTRIBUTE_DIRECTORY/);
});

test('times that do not fit the ustar field go to PAX mtime with a zero field', async () => {
  const before1970 = unixNsToFiletime(-1_500_000_000n);
  const tar = await encode([{ kind: 'file', path: 'Files/old', info: info(32, {}, before1970), size: 0 }]);
  assert.ok(tar.includes(Buffer.from('mtime=-1.5\n')));
  const main = tar.subarray(tar.length - 1024 - 512);
  assert.equal(main.toString('latin1', 136, 148), '00000000000\0');
  const { entries } = await decodeAll(tar);
  assert.equal((entries[0] as any).info.lastWriteTime, before1970);
});

test('sizes beyond the 11-digit octal field go to a PAX size record, as Go writes them', async () => {
  const { buildHeader } = await import('../../src/formats/tar/encode.js');
  const size = 8 * 1024 ** 3 + 1;
  const h = buildHeader({ name: 'Files/huge', linkname: '', mode: 0o100000, size, typeflag: TYPE.REG, records: new Map([['MSWINDOWS.fileattr', '32']]), wantPax: true });
  assert.ok(h.includes(Buffer.from(`size=${size}\n`)));
  const main = h.subarray(h.length - 512);
  assert.equal(main.toString('latin1', 124, 136), '00000000000\0');
  // and the reader takes the size from the record
  const { TarReader } = await import('../../src/formats/tar/reader.js');
  const { ByteSource } = await import('../../src/formats/tar/byte-source.js');
  const reader = new TarReader(new ByteSource([h][Symbol.iterator]() as unknown as AsyncIterator<Uint8Array>));
  const rec = await reader.next();
  assert.equal(rec?.size, size);
  assert.equal(rec?.dataSize, size);
});

test('a leading ./ is stripped from names and hard-link targets; the ./ entry itself is skipped', async () => {
  const { entries } = await decodeAll(tarOf(
    rawEntry({ name: './', typeflag: TYPE.DIR, mode: 0o40000 }),
    rawEntry({ name: './Files/', typeflag: TYPE.DIR, mode: 0o40000 }),
    rawEntry({ name: './Files/a', data: Buffer.from('a') }),
    rawEntry({ name: './Files/b', typeflag: TYPE.LINK, linkname: './Files/a' }),
  ));
  assert.deepEqual(entries.map((e: any) => [e.kind, e.path, e.target]), [['directory', 'Files', undefined], ['file', 'Files/a', undefined], ['link', 'Files/b', 'Files/a']]);
});

test('entry data as plain chunks (offerPlainData): same bytes as the Readable, one or the other per entry, not after the next entry', async () => {
  const big = Buffer.alloc(700_000, 7);
  for (let i = 0; i < big.length; i += 997) big[i] = i & 0xff;
  const tar = tarOf(
    rawEntry({ name: 'a', data: big, records: { 'MSWINDOWS.fileattr': '32' } }),
    rawEntry({ name: 'b', data: Buffer.from('bee'), records: { 'MSWINDOWS.fileattr': '32' } }),
    rawEntry({ name: 'c', data: Buffer.from('sea'), records: { 'MSWINDOWS.fileattr': '32' } }),
  );
  const { entries } = decodeLayerTar([tar]);
  const it = entries[Symbol.asyncIterator]();
  // a: plain chunks, then `data` is refused
  const a = (await it.next()).value as Entry;
  const chunks = plainDataOf(a)!;
  assert.ok(chunks, 'the tar decoder offers plain chunks');
  const got: Buffer[] = [];
  for await (const c of chunks) got.push(Buffer.from(c));
  assert.ok(Buffer.concat(got).equals(big));
  assert.equal(plainDataOf(a), undefined, 'offered once');
  assert.throws(() => (a as { data?: unknown }).data, /already read as plain chunks/);
  // b: the Readable first, then no plain chunks
  const b = (await it.next()).value as Entry & { data: AsyncIterable<Buffer> };
  const viaStream: Buffer[] = [];
  for await (const c of b.data) viaStream.push(c);
  assert.equal(Buffer.concat(viaStream).toString(), 'bee');
  assert.equal(plainDataOf(b), undefined);
  // c: plain chunks opened, then the next entry requested: reading them now is refused
  const c = (await it.next()).value as Entry;
  const late = plainDataOf(c)![Symbol.asyncIterator]();
  assert.equal((await it.next()).done, true);
  await assert.rejects(late.next(), /data read after the next entry was requested/);
});
