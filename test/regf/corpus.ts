// The real hives of ../shared/testdata/hives, decompressed on demand (xz -dc in a child
// process) into a temporary folder that is removed when the test process ends.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hivesDir } from '../helpers/paths.js';

let tmp: string | undefined;

export function tempDir(): string {
  if (!tmp) {
    tmp = mkdtempSync(join(tmpdir(), 'wclayer-regf-'));
    const dir = tmp;
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return tmp;
}

/** Path of a corpus file, decompressed into the temp folder when it is stored as .xz. */
export function corpusFile(name: string): string {
  const plain = join(hivesDir, name);
  if (existsSync(plain)) return plain;
  const out = join(tempDir(), name);
  if (existsSync(out)) return out;
  const r = spawnSync('xz', ['-dc', join(hivesDir, name + '.xz')], { maxBuffer: 1 << 27 });
  if (r.error) throw new Error(`xz is needed to decompress ${name}.xz: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`xz -dc ${name}.xz failed: ${r.stderr}`);
  writeFileSync(out, r.stdout);
  return out;
}

export function corpusBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(corpusFile(name)));
}

/** Every primary hive in the corpus (logs excluded). */
export const PRIMARY_HIVES = [
  'hivex-minimal',
  'hivex-special',
  'hivex-rlenvalue_test_hive',
  'yarp-BigDataHive',
  'yarp-System_Delta',
  'yarp-NewDirtyHive1',
  'yarp-NewDirtyHive1-RecoveredHive_Windows10',
  'yarp-OldDirtyHive',
  'yarp-OldDirtyHive-RecoveredHive_Windows7',
  'regipy-BCD',
  'regipy-NTUSER.DAT',
  'regipy-SYSTEM',
  'regipy-SYSTEM_B',
  'plaso-corrupt_sub_key_list.hiv',
  'ezreg-SAMBadHBinHeader',
];

/** Hives that are deliberately broken, with where the damage is (cell offset). */
export const CORRUPT_HIVES: Record<string, string> = {
  'plaso-corrupt_sub_key_list.hiv': 'a subkey list entry points at a free cell (0x4480)',
  'ezreg-SAMBadHBinHeader': "the hive bin at cell offset 0x1000 has the signature 'gbin'",
};
