// Runs the xunit suite of the PowerShell module's C# transport
// (powershell/WcLayer/Private/WcLayerRpcClient.cs) on the installed .NET SDK, against the real
// backend built by `npm run build`, compiled as C# 5 as Windows PowerShell 5.1 would. The whole
// module, transport included, also runs in a hosted PowerShell 7.6 engine: module.test.ts.
// A missing dotnet fails the test: CI must install the .NET SDK.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../helpers/paths.js';

const project = join(repoRoot, 'test', 'dotnet', 'WcLayer.Transport.Tests');

test('C# transport: xunit suite against the real backend (dotnet test)', { timeout: 300_000 }, () => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: the TypeScript build must run first`);
  const r = spawnSync(
    'dotnet',
    ['test', project, '--nologo', '--logger', 'console;verbosity=detailed'],
    {
      cwd: join(repoRoot, 'test', 'dotnet'),
      encoding: 'utf8',
      timeout: 280_000,
      env: {
        ...process.env,
        WCLAYER_REPO_ROOT: repoRoot,
        WCLAYER_NODE: process.execPath,
        DOTNET_NOLOGO: '1',
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
      },
    },
  );
  if (r.error) assert.fail(`could not run dotnet (is the .NET SDK installed?): ${r.error.message}`);
  const out = `${r.stdout}\n${r.stderr}`;
  // The suite measures the backend cold start and the ping round trip: show those lines.
  for (const line of out.split('\n')) if (line.includes('timing:')) console.log(line.trim());
  assert.equal(r.status, 0, `dotnet test failed (exit ${r.status}):\n${out}`);
  assert.match(out, /Passed!|Total tests: \d+\s+Passed: \d+/, `no passing summary in the dotnet output:\n${out}`);
  assert.doesNotMatch(out, /Failed: [1-9]/, out);
});
