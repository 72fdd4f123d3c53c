// Shared helpers for the tar tests: build entries, encode to bytes, decode to plain objects.
import { Readable } from 'node:stream';
import type { Entry, FileInfo } from '../../src/formats/entry.js';
import { encodeReparsePoint } from '../../src/formats/backup/reparse.js';
import { encodeLayerTarChunks, type EncodeOptions } from '../../src/formats/tar/encode.js';
import { decodeLayerTar, type DecodeOptions, type DecodeResult } from '../../src/formats/tar/decode.js';

export const T = 132223104001234567n; // 2020-01-01T00:00:00.1234567Z

export function info(attributes: number, extra: Partial<FileInfo> = {}, time = T): FileInfo {
  return { attributes, creationTime: time, lastAccessTime: time, lastWriteTime: time, changeTime: time, ...extra };
}

export function bytes(s: string | Uint8Array): Readable {
  return Readable.from([Buffer.from(s)]);
}

export async function* iter<X>(xs: Iterable<X>): AsyncGenerator<X> {
  for (const x of xs) yield x;
}

export async function encode(entries: Iterable<Entry> | AsyncIterable<Entry>, options?: EncodeOptions): Promise<Buffer> {
  const src = Symbol.asyncIterator in entries ? (entries as AsyncIterable<Entry>) : iter(entries as Iterable<Entry>);
  const parts: Buffer[] = [];
  for await (const c of encodeLayerTarChunks(src, options)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** An entry with its data read into a Buffer (so entries can be compared). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type PlainEntry = DistributiveOmit<Entry, 'data'> & { content?: Buffer };

export async function decodeAll(input: Buffer | Buffer[], options?: DecodeOptions): Promise<{ entries: PlainEntry[]; result: DecodeResult }> {
  const d = decodeLayerTar(Array.isArray(input) ? input : [input], options);
  const entries: PlainEntry[] = [];
  for await (const e of d.entries) {
    const plain: PlainEntry = { ...e } as PlainEntry;
    if ((e.kind === 'file' || e.kind === 'stream') && e.size > 0) {
      const parts: Buffer[] = [];
      for await (const c of e.data!) parts.push(c as Buffer);
      plain.content = Buffer.concat(parts);
    }
    entries.push(plain);
  }
  return { entries, result: await d.result };
}

/** Entries back into encoder input (content -> data stream). */
export function toEntries(plain: PlainEntry[]): Entry[] {
  return plain.map((p) => {
    const { content, ...rest } = p as PlainEntry & { content?: Buffer };
    const e = { ...rest } as Entry;
    if (content) (e as { data?: Readable }).data = bytes(content);
    return e;
  });
}

export function chunked(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

export const fuzzLong = process.env.WCLAYER_FUZZ === 'long';

import { buildHeader } from '../../src/formats/tar/encode.js';
import { TYPE } from '../../src/formats/tar/header.js';

/** A hand-made tar entry (header(s) + padded data) for inputs our encoder would never write. */
export function rawEntry(o: { name: string; typeflag?: number; size?: number; data?: Buffer; linkname?: string; mode?: number; records?: Record<string, string>; mtime?: bigint }): Buffer {
  const data = o.data ?? Buffer.alloc(0);
  const size = o.size ?? data.length;
  const h = buildHeader({
    name: o.name,
    linkname: o.linkname ?? '',
    mode: o.mode ?? 0o100000,
    size,
    typeflag: o.typeflag ?? TYPE.REG,
    mtime: o.mtime,
    records: new Map(Object.entries(o.records ?? {})),
    wantPax: false,
  });
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([h, data, Buffer.alloc(pad)]);
}

export const END = Buffer.alloc(1024);
export function tarOf(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, END]);
}

export const GOLDEN_SD = Buffer.from('AQAEgAAAAAAAAAAAAAAAAAAAAAA=', 'base64');

/** The entries of the spec 7.1 golden tar. */
export function goldenEntries(): Entry[] {
  return [
    { kind: 'file', path: 'Files/hello.txt', info: info(32, { securityDescriptor: GOLDEN_SD }), size: 3, data: bytes('hi\n') },
    { kind: 'stream', path: 'Files/hello.txt', name: 'Zone.Identifier', size: 4, data: bytes('ads\n') },
    { kind: 'whiteout', path: 'Files/gone.txt' },
    { kind: 'directory', path: 'Files/dir', info: info(16) },
    { kind: 'file', path: 'Files/link', info: info(1056, { reparseData: encodeReparsePoint('hello.txt', false) }), size: 0 },
    { kind: 'link', path: 'Files/hard.txt', target: 'Files/hello.txt', info: info(32) },
  ];
}


import { listPlainTar } from '../../src/formats/tar/listing-plain.js';
import { listLayerTar } from '../../src/formats/tar/listing-stream.js';
import type { ListingItem, ListOptions } from '../../src/formats/tar/listing.js';
import type { SyncRandomAccessInput } from '../../src/formats/tar/scan.js';
import { WcError } from '../../src/errors.js';

/** A tar in memory as the header scanner's input (counting the bytes it reads). */
export function memoryInput(buf: Buffer): SyncRandomAccessInput & { bytesRead: number } {
  const input = {
    size: buf.length,
    bytesRead: 0,
    readSync(b: Buffer, offset: number, length: number, position: number): number {
      if (position >= buf.length) return 0;
      const n = buf.copy(b, offset, position, Math.min(buf.length, position + length));
      input.bytesRead += n;
      return n;
    },
  };
  return input;
}

/** What a listing produced: its items, then its result or the error that ended it. */
export interface ListingOutcome {
  items: ListingItem[];
  result?: Record<string, unknown>;
  error?: { code: string; message: string; data: Record<string, unknown> };
}

async function outcome(run: (onItem: (item: ListingItem) => void) => Promise<object>): Promise<ListingOutcome> {
  const items: ListingItem[] = [];
  try {
    const result = await run((item) => void items.push(item));
    return { items, result: { ...result } };
  } catch (e) {
    if (!(e instanceof WcError)) throw e;
    return { items, error: { code: e.code, message: e.message, data: { ...e.data } } };
  }
}

/** A plain tar listed by the header scanner (listing-plain.ts). */
export function listFast(tar: Buffer, options: ListOptions = {}): Promise<ListingOutcome> {
  return outcome((onItem) => listPlainTar(memoryInput(tar), onItem, options));
}

/** The same tar listed by the streaming decoder, fed in chunks of `chunk` bytes (no seeking). */
export function listStreaming(tar: Buffer, options: ListOptions = {}, chunk = 64 * 1024): Promise<ListingOutcome> {
  return outcome((onItem) => listLayerTar(chunked(tar, chunk), onItem, { digests: false, ...options }));
}
