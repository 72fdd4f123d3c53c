// The shared LayerWriter behaviour, run against the CIM layer writer. The contract's sample
// layers carry placeholder hives (not valid regf), so hive processing is off here; the real
// hive merge, links and build file are tested in cim-layer.test.ts with real hives.
import { createCimLayerWriter, readCimLayer } from '../../src/layer/cim/index.js';
import { runLayerWriterContract } from './writer-contract.js';

runLayerWriterContract({
  name: 'CIM layer writer',
  kinds: ['base', 'child'],
  create: (layerPath, _kind, parent) => createCimLayerWriter(layerPath, { parents: parent ? [parent] : [], processHives: false }),
  read: (layerPath) => readCimLayer(layerPath),
});
