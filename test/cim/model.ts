// A plain in-memory model of what an image should contain after a series of writer calls, the
// random operations that drive both, and a deep comparison of an image against the model.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { FileInfo } from '../../src/formats/entry.js';
import type { CimImage } from '../../src/formats/cim/reader.js';
import type { CimWriter } from '../../src/formats/cim/writer.js';
import { compareNames, nameKey } from '../../src/formats/cim/names.js';
import { defaultUpcaseTable } from '../../src/formats/cim/upcase.js';
import { readAll } from './helpers.js';

const UP = defaultUpcaseTable();

/** How a file's bytes are produced: a seed and a length; `written` bytes are given, the rest is zero. */
export interface Content {
  size: number;
  written: number;
  seed: number;
  zero: boolean;
}

export function contentBytes(c: Content): Buffer {
  const b = Buffer.alloc(c.size);
  if (c.zero) return b;
  let x = c.seed * 2654435761 + 1;
  for (let i = 0; i < c.written; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

export interface MFile {
  dir: false;
  info: FileInfo;
  content: Content;
  ads: Map<string, { name: string; content: Content }>;
}
export interface MDir {
  dir: true;
  info: FileInfo;
  children: Map<string, { name: string; node: MNode }>;
  ads: Map<string, { name: string; content: Content }>;
}
export type MNode = MFile | MDir;

export function emptyRoot(): MDir {
  return { dir: true, info: { attributes: 0x10, creationTime: 0n, lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n }, children: new Map(), ads: new Map() };
}

/** Deep copy that keeps sharing (hard links stay links). */
export function cloneTree(root: MDir): MDir {
  const seen = new Map<MNode, MNode>();
  const copy = (n: MNode): MNode => {
    const have = seen.get(n);
    if (have) return have;
    const ads = new Map([...n.ads].map(([k, v]) => [k, { ...v }]));
    if (!n.dir) {
      const f: MFile = { dir: false, info: n.info, content: n.content, ads };
      seen.set(n, f);
      return f;
    }
    const d: MDir = { dir: true, info: n.info, children: new Map(), ads };
    seen.set(n, d);
    for (const [k, v] of n.children) d.children.set(k, { name: v.name, node: copy(v.node) });
    return d;
  };
  return copy(root) as MDir;
}

export function allPaths(root: MDir): { path: string[]; node: MNode }[] {
  const out: { path: string[]; node: MNode }[] = [];
  const walk = (d: MDir, p: string[]): void => {
    for (const c of d.children.values()) {
      const q = [...p, c.name];
      out.push({ path: q, node: c.node });
      if (c.node.dir) walk(c.node, q);
    }
  };
  walk(root, []);
  return out;
}

// ---- random operations ----

const NAME_POOL = ['a', 'A', 'b', 'readme.txt', 'README.TXT', 'é', 'É', 'ß', 'ǆ', 'ǅ', 'Ǆ', 'σ', 'ς', 'Σ', 'ÿ', 'Ÿ', 'ｆｏｏ', 'ＦＯＯ', '😀', '😀x', 'x😀', 'ᾀ', 'ᾈ', 'SOUND1.WAV', 'SOUND104.WAV', 'x'.repeat(255), 'µ', 'Μ'];

export const nameArb = fc.oneof(fc.constantFrom(...NAME_POOL), fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom('q', 'Q', 'z', '.', '-', 'ä', 'Ä', 'ı', 'I', 'i', '\u{1F600}') }).filter((s) => s !== '.' && s !== '..'));

const SIZES = [0, 1, 24, 25, 1023, 1024, 1025, 4096, 5000, 70000];
export const contentArb: fc.Arbitrary<Content> = fc
  .record({
    size: fc.oneof(fc.constantFrom(...SIZES), fc.integer({ min: 0, max: 9000 })),
    seed: fc.integer({ min: 0, max: 6 }),
    zero: fc.boolean(),
    part: fc.constantFrom(1, 1, 1, 1, 0.5, 0),
  })
  .map(({ size, seed, zero, part }) => ({ size, seed, zero, written: Math.floor(size * part) }));

const SD_POOL = Array.from({ length: 6 }, (_, i) => createHash('sha256').update(`sd${i}`).digest().subarray(0, 20 + i * 7));
const REPARSE = Buffer.concat([Buffer.from([0x0c, 0x00, 0x00, 0xa0, 0x08, 0x00, 0x00, 0x00]), Buffer.from('12345678')]);

