// Where a CIM layer keeps things, and which files hcsshim's CimLayerWriter treats specially
// (spec cim-format.md §22). Layer paths here use '/' (src/formats/entry.ts); hcsshim uses '\'.
//
// The layer folder (final form, after close):
//   cim-layers/<Base(layerPath)>.cim   the image (hcsshim's GetCimNameFromLayer), a fork of the
//   cim-layers/region_* objectid_*     nearest parent's image, with its own region files and
//                                      hard links to every file of the parent's cim-layers/
//                                      (so the folder is self-contained: CimMountImage needs the
//                                      parent images beside the child; see index.ts)
//   Files/…, Hives/…, UtilityVM/…      the "std files" written outside the image first
//   layout, uvmbuildversion            as hcsshim writes them
//   layerchain.json                    parent layer paths, nearest first (moby's file)
//   wclayer-cim.json                   this toolkit's record: image name, parents, parent image
//   wclayer-cim-changes.jsonl          the layer's own changes in writer order (for export)

import { posix } from 'node:path';

export const CIM_DIR = 'cim-layers';
export const LAYOUT_FILE = 'layout';
/** hcsshim's `vhd-with-hives` marker: the hives are part of the root file system. */
export const LAYOUT_CONTENT = 'vhd-with-hives\n';
export const UVM_BUILD_FILE = 'uvmbuildversion';
export const LAYER_CHAIN_FILE = 'layerchain.json';
export const META_FILE = 'wclayer-cim.json';
export const CHANGES_FILE = 'wclayer-cim-changes.jsonl';

export const UTILITY_VM = 'UtilityVM';
export const CONFIG_DIR = 'Files/Windows/System32/config';
export const UVM_CONFIG_DIR = 'UtilityVM/Files/Windows/System32/config';
export const UVM_SOFTWARE_HIVE = `${UVM_CONFIG_DIR}/SOFTWARE`;
export const BCD_PATH = 'UtilityVM/Files/EFI/Microsoft/Boot/BCD';
export const BOOTMGR_PATH = 'UtilityVM/Files/EFI/Microsoft/Boot/bootmgfw.efi';
export const HIVES_DIR = 'Hives';

/** hcsshim's hive table: the config file name, the merged base in Hives/, the delta in Hives/. */
export const HIVES = [
  { name: 'SYSTEM', base: 'SYSTEM_BASE', delta: 'SYSTEM_DELTA' },
  { name: 'SOFTWARE', base: 'SOFTWARE_BASE', delta: 'SOFTWARE_DELTA' },
  { name: 'SAM', base: 'SAM_BASE', delta: 'SAM_DELTA' },
  { name: 'SECURITY', base: 'SECURITY_BASE', delta: 'SECURITY_DELTA' },
  { name: 'DEFAULT', base: 'DEFAULTUSER_BASE', delta: 'DEFAULTUSER_DELTA' },
] as const;
export type HiveRow = (typeof HIVES)[number];

const caseless = new Set<string>();
for (const h of HIVES) {
  caseless.add(`${CONFIG_DIR}/${h.name}`.toLowerCase());
  caseless.add(`${HIVES_DIR}/${h.delta}`.toLowerCase());
}
const exact = new Set<string>([`${UVM_CONFIG_DIR}/SYSTEM`, UVM_SOFTWARE_HIVE, BCD_PATH, BOOTMGR_PATH]);

/**
 * hcsshim's isStdFile: the config and delta hives (compared without case), the utility VM's
 * SYSTEM and SOFTWARE hives, BCD and bootmgfw.efi (compared exactly). These are written outside
 * the image first and added to it at close.
 */
export function isStdFile(path: string): boolean {
  return exact.has(path) || caseless.has(path.toLowerCase());
}

/** The hive row whose Hives/<delta> is `path` (case-insensitive), if any. */
export function deltaHiveOf(path: string): HiveRow | undefined {
  const lower = path.toLowerCase();
  return HIVES.find((h) => `${HIVES_DIR}/${h.delta}`.toLowerCase() === lower);
}

/** The image's file name for a layer folder (hcsshim GetCimNameFromLayer). */
export function cimNameFor(layerPath: string): string {
  return `${posix.basename(layerPath.replace(/\\/g, '/').replace(/\/+$/, ''))}.cim`;
}

/** One line of CHANGES_FILE. */
export type ChangeRecord =
  /** `attributes`: the full attribute bits, when the image cannot keep them all. */
  | { op: 'add'; path: string; attributes?: number }
  | { op: 'stream'; path: string; name: string }
  | { op: 'link'; path: string; target: string }
  | { op: 'remove'; path: string };

/** The contents of META_FILE. */
export interface CimLayerMeta {
  format: 'wclayer-cim';
  version: 1;
  /** The image's name inside CIM_DIR. */
  image: string;
  /** The nearest parent's image name inside CIM_DIR (null for a base layer). */
  parentImage: string | null;
  /** Parent layer folders as given at import, nearest first. */
  parents: string[];
  hasUtilityVM: boolean;
  osBuild?: number;
}
