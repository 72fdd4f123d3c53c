// The portable half of hcsshim's ConvertToBaseLayer (`wclayer makebaselayer`): a folder holding
// an untarred base layer (Files/, optionally UtilityVM/Files/) gets what ProcessBaseImage needs
// (layer-format.md 3.5):
//   - Files/Windows/System32/config exists, and each of DEFAULT, SAM, SECURITY, SOFTWARE, SYSTEM
//     is a regular file there; a missing one is created as a valid empty hive (hcsshim writes a
//     minimal hive; the latest version asks offreg for one, which needs Windows: our own regf
//     writer makes an equivalent one on any OS);
//   - UtilityVM/Files, when present, is a folder holding the regular file EFI/Microsoft/Boot/BCD.
// ProcessBaseImage / ProcessUtilityImage themselves need vmcompute (host.ts, through the Platform).

import { lstat, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WcError, fromNodeError } from '../errors.js';
import { writeHive } from '../formats/regf/index.js';
import { writeFileAtomic } from '../fs/stage.js';

export const BASE_HIVE_NAMES = ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'] as const;
export const CONFIG_DIR = 'Files/Windows/System32/config';
const UVM_FILES = 'UtilityVM/Files';
const BCD = 'EFI/Microsoft/Boot/BCD';

export interface PrepareBaseLayerResult {
  layerPath: string;
  /** Hives that were missing and were created empty (layer-relative paths). */
  createdHives: string[];
  /** The folder has a utility VM (UtilityVM/Files). */
  utilityVm: boolean;
}

/** A valid hive with an empty root key (what ORCreateHive + ORSaveHive give). */
export function emptyHive(): Uint8Array {
  return writeHive({ name: 'ROOT' });
}

/** The kind of object at `path` for the error text, as Go's FileMode.String() would hint it. */
function kindOf(st: { isDirectory(): boolean; isSymbolicLink(): boolean }): string {
  return st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a link' : 'not a regular file';
}

/** hcsshim's ensureBaseLayer. FailedPrecondition when something is there but of the wrong kind. */
export async function prepareBaseLayer(layerPath: string): Promise<PrepareBaseLayerResult> {
  const root = resolve(layerPath);
  const files = await lstat(join(root, 'Files')).catch(() => undefined);
  if (!files?.isDirectory()) throw new WcError('FailedPrecondition', `${root} has no Files folder, so it cannot become a base layer`, { path: root });

  const config = join(root, CONFIG_DIR);
  await mkdir(config, { recursive: true }).catch((e) => {
    throw fromNodeError(e, config);
  });
  const createdHives: string[] = [];
  for (const name of BASE_HIVE_NAMES) {
    const path = join(config, name);
    const st = await lstat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw fromNodeError(e, path);
    });
    if (!st) {
      await writeFileAtomic(path, emptyHive());
      createdHives.push(`${CONFIG_DIR}/${name}`);
    } else if (!st.isFile()) {
      throw new WcError('FailedPrecondition', `${path} has unexpected file mode: ${kindOf(st)}`, { path });
    }
  }

  const uvm = join(root, UVM_FILES);
  const uvmSt = await lstat(uvm).catch(() => undefined);
  if (!uvmSt) return { layerPath: root, createdHives, utilityVm: false };
  if (!uvmSt.isDirectory()) throw new WcError('FailedPrecondition', `${uvm} has unexpected file mode: ${kindOf(uvmSt)}`, { path: uvm });
  const bcd = join(uvm, BCD);
  const bcdSt = await lstat(bcd).catch(() => undefined);
  if (!bcdSt) throw new WcError('FailedPrecondition', `UtilityVM must contain 'EFI\\Microsoft\\Boot\\BCD' (${bcd} not found)`, { path: bcd });
  if (!bcdSt.isFile()) throw new WcError('FailedPrecondition', `${bcd} has unexpected file mode: ${kindOf(bcdSt)}`, { path: bcd });
  return { layerPath: root, createdHives, utilityVm: true };
}
