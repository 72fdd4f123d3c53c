// Reader robustness: truncated and byte-flipped images must fail with a WcError that names the
// file (Corrupt with an offset for bad structure), never crash, hang or allocate without bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createCimImage, openCimImage } from '../../src/cim/image.js';
import { isWcError } from '../../src/errors.js';
import { dirInfo, fileInfo, isLong, tempDir } from './helpers.js';

const ALLOWED = new Set(['Corrupt', 'Unsupported', 'NotFound', 'FailedPrecondition']);

async function buildSample(dir: string): Promise<string[]> {
  const w = await createCimImage(dir, 's.cim');
  const sd = new Uint8Array([1, 0, 4, 0x80, ...new Array(16).fill(0)]);
  await w.addFile('d', dirInfo({ securityDescriptor: sd }), 0);
  await w.addFile('d\\e', dirInfo(), 0);
  for (let i = 0; i < 12; i++) {
    const b = Buffer.alloc(i * 400 + 1, i);
    await w.addFile(`d\\e\\f${i}`, fileInfo({ securityDescriptor: sd, extendedAttributes: [{ name: 'X', value: new Uint8Array([i]), flags: 0 }] }), b.length);
    await w.write(b);
  }
  await w.createAlternateStream('d\\e\\f3', 'ads', 5);
  await w.write(Buffer.from('hello'));
  await w.addFile('r', fileInfo({ reparseData: new Uint8Array([0x0c, 0, 0, 0xa0, 4, 0, 0, 0, 1, 2, 3, 4]) }), 0);
  await w.addHardLink('d\\link', 'd\\e\\f5');
  await w.commit();
  return readdirSync(dir).sort();
}

/** Opens and reads everything (first 64 KiB of each stream); returns the error if any. */
async function readEverything(cim: string): Promise<unknown> {
  let img;
  try {
    img = await openCimImage(cim);
    let n = 0;
    for await (const w of img.walk()) {
      if (++n > 10000) throw new Error('walk did not end');
      const st = await img.stat(w.fileId);
      if (!w.isDirectory) await img.read(w.fileId, 0, 65536);
      for (const s of st.alternateStreams) await img.read(w.fileId, 0, 65536, s.name);
    }
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await img?.close();
  }
}

function checkError(e: unknown, what: string): void {
  if (e === undefined) return;
  assert.ok(isWcError(e), `${what}: threw a non-WcError: ${(e as Error)?.stack ?? e}`);
  assert.ok(ALLOWED.has(e.code), `${what}: unexpected code ${e.code}: ${e.message}`);
  if (e.code === 'Corrupt') {
    assert.match(e.message, /(\.cim|region_[0-9a-f-]+_\d)/, `${what}: Corrupt names the file: ${e.message}`);
    if (e.data.offset !== undefined) assert.equal(typeof e.data.offset, 'number');
  }
}

test('truncated and byte-flipped images fail cleanly', async () => {
  const t = tempDir('fuzz-src');
  const work = mkdtempSync(join(tmpdir(), 'wclayer-cim-fuzz-'));
  try {
    const files = await buildSample(t.dir);
    const originals = new Map(files.map((f) => [f, readFileSync(join(t.dir, f))]));
    const targets = files.filter((f) => f.endsWith('.cim') || f.startsWith('region_'));
    for (const f of files) copyFileSync(join(t.dir, f), join(work, f));
    const restore = (): void => {
      for (const [f, b] of originals) writeFileSync(join(work, f), b);
    };
    assert.equal(await readEverything(join(work, 's.cim')), undefined, 'the unmodified sample reads');
    const mutation = fc.record({
      file: fc.constantFrom(...targets),
      kind: fc.constantFrom('truncate', 'flip', 'flip', 'flip'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        restore();
        const orig = originals.get(m.file)!;
        const b = Buffer.from(orig);
        let what: string;
        if (m.kind === 'truncate') {
          const len = Math.floor(m.at * orig.length);
          writeFileSync(join(work, m.file), b.subarray(0, len));
          what = `${m.file} truncated to ${len}`;
        } else {
          // Flips land in the structure-dense start of region 0 more often.
          for (const f of m.flips) b[Math.floor(f.at * f.at * (b.length - 1))] = f.value;
          writeFileSync(join(work, m.file), b);
          what = `${m.file} with ${m.flips.length} bytes changed`;
        }
        checkError(await readEverything(join(work, 's.cim')), what);
      }),
      { numRuns: isLong ? 5000 : 300 },
    );
  } finally {
    t.done();
    rmSync(work, { recursive: true, force: true });
  }
});

test('a directory that contains itself is reported as a cycle, not walked forever', async () => {
  const t = tempDir('cycle');
  try {
    await buildSample(t.dir);
    let img = await openCimImage(join(t.dir, 's.cim'));
    const d = await img.lookup('d');
    const e = await img.lookup('d\\e');
    const rec = await img.record(d);
    const region = img.regionInfo[rec.defaultStream.dataOffset.region]!.fileName;
    await img.close();
    const bytes = readFileSync(join(t.dir, region));
    const at = rec.defaultStream.dataOffset.offset;
    const count = bytes.readUInt32LE(at + 4);
    let patched = false;
    for (let i = 0; i < count; i++) {
      if (bytes.readUInt32LE(at + 8 + 4 * i) === e) {
        bytes.writeUInt32LE(d, at + 8 + 4 * i);
        patched = true;
      }
    }
    assert.ok(patched);
    writeFileSync(join(t.dir, region), bytes);
    img = await openCimImage(join(t.dir, 's.cim'));
    try {
      await assert.rejects(
        (async () => {
          for await (const _ of img.walk()) void _;
        })(),
        (err: unknown) => isWcError(err) && err.code === 'Corrupt' && /appears twice/.test(err.message),
      );
    } finally {
      await img.close();
    }
  } finally {
    t.done();
  }
});

test('absurd reads are refused up front', async () => {
  const t = tempDir('absurd');
  try {
    await buildSample(t.dir);
    const img = await openCimImage(join(t.dir, 's.cim'));
    try {
      const f = await img.lookup('d\\e\\f1');
      await assert.rejects(img.read(f, 0, 2 ** 40), (e: unknown) => isWcError(e) && e.code === 'InvalidArgument');
      await assert.rejects(img.read(f, -1, 1), (e: unknown) => isWcError(e) && e.code === 'InvalidArgument');
      assert.equal((await img.read(f, 10 ** 12, 10)).length, 0);
      await assert.rejects(img.record(999999), (e: unknown) => isWcError(e) && e.code === 'Corrupt');
      await assert.rejects(img.readObject({ region: 9, offset: 8 }, 1, 'x'), (e: unknown) => isWcError(e) && e.code === 'Corrupt');
    } finally {
      await img.close();
    }
  } finally {
    t.done();
  }
});