export const infoArb: fc.Arbitrary<Omit<FileInfo, 'attributes'> & { attr: number }> = fc.record({
  attr: fc.constantFrom(0, 0x20, 0x21, 0x6, 0x200, 0x80, 0x2000),
  creationTime: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  lastAccessTime: fc.bigInt({ min: 0n, max: 1n << 60n }),
  lastWriteTime: fc.bigInt({ min: 0n, max: 1n << 60n }),
  changeTime: fc.bigInt({ min: 0n, max: 1n << 60n }),
  securityDescriptor: fc.option(fc.oneof(fc.constantFrom(...SD_POOL), fc.uint8Array({ minLength: 1, maxLength: 300 })), { nil: undefined }),
  extendedAttributes: fc.option(
    fc.array(fc.record({ name: fc.constantFrom('USER.A', '$KERNEL.PURGE.X', 'n'), value: fc.uint8Array({ maxLength: 40 }), flags: fc.constantFrom(0, 0x80) }), { minLength: 1, maxLength: 3 }),
    { nil: undefined },
  ),
  reparseData: fc.option(fc.constant(new Uint8Array(REPARSE)), { nil: undefined, freq: 6 }),
});

export type Op =
  | { op: 'dir'; at: number; name: string; info: FileInfo }
  | { op: 'chain'; at: number; depth: number }
  | { op: 'file'; at: number; name: string; info: FileInfo; content: Content }
  | { op: 'ads'; at: number; name: string; content: Content }
  | { op: 'link'; at: number; to: number; name: string }
  | { op: 'unlink'; at: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('dir' as const), at: fc.nat(), name: nameArb, info: infoArb.map(({ attr, ...i }) => ({ ...i, attributes: attr | 0x10 })) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('chain' as const), at: fc.nat(), depth: fc.integer({ min: 2, max: 30 }) }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant('file' as const), at: fc.nat(), name: nameArb, info: infoArb.map(({ attr, ...i }) => ({ ...i, attributes: attr })), content: contentArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('ads' as const), at: fc.nat(), name: fc.constantFrom('s', 'S', 'Zone.Identifier', 'é', 'data2'), content: contentArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('link' as const), at: fc.nat(), to: fc.nat(), name: nameArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('unlink' as const), at: fc.nat() }) },
);

async function writeContent(w: CimWriter, c: Content): Promise<void> {
  if (c.written === 0) return;
  const b = contentBytes(c).subarray(0, c.written);
  // Uneven chunks, to exercise buffering.
  for (let i = 0; i < b.length; ) {
    const n = Math.min(b.length - i, 1 + ((i * 7919) % 70001));
    await w.write(b.subarray(i, i + n));
    i += n;
  }
}

/** Applies one operation to the writer and the model alike. */
export async function apply(w: CimWriter, root: MDir, o: Op): Promise<void> {
  const paths = allPaths(root);
  const dirs = [{ path: [] as string[], node: root as MNode }, ...paths.filter((p) => p.node.dir)];
  const files = paths.filter((p) => !p.node.dir);
  const parentAt = (i: number): { path: string[]; node: MDir } => dirs[i % dirs.length] as { path: string[]; node: MDir };
  switch (o.op) {
    case 'dir': {
      const p = parentAt(o.at);
      const key = nameKey(o.name, UP);
      await w.addFile([...p.path, o.name].join('\\'), o.info, 0);
      const ex = p.node.children.get(key);
      if (ex && ex.node.dir) {
        ex.node.info = o.info;
        ex.name = o.name;
      } else p.node.children.set(key, { name: o.name, node: { dir: true, info: o.info, children: new Map(), ads: new Map() } });
      return;
    }
    case 'chain': {
      let p = parentAt(o.at);
      for (let i = 0; i < o.depth; i++) {
        const name = `d${i}`;
        const info: FileInfo = { attributes: 0x10, creationTime: BigInt(i), lastAccessTime: 0n, lastWriteTime: 0n, changeTime: 0n };
        await w.addFile([...p.path, name].join('/'), info, 0);
        const key = nameKey(name, UP);
        const ex = p.node.children.get(key);
        let node: MDir;
        if (ex && ex.node.dir) {
          ex.node.info = info;
          ex.name = name;
          node = ex.node;
        } else {
          node = { dir: true, info, children: new Map(), ads: new Map() };
          p.node.children.set(key, { name, node });
        }
        p = { path: [...p.path, name], node };
      }
      return;
    }
    case 'file': {
      const p = parentAt(o.at);
      await w.addFile([...p.path, o.name].join('\\'), o.info, o.content.size);
      await writeContent(w, o.content);
      p.node.children.set(nameKey(o.name, UP), { name: o.name, node: { dir: false, info: o.info, content: o.content, ads: new Map() } });
      return;
    }
    case 'ads': {
      if (paths.length === 0) return;
      const t = paths[o.at % paths.length]!;
      await w.createAlternateStream(t.path.join('\\'), o.name, o.content.size);
      await writeContent(w, o.content);
      t.node.ads.set(nameKey(o.name, UP), { name: o.name, content: o.content });
      return;
    }
    case 'link': {
      if (files.length === 0) return;
      const target = files[o.to % files.length]!;
      const p = parentAt(o.at);
      const key = nameKey(o.name, UP);
      if (p.node.children.get(key)?.node.dir) return;
      await w.addHardLink([...p.path, o.name].join('\\'), target.path.join('\\'));
      p.node.children.set(key, { name: o.name, node: target.node });
      return;
    }
    case 'unlink': {
      if (paths.length === 0) return;
      const t = paths[o.at % paths.length]!;
      await w.unlinkPath(t.path.join('\\'));
      const parent = t.path.length === 1 ? root : (allPaths(root).find((x) => x.path.join('\\') === t.path.slice(0, -1).join('\\'))!.node as MDir);
      parent.children.delete(nameKey(t.path[t.path.length - 1]!, UP));
      return;
    }
  }
}

