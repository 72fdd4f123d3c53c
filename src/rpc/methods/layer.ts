// layer/*: import a tar into a layer, export a layer to a tar, describe, verify, convert and
// remove layers, and the Windows-only host operations (mount, unmount, create, makeBase), which
// answer Unsupported elsewhere. Files only: stdin/stdout carry the protocol here.

import { WcError } from '../../errors.js';
import type { Compression } from '../../formats/tar/index.js';
import { LAYER_FORMAT_NAMES, type LayerFormatName } from '../../layer/format-names.js';
import { defineMethod, type RpcMethod } from '../method.js';
import type { ParamReader } from '../params.js';

// The layer libraries (tar codec, hive engine, CIM writer …) load on first use, so the
// backend's handshake does not pay for them (test/rpc/cold-start.test.ts).
const exportLib = () => import('../../layer/export.js');
const formatsLib = () => import('../../layer/formats.js');
const hostLib = () => import('../../layer/host.js');
const importLib = () => import('../../layer/import.js');

function filePath(p: ParamReader, name: string, method: string): string {
  const v = p.string(name);
  if (v === '-' || v === '') throw new WcError('InvalidArgument', `${method}: parameter '${name}' must name a file ('-' is the protocol stream here)`, { parameter: name });
  return v;
}

function formatParam(p: ParamReader, name = 'format'): LayerFormatName {
  const v = (p.optionalString(name) ?? 'legacy').toLowerCase();
  if (!(LAYER_FORMAT_NAMES as readonly string[]).includes(v)) throw new WcError('InvalidArgument', `parameter '${name}' must be one of ${LAYER_FORMAT_NAMES.join(', ')}, got '${v}'`, { parameter: name });
  return v as LayerFormatName;
}

function compressionParam(p: ParamReader): Compression {
  const v = (p.optionalString('compression') ?? 'none').toLowerCase();
  if (v !== 'none' && v !== 'gzip' && v !== 'zstd') throw new WcError('InvalidArgument', `parameter 'compression' must be none, gzip or zstd, got '${v}'`, { parameter: 'compression' });
  return v;
}

