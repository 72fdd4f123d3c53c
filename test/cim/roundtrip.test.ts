// Random trees written then read back equal, single images and fork chains three deep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { createCimImage, openCimImage } from '../../src/cim/image.js';
import { checkLayout } from './layout-check.js';
import { apply, assertImageEquals, cloneTree, emptyRoot, opArb, type MDir, type Op } from './model.js';
import { isLong, tempDir } from './helpers.js';

const runs = isLong ? 300 : 25;

async function writeGeneration(dir: string, name: string, parent: string | undefined, model: MDir, ops: Op[]): Promise<void> {
  const w = await createCimImage(dir, name, parent ? { parent } : {});
  try {
    for (const o of ops) await apply(w, model, o);
    await w.commit();
  } finally {
    await w.close();
  }
}

test('random trees round trip through one image, with layout invariants', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), async (ops) => {
      const t = tempDir('rt');
      try {
        const model = emptyRoot();
        await writeGeneration(t.dir, 'a.cim', undefined, model, ops);
        const img = await openCimImage(join(t.dir, 'a.cim'));
        try {
          await assertImageEquals(img, model);
          await checkLayout(t.dir, 'a.cim', img);
        } finally {
          await img.close();
        }
      } finally {
        t.done();
      }
    }),
    { numRuns: runs },
  );
});

test('fork chains three generations deep reflect parent plus changes; parents stay intact', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(opArb, { minLength: 1, maxLength: 40 }), { minLength: 3, maxLength: 3 }), async (gens) => {
      const t = tempDir('fork');
      try {
        const model = emptyRoot();
        const snapshots: MDir[] = [];
        for (const [g, ops] of gens.entries()) {
          await writeGeneration(t.dir, `g${g}.cim`, g === 0 ? undefined : `g${g - 1}.cim`, model, ops);
          snapshots.push(cloneTree(model));
        }
        for (const [g, snap] of snapshots.entries()) {
          const img = await openCimImage(join(t.dir, `g${g}.cim`));
          try {
            await assertImageEquals(img, snap);
            const facts = await checkLayout(t.dir, `g${g}.cim`, img);
            assert.equal(facts.parentCount, g);
            assert.equal(img.header.parents.length, g);
          } finally {
            await img.close();
          }
        }
      } finally {
        t.done();
      }
    }),
    { numRuns: isLong ? 100 : 8 },
  );
});
