// `tar/list`: one object per layer entry, streamed as $/items, with progress (bytes of input
// read against the file size) and cancellation; the response carries the digests.

import { WcError } from '../../errors.js';
import { defineMethod, type RpcMethod } from '../method.js';
import type { ListingItem } from '../../formats/tar/listing.js';

// The tar codec loads on the first call, so starting the backend does not pay for it.
const tarList = () => import('../../layer/tar-list.js');

export const tarMethods: RpcMethod[] = [
  defineMethod({
    name: 'tar/list',
    summary: 'list the entries of a layer tar (.tar, .tar.gz, .tar.zst) with their Windows metadata',
    params: ['path', 'digests', 'isoTimes'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      // '-' means stdin to the CLI; here stdin carries the protocol.
      if (path === '-') throw new WcError('InvalidArgument', "tar/list: parameter 'path' must name a file ('-' is the protocol stream here)", { parameter: 'path' });
      const digests = p.optionalBoolean('digests') ?? true;
      // Get-WcLayerContent reads the exact FILETIMEs (creationTimeRaw, lastWriteTimeRaw) and asks
      // for no ISO strings: a third of each item's JSON less to write and for PowerShell to parse.
      const isoTimes = p.optionalBoolean('isoTimes') ?? true;
      const collected: ListingItem[] = [];
      ctx.progress.begin({ bytesDone: 0, message: path });
      const result = await (await tarList()).listLayerTarFile(
        path,
        (item) => {
          if (ctx.items.active) return ctx.items.push(item); // a promise only when a batch went out
          collected.push(item);
          return undefined;
        },
        { signal: ctx.signal, onProgress: ctx.progress.report, digests, isoTimes },
      );
      await ctx.items.flush();
      ctx.progress.end({ bytesDone: result.compressedSize, bytesTotal: result.compressedSize, entriesDone: result.entries });
      const summary = { path, ...result };
      return ctx.items.active ? summary : { ...summary, items: collected };
    },
  }),
];
