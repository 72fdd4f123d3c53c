// Listing a layer tar file (or stdin) for the CLI and the `tar/list` RPC method: opens the input,
// reports progress as bytes read against the file size, and hands each entry to `onItem`.
// Items carry `sddl` (src/formats/backup's renderer) unless the caller passes its own renderSddl.
//
// Two routes, one listing: a plain tar file listed without digests goes to the header scanner
// (listing-plain.ts: reads only the headers, skipping entry data by position, as bsdtar does);
// stdin, compressed files and any listing with digests go through the streaming decoder
// (listing-stream.ts), which must read every byte to hash it. `wclayer tar ls` and
// Get-WcLayerContent ask for no digests; `tar/list` computes them unless told `digests: false`.
// The streaming decoder (zlib, fzstd, crypto) loads only when that route is taken.

import { closeSync, createReadStream, fstatSync, openSync, read, readSync } from 'node:fs';
import { fromNodeError, WcError } from '../errors.js';
import type { ListingItem, ListOptions } from '../formats/tar/listing.js';
import type { DecodeResult } from '../formats/tar/decode.js';
import type { RandomAccessInput } from '../formats/tar/compression.js';
import { detectCompression } from '../formats/tar/magic.js';
import { listPlainTar } from '../formats/tar/listing-plain.js';
import { sdToSddl } from '../formats/backup/sddl.js';

const SMALL_READ = 64 * 1024;

const streamingLister = async () => (await import('../formats/tar/listing-stream.js')).listLayerTar;

export async function listLayerTarFile(
  path: string,
  onItem: (item: ListingItem) => void | Promise<void>,
  listOptions: ListOptions = {},
): Promise<DecodeResult> {
  const options: ListOptions = { renderSddl: sdToSddl, ...listOptions };
  if (path === '-') return (await streamingLister())(process.stdin, onItem, options);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fromNodeError(e, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new WcError('InvalidArgument', `${path} is a directory, not a tar file`, { path });
    // A pipe or device (`tar ls <(zcat layer.tar.gz)`) has no size and no positions: read it as a stream.
    if (!st.isFile()) return await (await streamingLister())(createReadStream('', { fd, autoClose: false, highWaterMark: 1 << 20 }), onItem, options);
    const sized: ListOptions = { ...options, inputSize: options.inputSize ?? st.size };
    if (options.digests === false) {
      const head = Buffer.alloc(4);
      const got = readSync(fd, head, 0, Math.min(4, st.size), 0);
      if (detectCompression(head.subarray(0, got)) === 'none') {
        return await listPlainTar({ size: st.size, readSync: (buffer, offset, length, position) => readSync(fd, buffer, offset, length, position) }, onItem, sized);
      }
    }
    // Read by position. The small reads after each skip (a header or two) are done
    // synchronously: a thread-pool round trip per entry costs more than the read itself; large
    // sequential reads stay asynchronous.
    const input: RandomAccessInput = {
      size: st.size,
      read: (buffer, position) =>
        buffer.length <= SMALL_READ
          ? Promise.resolve(readSync(fd, buffer, 0, buffer.length, position))
          : new Promise((resolve, reject) => read(fd, buffer, 0, buffer.length, position, (err, n) => (err ? reject(err) : resolve(n)))),
    };
    return await (await streamingLister())(input, onItem, sized);
  } catch (e) {
    if (e instanceof WcError) {
      if (!e.data.path) e.data.path = path;
      throw e;
    }
    throw fromNodeError(e, path);
  } finally {
    closeSync(fd);
  }
}
