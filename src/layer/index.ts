// Layer writers and readers: the LayerWriter contract, the entry-stream driver, the path
// checker, and the legacy (base and import-folder) implementation.

export { writeEntries, type LayerWriter, type WriteEntriesOptions, type WriteEntriesResult } from './writer.js';
export { checkLayerPath, checkStreamName } from './paths.js';
export * from './legacy/index.js';
export * from './cim/index.js';
