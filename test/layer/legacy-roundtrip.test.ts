import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createLegacyLayerWriter, readBaseLayer, readLegacyLayer } from '../../src/layer/legacy/index.js';
import { writeEntries } from '../../src/layer/writer.js';
import { BASE_HIVES, DELTA_HIVES, generateSampleLayer, type SampleLayerOptions } from '../../src/sample/index.js';
import { assertSameEntries, assertWriterOrder, collect, listDir, removeDir, tempDir } from './helpers.js';

async function writeSample(layer: string, sample: SampleLayerOptions, parents: string[] = []): Promise<void> {
  const writer = await createLegacyLayerWriter(layer, { parents });
  await writeEntries(writer, generateSampleLayer(sample));
}

for (const seed of [1, 7, 'wclayer']) {
  test(`base and child sample layers (seed ${seed}) round-trip through the legacy writer and reader`, async () => {
    const dir = await tempDir();
    try {
      const baseSample = { seed, kind: 'base', fileCount: 120, totalSize: 400_000 } as const;
      const childSample = { seed, kind: 'child', fileCount: 150, totalSize: 300_000 } as const;
      const base = join(dir, 'base');
      const child = join(dir, 'child');
      await writeSample(base, baseSample);
      await writeSample(child, childSample, [base]);
      assert.deepEqual(await listDir(dir), ['base', 'child'], 'no staging folder left');

      for (const [layer, sample] of [[base, baseSample], [child, childSample]] as const) {
        const expected = await collect(generateSampleLayer(sample));
        const actual = await collect(readLegacyLayer(layer));
        assertSameEntries(actual, expected);
        assertWriterOrder(actual);
        // Apart from whiteouts (placed right after their folder, as hcsshim's export does), the order is the writer's.
        const order = (l: { kind: string; path: string }[]): string[] => l.filter((e) => e.kind !== 'whiteout').map((e) => `${e.kind} ${e.path}`);
        assert.deepEqual(order(actual), order(expected));
        // Whiteouts come right after their folder (and its streams).
        actual.forEach((e, i) => {
          if (e.kind !== 'whiteout') return;
          const parent = e.path.slice(0, e.path.lastIndexOf('/'));
          let j = i - 1;
          while (j >= 0 && (actual[j]!.kind === 'whiteout' || actual[j]!.kind === 'stream')) j--;
          assert.equal(actual[j]?.path, parent, `whiteout ${e.path} is not right after its folder`);
        });
        assert.ok(expected.some((e) => e.kind === 'link'), 'the sample has hard links');
        if (sample.kind === 'child') assert.ok(expected.some((e) => e.kind === 'whiteout') && expected.some((e) => e.kind === 'stream'));
      }

      // Hard links are hard links on disk too.
      const links = (await collect(readLegacyLayer(base))).flatMap((e) => (e.kind === 'link' ? [e] : []));
      for (const l of links.slice(0, 5)) {
        const a = await stat(join(base, l.path));
        const b = await stat(join(base, l.target));
        assert.equal(a.ino, b.ino, `${l.path} is not a hard link of its target`);
      }
      // Base layer layout: the config hives and the pristine BCD copy.
      for (const h of BASE_HIVES) assert.ok((await stat(join(base, 'Files/Windows/System32/config', h))).isFile());
      assert.deepEqual(await readFile(join(base, 'bcd.bak')), await readFile(join(base, 'UtilityVM/Files/EFI/Microsoft/Boot/BCD')));
      for (const h of DELTA_HIVES) assert.ok((await stat(join(child, 'Hives', h))).isFile());
      await collect(readBaseLayer(base));
    } finally {
      await removeDir(dir);
    }
  });
}
