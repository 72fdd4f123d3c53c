// Listing a layer tar file (or stdin) for the CLI and the `tar/list` RPC method: opens the input,
// reports progress as bytes read against the file size, and hands each entry to `onItem`.
// Items carry `sddl` (src/formats/backup's renderer) unless the caller passes its own renderSddl.

import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fromNodeError, WcError } from '../errors.js';
import { listLayerTar, type ListingItem, type ListOptions } from '../formats/tar/listing.js';
import type { DecodeResult } from '../formats/tar/decode.js';
import type { RandomAccessInput } from '../formats/tar/compression.js';
import { sdToSddl } from '../formats/backup/sddl.js';

const SMALL_READ = 64 * 1024;

export async function listLayerTarFile(
  path: string,
  onItem: (item: ListingItem) => void | Promise<void>,
  listOptions: ListOptions = {},
): Promise<DecodeResult> {
  const options: ListOptions = { renderSddl: sdToSddl, ...listOptions };
  if (path === '-') return listLayerTar(process.stdin, onItem, options);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw fromNodeError(e, path);
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new WcError('InvalidArgument', `${path} is a directory, not a tar file`, { path });
    // Read by position: without digests a plain tar's entry data is skipped, not read. The
    // small reads after each skip (a header or two) are done synchronously: a thread-pool round
    // trip per entry costs more than the read itself; large sequential reads stay asynchronous.
    const fd = fh.fd;
    const input: RandomAccessInput = {
      size: st.size,
      read: async (buffer, position) =>
        buffer.length <= SMALL_READ ? readSync(fd, buffer, 0, buffer.length, position) : (await fh.read(buffer, 0, buffer.length, position)).bytesRead,
    };
    return await listLayerTar(input, onItem, { ...options, inputSize: options.inputSize ?? st.size });
  } catch (e) {
    if (e instanceof WcError) {
      if (!e.data.path) e.data.path = path;
      throw e;
    }
    throw fromNodeError(e, path);
  } finally {
    await fh.close();
  }
}