function expectedAttributes(n: MNode): number {
  return (n.info.attributes & (0x1 | 0x2 | 0x4 | 0x20 | 0x200)) | (n.dir ? 0x10 : 0) | (n.info.reparseData?.length ? 0x400 : 0);
}

/** Asserts that the image holds exactly the model's tree, metadata, data, streams and links. */
export async function assertImageEquals(img: CimImage, root: MDir): Promise<void> {
  const idOf = new Map<MNode, number>();
  const walk = async (d: MDir, id: number, where: string): Promise<void> => {
    const listed = await img.list(id);
    const expected = [...d.children.values()].sort((a, b) => compareNames(a.name, b.name, UP));
    assert.deepEqual(listed.map((e) => e.name), expected.map((e) => e.name), `names in ${where || '\\'}`);
    for (let i = 0; i < listed.length; i++) {
      const e = listed[i]!;
      const m = expected[i]!.node;
      const path = `${where}\\${e.name}`;
      const prior = idOf.get(m);
      if (prior !== undefined) {
        assert.equal(e.fileId, prior, `${path} is a hard link to FileID ${prior}`);
        continue;
      }
      assert.ok(![...idOf.values()].includes(e.fileId), `${path}: FileID ${e.fileId} is shared with another model node`);
      idOf.set(m, e.fileId);
      assert.equal(await img.lookup(path.split('\\').map((c) => nameKey(c, UP)).join('/')), e.fileId, `${path} case-insensitive lookup`);
      const st = await img.stat(e.fileId);
      assert.equal(st.isDirectory, m.dir, `${path} kind`);
      assert.equal(st.info.attributes, expectedAttributes(m), `${path} attributes`);
      for (const k of ['creationTime', 'lastAccessTime', 'lastWriteTime', 'changeTime'] as const) assert.equal(st.info[k], m.info[k], `${path} ${k}`);
      assert.deepEqual(st.info.securityDescriptor && Buffer.from(st.info.securityDescriptor), m.info.securityDescriptor?.length ? Buffer.from(m.info.securityDescriptor) : undefined, `${path} SD`);
      assert.deepEqual(
        st.info.extendedAttributes?.map((x) => ({ ...x, value: Buffer.from(x.value) })),
        m.info.extendedAttributes?.length ? m.info.extendedAttributes.map((x) => ({ ...x, value: Buffer.from(x.value) })) : undefined,
        `${path} EAs`,
      );
      assert.deepEqual(st.info.reparseData && Buffer.from(st.info.reparseData), m.info.reparseData ? Buffer.from(m.info.reparseData) : undefined, `${path} reparse`);
      const ads = [...m.ads.values()].sort((a, b) => compareNames(a.name, b.name, UP));
      assert.deepEqual(st.alternateStreams.map((s) => [s.name, s.size]), ads.map((s) => [s.name, s.content.size]), `${path} streams`);
      for (const s of ads) assert.ok((await readAll(img, e.fileId, s.name.toUpperCase())).equals(contentBytes(s.content)), `${path}:${s.name} data`);
      if (m.dir) await walk(m, e.fileId, path);
      else {
        assert.equal(st.size, m.content.size, `${path} size`);
        assert.ok((await readAll(img, e.fileId)).equals(contentBytes(m.content)), `${path} data`);
        if (m.content.size > 10) {
          const mid = Math.floor(m.content.size / 3);
          const part = await img.read(e.fileId, mid, 7);
          assert.ok(Buffer.from(part).equals(contentBytes(m.content).subarray(mid, mid + 7)), `${path} random access`);
        }
      }
    }
  };
  await walk(root, img.rootId, '');
}
