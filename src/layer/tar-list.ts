// Listing a layer tar file (or stdin) for the CLI and the `tar/list` RPC method: opens the input,
// reports progress as bytes read against the file size, and hands each entry to `onItem`.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fromNodeError, WcError } from '../errors.js';
import { listLayerTar, type ListingItem, type ListOptions } from '../formats/tar/listing.js';
import type { DecodeResult } from '../formats/tar/decode.js';

/** Read size for tar input: large reads keep syscalls and async hops per byte low. */
const READ_CHUNK = 1 << 20;

export async function listLayerTarFile(
  path: string,
  onItem: (item: ListingItem) => void | Promise<void>,
  options: ListOptions = {},
): Promise<DecodeResult> {
  if (path === '-') return listLayerTar(process.stdin, onItem, options);
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new WcError('InvalidArgument', `${path} is a directory, not a tar file`, { path });
    size = st.size;
  } catch (e) {
    throw fromNodeError(e, path);
  }
  const input = createReadStream(path, { highWaterMark: READ_CHUNK, signal: options.signal });
  try {
    return await listLayerTar(input, onItem, { ...options, inputSize: options.inputSize ?? size });
  } catch (e) {
    if (e instanceof WcError) {
      if (!e.data.path) e.data.path = path;
      throw e;
    }
    throw fromNodeError(e, path);
  } finally {
    input.destroy();
  }
}
