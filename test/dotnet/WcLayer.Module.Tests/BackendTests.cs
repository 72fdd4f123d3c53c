// Get-WcBackend, Stop-WcBackend, restart after a crash, Remove-Module stopping the backend.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class BackendTests
    {
        private readonly SampleData data;

        public BackendTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void GetWcBackendStartsTheBackendAndDescribesIt()
        {
            using (ModuleSession s = ModuleSession.Open())
            {
                PSObject none = s.Invoke("Get-WcBackend -NoStart").Single();
                Assert.Equal("WcLayer.Backend", none.TypeNames[0]);
                Assert.Equal("NotStarted", none.Properties["Status"].Value);

                RunResult started = s.Run("Get-WcBackend -Verbose");
                Assert.Empty(started.Errors);
                PSObject b = started.Output.Single();
                // -Verbose shows the start and the backend's own log lines (stderr).
                Assert.Contains(started.Verbose, v => v.StartsWith("Starting the WcLayer backend: ") && v.Contains(ModuleSession.CliPath));
                // The backend's log line travels on stderr, a pipe read apart from the replies on
                // stdout, so it may land after this call returned: later calls relay it.
                var logLines = new List<string>(started.Verbose);
                for (int i = 0; i < 50 && !logLines.Any(v => v.StartsWith("backend: ") && v.Contains("backend/ping")); i++)
                {
                    RunResult again = s.Run("Get-WcBackend -Verbose");
                    Assert.Empty(again.Errors);
                    logLines.AddRange(again.Verbose);
                }
                Assert.Contains(logLines, v => v.StartsWith("backend: ") && v.Contains("backend/ping"));
                Assert.Equal("WcLayer.Backend", b.TypeNames[0]);
                Assert.Equal("Running", b.Properties["Status"].Value);
                int pid = (int)b.Properties["ProcessId"].Value;
                Assert.False(Process.GetProcessById(pid).HasExited);
                Assert.Equal(System.IO.Path.GetFullPath(ModuleSession.CliPath), b.Properties["BackendPath"].Value);
                Assert.Equal("1.0", b.Properties["ProtocolVersion"].Value);
                var methods = ((object[])b.Properties["Methods"].Value).Select(m => m.ToString()).ToList();
                Assert.Contains("tar/list", methods);
                Assert.Contains("layer/import", methods);
                Assert.True((double)b.Properties["RoundTripMs"].Value > 0);
            }
        }

        [Fact]
        public void StopWcBackendStopsItAndTheNextCmdletStartsAnother()
        {
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                PSObject stopped = s.Invoke("Stop-WcBackend -PassThru").Single();
                Ps.HasType(stopped, "WcLayer.Backend");
                Assert.Equal("Exited", Ps.Str(stopped, "Status"));
                Assert.Equal("stopped", Ps.Str(stopped, "ExitReason"));
                Assert.Equal(0, Convert.ToInt32(Ps.Get(stopped, "ExitCode")));
                Assert.True(ProcessGone(pid));
                Assert.Empty(s.Invoke("Stop-WcBackend"));
                Assert.NotEmpty(s.Invoke("Get-WcLayerContent $args[0]", data.ChildTarGz));
                Assert.NotEqual(pid, (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId"));
            }
        }

        [Fact]
        public void AKilledBackendIsReportedAndReplaced()
        {
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                using (Process p = Process.GetProcessById(pid))
                {
                    p.Kill();
                    Assert.True(p.WaitForExit(10000));
                }
                PSObject dead = s.Invoke("Get-WcBackend -NoStart").Single();
                Assert.Equal("Exited", Ps.Str(dead, "Status"));
                Assert.Equal("exited", Ps.Str(dead, "ExitReason"));
                Assert.Equal(pid, (int)Ps.Get(dead, "ProcessId"));
                // The next cmdlet starts a new backend and works.
                Assert.Equal(Cli.JsonLines("tar", "ls", "--json", data.ChildTarGz).Count, s.Invoke("Get-WcLayerContent $args[0]", data.ChildTarGz).Count);
                PSObject alive = s.Invoke("Get-WcBackend -NoStart").Single();
                Assert.Equal("Running", Ps.Str(alive, "Status"));
                Assert.NotEqual(pid, (int)Ps.Get(alive, "ProcessId"));
            }
        }

        [Fact]
        public void RemoveModuleStopsTheBackend()
        {
            using (ModuleSession s = ModuleSession.Open())
            {
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                s.Invoke("Remove-Module WcLayer");
                Assert.True(ProcessGone(pid), "the backend outlived Remove-Module");
                Assert.Empty(s.Invoke("Get-Module WcLayer"));
                // Imported again, it starts afresh.
                s.Invoke("Import-Module $args[0]", ModuleSession.ManifestPath);
                Assert.Equal("NotStarted", Ps.Str(s.Invoke("Get-WcBackend -NoStart").Single(), "Status"));
            }
        }

        /// <summary>Waits (up to a bound that only catches a hang) for the process to end.</summary>
        private static bool ProcessGone(int pid)
        {
            try
            {
                using (Process p = Process.GetProcessById(pid)) return p.WaitForExit(10000);
            }
            catch (ArgumentException)
            {
                return true; // already gone
            }
        }
    }
}
