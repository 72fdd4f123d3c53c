// Runs the xunit suite of the PowerShell module's C# transport
// (powershell/WcLayer/Private/WcLayerRpcClient.cs) on the installed .NET SDK, against the real
// backend built by `npm run build`, compiled as C# 5 as Windows PowerShell 5.1 would. The whole
// module, transport included, also runs in a hosted PowerShell 7.6 engine: module.test.ts.
// A missing dotnet fails the test: CI must install the .NET SDK.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runDotnetTest } from '../helpers/dotnet.js';

test('C# transport: xunit suite against the real backend (dotnet test)', { timeout: 300_000 }, () => {
  const { status, out } = runDotnetTest('WcLayer.Transport.Tests', [], 280_000);
  // The suite measures the backend cold start and the ping round trip: show those lines.
  for (const line of out.split('\n')) if (line.includes('timing:')) console.log(line.trim());
  assert.equal(status, 0, `dotnet test failed (exit ${status}):\n${out}`);
  assert.match(out, /Passed!|Total tests: \d+\s+Passed: \d+/, `no passing summary in the dotnet output:\n${out}`);
  assert.doesNotMatch(out, /Failed: [1-9]/, out);
});
