// The hook through which the Windows platform layer finishes a legacy import. The writer knows
// no OS: it builds the portable folder (format.ts) in a staging directory; without a hook that
// folder is renamed onto the layer path and is the layer. On Windows the hook turns the staged
// folder into a real HCS layer (windows-finish.ts, through the Platform interface).

import type { Entry } from '../../formats/entry.js';
import type { TaskOptions } from '../../task.js';
import type { LayerKind } from './format.js';

export interface FinishImportDetails extends TaskOptions {
  kind: LayerKind;
  /** The layer has a utility VM (base: `UtilityVM/Files` was added; import: the parent's was cloned). */
  hasUtilityVM: boolean;
  /**
   * Utility VM files cloned from the nearest parent and left unchanged: layer path → the parent's
   * file. hcsshim's cloneTree hard-links these (every cloned file but folders, reparse points and
   * the four BCD files); the finish links them too instead of writing a copy.
   */
  clonedUtilityVmFiles?: ReadonlyMap<string, string>;
}

export interface LegacyLayerPlatform {
  /**
   * Creates `layerPath` from the complete staged folder `importFolder`. Must leave nothing at
   * layerPath if it fails. The writer removes importFolder afterwards, success or not.
   * `parents`: nearest parent first, base layer last (hcsshim's order).
   */
  finishImport(layerPath: string, importFolder: string, parents: readonly string[], details: FinishImportDetails): Promise<void>;
  /**
   * The nearest parent's utility VM when that parent has no WcLayer metadata (Docker or
   * containerd made it): its `UtilityVM` folder, then `UtilityVM/Files` and everything below,
   * folders before their contents, with full info and sizes but no data (the writer links the
   * files). Without this hook such a parent cannot give its utility VM to a child.
   */
  readParentUtilityVm?(parent: string, signal?: AbortSignal): AsyncIterable<Entry>;
}
