// The hook through which the Windows platform layer finishes a legacy import. The writer knows
// no OS: it builds the portable folder (format.ts) in a staging directory; without a hook that
// folder is renamed onto the layer path and is the layer. On Windows the integrator supplies a
// hook that turns the staged folder into a real HCS layer: for 'import' it renders the HCS import
// folder with writeHcsImportFolder(readLegacyLayer(importFolder), R) (4-byte attributes +
// backup stream per file, `<dir>.$wcidirs$`, plain hives; it then sets the staged objects'
// times), calls vmcompute ImportLayer(layerPath, R, parents), deletes the
// tombstoned paths, creates the hard links, re-applies directory times (children first) and
// runs ProcessUtilityVMImage when hasUtilityVM; for 'base' it restores every entry into
// layerPath with BackupWrite (security included), re-applies directory times and runs
// ProcessBaseImage (+ ProcessUtilityVMImage). readLegacyLayer(importFolder) yields the entries
// with all their metadata for that purpose.

import type { LayerKind } from './format.js';

export interface FinishImportDetails {
  kind: LayerKind;
  /** The layer has a utility VM (base: `UtilityVM/Files` was added; import: the parent's was cloned). */
  hasUtilityVM: boolean;
}

export interface LegacyLayerPlatform {
  /**
   * Creates `layerPath` from the complete staged folder `importFolder`. Must leave nothing at
   * layerPath if it fails. The writer removes importFolder afterwards, success or not.
   * `parents`: nearest parent first, base layer last (hcsshim's order).
   */
  finishImport(layerPath: string, importFolder: string, parents: readonly string[], details: FinishImportDetails): Promise<void>;
}
