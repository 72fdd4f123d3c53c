// cim/*: inspect CimFS images (summary, list, stat, read, extract). Thin shells over src/cim.

import type { CimImage } from '../../formats/cim/reader.js';
import { loadCimLibrary, type CimLibrary } from '../../cim/lazy.js';
import { defineMethod, type RpcMethod } from '../method.js';

async function withImage<T>(path: string, body: (img: CimImage, lib: CimLibrary) => Promise<T>): Promise<T> {
  const lib = await loadCimLibrary();
  const img = await lib.openCimImage(path);
  try {
    return await body(img, lib);
  } finally {
    await img.close();
  }
}

/** Most bytes one cim/read returns (base64 grows it by a third). */
const MAX_READ = 16 << 20;

export const cimMethods: RpcMethod[] = [
  defineMethod({
    name: 'cim/info',
    summary: 'summary of a CimFS image: version, parents, region files, counts and sizes',
    params: ['path'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      return withImage(path, (img, { summarizeImage }) => summarizeImage(img, path, { signal: ctx.signal, onProgress: ctx.progress.report }));
    },
  }),
  defineMethod({
    name: 'cim/list',
    summary: 'items of a directory in an image (or all below it with recurse); streams as $/items',
    params: ['path', 'itemPath', 'recurse'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      const itemPath = p.optionalString('itemPath') ?? '';
      const recurse = p.optionalBoolean('recurse') ?? false;
      return withImage(path, async (img, { listItems }) => {
        const items = [];
        let count = 0;
        for await (const item of listItems(img, itemPath, recurse, { signal: ctx.signal, onProgress: ctx.progress.report })) {
          count++;
          if (ctx.items.active) await ctx.items.push(item);
          else items.push(item);
        }
        return ctx.items.active ? { count } : { count, items };
      });
    },
  }),
  defineMethod({
    name: 'cim/stat',
    summary: 'all metadata of one item of an image (attributes, times, SD, EAs, reparse data, streams)',
    params: ['path', 'itemPath'],
    handler: async (p) => {
      const path = p.string('path');
      const itemPath = p.optionalString('itemPath') ?? '';
      return withImage(path, async (img, { toItem }) => toItem(itemPath, await img.stat(await img.lookup(itemPath))));
    },
  }),
  defineMethod({
    name: 'cim/read',
    summary: 'bytes of a file or alternate stream in an image, as base64, from offset for length',
    params: ['path', 'itemPath', 'stream', 'offset', 'length'],
    handler: async (p) => {
      const path = p.string('path');
      const itemPath = p.string('itemPath');
      const stream = p.optionalString('stream');
      const offset = p.optionalNumber('offset', { min: 0, integer: true, max: Number.MAX_SAFE_INTEGER }) ?? 0;
      const length = p.optionalNumber('length', { min: 0, integer: true, max: MAX_READ }) ?? 1 << 20;
      return withImage(path, async (img) => {
        const id = await img.lookup(itemPath);
        const { size } = await img.streamOf(id, stream);
        const data = await img.read(id, offset, length, stream);
        return { offset, length: data.length, size, eof: offset + data.length >= size, data: Buffer.from(data).toString('base64') };
      });
    },
  }),
  defineMethod({
    name: 'cim/extract',
    summary: 'copy an image (or a directory in it) to a new directory, staged under a temporary name',
    params: ['path', 'destination', 'itemPath'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      const destination = p.string('destination');
      const itemPath = p.optionalString('itemPath') ?? '';
      return withImage(path, async (img, { extractImage }) => {
        ctx.progress.begin({ message: `extracting ${path}` });
        return extractImage(img, destination, itemPath, { signal: ctx.signal, onProgress: ctx.progress.report });
      });
    },
  }),
];
