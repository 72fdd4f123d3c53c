// The Platform on Windows: the DLL bindings behind the OS interface. The libraries are loaded
// on first use; tests pass fake NativeLibraries to exercise this code on any OS.

import type { Platform } from '../types.js';
import { openForBackup } from './backup-file.js';
import { cimDismountImage, cimMountImage } from './cimfs.js';
import { loadNativeLibraries, type NativeLibraries } from './library.js';
import { createHive, mergeHives, openHive } from './offreg.js';
import { enableProcessPrivileges } from './privileges.js';
import { VmCompute } from './vmcompute.js';
import { deleteVolumeMountPoint, setVolumeMountPoint } from './volume-mount.js';

export function createWin32Platform(libs: NativeLibraries = loadNativeLibraries()): Platform {
  const vm = new VmCompute(libs);
  return {
    name: 'win32',
    enableProcessPrivileges: (names) => enableProcessPrivileges(libs, names),
    openForBackup: (path, options) => openForBackup(libs, path, options),
    importLayer: (layerPath, source, parents, options) => vm.importLayer(layerPath, source, parents, options),
    exportLayer: (layerPath, target, parents, options) => vm.exportLayer(layerPath, target, parents, options),
    activateLayer: (layerPath) => vm.simple('ActivateLayer', layerPath),
    deactivateLayer: (layerPath) => vm.simple('DeactivateLayer', layerPath),
    prepareLayer: (layerPath, parents) => vm.prepareLayer(layerPath, parents),
    unprepareLayer: (layerPath) => vm.simple('UnprepareLayer', layerPath),
    destroyLayer: (layerPath) => vm.simple('DestroyLayer', layerPath),
    createSandboxLayer: (layerPath, parents) => vm.createSandboxLayer(layerPath, parents),
    expandSandboxSize: (layerPath, size) => vm.expandSandboxSize(layerPath, size),
    processBaseImage: (layerPath, options) => vm.processBaseImage(layerPath, options),
    processUtilityImage: (uvmPath, options) => vm.processUtilityImage(uvmPath, options),
    layerExists: (layerPath) => vm.layerExists(layerPath),
    getLayerMountPath: (layerPath) => vm.getLayerMountPath(layerPath),
    nameToGuid: (name) => vm.nameToGuid(name),
    setVolumeMountPoint: (target, volume) => setVolumeMountPoint(libs, target, volume),
    deleteVolumeMountPoint: (target) => deleteVolumeMountPoint(libs, target),
    cimMountImage: (cimPath, options) => cimMountImage(libs, cimPath, options),
    cimDismountImage: (volume) => cimDismountImage(libs, volume),
    createHive: () => createHive(libs),
    openHive: (path) => openHive(libs, path),
    mergeHives: (hives) => mergeHives(libs, hives),
  };
}
