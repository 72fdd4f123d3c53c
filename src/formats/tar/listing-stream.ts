// Listing any layer tar input (plain, gzip or zstd; a stream or a file) through the streaming
// decoder, with the digests of the input and of the tar when asked for.

import { decodeLayerTar, entrySource, type DecodeResult } from './decode.js';
import type { RandomAccessInput } from './compression.js';
import { listEntries, type ListingItem, type ListOptions } from './listing.js';

/**
 * Decodes a layer tar and calls `onItem` once per entry (streams folded into their file).
 * Resolves with the digests once the whole input has been read.
 */
export async function listLayerTar(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | RandomAccessInput,
  onItem: (item: ListingItem) => void | Promise<void>,
  options: ListOptions = {},
): Promise<DecodeResult> {
  const decoded = decodeLayerTar(input, { ...options, shareSecurityDescriptors: true }); // the entries live only until listed
  const it = decoded.entries[Symbol.asyncIterator]();
  try {
    await listEntries(async () => {
      const r = await it.next();
      return r.done ? undefined : r.value;
    }, (e) => entrySource.get(e)?.offset, onItem, options);
  } catch (e) {
    await it.return?.(undefined); // a failing onItem leaves the decoder open: close the input
    throw e;
  }
  return decoded.result;
}
