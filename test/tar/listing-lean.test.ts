// The listing's shortcuts (listing.ts, entries.ts, pax.ts): security descriptors decoded once and
// shared only where nothing can change them, shared empty arrays that nobody can fill by
// mistake, items without ISO times on request, PAX bodies parsed in place in a larger buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from '../../src/formats/entry.js';
import { filetimeToIso } from '../../src/formats/backup/filetime.js';
import { WcError } from '../../src/errors.js';
import { listEntries, type ListingItem } from '../../src/formats/tar/listing.js';
import { parsePaxRecords, formatPaxRecords, type PaxStats } from '../../src/formats/tar/pax.js';
import { decodeAll, encode, GOLDEN_SD, info, listFast, listStreaming, T } from './helpers.js';

const OTHER_SD = Buffer.from('AQAEgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==', 'base64');

function sdEntries(): Entry[] {
  const out: Entry[] = [{ kind: 'directory', path: 'Files', info: info(16, { securityDescriptor: OTHER_SD }) }];
  for (let i = 0; i < 6; i++) out.push({ kind: 'file', path: `Files/f${i}`, info: info(32, { securityDescriptor: i % 3 ? GOLDEN_SD : OTHER_SD }), size: 0 });
  return out;
}

test('decoded entries own their security descriptors: changing one changes no other', async () => {
  const { entries } = await decodeAll(await encode(sdEntries()));
  const sds = entries.map((e) => (e.kind === 'file' || e.kind === 'directory' ? e.info.securityDescriptor! : undefined));
  assert.equal(new Set(sds).size, sds.length, 'one Uint8Array per entry');
  sds[1]![0] ^= 0xff;
  assert.deepEqual(Buffer.from(sds[4]!), OTHER_SD);
  assert.deepEqual(Buffer.from(sds[0]!), OTHER_SD);
  const again = await decodeAll(await encode(sdEntries())); // the decoder's cache was not changed through sds[1]
  assert.deepEqual(Buffer.from((again.entries[1] as { info: { securityDescriptor: Uint8Array } }).info.securityDescriptor), OTHER_SD);
});

test('listings give every item the base64 of its own descriptor, through both readers', async () => {
  const tar = await encode(sdEntries());
  for (const listing of [await listFast(tar), await listStreaming(tar)]) {
    assert.equal(listing.error, undefined);
    assert.deepEqual(
      listing.items.map((i) => i.securityDescriptor),
      sdEntries().map((e) => Buffer.from((e as { info: { securityDescriptor: Uint8Array } }).info.securityDescriptor).toString('base64')),
    );
  }
});

test('items share one frozen empty array for no streams or EAs; a file with streams gets its own', async () => {
  const entries: Entry[] = [
    { kind: 'file', path: 'Files/a', info: info(32), size: 0 },
    { kind: 'stream', path: 'Files/a', name: 's1', size: 0 },
    { kind: 'stream', path: 'Files/a', name: 's2', size: 0 },
    { kind: 'file', path: 'Files/b', info: info(32, { extendedAttributes: [{ name: 'E', value: new Uint8Array([1]), flags: 0 }] }), size: 0 },
    { kind: 'file', path: 'Files/c', info: info(32), size: 0 },
  ];
  const items: ListingItem[] = [];
  let i = 0;
  await listEntries(() => entries[i++], () => undefined, (item) => void items.push(item));
  assert.deepEqual(items.map((x) => x.streams), [[{ name: 's1', size: 0 }, { name: 's2', size: 0 }], [], []]);
  assert.deepEqual(items.map((x) => x.extendedAttributes), [[], ['E'], []]);
  assert.ok(!Object.isFrozen(items[0]!.streams));
  assert.ok(Object.isFrozen(items[2]!.streams) && Object.isFrozen(items[2]!.extendedAttributes));
  assert.throws(() => items[2]!.streams.push({ name: 'x', size: 1 }), TypeError);
  assert.equal(JSON.stringify(items[2]!.streams), '[]');
});

test('isoTimes: false leaves out the ISO strings and keeps everything else, through both readers', async () => {
  const tar = await encode(sdEntries());
  for (const list of [listFast, listStreaming]) {
    const full = await list(tar);
    const lean = await list(tar, { isoTimes: false });
    assert.equal(lean.error, undefined);
    assert.deepEqual(
      lean.items,
      full.items.map(({ creationTime, lastWriteTime, lastAccessTime, changeTime, ...rest }) => {
        assert.equal(creationTime, filetimeToIso(T));
        assert.ok(lastWriteTime && lastAccessTime && changeTime);
        return rest;
      }),
    );
    assert.equal(lean.items[0]!.lastWriteTimeRaw, String(T));
  }
});

test('PAX bodies parse the same in place inside a larger buffer; errors count bytes from the body', () => {
  const body = formatPaxRecords(new Map([['path', 'Files/ä'], ['MSWINDOWS.fileattr', '32'], ['MSWINDOWS.xattr.A', 'AQ=='], ['vendor.key', 'v']]));
  const framed = Buffer.concat([Buffer.from('xxxx\n'), body, Buffer.from('9 a=b\n\0\0')]);
  const stats: PaxStats = { otherKeys: 0 };
  const inPlace = parsePaxRecords(framed, 'e', 7, stats, 5, 5 + body.length);
  assert.deepEqual(inPlace, parsePaxRecords(body, 'e', 7));
  assert.equal(stats.otherKeys, 2, 'MSWINDOWS.xattr.A and vendor.key are not common keys');
  assert.equal(inPlace.get('path'), 'Files/ä');
  // a record running past the body's end is malformed even though the buffer goes on
  const cut = 5 + body.length - 3;
  const err = (() => {
    try {
      parsePaxRecords(framed, 'e', 7, undefined, 5, cut);
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof WcError && err.code === 'Corrupt', String(err));
  const last = body.lastIndexOf('\n', body.length - 2) + 1; // where the last record starts in the body
  assert.match(err.message, new RegExp(`at byte ${last} of the extended header at offset 7`));
  assert.equal(err.data.offset, 7);
});
