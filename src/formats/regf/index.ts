// The regf engine's public API: open and query hives, replay logs, write and merge them.

export { bufferReadAt, type ReadAt, type BufferReadAt } from './readat.js';
export { Hive, type RegKey, type RegValue, type OpenOptions } from './reader.js';
export { parseBaseBlock, baseBlockChecksum, type BaseBlock } from './baseblock.js';
export { replayLogs, type ReplayResult } from './log-replay.js';
export { readTree, countTree, type HiveKeyNode, type HiveValueNode, type HiveKeyInput, type HiveValueInput, type LayerInfo } from './tree.js';
export { writeHive, writeHiveTo, nowFiletime, type WriteOptions } from './writer.js';
export { HiveBuilder, DescriptorTable, MemorySink, type HiveSink, type KeyRecord } from './builder.js';
export { mergeHives, mergeHivesTo, mergeTrees, stripLayers, type MergeOptions, type HiveSource } from './merge.js';
export {
  readOsVersion,
  readOsBuild,
  requireKey,
  requireValue,
  keyJson,
  valueJson,
  valueJsonFrom,
  filetimeToIso,
  CURRENT_VERSION_KEY,
  type OsVersionInfo,
  type KeyJson,
  type ValueJson,
} from './query.js';
export { exportJson, exportReg, regValueLine, type RegExportOptions } from './export.js';
export * from './values.js';
export { lhHash, compareNames, upcaseName } from './names.js';
export { DEFAULT_KEY_SECURITY } from './security.js';
export { LAYER_MERGE, LAYER_TOMBSTONE, LAYER_SUPERSEDE_LOCAL, LAYER_SUPERSEDE_TREE, type LayerSemantics } from './records.js';
export { validateHive, type ValidationReport } from './validate.js';
