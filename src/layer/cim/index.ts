// CIM layers, portable: hcsshim's CimLayerWriter behaviour over the pure TypeScript CimFS
// writer, and the reader that gives a layer's own changes back as entries.
//
// Decisions where hcsshim or the spec leaves room:
//   - The image lives UNDER the layer folder, `<layer>/cim-layers/<Base(layer)>.cim` (hcsshim's
//     names, one level down) rather than in a shared `<Dir(layer)>/cim-layers`: the whole layer
//     then stages in `<layer>.tmp-<hex>` and appears with one rename, and removing the folder
//     removes the layer. A fork needs its parents' region files beside it, so the parent's
//     `.cim` and every region/objectid file of its chain are hard-linked in (copied where
//     linking is impossible): the folder is self-contained and mountable as it is, and survives
//     the removal of its parents. A layer named like its parent is refused (the names clash).
//   - Parents: CIM layers of this toolkit, or folders whose image hcsshim placed in
//     `<Dir(parent)>/cim-layers/<Base(parent)>.cim`. Nearest first, as in hcsshim.
//   - Std files are compared as hcsshim does (hives and *_DELTA without case; the utility VM
//     files exactly). A std file still needs its folder in the image, like any entry. A link
//     NAMED like a std file is refused even when its target is one too (hcsshim would queue
//     that link and the hive would silently escape the merge).
//   - Whiteouts of paths that exist nowhere below are kept for export but change nothing
//     (CimDeletePath would fail; real layer tars carry such whiteouts).
//   - A base layer without one of the five config hives fails at close (hcsshim's host link
//     would fail); a file's size must be known when it is added (CimCreateFile needs it).
//   - The merged *_BASE is a plain hive (minor 5) stamped with the delta entry's write time, so
//     one import always gives the same bytes. The parent's *_BASE comes from its host file, or
//     from its image when the parent had no delta for that hive (the edge case of spec §22.3,
//     where hcsshim would fail).
//   - uvmbuildversion is written whenever the layer has UtilityVM and a utility VM SOFTWARE
//     hive (base or not, as hcsshim's first CIM writer did); without that hive, no file.
//     The build is also kept in wclayer-cim.json. No UtilityVM processing (BCD edits, VHDs):
//     current hcsshim never does it either (processUtilityVM is always false).
//   - `processHives: false` skips hive merging and the build read, for placeholder hives.
//   - Export replays a journal of the layer's own changes, with the attribute bits the image
//     cannot keep; without a journal it compares the image with its parent's (reader.ts).
//   - destroyCimLayer removes this toolkit's layer folder; for an hcsshim-placed image it
//     removes the image only (its .cim and own region files), as hcsshim's DestroyCimLayer.

export { createCimLayerWriter, CimLayerWriter, type CimLayerWriterOptions } from './writer.js';
export { readCimLayer, describeCimLayer, destroyCimLayer, type CimLayerInfo, type CimLayerReaderOptions } from './reader.js';
export { CIM_DIR, LAYOUT_FILE, LAYOUT_CONTENT, UVM_BUILD_FILE, LAYER_CHAIN_FILE, META_FILE as CIM_META_FILE, CHANGES_FILE as CIM_CHANGES_FILE, HIVES, isStdFile, cimNameFor } from './format.js';
