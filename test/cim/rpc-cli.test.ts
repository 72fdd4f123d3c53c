// cim/* through a real spawned backend (vscode-jsonrpc client), and the `wclayer cim` CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createCimImage } from '../../src/cim/image.js';
import { cliPath } from '../helpers/paths.js';
import { sdToSddl } from '../../src/formats/backup/sddl.js';
import { dirInfo, fileInfo, tempDir } from './helpers.js';

const SD = new Uint8Array([1, 0, 4, 0x80, ...new Array(16).fill(0)]);

async function sample(dir: string): Promise<string> {
  const w = await createCimImage(dir, 'img.cim');
  await w.addFile('Files', dirInfo(), 0);
  const big = Buffer.alloc(300000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  await w.addFile('Files\\big.bin', fileInfo({ securityDescriptor: SD, extendedAttributes: [{ name: 'E', value: new Uint8Array([1, 2]), flags: 0 }] }), big.length);
  await w.write(big);
  await w.createAlternateStream('Files\\big.bin', 'Zone.Identifier', 4);
  await w.write(Buffer.from('zone'));
  await w.addFile('Files\\hello.txt', fileInfo(), 5);
  await w.write(Buffer.from('hello'));
  await w.addHardLink('Files\\hello-link.txt', 'Files\\hello.txt');
  for (let i = 0; i < 600; i++) await w.addFile(`Files\\n${i}`, fileInfo(), 0);
  await w.commit();
  return join(dir, 'img.cim');
}

test('cim/* methods over JSON-RPC, with $/items streaming', async () => {
  const t = tempDir('rpc');
  const child = spawn(process.execPath, [cliPath, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const streamed: unknown[] = [];
  conn.onNotification('$/items', (p: { token: string; items: unknown[] }) => {
    if (p.token === 'tok') streamed.push(...p.items);
  });
  conn.listen();
  try {
    const path = await sample(t.dir);
    const info = await conn.sendRequest<Record<string, any>>('cim/info', { path });
    assert.equal(info.version, '2.0');
    assert.equal(info.files, 602);
    assert.equal(info.directories, 1);
    assert.equal(info.extraLinks, 1);
    assert.equal(info.regionFiles.length, 3);
    assert.equal(info.parents.length, 0);
    assert.equal(info.header.reserved.header64, 7);
    assert.equal(info.header.filesystemOffset.region, 0);

    const listed = await conn.sendRequest<{ count: number; items: any[] }>('cim/list', { path, itemPath: 'files' });
    assert.equal(listed.count, 603);
    const big = listed.items.find((i: any) => i.name === 'big.bin');
    assert.equal(big.size, 300000);
    assert.equal(big.securityDescriptor, Buffer.from(SD).toString('base64'));
    // The SDDL renderer is wired in (it was null while the backup area was pending).
    assert.equal(big.sddl, sdToSddl(SD));
    assert.equal(typeof big.sddl, 'string');
    assert.deepEqual(big.alternateStreams, [{ name: 'Zone.Identifier', size: 4 }]);
    assert.equal(big.creationTimeRaw, '132469312249553355');
    assert.equal(big.creationTime, '2020-10-11T23:07:04.955Z');

    const viaItems = await conn.sendRequest<{ count: number; items?: unknown[] }>('cim/list', { path, recurse: true, itemToken: 'tok' });
    assert.equal(viaItems.count, 604);
    assert.equal(viaItems.items, undefined);
    assert.equal(streamed.length, 604);

    const st = await conn.sendRequest<any>('cim/stat', { path, itemPath: 'Files/HELLO.TXT' });
    assert.equal(st.size, 5);
    assert.equal(st.fileId, (await conn.sendRequest<any>('cim/stat', { path, itemPath: 'Files/hello-link.txt' })).fileId);

    const r = await conn.sendRequest<any>('cim/read', { path, itemPath: 'Files\\big.bin', offset: 1000, length: 10 });
    assert.equal(r.size, 300000);
    assert.equal(r.eof, false);
    assert.deepEqual([...Buffer.from(r.data, 'base64')], Array.from({ length: 10 }, (_, k) => ((1000 + k) * 31) & 0xff));
    const z = await conn.sendRequest<any>('cim/read', { path, itemPath: 'Files\\big.bin', stream: 'zone.identifier' });
    assert.equal(Buffer.from(z.data, 'base64').toString(), 'zone');
    assert.equal(z.eof, true);

    await assert.rejects(conn.sendRequest('cim/stat', { path, itemPath: 'nope' }), (e: any) => e.data?.code === 'NotFound');
    await assert.rejects(conn.sendRequest('cim/info', { path: join(t.dir, 'missing.cim') }), (e: any) => e.data?.code === 'NotFound');
    await assert.rejects(conn.sendRequest('cim/read', { path, itemPath: 'Files', length: 1 }), (e: any) => e.data?.code === 'FailedPrecondition');

    const dest = join(t.dir, 'out');
    const x = await conn.sendRequest<any>('cim/extract', { path, destination: dest });
    assert.equal(x.files, 602);
    assert.equal(x.hardLinks, 1);
    assert.equal(x.streamsSkipped, 1);
    assert.equal(readFileSync(join(dest, 'Files', 'hello.txt'), 'utf8'), 'hello');
    assert.equal(statSync(join(dest, 'Files', 'hello-link.txt')).ino, statSync(join(dest, 'Files', 'hello.txt')).ino);
    assert.equal(statSync(join(dest, 'Files', 'big.bin')).mtime.toISOString(), '2020-10-11T23:07:04.955Z');
    await assert.rejects(conn.sendRequest('cim/extract', { path, destination: dest }), (e: any) => e.data?.code === 'AlreadyExists');
    assert.ok(!readdirSync(t.dir).some((n) => n.includes('.tmp-')));
  } finally {
    await conn.sendRequest('shutdown').catch(() => undefined);
    await conn.sendNotification('exit').catch(() => undefined);
    conn.dispose();
    await new Promise((r) => child.once('exit', r));
    t.done();
  }
});

test('wclayer cim info|ls|stat|cat|extract', async () => {
  const t = tempDir('cli');
  try {
    const path = await sample(t.dir);
    const run = (...args: string[]) => spawnSync(process.execPath, [cliPath, 'cim', ...args], { encoding: 'buffer', maxBuffer: 1 << 26 });
    const info = run('info', path, '--json');
    assert.equal(info.status, 0, info.stderr.toString());
    assert.equal(JSON.parse(info.stdout.toString()).files, 602);
    const human = run('info', path);
    assert.match(human.stdout.toString(), /format\s+2\.0/);
    const ls = run('ls', path, 'Files');
    assert.equal(ls.status, 0);
    assert.equal(ls.stdout.toString().trim().split('\n').length, 603);
    assert.match(ls.stdout.toString(), /big\.bin {2}\[\+Zone\.Identifier\]/);
    const lsr = run('ls', '-r', '--json', path);
    assert.equal(lsr.stdout.toString().trim().split('\n').length, 604);
    const st = run('stat', path, 'Files/big.bin');
    assert.equal(JSON.parse(st.stdout.toString()).extendedAttributes[0].name, 'E');
    const cat = run('cat', path, 'Files/big.bin');
    assert.equal(cat.stdout.length, 300000);
    assert.equal(cat.stdout[1000], (1000 * 31) & 0xff);
    assert.equal(run('cat', path, 'Files/big.bin', '--stream', 'Zone.Identifier').stdout.toString(), 'zone');
    const miss = run('cat', path, 'nope');
    assert.equal(miss.status, 1);
    assert.match(miss.stderr.toString(), /NotFound/);
    const dest = join(t.dir, 'x');
    const ex = run('extract', path, dest, '--path', 'Files');
    assert.equal(ex.status, 0, ex.stderr.toString());
    assert.equal(readFileSync(join(dest, 'hello.txt'), 'utf8'), 'hello');
    assert.ok(existsSync(join(dest, 'n599')));
  } finally {
    t.done();
  }
});
