// Hive files on disk: open with log replay, find a layer's SOFTWARE hive, atomic writes, and
// the operations behind the hive/* RPC methods and `wclayer hive`.

export { openFileReadAt, type FileReadAt } from './file-readat.js';
export { openHiveFile, withHiveFile, findLogFiles, findLayerSoftwareHive, type OpenedHive, type OpenHiveFileOptions } from './files.js';
export { writeFileAtomic } from '../fs/stage.js';
export { hiveInfo, listKeys, getKey, getValue, exportHiveFile, mergeHiveFiles, osVersion, type HiveInfo, type OsVersionRequest } from './operations.js';
