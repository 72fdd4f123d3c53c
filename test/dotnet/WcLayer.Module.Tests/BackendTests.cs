// Get-WcBackend, Stop-WcBackend, restart after a crash, Remove-Module stopping the backend.

using System;
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

                PSObject b = s.Invoke("Get-WcBackend").Single();
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
    }
}