export const layerMethods: RpcMethod[] = [
  defineMethod({
    name: 'layer/import',
    summary: 'import a layer tar file (.tar, .tar.gz, .tar.zst) into a new legacy or CIM layer folder (staged; nothing is left on failure)',
    params: ['input', 'layerPath', 'parents', 'format', 'expectedDiffId', 'blobDigest'],
    handler: async (p, ctx) => {
      const input = filePath(p, 'input', 'layer/import');
      const layerPath = p.string('layerPath');
      const parents = p.stringArray('parents');
      const format = formatParam(p);
      const expectedDiffId = p.optionalString('expectedDiffId');
      // default on here: the module's LayerImport objects carry CompressedDigest
      const blobDigest = p.optionalBoolean('blobDigest') ?? true;
      ctx.progress.begin({ bytesDone: 0, message: input });
      const r = await (await importLib()).importLayer({ input, layerPath, parents, format, expectedDiffId, blobDigest, signal: ctx.signal, onProgress: ctx.progress.report });
      ctx.progress.end({ bytesDone: r.compressedSize, bytesTotal: r.compressedSize, entriesDone: r.entries });
      return { input, ...r };
    },
  }),
  defineMethod({
    name: 'layer/export',
    summary: 'export a layer folder to a layer tar file, optionally gzip or zstd (staged, renamed when complete)',
    params: ['layerPath', 'parents', 'output', 'compression', 'level', 'overwrite'],
    handler: async (p, ctx) => {
      const layerPath = p.string('layerPath');
      const parents = p.stringArray('parents');
      const output = filePath(p, 'output', 'layer/export');
      const compression = compressionParam(p);
      const level = p.optionalNumber('level', { integer: true, min: 1, max: 19 });
      const overwrite = p.optionalBoolean('overwrite') ?? false;
      ctx.progress.begin({ message: layerPath });
      const r = await (await exportLib()).exportLayer({ layerPath, parents, output, compression, level, overwrite, signal: ctx.signal, onProgress: ctx.progress.report });
      ctx.progress.end({ bytesDone: r.tarSize, entriesDone: r.entries });
      return r;
    },
  }),
  defineMethod({
    name: 'layer/info',
    summary: "a layer folder's format, kind, parents (layerchain.json), size, OS version and image files",
    params: ['layerPath'],
    handler: async (p, ctx) => (await exportLib()).describeLayer(p.string('layerPath'), { signal: ctx.signal }),
  }),
  defineMethod({
    name: 'layer/exists',
    summary: 'whether a path holds a layer this build can read',
    params: ['layerPath'],
    handler: async (p) => {
      const layerPath = p.string('layerPath');
      try {
        const d = await (await exportLib()).describeLayer(layerPath);
        return { layerPath: d.path, exists: true, format: d.format };
      } catch (e) {
        if (e instanceof WcError && (e.code === 'NotFound' || e.code === 'FailedPrecondition')) return { layerPath, exists: false };
        throw e;
      }
    },
  }),
  defineMethod({
    name: 'layer/verify',
    summary: "compare a layer's diffID (exported to a hashing sink) with a tar file's or a given diffID",
    params: ['layerPath', 'parents', 'tarPath', 'diffId'],
    handler: async (p, ctx) => {
      const layerPath = p.string('layerPath');
      const parents = p.stringArray('parents');
      const tarPath = p.optionalString('tarPath');
      const diffId = p.optionalString('diffId');
      ctx.progress.begin({ message: layerPath });
      const r = await (await exportLib()).verifyLayer({ layerPath, parents, tarPath, diffId, signal: ctx.signal, onProgress: ctx.progress.report });
      ctx.progress.end({ entriesDone: r.entries });
      return r;
    },
  }),
  defineMethod({
    name: 'layer/convert',
    summary: 'copy a layer entry for entry into a new layer of another format (legacy → CIM), no tar in between',
    params: ['layerPath', 'parents', 'destination', 'destinationParents', 'format'],
    handler: async (p, ctx) => {
      const layerPath = p.string('layerPath');
      const parents = p.stringArray('parents');
      const destination = p.string('destination');
      const destinationParents = p.stringArray('destinationParents');
      const format = (p.optionalString('format') === undefined ? 'cim' : formatParam(p)) as LayerFormatName;
      ctx.progress.begin({ message: layerPath });
      const r = await (await exportLib()).convertLayer({ layerPath, parents, destination, destinationParents, format, signal: ctx.signal, onProgress: ctx.progress.report });
      ctx.progress.end({ entriesDone: r.entries, bytesDone: r.bytes });
      return r;
    },
  }),
  defineMethod({
    name: 'layer/remove',
    summary: 'delete a layer folder (renamed aside first; on Windows through DestroyLayer; an hcsshim-placed CIM image too); refuses a folder that is not a layer unless force',
    params: ['layerPath', 'force'],
    handler: async (p) => {
      const layerPath = p.string('layerPath');
      return (await exportLib()).removeLayer(layerPath, { force: p.optionalBoolean('force') ?? false });
    },
  }),
  defineMethod({
    name: 'layer/formats',
    summary: 'the layer formats this build can write and read',
    params: [],
    handler: async () => {
      const available = (await formatsLib()).availableLayerFormats();
      return { formats: LAYER_FORMAT_NAMES.map((name) => ({ name, available: available.includes(name) })) };
    },
  }),
  defineMethod({
    name: 'layer/mount',
    summary: 'mount a scratch layer (activate + prepare) or a CIM layer, optionally at a target folder; returns the volume path (Windows only)',
    params: ['layerPath', 'parents', 'target'],
    handler: async (p) => {
      const layerPath = p.string('layerPath');
      return (await hostLib()).mountLayer(layerPath, p.stringArray('parents'), undefined, p.optionalString('target'));
    },
  }),
  defineMethod({
    name: 'layer/unmount',
    summary: 'unmount a layer: remove its mount point when given, then unprepare and deactivate (or dismount a CIM layer) (Windows only)',
    params: ['layerPath', 'mountedPath'],
    handler: async (p) => (await hostLib()).unmountLayer(p.string('layerPath'), undefined, p.optionalString('mountedPath')),
  }),
  defineMethod({
    name: 'layer/create',
    summary: 'create a writable scratch layer over read-only parents (Windows only)',
    params: ['layerPath', 'parents'],
    handler: async (p) => {
      const layerPath = p.string('layerPath');
      return (await hostLib()).createScratchLayer(layerPath, p.stringArray('parents'));
    },
  }),
  defineMethod({
    name: 'layer/makeBase',
    summary: 'turn a folder holding Files/ into a base layer: missing hives created, utility VM checked, then ProcessBaseImage (Windows only unless prepareOnly)',
    params: ['layerPath', 'prepareOnly'],
    handler: async (p) => (await hostLib()).makeBaseLayer(p.string('layerPath'), undefined, { prepareOnly: p.optionalBoolean('prepareOnly') ?? false }),
  }),
];
