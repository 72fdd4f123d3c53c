// -WhatIf on every cmdlet that supports ShouldProcess: nothing is created or removed, and the
// backend is not even started (a fresh session has none until a cmdlet asks it something).

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class WhatIfTests
    {
        private readonly SampleData data;

        public WhatIfTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void WhatIfChangesNothingAndNeverAsksTheBackend()
        {
            string dir = data.NewDir("whatif");
            string victim = Path.Combine(dir, "victim");
            Cli.Run("import", "-i", data.BaseTar, victim);
            string[] before = Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderBy(x => x).ToArray();
            string delta = Path.Combine(data.CliChildLayer, "Hives", "Software_Delta");

            string[] scripts =
            {
                "Import-WcLayer -Path $args[0] -LayerPath $args[1] -WhatIf",
                "Get-Item -LiteralPath $args[0] | Import-WcLayer -Destination $args[2] -Format Cim -WhatIf",
                "New-CimLayer -Path $args[0] -LayerPath $args[1] -WhatIf",
                "Export-WcLayer -LayerPath $args[3] -Destination $args[4] -WhatIf",
                "ConvertTo-CimLayer -LayerPath $args[3] -Destination $args[1] -WhatIf",
                "Remove-WcLayer -Path $args[3] -WhatIf",
                "Remove-WcLayer -Path $args[3] -Force -WhatIf",
                "Export-WcHive -Path $args[5] -Destination $args[4] -WhatIf",
                "Merge-WcHive -BasePath $args[5] -DeltaPath $args[6] -Destination $args[4] -WhatIf",
                "Stop-WcBackend -WhatIf",
            };
            using (ModuleSession s = ModuleSession.Open())
            {
                foreach (string script in scripts)
                {
                    RunResult r = s.Run(script, data.BaseTarGz, Path.Combine(dir, "new"), dir, victim, Path.Combine(dir, "out.tar"), data.CliBaseSoftwareHive, delta);
                    Assert.True(r.Errors.Count == 0 && r.Terminating == null, script + ": " + string.Join("\n", r.Errors.Select(ModuleSession.Describe)));
                    Assert.Empty(r.Output);
                    Assert.Equal("NotStarted", Ps.Str(s.Invoke("Get-WcBackend -NoStart").Single(), "Status"));
                }
                Assert.Equal(before, Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderBy(x => x).ToArray());

                // Stop-WcBackend -WhatIf leaves a running backend running.
                int pid = (int)Ps.Get(s.Invoke("Get-WcBackend").Single(), "ProcessId");
                s.Invoke("Stop-WcBackend -WhatIf");
                PSObject after = s.Invoke("Get-WcBackend -NoStart").Single();
                Assert.Equal("Running", Ps.Str(after, "Status"));
                Assert.Equal(pid, (int)Ps.Get(after, "ProcessId"));
            }
        }
    }
}
