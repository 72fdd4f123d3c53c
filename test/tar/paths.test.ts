// Path safety and the validator stage, used by every writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from '../../src/formats/entry.js';
import { WcError } from '../../src/errors.js';
import { checkLayerPath, layerPathProblem, validateEntries } from '../../src/formats/tar/paths.js';
import { layerPathProblemByRule } from '../../src/formats/paths.js';
import fc from 'fast-check';
import { encodeLayerTarChunks } from '../../src/formats/tar/encode.js';
import { bytes, info, iter } from './helpers.js';

test('layer paths: the one-pass shortcut agrees with the rule-by-rule checks', () => {
  const part = fc.oneof(
    fc.constantFrom('', '.', '..', '...', 'a', 'Files', 'C:', 'x:y', 'a\\b', '\0', '\u0001', 'é', '*', ' ', 'n'.repeat(120)),
    fc.string({ unit: fc.constantFrom('a', '.', '/', '\\', ':', '|', '\u001f', '\u0000', 'Z', ' ', '日'), maxLength: 8 }),
  );
  fc.assert(
    fc.property(fc.array(part, { minLength: 1, maxLength: 6 }), fc.constantFrom(undefined, 40, 300), (parts, maxUnits) => {
      const path = parts.join('/');
      assert.equal(layerPathProblem(path, maxUnits), layerPathProblemByRule(path, maxUnits), JSON.stringify(path));
    }),
    { numRuns: 3000 },
  );
});

test('layer paths: safe names pass, every escape is named', () => {
  for (const ok of ['Files', 'Files/Windows/System32/config/SAM', 'Hives/Software_Delta', 'Files/a b/ünïcödé/日本', 'Files/.wh..opq', 'Files/trailing.dot.', 'UtilityVM/Files/EFI']) {
    assert.equal(layerPathProblem(ok), undefined, ok);
  }
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['/Files', /absolute/],
    ['Files/../x', /'\.\.'/],
    ['./Files', /'\.'/],
    ['Files/', /empty component/],
    ['C:\\x', /drive letter/],
    ['c:', /drive letter/],
    ['\\\\?\\C:\\x', /UNC or device/],
    ['Files\\x', /backslash/],
    ['Files/a:b', /':'/],
    ['Files/a\0b', /NUL/],
    ['Files/a\nb', /control character 0x0a/],
    ['Files/a*b', /'\*'/],
    ['Files/a?b', /'\?'/],
    ['Files/a"b', /'"'/],
    ['Files/a<b', /'<'/],
    ['Files/' + 'x'.repeat(32761), /longer than 32766/],
  ];
  for (const [p, re] of bad) assert.match(layerPathProblem(p) ?? '(accepted)', re, JSON.stringify(p.slice(0, 40)));
  assert.throws(() => checkLayerPath('../etc/passwd'), (e: unknown) => e instanceof WcError && e.code === 'InvalidArgument' && /unsafe entry path '\.\.\/etc\/passwd'/.test(e.message) && e.data.path === '../etc/passwd');
});

async function drain(entries: Entry[], options?: Parameters<typeof validateEntries>[1]): Promise<string[]> {
  const seen: string[] = [];
  for await (const e of validateEntries(iter(entries), options)) seen.push(e.path);
  return seen;
}

test('validator: streams follow their file, links follow their target, parents on request', async () => {
  const dir = (path: string): Entry => ({ kind: 'directory', path, info: info(16) });
  const file = (path: string): Entry => ({ kind: 'file', path, info: info(32), size: 0 });
  assert.deepEqual(
    await drain([dir('Files'), file('Files/a'), { kind: 'stream', path: 'Files/a', name: 's', size: 0 }, { kind: 'link', path: 'Files/b', target: 'Files/a' }, { kind: 'whiteout', path: 'Files/c' }]),
    ['Files', 'Files/a', 'Files/a', 'Files/b', 'Files/c'],
  );
  // a stream on a directory is legal on NTFS
  assert.equal((await drain([dir('Files'), { kind: 'stream', path: 'Files', name: 's', size: 0 }])).length, 2);
  await assert.rejects(drain([file('Files/a'), file('Files/b'), { kind: 'stream', path: 'Files/a', name: 's', size: 0 }]), /does not follow its file/);
  await assert.rejects(drain([file('Files/a'), { kind: 'stream', path: 'Files/a', name: 'x/y', size: 0 }]), /separator/);
  await assert.rejects(drain([file('Files/a'), { kind: 'link', path: 'Files/a2', target: 'Files/A' }, { kind: 'link', path: 'Files/a3', target: 'Files/zz' }]), /'Files\/zz', which is not an earlier entry/);
  await assert.rejects(drain([file('Files/x')], { requireParents: true }), /comes before its parent directory 'Files'/);
  assert.equal((await drain([dir('Files'), file('Files/x')], { requireParents: true })).length, 2);
});

test('the encoder writes nothing of an unsafe entry', async () => {
  const out: Buffer[] = [];
  const entries: Entry[] = [
    { kind: 'file', path: 'Files/ok', info: info(32), size: 2, data: bytes('ok') },
    { kind: 'file', path: 'Files/../../evil', info: info(32), size: 4, data: bytes('evil') },
  ];
  await assert.rejects(
    (async () => {
      for await (const c of encodeLayerTarChunks(iter(entries))) out.push(c);
    })(),
    (e: unknown) => e instanceof WcError && e.code === 'InvalidArgument' && /Files\/\.\.\/\.\.\/evil/.test(e.message),
  );
  const written = Buffer.concat(out);
  assert.ok(written.includes(Buffer.from('Files/ok')));
  assert.ok(!written.includes(Buffer.from('evil')), 'no byte of the unsafe entry was produced');
});
