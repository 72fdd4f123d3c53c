// Shared bits of the CIM layer tests: real hives for sample layers, reading files out of a
// layer's image, and the small hand-written layers the chain and error tests use.
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { writeHive } from '../../src/formats/regf/writer.js';
import type { HiveKeyInput } from '../../src/formats/regf/tree.js';
import { generateSampleLayer } from '../../src/sample/index.js';
import { openCimImage } from '../../src/cim/image.js';
import { describeCimLayer } from '../../src/layer/cim/index.js';

export const T = 131000000000000000n;
export const dirInfo: FileInfo = { attributes: 0x10, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };
export const fileInfo: FileInfo = { attributes: 0x20, creationTime: T, lastAccessTime: T, lastWriteTime: T, changeTime: T };

export const dir = (path: string): Entry => ({ kind: 'directory', path, info: dirInfo });
export const file = (path: string, content: string | Uint8Array): Entry => {
  const b = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  return { kind: 'file', path, info: fileInfo, size: b.length, ...(b.length ? { data: Readable.from([b]) } : {}) };
};

/** A SOFTWARE hive that says which build it is, as the utility VM's hive does. */
export function softwareHive(build: string, extra: HiveKeyInput[] = []): Uint8Array {
  return writeHive(
    {
      name: 'ROOT',
      subkeys: [
        ...extra,
        {
          name: 'Microsoft',
          subkeys: [{ name: 'Windows NT', subkeys: [{ name: 'CurrentVersion', values: [{ name: 'CurrentBuild', data: build }, { name: 'ProductName', data: 'Windows Server' }] }] }],
        },
      ],
    },
    { timestamp: T },
  );
}

/** A plain base hive with one key that names it. */
export function baseHive(name: string): Uint8Array {
  if (name === 'SOFTWARE') return softwareHive('17763', [{ name: 'BaseSoftware', values: [{ name: 'v', data: 'base' }] }]);
  return writeHive({ name: 'ROOT', subkeys: [{ name: `Base${name}`, values: [{ name: 'v', data: 'base' }, { name: 'n', data: 1 }] }] }, { timestamp: T });
}

/** A layered (minor 6) delta hive adding a key `<tag><name>` and overriding a base value. */
export function deltaHive(name: string, tag = 'Delta'): Uint8Array {
  return writeHive(
    { name: 'ROOT', subkeys: [{ name: `${tag}${name}`, values: [{ name: 'v', data: tag }] }, { name: `Base${name.replace(/_Delta$/i, '').toUpperCase()}`, values: [{ name: 'n', data: 2 }] }] },
    { minorVersion: 6, timestamp: T },
  );
}

export const UVM_SOFTWARE_BUILD = '20348';

/**
 * A sample base layer with real hives, plus a utility VM SOFTWARE hive (the generator gives the
 * utility VM only a BCD), its folders added where the sample has none.
 */
export async function* sampleBase(seed: number, fileCount = 80, totalSize = 400_000): AsyncGenerator<Entry> {
  const seen = new Set<string>();
  for await (const e of generateSampleLayer({ seed, kind: 'base', fileCount, totalSize, hiveContent: (n) => baseHive(n) })) {
    if (e.kind === 'directory') seen.add(e.path);
    yield e;
  }
  for (const d of ['UtilityVM/Files/Windows', 'UtilityVM/Files/Windows/System32', 'UtilityVM/Files/Windows/System32/config']) if (!seen.has(d)) yield dir(d);
  yield file('UtilityVM/Files/Windows/System32/config/SOFTWARE', softwareHive(UVM_SOFTWARE_BUILD));
}

export function sampleChild(seed: number, fileCount = 80, totalSize = 300_000): AsyncGenerator<Entry> {
  return generateSampleLayer({ seed, kind: 'child', fileCount, totalSize, hiveContent: (n) => deltaHive(n) }) as AsyncGenerator<Entry>;
}

/** A file's bytes (or undefined) and FileID from a layer's image. */
export async function imageFile(layerPath: string, path: string): Promise<{ id: number; bytes: Buffer } | undefined> {
  const image = await openCimImage((await describeCimLayer(layerPath)).imagePath);
  try {
    const id = await image.lookup(path).catch(() => undefined);
    if (id === undefined) return undefined;
    const st = await image.stat(id);
    if (st.isDirectory) return { id, bytes: Buffer.alloc(0) };
    const chunks: Buffer[] = [];
    for await (const c of image.createReadStream(id) as AsyncIterable<Buffer>) chunks.push(c);
    return { id, bytes: Buffer.concat(chunks) };
  } finally {
    await image.close();
  }
}

export async function imageStat(layerPath: string, path: string) {
  const image = await openCimImage((await describeCimLayer(layerPath)).imagePath);
  try {
    return await image.stat(await image.lookup(path));
  } finally {
    await image.close();
  }
}

/** The bytes of an entry of a sample stream (consuming the others' data). */
export async function entryBytes(entries: AsyncIterable<Entry>, path: string): Promise<{ bytes: Buffer; info: FileInfo }> {
  let found: { bytes: Buffer; info: FileInfo } | undefined;
  for await (const e of entries) {
    if (e.kind === 'file' && e.path === path) {
      const chunks: Buffer[] = [];
      if (e.data) for await (const c of e.data as AsyncIterable<Buffer>) chunks.push(c);
      found = { bytes: Buffer.concat(chunks), info: e.info };
    } else if ('data' in e && e.data) e.data.destroy();
  }
  if (!found) throw new Error(`${path} is not in the sample`);
  return found;
}

export const readBytes = (p: string): Promise<Buffer> => readFile(p);
