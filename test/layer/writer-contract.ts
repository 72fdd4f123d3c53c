// The behaviour every LayerWriter must have, written once and run against each implementation
// (the way containerd's snapshotter testsuite works). A suite file calls
// runLayerWriterContract() with a factory for its writer and a reader for what it wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isWcError } from '../../src/errors.js';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { writeEntries, type LayerWriter } from '../../src/layer/writer.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { assertRejectsWc, assertSameEntries, assertWriterOrder, bytes, collect, listDir, removeDir, tempDir } from './helpers.js';

export type ContractLayerKind = 'base' | 'child';

export interface LayerWriterUnderTest {
  /** Shown in the test names. */
  name: string;
  /** Layer kinds the implementation writes. */
  kinds: readonly ContractLayerKind[];
  /**
   * A writer for a new layer at layerPath. For 'child', `parent` is a base layer written
   * earlier by the same implementation (from baseEntries()).
   */
  create(layerPath: string, kind: ContractLayerKind, parent: string | undefined): Promise<LayerWriter>;
  /** The finished layer's entries. */
  read(layerPath: string): AsyncIterable<Entry>;
}

const T = 132223104001234567n;
const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
const fileInfo: FileInfo = { attributes: 0x20, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };

/** The smallest valid layer of a kind: base layers carry the five config hives. */
export function minimalEntries(kind: ContractLayerKind): Entry[] {
  const d = (path: string): Entry => ({ kind: 'directory', path, info: dirInfo });
  const f = (path: string, text: string): Entry => ({ kind: 'file', path, info: fileInfo, size: text.length, data: bytes(text) });
  if (kind === 'child') return [d('Files'), d('Hives'), f('Hives/System_Delta', 'regf'), f('Files/hello.txt', 'hello')];
  return [
    d('Files'),
    d('Files/Windows'),
    d('Files/Windows/System32'),
    d('Files/Windows/System32/config'),
    ...['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'].map((h) => f(`Files/Windows/System32/config/${h}`, 'regf')),
    f('Files/hello.txt', 'hello'),
  ];
}

const sample = (kind: ContractLayerKind, seed: number) =>
  generateSampleLayer(kind === 'base' ? { seed, kind, fileCount: 80, totalSize: 200_000 } : { seed, kind, fileCount: 80, totalSize: 150_000 });

