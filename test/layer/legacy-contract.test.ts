// The shared LayerWriter behaviour, run against the legacy (base and child) writer.
import { createLegacyLayerWriter, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { runLayerWriterContract } from './writer-contract.js';

runLayerWriterContract({
  name: 'legacy layer writer',
  kinds: ['base', 'child'],
  create: (layerPath, _kind, parent) => createLegacyLayerWriter(layerPath, { parents: parent ? [parent] : [] }),
  read: (layerPath) => readLegacyLayer(layerPath),
});
