// CIM layer writer refusals: each names the entry, and nothing is left behind (no layer, no
// staging folder, the parent untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isWcError, type ErrorCode } from '../../src/errors.js';
import type { Entry } from '../../src/formats/entry.js';
import { writeEntries } from '../../src/layer/writer.js';
import { createCimLayerWriter, describeCimLayer, readCimLayer } from '../../src/layer/cim/index.js';
import { collect, listDir, removeDir, tempDir } from './helpers.js';
import { baseHive, dir, file, fileInfo, imageFile } from './cim-helpers.js';

const CONFIG = 'Files/Windows/System32/config';
const HIVE_NAMES = ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'];

function baseEntries(): Entry[] {
  return [dir('Files'), dir('Files/Windows'), dir('Files/Windows/System32'), dir(CONFIG), ...HIVE_NAMES.map((h) => file(`${CONFIG}/${h}`, baseHive(h))), file('Files/hello.txt', 'hello')];
}

async function withParent(fn: (root: string, parent: string) => Promise<void>): Promise<void> {
  const root = await tempDir('wclayer-cim-err-');
  try {
    const parent = join(root, 'parent');
    await writeEntries(await createCimLayerWriter(parent), baseEntries());
    await fn(root, parent);
  } finally {
    await removeDir(root);
  }
}

