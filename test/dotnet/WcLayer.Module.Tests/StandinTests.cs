// The stand-ins themselves (Standins/): they do what the real commands do for the parameters the
// module uses, and refuse what they do not implement instead of guessing.

using System;
using System.Collections.ObjectModel;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using WcLayer.Module.Tests.Standins;
using Xunit;

namespace WcLayer.Module.Tests
{
    public class StandinTests : IDisposable
    {
        private readonly Runspace runspace;

        public StandinTests()
        {
            InitialSessionState iss = InitialSessionState.CreateDefault2();
            StandinCommands.AddTo(iss);
            runspace = RunspaceFactory.CreateRunspace(iss);
            runspace.Open();
        }

        public void Dispose() => runspace.Dispose();

        private Collection<PSObject> Run(string script)
        {
            using (PowerShell ps = PowerShell.Create())
            {
                ps.Runspace = runspace;
                Collection<PSObject> r = ps.AddScript(script).Invoke();
                if (ps.Streams.Error.Count > 0) throw new InvalidOperationException(ps.Streams.Error[0].ToString());
                return r;
            }
        }

        /// <summary>True when the script fails: a terminating error or a record in the error stream.</summary>
        private bool Refused(string script)
        {
            using (PowerShell ps = PowerShell.Create())
            {
                ps.Runspace = runspace;
                try
                {
                    ps.AddScript(script).Invoke();
                }
                catch (RuntimeException)
                {
                    return true;
                }
                return ps.Streams.Error.Count > 0;
            }
        }

        [Fact]
        public void JsonRoundTripsTheShapesTheModuleSends()
        {
            string json = (string)Run("ConvertTo-Json -InputObject ([ordered]@{ a = 1; b = 'x'; c = $true; d = @('p', 'q'); e = $null; f = @{ g = 2 } }) -Depth 5 -Compress").Single().BaseObject;
            Assert.Equal("{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":[\"p\",\"q\"],\"e\":null,\"f\":{\"g\":2}}", json);
            PSObject o = Run("ConvertFrom-Json -InputObject '{\"n\":1,\"big\":12345678901234,\"s\":\"t\",\"a\":[1,2],\"o\":{\"k\":null}}'").Single();
            Assert.IsType<long>(o.Properties["n"].Value);
            Assert.Equal(12345678901234L, o.Properties["big"].Value);
            Assert.Equal(2, ((object[])o.Properties["a"].Value).Length);
            Assert.Null(((PSObject)o.Properties["o"].Value).Properties["k"].Value);
            // Deeper than -Depth: the real one truncates with a warning; the stand-in refuses.
            Assert.True(Refused("ConvertTo-Json -InputObject @{ a = @{ b = @{ c = 1 } } } -Depth 1"));
            // An arbitrary .NET object: refused rather than serialized property by property.
            Assert.True(Refused("ConvertTo-Json -InputObject ([System.IO.FileInfo]'/tmp') -Compress"));
        }

        [Fact]
        public void NewObjectReturnsEmptyCollectionsAndBindsLikeTheEngine()
        {
            Assert.Equal("System.Collections.Queue", Run("(New-Object System.Collections.Queue).GetType().FullName").Single().BaseObject);
            Assert.Equal("m", Run("(New-Object System.ArgumentException 'm').Message").Single().BaseObject);
            Assert.Equal("id", Run("(New-Object -TypeName System.Management.Automation.ErrorRecord -ArgumentList (New-Object System.Exception 'x'), 'id', 'InvalidArgument', $null).FullyQualifiedErrorId").Single().BaseObject);
        }

        [Fact]
        public void UnsupportedParametersAreRefused()
        {
            Assert.True(Refused("1, 2 | Select-Object -Skip 1"));
            Assert.True(Refused("1, 2 | Select-Object"));
            Assert.True(Refused("1, 2 | Sort-Object { $_ }"));
            Assert.True(Refused("Join-Path a b c"));
            Assert.True(Refused("Test-Path -Path /tmp"));
            Assert.True(Refused("Add-Type -TypeDefinition 'public class X {}'"));
        }

        [Fact]
        public void PathsAndProgressBehaveLikeTheRealCommands()
        {
            Assert.True((bool)Run("Test-Path -LiteralPath /tmp -PathType Container").Single().BaseObject);
            Assert.False((bool)Run("Test-Path -LiteralPath /tmp -PathType Leaf").Single().BaseObject);
            Assert.False((bool)Run("Test-Path -LiteralPath /no/such/path").Single().BaseObject);
            Assert.Equal("/tmp/x", Run("Join-Path -Path /tmp -ChildPath x").Single().BaseObject);
            Assert.Equal(new object[] { 1, 2 }, Run("3, 1, 2 | Sort-Object | Select-Object -First 2").Select(o => o.BaseObject).ToArray());
            Assert.Equal(new object[] { 3 }, Run("1, 2, 3 | Select-Object -Last 1").Select(o => o.BaseObject).ToArray());
            using (PowerShell ps = PowerShell.Create())
            {
                ps.Runspace = runspace;
                ps.AddScript("Write-Progress -Activity a -Status s -Id 2 -ParentId 1 -PercentComplete 40 -CurrentOperation op; Write-Progress -Activity a -Id 2 -Completed").Invoke();
                ProgressRecord p = ps.Streams.Progress[0];
                Assert.Equal(("a", "s", 2, 1, 40, "op", ProgressRecordType.Processing), (p.Activity, p.StatusDescription, p.ActivityId, p.ParentActivityId, p.PercentComplete, p.CurrentOperation, p.RecordType));
                Assert.Equal(ProgressRecordType.Completed, ps.Streams.Progress[1].RecordType);
            }
        }
    }
}
