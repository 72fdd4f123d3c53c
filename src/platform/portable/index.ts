// The Platform for every OS but Windows. Everything the layer code can do without the Windows
// kernel lives outside src/platform/ in TypeScript; what is left here needs vmcompute, cimfs,
// offreg or backup-semantics handles, so each call fails with Unsupported naming the Win32
// function and the OS. Never a silent no-op.

import { unsupportedHere } from '../index.js';
import { WINDOWS_OPERATIONS, type Platform, type WindowsOperation } from '../types.js';

function refuse(op: WindowsOperation): () => Promise<never> {
  return async () => {
    throw unsupportedHere(WINDOWS_OPERATIONS[op]);
  };
}

export function createPortablePlatform(): Platform {
  return {
    name: 'portable',
    enableProcessPrivileges: refuse('enableProcessPrivileges'),
    openForBackup: refuse('openForBackup'),
    importLayer: refuse('importLayer'),
    exportLayer: refuse('exportLayer'),
    activateLayer: refuse('activateLayer'),
    deactivateLayer: refuse('deactivateLayer'),
    prepareLayer: refuse('prepareLayer'),
    unprepareLayer: refuse('unprepareLayer'),
    destroyLayer: refuse('destroyLayer'),
    createSandboxLayer: refuse('createSandboxLayer'),
    expandSandboxSize: refuse('expandSandboxSize'),
    processBaseImage: refuse('processBaseImage'),
    processUtilityImage: refuse('processUtilityImage'),
    layerExists: refuse('layerExists'),
    getLayerMountPath: refuse('getLayerMountPath'),
    nameToGuid: refuse('nameToGuid'),
    setVolumeMountPoint: refuse('setVolumeMountPoint'),
    deleteVolumeMountPoint: refuse('deleteVolumeMountPoint'),
    cimMountImage: refuse('cimMountImage'),
    cimDismountImage: refuse('cimDismountImage'),
    createHive: refuse('createHive'),
    openHive: refuse('openHive'),
    mergeHives: refuse('mergeHives'),
  };
}
