// CIM layers, portable: hcsshim's CimLayerWriter behaviour over the pure TypeScript CimFS
// writer, and the reader that gives a layer's own changes back as entries.
//
// Decisions where hcsshim or the spec leaves room (also in the report):
//   - The image lives UNDER the layer folder, in `<layer>/cim-layers/<Base(layer)>.cim`
//     (hcsshim's names, one level down), not in a shared `<Dir(layer)>/cim-layers`: the whole
//     layer then stages in `<layer>.tmp-<hex>` and appears with one rename. A fork needs its
//     parents' region files beside it, so the parent's cim-layers/ files are hard-linked in
//     (copied where linking is impossible); the folder is self-contained and mountable as is.
//     A layer whose folder name equals an ancestor's is refused (the .cim names would clash).
//   - Parents must be CIM layers written by this toolkit (wclayer-cim.json), nearest first.
//   - Whiteouts of paths that exist nowhere below are kept for export but change nothing
//     (CimDeletePath would fail; real layer tars carry such whiteouts).
//   - The merged *_BASE takes the delta entry's write time as its header timestamp, so one
//     import always gives the same bytes. The parent's *_BASE comes from its host file, or from
//     its image when the parent had no delta for that hive (hcsshim's edge case, spec §22.3).
//   - A utility VM without a SOFTWARE hive gets no uvmbuildversion file (hcsshim would fail).
//   - `processHives: false` skips hive merging and the build read, for placeholder hives.
//   - Export replays a journal of the layer's own changes (reader.ts explains why).

export { createCimLayerWriter, CimLayerWriter, type CimLayerWriterOptions } from './writer.js';
export { readCimLayer, describeCimLayer, destroyCimLayer, type CimLayerInfo, type CimLayerReaderOptions } from './reader.js';
export { CIM_DIR, LAYOUT_FILE, LAYOUT_CONTENT, UVM_BUILD_FILE, LAYER_CHAIN_FILE, META_FILE as CIM_META_FILE, CHANGES_FILE as CIM_CHANGES_FILE, HIVES, isStdFile, cimNameFor } from './format.js';