async function expectFailure(p: Promise<unknown>, code: ErrorCode, message: RegExp, entry?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWcError(e), `expected a WcError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    if (entry !== undefined) assert.equal(e.data.entry, entry, e.message);
    return true;
  });
}

test('links and alternate streams on the special files are errors naming them (hcsshim wording)', async () => {
  await withParent(async (root) => {
    const layer = join(root, 'layer');
    const cases: { entries: Entry[]; message: RegExp; entry: string }[] = [
      // a link whose name is a std file
      {
        entries: [...baseEntries().filter((e) => e.path !== `${CONFIG}/SAM`), { kind: 'link', path: `${CONFIG}/SAM`, target: 'Files/hello.txt' }],
        message: /^unexpected link Files\/Windows\/System32\/config\/SAM in layer$/,
        entry: `${CONFIG}/SAM`,
      },
      // a stream on a config hive
      {
        entries: [...baseEntries().slice(0, 5), { kind: 'stream', path: `${CONFIG}/DEFAULT`, name: 'extra', size: 1, data: Readable.from([Buffer.from('x')]) }],
        message: /^unexpected alternate stream Files\/Windows\/System32\/config\/DEFAULT:extra in layer$/,
        entry: `${CONFIG}/DEFAULT:extra`,
      },
      // a stream on the utility VM's BCD (case-sensitive special name)
      {
        entries: [
          ...baseEntries(),
          ...['UtilityVM', 'UtilityVM/Files', 'UtilityVM/Files/EFI', 'UtilityVM/Files/EFI/Microsoft', 'UtilityVM/Files/EFI/Microsoft/Boot'].map(dir),
          file('UtilityVM/Files/EFI/Microsoft/Boot/BCD', baseHive('BCD')),
          { kind: 'stream', path: 'UtilityVM/Files/EFI/Microsoft/Boot/BCD', name: 's', size: 0 },
        ],
        message: /unexpected alternate stream UtilityVM\/Files\/EFI\/Microsoft\/Boot\/BCD:s in layer/,
        entry: 'UtilityVM/Files/EFI/Microsoft/Boot/BCD:s',
      },
    ];
    for (const c of cases) {
      await expectFailure(writeEntries(await createCimLayerWriter(layer), c.entries), 'InvalidArgument', c.message, c.entry);
      assert.deepEqual(await listDir(root), ['parent']);
    }
    // a link TO a special file is fine: it is made at close, after the hive reaches the image
    await writeEntries(await createCimLayerWriter(layer), [...baseEntries(), { kind: 'link', path: 'Files/system-copy', target: `${CONFIG}/SYSTEM` }]);
    const [a, b] = await Promise.all([imageFile(layer, 'Files/system-copy'), imageFile(layer, `${CONFIG}/SYSTEM`)]);
    assert.equal(a?.id, b?.id);
  });
});

test('missing parents, a parent that is not a CIM layer, and an image name the chain already uses are refused before anything is written', async () => {
  await withParent(async (root, parent) => {
    await expectFailure(createCimLayerWriter(join(root, 'layer'), { parents: [join(root, 'nope')] }), 'NotFound', /cannot create layer with missing parent .*nope/);
    await mkdir(join(root, 'plain'));
    await expectFailure(createCimLayerWriter(join(root, 'layer'), { parents: [join(root, 'plain')] }), 'NotFound', /missing parent .*plain: it has no image cim-layers\/plain\.cim/);
    await expectFailure(createCimLayerWriter(join(root, 'layer'), { parents: [parent, join(root, 'gone')] }), 'NotFound', /missing parent .*gone/);
    await mkdir(join(root, 'sub'));
    await expectFailure(createCimLayerWriter(join(root, 'sub', 'parent'), { parents: [parent] }), 'InvalidArgument', /would name its image parent\.cim, as its parent .*parent does/);
    assert.deepEqual(await listDir(root), ['parent', 'plain', 'sub']);
    assert.deepEqual(await listDir(join(root, 'sub')), []);
  });
});

test('bad ordering, traversal names, truncated data and tombstones in a base layer: clear errors, nothing left', async () => {
  await withParent(async (root, parent) => {
    const layer = join(root, 'layer');
    const child = (...more: Entry[]): Entry[] => [dir('Files'), ...more];
    const cases: { parents: string[]; entries: Entry[]; code: ErrorCode; message: RegExp; entry: string }[] = [
      { parents: [parent], entries: child({ kind: 'link', path: 'Files/l', target: 'Files/later' }, file('Files/later', 'x')), code: 'InvalidArgument', message: /failed to find link target for 'Files\/l' -> 'Files\/later'/, entry: 'Files/l' },
      { parents: [parent], entries: child(file('Files/new/x', 'x'), dir('Files/new')), code: 'InvalidArgument', message: /the folder of Files\/new\/x does not exist/, entry: 'Files/new/x' },
      { parents: [parent], entries: child({ kind: 'link', path: 'Files/l', target: 'Files/../../etc/passwd' }), code: 'InvalidArgument', message: /unsafe link target name/, entry: 'Files/../../etc/passwd' },
      { parents: [parent], entries: child({ kind: 'whiteout', path: '../x' }), code: 'InvalidArgument', message: /unsafe entry name/, entry: '../x' },
      { parents: [parent], entries: child({ kind: 'file', path: 'Files/short', info: fileInfo, size: 10, data: Readable.from([Buffer.from('12345')]) }), code: 'InvalidArgument', message: /Files\/short: missing 5 bytes/, entry: 'Files/short' },
      // a std file is checked like any other (the parent base has Hives/, but no UtilityVM/)
      { parents: [parent], entries: child(file('UtilityVM/Files/Windows/System32/config/SYSTEM', 'x')), code: 'InvalidArgument', message: /the folder of UtilityVM\/Files\/Windows\/System32\/config\/SYSTEM does not exist/, entry: 'UtilityVM/Files/Windows/System32/config/SYSTEM' },
      { parents: [parent], entries: child(dir('Hives'), { kind: 'file', path: 'Hives/System_Delta', info: fileInfo, size: 10, data: Readable.from([Buffer.from('12345')]) }), code: 'InvalidArgument', message: /Hives\/System_Delta: missing 5 bytes/, entry: 'Hives/System_Delta' },
      { parents: [], entries: [...baseEntries(), { kind: 'whiteout', path: 'Files/hello.txt' }], code: 'InvalidArgument', message: /^base layer cannot have tombstones$/, entry: 'Files/hello.txt' },
      { parents: [], entries: baseEntries().filter((e) => e.path !== `${CONFIG}/SECURITY`), code: 'FailedPrecondition', message: /has no Files\/Windows\/System32\/config\/SECURITY to link Hives\/SECURITY_BASE to/, entry: `${CONFIG}/SECURITY` },
    ];
    for (const c of cases) {
      await expectFailure(writeEntries(await createCimLayerWriter(layer, { parents: c.parents }), c.entries), c.code, c.message, c.entry);
      assert.deepEqual(await listDir(root), ['parent'], c.message.source);
    }
    assert.equal((await imageFile(parent, 'Files/hello.txt'))?.bytes.toString(), 'hello', 'the parent is untouched');
  });
});

test('a delta hive that is not a hive fails the merge at close, naming the file; an unreadable utility VM SOFTWARE hive likewise', async () => {
  await withParent(async (root, parent) => {
    const layer = join(root, 'layer');
    await expectFailure(
      writeEntries(await createCimLayerWriter(layer, { parents: [parent] }), [dir('Files'), dir('Hives'), file('Hives/Software_Delta', 'not a hive at all')]),
      'Corrupt',
      /merging Hives\/SOFTWARE_BASE with Hives\/Software_Delta: /,
      'Hives/Software_Delta',
    );
    assert.deepEqual(await listDir(root), ['parent']);
    const uvm = ['UtilityVM', 'UtilityVM/Files', 'UtilityVM/Files/Windows', 'UtilityVM/Files/Windows/System32', 'UtilityVM/Files/Windows/System32/config'].map(dir);
    await expectFailure(
      writeEntries(await createCimLayerWriter(layer), [...baseEntries(), ...uvm, file('UtilityVM/Files/Windows/System32/config/SOFTWARE', 'regf but not really')]),
      'Corrupt',
      /read os version string from UtilityVM SOFTWARE hive UtilityVM\/Files\/Windows\/System32\/config\/SOFTWARE/,
      'UtilityVM/Files/Windows/System32/config/SOFTWARE',
    );
    assert.deepEqual(await listDir(root), ['parent']);
    // with hive processing off the same layers are accepted as they are
    await writeEntries(await createCimLayerWriter(layer, { parents: [parent], processHives: false }), [dir('Files'), dir('Hives'), file('Hives/Software_Delta', 'not a hive at all')]);
    assert.deepEqual((await collect(readCimLayer(layer))).map((e) => e.path), ['Files', 'Hives', 'Hives/Software_Delta']);
  });
});

test('cancellation in the middle of a file, or through the writer option, leaves nothing', async () => {
  await withParent(async (root, parent) => {
    const layer = join(root, 'layer');
    const ac = new AbortController();
    const big = Buffer.alloc(3 << 20, 7);
    const data = Readable.from(
      (async function* () {
        yield big.subarray(0, 1 << 20);
        ac.abort();
        yield big.subarray(1 << 20);
      })(),
    );
    const entries: Entry[] = [dir('Files'), { kind: 'file', path: 'Files/big.bin', info: fileInfo, size: big.length, data }];
    await expectFailure(writeEntries(await createCimLayerWriter(layer, { parents: [parent] }), entries, { signal: ac.signal }), 'Cancelled', /./);
    assert.deepEqual(await listDir(root), ['parent']);

    const ac2 = new AbortController();
    const writer = await createCimLayerWriter(layer, { parents: [parent], signal: ac2.signal });
    await writer.add('Files', fileInfo.attributes === 0x20 ? { ...fileInfo, attributes: 0x10 } : fileInfo);
    ac2.abort();
    await expectFailure(writer.add('Files/x', fileInfo, 0), 'Cancelled', /./);
    assert.deepEqual(await listDir(root), ['parent']);
  });
});

test('the layer folder is refused when something is already there; a second writer for the same path fails at close', async () => {
  await withParent(async (root, parent) => {
    const layer = join(root, 'layer');
    const first = await createCimLayerWriter(layer, { parents: [parent] });
    const second = await createCimLayerWriter(layer, { parents: [parent] });
    await writeEntries(first, [dir('Files'), file('Files/one', '1')]);
    await expectFailure(writeEntries(second, [dir('Files'), file('Files/two', '2')]), 'AlreadyExists', /layer already exists/);
    assert.deepEqual(await listDir(root), ['layer', 'parent']);
    assert.equal((await imageFile(layer, 'Files/one'))?.bytes.toString(), '1');
    await writeFile(join(root, 'file'), 'x');
    await expectFailure(createCimLayerWriter(join(root, 'file')), 'AlreadyExists', /layer already exists/);
  });
});

test('reading: a damaged journal is Corrupt naming the line; a folder that is not a CIM layer is NotFound', async () => {
  await withParent(async (root, parent) => {
    await appendFile(join(parent, 'wclayer-cim-changes.jsonl'), '{"op":"add"}\n');
    const lines = baseEntries().length;
    await expectFailure(collect(readCimLayer(parent)), 'Corrupt', new RegExp(`wclayer-cim-changes\\.jsonl line ${lines + 1} is not a change record`));
    await appendFile(join(parent, 'wclayer-cim-changes.jsonl'), 'not json\n');
    await expectFailure(collect(readCimLayer(parent, { source: 'journal' })), 'Corrupt', /is not a change record|is not JSON/);
    await mkdir(join(root, 'plain'));
    await expectFailure(describeCimLayer(join(root, 'plain')), 'NotFound', /is not a CIM layer/);
    await expectFailure(collect(readCimLayer(join(root, 'plain'))), 'NotFound', /is not a CIM layer/);
  });
});
