// One plain JSON object per layer entry, for `tar/list`, `wclayer tar ls` and
// Get-WcLayerContent. Alternate data streams are folded into their file's `streams`, so a
// file object is held back until the next non-stream entry (one object at a time). Two readers
// produce the entries: listing-stream.ts (any input, digests) and listing-plain.ts (a plain tar
// file read by position); both fold them here, so they list the same items.

import { WcError } from '../../errors.js';
import type { Entry, FileInfo } from '../entry.js';
import { FILE_ATTRIBUTE } from '../entry.js';
import { filetimeToIso } from '../backup/filetime.js';
import { decodeReparsePoint } from '../backup/reparse.js';
import type { DecodeOptions } from './decode.js';
import { entrySource } from './entries.js';
import { toBase64At } from '../byte-text.js';

export type ListingKind = 'file' | 'directory' | 'symlink' | 'junction' | 'reparsePoint' | 'link' | 'whiteout';

export interface ListingItem {
  name: string;
  kind: ListingKind;
  size: number;
  /** FILE_ATTRIBUTE_* bits (0 for links and whiteouts). */
  attributes: number;
  creationTime?: string;
  lastWriteTime?: string;
  lastAccessTime?: string;
  changeTime?: string;
  /** The exact FILETIMEs as decimal strings (ISO strings are for reading). */
  creationTimeRaw?: string;
  lastWriteTimeRaw?: string;
  /** Self-relative security descriptor, base64. */
  securityDescriptor?: string;
  /**
   * SDDL rendering of securityDescriptor (the `renderSddl` option); null when the descriptor
   * cannot be rendered (the base64 is still there); absent without a descriptor or renderer.
   */
  sddl?: string | null;
  streams: { name: string; size: number }[];
  extendedAttributes: string[];
  /** Hard-link target (tar path) or reparse target (print name, Windows form). */
  linkTarget?: string;
  /** For reparse points other than symlinks and junctions. */
  reparseTag?: number;
  isWhiteout: boolean;
  /** Offset of the entry's first header in the uncompressed tar. */
  offset?: number;
}

export interface ListOptions extends DecodeOptions {
  /** Renders a security descriptor as SDDL (src/layer/tar-list.ts passes sdToSddl); errors are not fatal. */
  renderSddl?: (sd: Uint8Array) => string;
  /** The ISO 8601 times (creationTime ... changeTime; default true). Without them an item has only the raw FILETIMEs. */
  isoTimes?: boolean;
}

/** Sets the item's times (in this key order, which JSON output keeps). */
function setTimes(item: ListingItem, info: FileInfo, options: ListOptions): void {
  if (options.isoTimes !== false) {
    item.creationTime = safeIso(info.creationTime);
    item.lastWriteTime = safeIso(info.lastWriteTime);
    item.lastAccessTime = safeIso(info.lastAccessTime);
    item.changeTime = safeIso(info.changeTime);
  }
  item.creationTimeRaw = rawTime(info.creationTime);
  item.lastWriteTimeRaw = rawTime(info.lastWriteTime);
}

/** Decimal text of a FILETIME; the last one is remembered (an entry's times are often equal). */
function rawTime(ft: bigint): string {
  if (ft !== lastRawInput) {
    lastRawInput = ft;
    lastRawOutput = ft.toString();
  }
  return lastRawOutput;
}
let lastRawInput = -1n;
let lastRawOutput = '-1';

function safeIso(ft: bigint): string | undefined {
  try {
    return filetimeToIso(ft);
  } catch {
    return undefined;
  }
}

/**
 * Per listing: the base64 text of each descriptor (the listings share equal descriptors as one
 * Uint8Array, see EntryOptions.shareSecurityDescriptors) and its SDDL by that text. A layer
 * repeats a few descriptors thousands of times; both maps are emptied when they grow large.
 */
export interface ListingCache {
  base64: Map<Uint8Array, string>;
  sddl: Map<string, string | null>;
}
const CACHE_LIMIT = 1024;

export function newListingCache(): ListingCache {
  return { base64: new Map(), sddl: new Map() };
}

function base64Of(sd: Uint8Array, cache: ListingCache | undefined): string {
  let text = cache?.base64.get(sd);
  if (text === undefined) {
    text = toBase64At(sd, 0, sd.length);
    if (cache) {
      if (cache.base64.size >= CACHE_LIMIT) cache.base64.clear();
      cache.base64.set(sd, text);
    }
  }
  return text;
}

function renderSddlCached(options: ListOptions, sd: Uint8Array, base64: string, cache: ListingCache | undefined): string | null {
  const known = cache?.sddl.get(base64);
  if (known !== undefined) return known;
  let sddl: string | null;
  try {
    sddl = options.renderSddl!(sd);
  } catch {
    sddl = null; // a descriptor we cannot render is still listed (base64)
  }
  if (cache) {
    if (cache.sddl.size >= CACHE_LIMIT) cache.sddl.clear();
    cache.sddl.set(base64, sddl);
  }
  return sddl;
}

