// Sample layer tars for the pipeline tests, made with the sample generator and our encoder.
import { join } from 'node:path';
import { writeSampleLayerTar } from '../../src/layer/sample-tar.js';
import type { Compression } from '../../src/formats/tar/index.js';

export interface SampleTar {
  path: string;
  diffId: string;
  compressedDigest: string;
  tarSize: number;
  entries: number;
}

export async function sampleTar(dir: string, name: string, kind: 'base' | 'child', compression: Compression = 'none', seed = 7, fileCount = 120, totalSize = 1_500_000): Promise<SampleTar> {
  const path = join(dir, name);
  const r = await writeSampleLayerTar({ kind, seed, fileCount, totalSize, output: path, compression });
  return { path, diffId: r.diffId, compressedDigest: r.compressedDigest, tarSize: r.tarSize, entries: r.entries };
}
