// Deterministic sample Windows layers for tests, the README demo and benchmarks.
// generateSampleLayer(options) yields Entry objects (src/formats/entry.ts); a tar encoder or
// any other sink turns them into a layer.

export { generateSampleLayer, SAMPLE_MIN_FILES, type SampleLayerKind, type SampleLayerOptions } from './layer.js';
export { BASE_HIVES, BCD_HIVE, DELTA_HIVES, PLACEHOLDER_HIVE_SIZE, SAMPLE_OS, placeholderHive, sampleHive, type HiveKind } from './hives.js';
export { SAMPLE_DIR_SDDL, SAMPLE_FILE_SDDL } from './security.js';
