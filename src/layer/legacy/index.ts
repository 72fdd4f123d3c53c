// Legacy (HCS "windowsfilter") layers, portable.
//
// A base layer (no parents) is laid out as hcsshim's baseLayerWriter leaves it before
// processing: Files/, UtilityVM/Files/, the hives under Files/Windows/System32/config. A child
// layer is what hcsshim's legacyLayerWriter stages before vmcompute ImportLayer: Files/,
// Hives/ (plain delta hives), tombstones, hard links into parent layers, and a utility VM cloned
// from the nearest parent when the layer has one.
//
// Where Windows would keep attributes, times, security descriptors, EAs, reparse data and
// alternate streams in NTFS, this folder keeps them beside the data, so that any OS can read the
// layer back entry for entry (format.ts has the details):
//   - each file's default stream is the file at its own path (tools see a normal tree, and
//     Windows hard links stay hard links on disk);
//   - all metadata goes to ONE append-only JSON-lines log, .wclayer/metadata.jsonl, written as
//     the entries arrive (so memory stays flat) and sealed at close (so a half-written layer is
//     detectable). Its order is the writer order, which is exactly the order a reader must
//     give back. JSON lines over a binary index: readable with any tool, trivially
//     streamable, and the metadata is small beside the data. One log rather than per-file
//     sidecars: no doubling of inode count, one sequential write;
//   - alternate streams are numbered files under .wclayer/streams/ (':' is not a portable
//     file-name character, and they stay out of the visible tree);
//   - Files\ tombstones go to .wclayer/tombstones.txt in the HCS format.
// On Windows, a platform hook (platform.ts, windows-finish.ts) turns the staged folder into a real HCS layer.
//
// Where this differs from hcsshim, on purpose:
//   - the reader gives back exactly what was written: HCS export's losses (no security
//     descriptor on Hives/ and UtilityVM/ entries, creation/access times replaced, Files and
//     Hives times taken from System_Delta) are not reproduced;
//   - tombstones whose folder is not in the layer are yielded at the end (HCS drops them);
//   - the `UtilityVM` entry's metadata is kept (hcsshim creates the folder afresh);
//   - links are made at once rather than after ImportLayer (same result: targets come first);
//   - when the parent's utility VM is cloned, its links into the parent's Files/ become files
//     with the target's metadata (the target is not part of this layer);
//   - names that differ only in case are duplicates (NTFS would refuse the second create);
//   - a base layer without its five config hives (or, with a utility VM, without its BCD)
//     fails at close (ProcessBaseImage would fail on Windows); `requireBaseHives: false` skips it.

export { createLegacyLayerWriter, LegacyLayerWriter, type LegacyLayerWriterOptions } from './writer.js';
export { readLegacyLayer, readBaseLayer, describeLegacyLayer, type LegacyLayerReaderOptions, type LegacyLayerInfo } from './reader.js';
export type { LegacyLayerPlatform, FinishImportDetails } from './platform.js';
export { META_DIR, META_FILE, STREAMS_DIR, TOMBSTONES_FILE, type LayerKind } from './format.js';
export { writeHcsImportFolder, metadataStreams, WCIDIRS_SUFFIX, type HcsImportPlan, type HcsImportFolderOptions } from './hcs-import-folder.js';
export { createWindowsLayerFinish, nativeLegacyFinish, IMPORT_PRIVILEGES } from './windows-finish.js';
