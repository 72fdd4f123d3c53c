// The Windows layer tar codec: one import for callers outside src/formats/tar.
export { decodeLayerTar, entrySource, type DecodeOptions, type DecodeResult, type DecodedTar } from './decode.js';
export { encodeLayerTar, encodeLayerTarChunks, type EncodeOptions } from './encode.js';
export { compressChunks } from './compress.js';
export { detectCompression, type Compression, type RandomAccessInput } from './compression.js';
export { listingItem, listEntries, attributeLetters, type ListingItem, type ListOptions } from './listing.js';
export { listLayerTar } from './listing-stream.js';
export { listPlainTar } from './listing-plain.js';
export { TarScanner, type SyncRandomAccessInput } from './scan.js';
export { checkLayerPath, layerPathProblem, validateEntries, EntryValidator, type ValidateOptions } from './paths.js';
export { KEY, MODE, AREAS, areaOf, WHITEOUT_PREFIX } from './windows.js';
