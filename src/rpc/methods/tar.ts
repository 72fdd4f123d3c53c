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
    params: ['path', 'digests'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      // '-' means stdin to the CLI; here stdin carries the protocol.
      if (path === '-') throw new WcError('InvalidArgument', "tar/list: parameter 'path' must name a file ('-' is the protocol stream here)", { parameter: 'path' });
      const digests = p.optionalBoolean('digests') ?? true;
      const collected: ListingItem[] = [];
      ctx.progress.begin({ bytesDone: 0, message: path });
      const result = await (await tarList()).listLayerTarFile(
        path,
        async (item) => {
          if (ctx.items.active) await ctx.items.push(item);
          else collected.push(item);
        },
        { signal: ctx.signal, onProgress: ctx.progress.report, digests },
      );
      await ctx.items.flush();
      ctx.progress.end({ bytesDone: result.compressedSize, bytesTotal: result.compressedSize, entriesDone: result.entries });
      const summary = { path, ...result };
      return ctx.items.active ? summary : { ...summary, items: collected };
    },
  }),
];
