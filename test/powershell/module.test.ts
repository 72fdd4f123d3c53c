// Runs the end-to-end suite of the PowerShell module (test/dotnet/WcLayer.Module.Tests): the real
// powershell/WcLayer module imported into a hosted PowerShell 7.6.9 engine
// (System.Management.Automation from NuGet), every cmdlet run against the real backend built by
// `npm run build`. The engine package has only the Core commands; the Utility/Management ones
// the module calls are test-only stand-ins (test/dotnet/WcLayer.Module.Tests/Standins/).
// A missing dotnet fails the test: CI must install the .NET SDK. The first restore needs
// nuget.org (test/dotnet/NuGet.config); build/setup.sh does it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDotnetTest } from '../helpers/dotnet.js';

test('PowerShell module: end to end in a hosted PowerShell 7.6 engine (dotnet test)', { timeout: 600_000 }, () => {
  const { status, out } = runDotnetTest('WcLayer.Module.Tests', ['--blame-hang-timeout', '120s', '--blame-hang-dump-type', 'none'], 580_000);
  for (const line of out.split('\n')) if (/^\s+(Passed|Failed) WcLayer\.|Total time:|timing:/.test(line)) console.log(line.trim());
  assert.equal(status, 0, `dotnet test failed (exit ${status}):\n${out}`);
  assert.match(out, /Passed: [1-9]\d*/, `no passing summary in the dotnet output:\n${out}`);
  assert.doesNotMatch(out, /Failed: [1-9]|Skipped: [1-9]/, out);
});
