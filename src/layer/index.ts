// Layer writers and readers: the LayerWriter contract, the entry-stream driver, the path
// checker, and the legacy (base and import-folder) implementation.

export { writeEntries, type LayerWriter, type WriteEntriesOptions, type WriteEntriesResult } from './writer.js';
export { checkLayerPath, checkStreamName } from './paths.js';
export * from './legacy/index.js';
export * from './cim/index.js';
export { importLayer, resolveParents, type ImportLayerOptions, type ImportLayerResult } from './import.js';
export { exportLayer, describeLayer, verifyLayer, convertLayer, removeLayer, tarDiffId, type ExportLayerOptions, type ExportLayerResult, type LayerDescription, type VerifyLayerOptions, type VerifyLayerResult, type ConvertLayerOptions } from './export.js';
export { layerFormat, detectLayerFormat, registerLayerFormat, availableLayerFormats, LAYER_FORMAT_NAMES, type LayerFormat, type LayerFormatName, type LayerFormatDescription } from './formats.js';
export { writeLayerTar, writeToStream, type LayerTarOutputOptions, type LayerTarOutputResult } from './tar-output.js';
export { readLayerChain, writeLayerChain, formatLayerChain, LAYERCHAIN_FILE } from './layerchain.js';
export { mountLayer, unmountLayer, createScratchLayer, makeBaseLayer, cimMountVolumeGuid, type MountLayerResult, type MakeBaseLayerOptions, type MakeBaseLayerResult } from './host.js';
export { prepareBaseLayer, emptyHive, type PrepareBaseLayerResult } from './base-layer.js';
