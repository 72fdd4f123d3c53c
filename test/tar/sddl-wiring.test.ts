// The SDDL renderer and parser (src/formats/backup/sddl.ts) joined to the tar listing, the
// `wclayer tar ls` command, the CIM item view and the tar decoder's legacy MSWINDOWS.sd record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WcError } from '../../src/errors.js';
import { sddlToSd, sdToSddl } from '../../src/formats/backup/sddl.js';
import { encodeLayerTar } from '../../src/formats/tar/encode.js';
import { listingItem, type ListingItem } from '../../src/formats/tar/listing.js';
import { listLayerTarFile } from '../../src/layer/tar-list.js';
import { sddlOf } from '../../src/cim/inspect.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { cliPath } from '../helpers/paths.js';
import { decodeAll, info, rawEntry, tarOf } from './helpers.js';

async function withSampleTar<R>(fn: (file: string) => Promise<R>): Promise<R> {
  const dir = mkdtempSync(join(tmpdir(), 'wclayer-sddl-'));
  try {
    const file = join(dir, 'layer.tar');
    await pipeline(encodeLayerTar(generateSampleLayer({ seed: 'sddl', fileCount: 40, totalSize: 400_000 })), createWriteStream(file));
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkSddl(items: ListingItem[]): number {
  let withSd = 0;
  for (const item of items) {
    if (item.securityDescriptor === undefined) {
      assert.equal(item.sddl, undefined, item.name);
      continue;
    }
    withSd++;
    assert.equal(typeof item.sddl, 'string', item.name);
    assert.equal(item.sddl, sdToSddl(Buffer.from(item.securityDescriptor, 'base64')), item.name);
    assert.ok(item.sddl!.length > 0, item.name);
  }
  return withSd;
}

test('tar/list items of a generated layer carry the SDDL of their raw security descriptor', async () => {
  await withSampleTar(async (file) => {
    const items: ListingItem[] = [];
    await listLayerTarFile(file, (i) => void items.push(i), { digests: false });
    assert.ok(checkSddl(items) >= 40, 'files and folders of the sample layer have descriptors');

    // The CLI shows the same strings.
    const r = spawnSync(process.execPath, [cliPath, 'tar', 'ls', '--json', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const cliItems = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as ListingItem);
    assert.equal(cliItems.length, items.length);
    assert.equal(checkSddl(cliItems), checkSddl(items));
  });
});

test('a descriptor the renderer refuses is listed as base64 with sddl null', () => {
  const bad = Uint8Array.from([1, 0, 4, 0x80, 0xff, 0xff, 0, 0]); // owner offset beyond the end
  assert.throws(() => sdToSddl(bad), (e: unknown) => e instanceof WcError && e.code === 'Corrupt');
  const item = listingItem({ kind: 'file', path: 'Files/x', size: 0, info: info(32, { securityDescriptor: bad }) }, { renderSddl: sdToSddl });
  assert.equal(item.sddl, null);
  assert.equal(item.securityDescriptor, Buffer.from(bad).toString('base64'));
  assert.equal(sddlOf(bad), null);
});

test('CIM items render their descriptor with the same renderer', () => {
  const sddl = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)';
  const sd = sddlToSd(sddl);
  assert.equal(sddlOf(sd), sdToSddl(sd));
  assert.equal(sddlOf(sd), sddl);
  assert.equal(sddlOf(undefined), null);
});

test('a legacy MSWINDOWS.sd record decodes to the descriptor its SDDL describes', async () => {
  const sddl = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;;0x1200a9;;;BU)';
  const { entries } = await decodeAll(tarOf(rawEntry({ name: 'Files/legacy.txt', records: { 'MSWINDOWS.sd': sddl } })));
  const sd = (entries[0] as { info: { securityDescriptor: Uint8Array } }).info.securityDescriptor;
  assert.deepEqual(Buffer.from(sd), Buffer.from(sddlToSd(sddl)));
  assert.equal(sdToSddl(sd), sddl);
  // MSWINDOWS.rawsd still wins when both are present.
  const raw = sddlToSd('O:SYG:SY');
  const both = await decodeAll(tarOf(rawEntry({ name: 'Files/b', records: { 'MSWINDOWS.sd': sddl, 'MSWINDOWS.rawsd': Buffer.from(raw).toString('base64') } })));
  assert.deepEqual(Buffer.from((both.entries[0] as { info: { securityDescriptor: Uint8Array } }).info.securityDescriptor), Buffer.from(raw));
});

test('an MSWINDOWS.sd record that is not SDDL is Corrupt naming the entry', async () => {
  const bad = tarOf(rawEntry({ name: 'Files/odd.txt', records: { 'MSWINDOWS.sd': 'O:BAG:BAD:(Q;;;;;)' } }));
  await assert.rejects(decodeAll(bad), (e: unknown) => e instanceof WcError && e.code === 'Corrupt' && /Files\/odd\.txt/.test(e.message) && /MSWINDOWS\.sd/.test(e.message) && e.data.entry === 'Files/odd.txt');
});
