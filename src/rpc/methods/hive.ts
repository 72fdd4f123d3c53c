// Registry hive methods: thin shells over src/hive/operations.ts.

import { WcError } from '../../errors.js';
import type { KeyJson } from '../../formats/regf/query.js';
import { defineMethod, type RpcMethod } from '../method.js';
import type { ParamReader } from '../params.js';

// The hive library loads on the first call, so starting the backend does not pay for it.
const hiveLib = () => import('../../hive/operations.js');

function logsParam(p: ParamReader): 'auto' | 'none' {
  const v = p.optionalString('logs') ?? 'auto';
  if (v !== 'auto' && v !== 'none') throw new WcError('InvalidArgument', `parameter 'logs' must be 'auto' or 'none', got '${v}'`, { parameter: 'logs' });
  return v;
}

export const hiveMethods: RpcMethod[] = [
  defineMethod({
    name: 'hive/info',
    summary: 'header facts of a hive file (version, sequence numbers, dirty state, log replay); check: full structural validation',
    params: ['path', 'logs', 'check'],
    handler: async (p) => (await hiveLib()).hiveInfo(p.string('path'), { logs: logsParam(p), check: p.optionalBoolean('check') ?? false }),
  }),
  defineMethod({
    name: 'hive/keys',
    summary: 'subkeys of a key (recursive: every key below it); streams $/items when an itemToken is given',
    params: ['path', 'key', 'recursive', 'logs'],
    handler: async (p, ctx) => {
      const path = p.string('path');
      const opts = { key: p.optionalString('key') ?? '', recursive: p.optionalBoolean('recursive') ?? false, logs: logsParam(p), signal: ctx.signal };
      if (ctx.items.active) {
        const count = await (await hiveLib()).listKeys(path, opts, (k) => ctx.items.push(k));
        return { count };
      }
      const keys: KeyJson[] = [];
      await (await hiveLib()).listKeys(path, opts, (k) => {
        keys.push(k);
      });
      return { count: keys.length, keys };
    },
  }),
  defineMethod({
    name: 'hive/values',
    summary: 'a key with all its values (types, decoded data and base64 bytes)',
    params: ['path', 'key', 'logs'],
    handler: async (p) => (await hiveLib()).getKey(p.string('path'), p.optionalString('key') ?? '', { logs: logsParam(p) }),
  }),
  defineMethod({
    name: 'hive/get',
    summary: "one value of a key by name ('' or omitted = the default value), case-insensitive",
    params: ['path', 'key', 'name', 'logs'],
    handler: async (p) => (await hiveLib()).getValue(p.string('path'), p.optionalString('key') ?? '', p.optionalString('name') ?? '', { logs: logsParam(p) }),
  }),
  defineMethod({
    name: 'hive/export',
    summary: 'exports a hive (or a key and everything below it) to a JSON or .reg file',
    params: ['path', 'output', 'format', 'key', 'prefix', 'encoding', 'overwrite', 'logs'],
    handler: async (p, ctx) => {
      const format = p.optionalString('format') ?? 'json';
      if (format !== 'json' && format !== 'reg') throw new WcError('InvalidArgument', `parameter 'format' must be 'json' or 'reg', got '${format}'`, { parameter: 'format' });
      const encoding = p.optionalString('encoding') ?? 'utf16le';
      if (encoding !== 'utf16le' && encoding !== 'utf8') throw new WcError('InvalidArgument', `parameter 'encoding' must be 'utf16le' or 'utf8'`, { parameter: 'encoding' });
      const prefix = p.optionalString('prefix');
      ctx.progress.begin({ message: 'exporting' });
      const r = await (await hiveLib()).exportHiveFile(p.string('path'), p.string('output'), {
        format,
        key: p.optionalString('key') ?? '',
        encoding,
        ...(prefix !== undefined ? { prefix } : {}),
        overwrite: p.optionalBoolean('overwrite') ?? false,
        logs: logsParam(p),
        signal: ctx.signal,
        onProgress: ctx.progress.report,
      });
      ctx.progress.end({ bytesDone: r.bytes });
      return r;
    },
  }),
  defineMethod({
    name: 'hive/merge',
    summary: 'merges a base hive with delta hives (later wins) into a new plain hive file',
    params: ['base', 'deltas', 'output', 'overwrite', 'minorVersion'],
    handler: async (p, ctx) => {
      const deltas = p.stringArray('deltas');
      if (deltas.length === 0) throw new WcError('InvalidArgument', "parameter 'deltas' must list at least one delta hive", { parameter: 'deltas' });
      const minor = p.optionalNumber('minorVersion', { min: 5, max: 6, integer: true });
      ctx.progress.begin({ message: 'merging hives' });
      const r = await (await hiveLib()).mergeHiveFiles(p.string('base'), deltas, p.string('output'), {
        overwrite: p.optionalBoolean('overwrite') ?? false,
        ...(minor !== undefined ? { minorVersion: minor as 5 | 6 } : {}),
        signal: ctx.signal,
        onProgress: ctx.progress.report,
      });
      ctx.progress.end({ bytesDone: r.bytes });
      return r;
    },
  }),
  defineMethod({
    name: 'hive/osVersion',
    summary: 'OS version facts (CurrentBuild, UBR, ProductName …) from a SOFTWARE hive or a layer folder',
    params: ['hivePath', 'layerPath', 'utilityVm'],
    handler: async (p) => {
      const hivePath = p.optionalString('hivePath');
      const layerPath = p.optionalString('layerPath');
      return (await hiveLib()).osVersion({
        ...(hivePath ? { hivePath } : {}),
        ...(layerPath ? { layerPath } : {}),
        utilityVm: p.optionalBoolean('utilityVm') ?? false,
      });
    },
  }),
];
