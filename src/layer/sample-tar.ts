// A generated sample layer written as a layer tar. The one place that calls the sample
// generator for the CLI (`wclayer sample`) and benchmarks, so what goes into the generator
// (seed, sizes, hive contents) is decided here only.

import type { Entry } from '../formats/entry.js';
import { generateSampleLayer, type SampleLayerKind } from '../sample/index.js';
import type { TaskOptions } from '../task.js';
import { writeLayerTar, type LayerTarOutputOptions, type LayerTarOutputResult } from './tar-output.js';

export interface SampleLayerTarOptions extends TaskOptions {
  kind?: SampleLayerKind;
  seed?: string | number;
  fileCount: number;
  totalSize: number;
}

/** The sample layer's entries. */
export function sampleLayerEntries(options: SampleLayerTarOptions): AsyncGenerator<Entry> {
  return generateSampleLayer({ seed: options.seed ?? 1, kind: options.kind ?? 'base', fileCount: options.fileCount, totalSize: options.totalSize, signal: options.signal });
}

/** Writes the sample layer as a tar to the output (see writeLayerTar). */
export function writeSampleLayerTar(options: SampleLayerTarOptions & Omit<LayerTarOutputOptions, 'signal' | 'onProgress'>): Promise<LayerTarOutputResult> {
  return writeLayerTar(sampleLayerEntries(options), options);
}
