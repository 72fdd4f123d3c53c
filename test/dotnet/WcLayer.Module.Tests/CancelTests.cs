// Ctrl+C: PowerShell.Stop() (what the console host does on Ctrl+C) while a cmdlet streams from
// or writes through the backend. The pipeline stops, the module cancels the request in the
// backend ($/cancelRequest, answered with -32800), the backend lives on and answers the next
// cmdlet, and an import leaves nothing at its target. Waits are on content (objects, progress
// records); the time bounds only catch a hang.

using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Xunit;
using Xunit.Abstractions;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class CancelTests
    {
        private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);
        private readonly SampleData data;
        private readonly ITestOutputHelper output;

        public CancelTests(SampleData data, ITestOutputHelper output)
        {
            this.data = data;
            this.output = output;
        }

        private static void AssertCancelledInBackend(ModuleSession s, string method, int pid)
        {
            // The backend (debug log level, see SampleData) logs how each request ended; the
            // module keeps its stderr lines and Get-WcBackend shows the last ones.
            PSObject b = s.Invoke("Get-WcBackend").Single();
            Assert.Equal("Running", Ps.Str(b, "Status"));
            Assert.Equal(pid, (int)Ps.Get(b, "ProcessId"));
            var log = Ps.List(b, "LastLog").Select(l => l.ToString()).ToList();
            Assert.Contains(log, l => l.Contains(method + " failed") && l.Contains("-32800"));
        }

        [Fact]
        public void StoppingGetWcLayerContentCancelsTheRequestAndKeepsTheBackend()
        {
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                using (PowerShell ps = s.Create("Get-WcLayerContent -Path $args[0]", data.BigTar))
                using (var output = new PSDataCollection<PSObject>())
                using (var enough = new ManualResetEventSlim())
                {
                    output.DataAdded += (_, _) => { if (output.Count >= 200) enough.Set(); };
                    IAsyncResult running = ps.BeginInvoke<PSObject, PSObject>(null, output);
                    Assert.True(enough.Wait(Hang), "no 200 entries within a minute; state " + ps.InvocationStateInfo.State);
                    var watch = Stopwatch.StartNew();
                    ps.Stop();
                    watch.Stop();
                    Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
                    // The module waits up to 3 s for the cancel's answer before it gives up on the backend.
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "Stop took " + watch.Elapsed);
                    Assert.True(output.Count < data.BigTarEntries, "all " + output.Count + " entries came before the stop");
                    this.output.WriteLine("timing: Stop() of Get-WcLayerContent took " + watch.ElapsedMilliseconds + " ms (" + output.Count + " of " + data.BigTarEntries + " entries out)");
                }
                AssertCancelledInBackend(s, "tar/list", pid);
                // And it answers the next cmdlet.
                Assert.Equal(Cli.JsonLines("tar", "ls", "--json", data.ChildTarGz).Count, s.Invoke("Get-WcLayerContent $args[0]", data.ChildTarGz).Count);
            }
        }

        [Fact]
        public void StoppingImportWcLayerLeavesNothingAtTheTarget()
        {
            string dir = data.NewDir("cancel-import");
            string layer = Path.Combine(dir, "big");
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                using (PowerShell ps = s.Create("Import-WcLayer -Path $args[0] -LayerPath $args[1]", data.BigTar, layer))
                using (var progressed = new ManualResetEventSlim())
                {
                    // Progress beyond the first record means the backend is writing entries.
                    ps.Streams.Progress.DataAdded += (_, _) => { if (ps.Streams.Progress.Count >= 2) progressed.Set(); };
                    IAsyncResult running = ps.BeginInvoke();
                    Assert.True(progressed.Wait(Hang), "no progress within a minute; state " + ps.InvocationStateInfo.State);
                    Assert.Equal(PSInvocationState.Running, ps.InvocationStateInfo.State);
                    ProgressRecord first = ps.Streams.Progress[0];
                    Assert.Equal("Importing " + data.BigTar, first.Activity);
                    Assert.Equal(ProgressRecordType.Processing, first.RecordType);
                    var watch = Stopwatch.StartNew();
                    ps.Stop();
                    watch.Stop();
                    Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
                    Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), "Stop took " + watch.Elapsed);
                    output.WriteLine("timing: Stop() of Import-WcLayer took " + watch.ElapsedMilliseconds + " ms");
                    // The progress bar was closed on the way out.
                    Assert.Equal(ProgressRecordType.Completed, ps.Streams.Progress.Last().RecordType);
                }
                // The backend answered the cancel after removing what it had staged.
                Assert.Empty(Directory.GetFileSystemEntries(dir));
                AssertCancelledInBackend(s, "layer/import", pid);
                // The same import, not stopped, then works.
                PSObject done = s.Invoke("Import-WcLayer -Path $args[0] -LayerPath $args[1]", data.BaseTar, layer).Single();
                Assert.Equal(data.BaseDiffId, Ps.Str(done, "diffId"));
            }
        }

        [Fact]
        public void StoppingANestedPipelineKeepsTheBackend()
        {
            // Each entry of an outer streaming request runs an inner request (nested requests on
            // one backend). The backend has long finished the outer request when Stop() comes:
            // its answer must not be lost on the way, or the module waits for it in vain and
            // ends the backend.
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                using (PowerShell ps = s.Create("param($tar, $hive) Get-WcLayerContent -Path $tar | ForEach-Object { Get-WcOsVersion -HivePath $hive }", data.BigTar, data.CliBaseSoftwareHive))
                using (var output = new PSDataCollection<PSObject>())
                using (var enough = new ManualResetEventSlim())
                {
                    output.DataAdded += (_, _) => { if (output.Count >= 20) enough.Set(); };
                    ps.BeginInvoke<PSObject, PSObject>(null, output);
                    Assert.True(enough.Wait(Hang), "no 20 results within a minute; state " + ps.InvocationStateInfo.State);
                    Assert.Equal("WcLayer.OsVersion", output[0].TypeNames[0]);
                    var watch = Stopwatch.StartNew();
                    ps.Stop();
                    watch.Stop();
                    Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
                    this.output.WriteLine("timing: Stop() of a nested pipeline took " + watch.ElapsedMilliseconds + " ms");
                }
                PSObject b = s.Invoke("Get-WcBackend").Single();
                Assert.Equal(pid, (int)Ps.Get(b, "ProcessId"));
            }
        }
    }
}
