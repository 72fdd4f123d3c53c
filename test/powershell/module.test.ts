// Runs the end-to-end suite of the PowerShell module (test/dotnet/WcLayer.Module.Tests): the real
// powershell/WcLayer module imported into a hosted PowerShell 7.6.9 engine
// (System.Management.Automation from NuGet), every cmdlet run against the real backend built by
// `npm run build`. The engine package has only the Core commands; the Utility/Management ones
// the module calls are test-only stand-ins (test/dotnet/WcLayer.Module.Tests/Standins/).
// A missing dotnet fails the test: CI must install the .NET SDK. The first restore needs
// nuget.org (test/dotnet/NuGet.config); build/setup.sh does it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from '../helpers/paths.js';

const project = join(repoRoot, 'test', 'dotnet', 'WcLayer.Module.Tests');

test('PowerShell module: end to end in a hosted PowerShell 7.6 engine (dotnet test)', { timeout: 600_000 }, () => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: the TypeScript build must run first`);
  const r = spawnSync(
    'dotnet',
    ['test', project, '--nologo', '--logger', 'console;verbosity=detailed', '--blame-hang-timeout', '120s', '--blame-hang-dump-type', 'none'],
    {
      cwd: join(repoRoot, 'test', 'dotnet'),
      encoding: 'utf8',
      timeout: 580_000,
      maxBuffer: 64 * 1024 * 1024,
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
  for (const line of out.split('\n')) if (/^\s+(Passed|Failed) WcLayer\.|Total time:|timing:/.test(line)) console.log(line.trim());
  assert.equal(r.status, 0, `dotnet test failed (exit ${r.status}):\n${out}`);
  assert.match(out, /Passed: [1-9]\d*/, `no passing summary in the dotnet output:\n${out}`);
  assert.doesNotMatch(out, /Failed: [1-9]|Skipped: [1-9]/, out);
});
