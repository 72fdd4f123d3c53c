// Runs one xunit project under test/dotnet with `dotnet test` against the backend built by
// `npm run build` (WCLAYER_REPO_ROOT / WCLAYER_NODE tell the C# side where it is). A missing
// build or a missing dotnet fails the calling test: CI must install the .NET SDK.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, repoRoot } from './paths.js';

/** `dotnet test` of test/dotnet/<projectName>; returns its exit status and stdout + stderr. */
export function runDotnetTest(projectName: string, extraArgs: string[], timeoutMs: number): { status: number | null; out: string } {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: the TypeScript build must run first`);
  const dir = join(repoRoot, 'test', 'dotnet');
  const r = spawnSync('dotnet', ['test', join(dir, projectName), '--nologo', '--logger', 'console;verbosity=detailed', ...extraArgs], {
    cwd: dir,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      WCLAYER_REPO_ROOT: repoRoot,
      WCLAYER_NODE: process.execPath,
      DOTNET_NOLOGO: '1',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_SKIP_FIRST_TIME_EXPERIENCE: '1',
    },
  });
  if (r.error) assert.fail(`could not run dotnet (is the .NET SDK installed?): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}
