// Loads a Windows DLL and binds its prototype table, on first use and only on Windows. The
// win32 platform reaches the functions through NativeLibraries, so tests can hand it fakes.

import { unsupportedHere } from '../index.js';
import { notAvailable } from './errors.js';
import { koffi } from './koffi.js';
import { DLL_FILES, PROTOTYPES, prototypeName, prototypeParts, type DllName } from './prototypes.js';
import { win32Types } from './types.js';

/** A bound function: call it directly, or through .async(...args, callback) on a worker thread. */
export interface NativeFunction {
  (...args: any[]): any;
  async(...args: any[]): void;
}

export type NativeTable = Readonly<Record<string, NativeFunction>>;

export interface NativeLibraries {
  /** The functions of one DLL by name. Throws when the DLL cannot be loaded. */
  get(dll: DllName): NativeTable;
}

/** The real DLLs, each loaded when first asked for; `os` is a parameter only for tests. */
export function loadNativeLibraries(os: NodeJS.Platform = process.platform): NativeLibraries {
  const loaded = new Map<DllName, NativeTable>();
  return {
    get(dll) {
      let table = loaded.get(dll);
      if (!table) {
        table = bindDll(dll, os);
        loaded.set(dll, table);
      }
      return table;
    },
  };
}

function bindDll(dll: DllName, os: NodeJS.Platform): NativeTable {
  if (os !== 'win32') throw unsupportedHere(`loading ${DLL_FILES[dll]}`);
  win32Types();
  const k = koffi();
  let lib: ReturnType<typeof k.load>;
  try {
    lib = k.load(DLL_FILES[dll]);
  } catch (e) {
    // vmcompute/cimfs/computestorage exist only with the Containers feature (cimfs on newer builds).
    throw notAvailable(DLL_FILES[dll], `${(e as Error).message} (is the Windows Containers feature installed?)`);
  }
  const table: Record<string, NativeFunction> = {};
  for (const proto of PROTOTYPES[dll]) {
    const name = prototypeName(proto);
    checkPrototypeTypes(proto);
    try {
      table[name] = lib.func(proto) as NativeFunction;
    } catch {
      // An export missing on this Windows build: fail when it is called, not when the DLL loads.
      table[name] = missingExport(dll, name);
    }
  }
  return table;
}

function missingExport(dll: DllName, name: string): NativeFunction {
  const fail = (): never => {
    throw notAvailable(name, `${DLL_FILES[dll]} does not export it on this build`);
  };
  return Object.assign(fail, { async: fail });
}

/**
 * Throws a plain Error naming the first type koffi does not know. Call before koffi.proto() or
 * lib.func(): koffi 3.3.4 aborts the process on `const <unknown type>` instead of throwing.
 */
export function checkPrototypeTypes(prototype: string): void {
  win32Types();
  const k = koffi();
  for (const t of prototypeParts(prototype).types) {
    try {
      k.type(t);
    } catch (e) {
      throw new Error(`${(e as Error).message} in prototype: ${prototype}`);
    }
  }
}