/**
 * What most items have: no streams, no extended attributes. Frozen, so nothing can add to the
 * shared array by mistake; listEntries gives an item its own array for its first stream.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** The item for an entry; `offset` is where it starts in the tar (default: what the decoder recorded in entrySource). */
export function listingItem(entry: Exclude<Entry, { kind: 'stream' }>, options: ListOptions = {}, cache?: ListingCache, offset = entrySource.get(entry)?.offset): ListingItem {
  const item: ListingItem = { name: entry.path, kind: 'file', size: 0, attributes: 0, streams: NONE, extendedAttributes: NONE, isWhiteout: false };
  if (offset !== undefined) item.offset = offset;
  switch (entry.kind) {
    case 'whiteout':
      item.kind = 'whiteout';
      item.isWhiteout = true;
      return item;
    case 'link':
      item.kind = 'link';
      item.linkTarget = entry.target;
      if (entry.info) {
        setTimes(item, entry.info, options);
        item.attributes = entry.info.attributes;
      }
      return item;
    case 'file':
    case 'directory': {
      const info = entry.info;
      item.kind = entry.kind;
      item.size = entry.kind === 'file' ? entry.size : 0;
      item.attributes = info.attributes;
      setTimes(item, info, options);
      if (info.securityDescriptor) {
        const sd = info.securityDescriptor;
        item.securityDescriptor = base64Of(sd, cache);
        if (options.renderSddl) item.sddl = renderSddlCached(options, sd, item.securityDescriptor, cache);
      }
      if (info.extendedAttributes?.length) item.extendedAttributes = info.extendedAttributes.map((ea) => ea.name);
      if (info.reparseData) {
        const rp = decodeReparsePoint(info.reparseData);
        if (rp.kind === 'other') {
          item.kind = 'reparsePoint';
          item.reparseTag = rp.tag;
        } else {
          item.kind = rp.kind === 'symlink' ? 'symlink' : 'junction';
          item.linkTarget = rp.target;
        }
      }
      return item;
    }
  }
}

/**
 * Lists the entries `next` returns (undefined at the end) through `onItem`, one item per entry
 * with a file's streams folded into it; `offsetOf` tells where an entry starts in the tar. When
 * reading fails, the item held back was read whole before the damage: it is still listed
 * (unless the listing was cancelled), then the error thrown.
 */
export async function listEntries(
  next: () => Entry | undefined | Promise<Entry | undefined>,
  offsetOf: (entry: Entry) => number | undefined,
  onItem: (item: ListingItem) => void | Promise<void>,
  options: ListOptions = {},
): Promise<void> {
  const cache = newListingCache();
  let pending: ListingItem | undefined;
  for (;;) {
    let e: Entry | undefined;
    try {
      const r = next();
      e = r instanceof Promise ? await r : r;
    } catch (err) {
      if (pending && !(err instanceof WcError && err.code === 'Cancelled')) await onItem(pending);
      throw err;
    }
    if (!e) break;
    if (e.kind === 'stream') {
      // The readers guarantee the stream follows its file, so `pending` is that file.
      if (pending) {
        if (pending.streams === NONE) pending.streams = [];
        pending.streams.push({ name: e.name, size: e.size });
      }
      continue;
    }
    const item = pending;
    pending = listingItem(e, options, cache, offsetOf(e));
    if (item) {
      const p = onItem(item);
      if (p) await p;
    }
  }
  if (pending) await onItem(pending);
}

const ATTRIBUTE_LETTERS: [number, string][] = [
  [FILE_ATTRIBUTE.DIRECTORY, 'd'],
  [FILE_ATTRIBUTE.ARCHIVE, 'a'],
  [FILE_ATTRIBUTE.READONLY, 'r'],
  [FILE_ATTRIBUTE.HIDDEN, 'h'],
  [FILE_ATTRIBUTE.SYSTEM, 's'],
  [FILE_ATTRIBUTE.REPARSE_POINT, 'l'],
  [FILE_ATTRIBUTE.SPARSE_FILE, 'p'],
  [FILE_ATTRIBUTE.COMPRESSED, 'c'],
];
const attributeLettersSeen = new Map<number, string>();

/** Short attribute letters for tables: R H S D A ... like `attrib`/`dir` show them. */
export function attributeLetters(attributes: number): string {
  let s = attributeLettersSeen.get(attributes);
  if (s === undefined) {
    s = '';
    for (const [bit, ch] of ATTRIBUTE_LETTERS) s += attributes & bit ? ch : '-';
    if (attributeLettersSeen.size < 4096) attributeLettersSeen.set(attributes, s); // a layer uses a handful of combinations
  }
  return s;
}
