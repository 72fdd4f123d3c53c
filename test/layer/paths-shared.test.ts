// The layer writers and the tar codec share one set of path rules (src/formats/paths.ts): the
// same names are refused with the same reason, in each caller's own wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isWcError } from '../../src/errors.js';
import { layerPathProblem, streamNameProblem } from '../../src/formats/paths.js';
import { checkLayerPath as tarCheck } from '../../src/formats/tar/paths.js';
import { checkLayerPath as layerCheck, checkStreamName } from '../../src/layer/paths.js';

function outcome(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(isWcError(e) && e.code === 'InvalidArgument', String(e));
    return e.message;
  }
}

const names = ['Files/a', 'Files/a b.txt', 'Files/../x', '/x', '//s/x', 'C:x', 'Files/a\\b', 'Files//x', 'Files/x/', 'Files/a:b', 'Files/a*b', 'Files/a|b', 'Files/a\u0001', '', `Files/${'n'.repeat(256)}`];

test('layer and tar refuse the same names for the same reason', () => {
  for (const name of names) {
    const problem = layerPathProblem(name);
    const layer = outcome(() => layerCheck(name, 'entry'));
    const tar = outcome(() => tarCheck(name, 'entry'));
    if (problem === undefined) {
      assert.equal(layer, undefined, name);
      assert.equal(tar, undefined, name);
      continue;
    }
    assert.ok(layer?.startsWith('unsafe entry name ') && layer.endsWith(`: ${problem}`), `${JSON.stringify(name)}: ${layer}`);
    assert.ok(tar?.startsWith('unsafe entry path ') && tar.endsWith(`: ${problem}`), `${JSON.stringify(name)}: ${tar}`);
  }
  // The one deliberate difference: the writers keep room for the layer folder's own path.
  const long = `Files/${'x'.repeat(32_100)}`.replace(/x{200}/g, (m) => `${m.slice(0, 199)}/`);
  assert.equal(layerPathProblem(long), undefined);
  assert.match(outcome(() => layerCheck(long)) ?? '', /longer than 32000/);
});

test('property: the layer check throws exactly when the shared rules find a problem (short paths)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom('a', 'B', '/', '.', ':', '\\', '*', '\u0000', '\n', ' ', 'é') }), (name) => {
      const problem = layerPathProblem(name);
      assert.equal(outcome(() => layerCheck(name)) !== undefined, problem !== undefined);
      assert.equal(outcome(() => checkStreamName('Files/a', name)) !== undefined, streamNameProblem(name) !== undefined);
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 20_000 : 300 },
  );
});
