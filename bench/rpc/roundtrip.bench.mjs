// Backend cold start (spawn → initialize answered) and the median round trip of backend/ping,
// through a real child process and vscode-jsonrpc client — what every cmdlet call pays.
// Peer for the cold start: a bare `node -e 0` start in the same run, so the ratio says what
// the backend adds over starting Node at all.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function coldStart() {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [cli, 'serve', '--stdio'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const c = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  c.listen();
  await c.sendRequest('initialize', { clientName: 'bench' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, c, child };
}

const runs = Number(process.env.BENCH_RUNS ?? 5);
const starts = [];
const bare = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
  const { ms, c, child } = await coldStart();
  starts.push(ms);
  c.dispose();
  child.stdin.end();
  await new Promise((r) => child.on('exit', r));
}

const { c, child } = await coldStart();
const trips = [];
for (let i = 0; i < 100; i++) {
  const t0 = process.hrtime.bigint();
  await c.sendRequest('backend/ping', {});
  trips.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
c.dispose();
child.stdin.end();

const result = {
  coldStartMs: +median(starts).toFixed(1),
  bareNodeStartMs: +median(bare).toFixed(1),
  coldStartRatioToBareNode: +(median(starts) / median(bare)).toFixed(2),
  pingMedianMs: +median(trips).toFixed(3),
  pingP95Ms: +[...trips].sort((a, b) => a - b)[94].toFixed(3),
};
console.log(JSON.stringify(result, null, 2));