export function runLayerWriterContract(w: LayerWriterUnderTest): void {
  /** A work folder, with a base layer written by the implementation when a child is wanted. */
  async function setup(kind: ContractLayerKind): Promise<{ dir: string; layer: string; parent: string | undefined; cleanup: () => Promise<void> }> {
    const dir = await tempDir('wclayer-contract-');
    let parent: string | undefined;
    if (kind === 'child') {
      parent = join(dir, 'parent');
      await writeEntries(await w.create(parent, 'base', undefined), sample('base', 99));
    }
    return { dir, layer: join(dir, 'layer'), parent, cleanup: () => removeDir(dir) };
  }
  const others = (parent: string | undefined): string[] => (parent ? ['parent'] : []);

  for (const kind of w.kinds) {
    const name = `${w.name} (${kind}): `;

    test(`${name}a sample layer round-trips with all metadata, data, links, streams and whiteouts`, async () => {
      const s = await setup(kind);
      try {
        await writeEntries(await w.create(s.layer, kind, s.parent), sample(kind, 5));
        const expected = await collect(sample(kind, 5));
        const actual = await collect(w.read(s.layer));
        assertSameEntries(actual, expected);
        assertWriterOrder(actual);
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}the layer appears at its path only when close() resolves`, async () => {
      const s = await setup(kind);
      try {
        const writer = await w.create(s.layer, kind, s.parent);
        await writeEntries(writer, minimalEntries(kind), { close: false });
        await assert.rejects(stat(s.layer), 'the layer exists before close');
        await writer.close();
        assert.ok((await stat(s.layer)).isDirectory());
        assert.equal((await collect(w.read(s.layer))).length, minimalEntries(kind).length);
        await assertRejectsWc(writer.add('Files/late', fileInfo, 0), 'FailedPrecondition');
        await writer.abort(); // after close: keeps the layer
        assert.ok((await stat(s.layer)).isDirectory());
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}abort() removes everything and may be called twice`, async () => {
      const s = await setup(kind);
      try {
        const writer = await w.create(s.layer, kind, s.parent);
        await writeEntries(writer, minimalEntries(kind), { close: false });
        await writer.abort();
        await writer.abort();
        assert.deepEqual(await listDir(s.dir), others(s.parent));
        await assert.rejects(writer.close());
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}an existing layer path is AlreadyExists`, async () => {
      const s = await setup(kind);
      try {
        await mkdir(s.layer);
        await assertRejectsWc(
          (async () => {
            const writer = await w.create(s.layer, kind, s.parent);
            await writeEntries(writer, minimalEntries(kind));
          })(),
          'AlreadyExists',
        );
        assert.deepEqual(await listDir(s.layer), []);
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}write() without a current file, too many bytes, and short data are refused; a failure ends the writer`, async () => {
      const s = await setup(kind);
      try {
        let writer = await w.create(s.layer, kind, s.parent);
        await writer.add('Files', dirInfo);
        await assert.rejects(writer.write(Buffer.from('x')));
        await assert.rejects(writer.add('Files/x', fileInfo, 0), 'a failed writer refuses more work');
        assert.deepEqual(await listDir(s.dir), others(s.parent));

        writer = await w.create(s.layer, kind, s.parent);
        await writer.add('Files', dirInfo);
        await writer.add('Files/a', fileInfo, 2);
        await assertRejectsWc(writer.write(Buffer.from('abc')), 'InvalidArgument', /Files\/a/);
        assert.deepEqual(await listDir(s.dir), others(s.parent));

        writer = await w.create(s.layer, kind, s.parent);
        await writer.add('Files', dirInfo);
        await writer.add('Files/a', fileInfo, 4);
        await writer.write(Buffer.from('ab'));
        await assert.rejects(writer.add('Files/b', fileInfo, 0), /Files\/a/);
        assert.deepEqual(await listDir(s.dir), others(s.parent));
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}unsafe names, misplaced streams and parentless entries are InvalidArgument naming the entry`, async () => {
      const s = await setup(kind);
      try {
        const cases: { entries: Entry[]; entry: string }[] = [
          { entries: [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'file', path: 'Files/../../escape', info: fileInfo, size: 0 }], entry: 'Files/../../escape' },
          { entries: [{ kind: 'file', path: '/abs', info: fileInfo, size: 0 }], entry: '/abs' },
          { entries: [{ kind: 'file', path: 'C:/x', info: fileInfo, size: 0 }], entry: 'C:/x' },
          { entries: [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'file', path: 'Files/a/b', info: fileInfo, size: 0 }], entry: 'Files/a/b' },
          {
            entries: [{ kind: 'directory', path: 'Files', info: dirInfo }, { kind: 'file', path: 'Files/a', info: fileInfo, size: 0 }, { kind: 'directory', path: 'Files/b', info: dirInfo }, { kind: 'stream', path: 'Files/a', name: 's', size: 0 }],
            entry: 'Files/a:s',
          },
        ];
        for (const c of cases) {
          const writer = await w.create(s.layer, kind, s.parent);
          await assert.rejects(writeEntries(writer, c.entries), (e: unknown) => {
            assert.ok(isWcError(e) && e.code === 'InvalidArgument', String(e));
            assert.equal(e.data.entry, c.entry, e.message);
            return true;
          });
          assert.deepEqual(await listDir(s.dir), others(s.parent));
        }
      } finally {
        await s.cleanup();
      }
    });

    test(`${name}cancellation between entries aborts and leaves nothing`, async () => {
      const s = await setup(kind);
      try {
        const ac = new AbortController();
        let n = 0;
        const source = async function* (): AsyncGenerator<Entry> {
          for await (const e of sample(kind, 8)) {
            if (++n === 40) ac.abort();
            yield e;
          }
        };
        await assertRejectsWc(writeEntries(await w.create(s.layer, kind, s.parent), source(), { signal: ac.signal }), 'Cancelled');
        assert.deepEqual(await listDir(s.dir), others(s.parent));
      } finally {
        await s.cleanup();
      }
    });

    if (kind === 'base') {
      test(`${name}whiteouts are refused in a base layer`, async () => {
        const s = await setup(kind);
        try {
          const writer = await w.create(s.layer, kind, s.parent);
          await assert.rejects(writeEntries(writer, [...minimalEntries(kind), { kind: 'whiteout', path: 'Files/x' }]), /base layer cannot have tombstones/);
          assert.deepEqual(await listDir(s.dir), []);
        } finally {
          await s.cleanup();
        }
      });
    }
  }
}
