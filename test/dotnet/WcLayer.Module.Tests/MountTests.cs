// Mount-WcLayer / Dismount-WcLayer (layer/mount, layer/unmount) need Windows: here the backend
// answers Unsupported, naming the Windows function it would call. -WhatIf never reaches the
// backend, and Mount-WcLayer output piped to Dismount-WcLayer binds LayerPath and Target (the
// mount folder) by property name, never MountPath (the volume path).

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class MountTests
    {
        private const string VolumePath = @"\\?\Volume{0b5c1e42-7a0e-4c55-9d55-1c2b3a4d5e6f}\";

        private readonly SampleData data;

        public MountTests(SampleData data)
        {
            this.data = data;
        }

        /// <summary>A script that builds objects shaped like Mount-WcLayer output (the backend's layer/mount result) and pipes them on.</summary>
        private static string PipedMounts(string tail)
        {
            return "$args[0] | ForEach-Object { $m = [pscustomobject]@{ layerPath = $_.Layer; kind = 'scratch'; mountPath = $_.Volume }; "
                + "if ($_.Target) { $m | Add-Member -NotePropertyName target -NotePropertyValue $_.Target }; "
                + "$m.PSObject.TypeNames.Insert(0, 'WcLayer.LayerMount'); $m } | " + tail;
        }

        private static object[] Mounts(params (string layer, string target)[] mounts)
        {
            return new object[] { mounts.Select(m => PSObject.AsPSObject(new { Layer = m.layer, Volume = VolumePath, Target = m.target })).ToArray() };
        }

        [Fact]
        public void WhatIfChangesNothingAndNeverAsksTheBackend()
        {
            string dir = data.NewDir("mount-whatif");
            string scratch = Path.Combine(dir, "scratch");
            Directory.CreateDirectory(scratch);
            string mnt = Path.Combine(dir, "mnt");
            string[] before = Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderBy(x => x).ToArray();

            // Each script, and what its "What if" line must name.
            (string script, string[] names)[] cases =
            {
                ("Mount-WcLayer -LayerPath $args[0] -ParentLayerPath $args[1] -WhatIf", new[] { "Mount layer", scratch }),
                ("Mount-WcLayer $args[0] $args[2] -ParentLayerPath $args[1] -WhatIf", new[] { "Mount layer at '" + mnt + "'", scratch }),
                ("Get-Item -LiteralPath $args[0] | Mount-WcLayer -ParentLayerPath $args[1] -WhatIf", new[] { "Mount layer", scratch }),
                ("Dismount-WcLayer $args[0] -WhatIf", new[] { "Dismount layer", scratch }),
                ("Dismount-WcLayer -LayerPath $args[0] -MountPath $args[2] -WhatIf", new[] { "Remove mount point '" + mnt + "'", scratch }),
                ("Get-Item -LiteralPath $args[0] | Dismount-WcLayer -WhatIf", new[] { "Dismount layer", scratch }),
            };
            var host = new CapturingHost();
            using (ModuleSession s = ModuleSession.Open(host))
            {
                foreach ((string script, string[] names) in cases)
                {
                    host.Lines.Clear();
                    RunResult r = s.Run(script, scratch, data.CliBaseLayer, mnt);
                    Assert.True(r.Errors.Count == 0 && r.Terminating == null, script + ": " + string.Join("\n", r.Errors.Select(ModuleSession.Describe)));
                    Assert.Empty(r.Output);
                    string line = Assert.Single(host.Lines);
                    Assert.StartsWith("What if:", line);
                    foreach (string name in names) Assert.Contains(name, line);
                    Assert.Equal("NotStarted", Ps.Str(s.Invoke("Get-WcBackend -NoStart").Single(), "Status"));
                }
            }
            Assert.Equal(before, Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).OrderBy(x => x).ToArray());
        }

        [Fact]
        public void MountOutputPipedToDismountBindsLayerPathAndTarget()
        {
            string dir = data.NewDir("mount-pipe");
            string a = Path.Combine(dir, "a");
            string b = Path.Combine(dir, "b");
            string mnt = Path.Combine(dir, "mnt");
            var host = new CapturingHost();
            using (ModuleSession s = ModuleSession.Open(host))
            {
                // One ShouldProcess per piped object: the layer, and the mount point only when
                // the object has a Target (never its MountPath, the volume path).
                RunResult r = s.Run(PipedMounts("Dismount-WcLayer -WhatIf"), Mounts((a, null), (b, mnt)));
                Assert.True(r.Errors.Count == 0 && r.Terminating == null, string.Join("\n", r.Errors.Select(ModuleSession.Describe)));
                Assert.Equal(2, host.Lines.Count);
                Assert.Contains("\"Dismount layer\"", host.Lines[0]);
                Assert.Contains("\"" + a + "\"", host.Lines[0]);
                Assert.Contains("\"Remove mount point '" + mnt + "' and dismount layer\"", host.Lines[1]);
                Assert.Contains("\"" + b + "\"", host.Lines[1]);
                Assert.DoesNotContain(host.Lines, l => l.Contains("Volume{"));
                Assert.Equal("NotStarted", Ps.Str(s.Invoke("Get-WcBackend -NoStart").Single(), "Status"));
            }

            // For real (Linux: Unsupported): without a Target the first step is UnprepareLayer,
            // with one it is removing the mount point.
            RunResult real = data.Shared.Run(PipedMounts("Dismount-WcLayer"), Mounts((a, null), (b, mnt)));
            Assert.Equal(2, real.Errors.Count);
            Assert.Equal("UnprepareLayer", real.Errors[0].Exception.Data["operation"]);
            Assert.Equal("DeleteVolumeMountPointW", real.Errors[1].Exception.Data["operation"]);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }

        [Fact]
        public void OnLinuxMountAndDismountAreUnsupportedNamingTheOperation()
        {
            ModuleSession s = data.Shared;
            string dir = data.NewDir("mount-unsupported");
            string scratch = Path.Combine(dir, "scratch");
            Directory.CreateDirectory(scratch);
            string mnt = Path.Combine(dir, "mnt");
            (string script, string operation)[] cases =
            {
                ("Mount-WcLayer $args[0] -ParentLayerPath $args[1]", "ActivateLayer"),
                ("Mount-WcLayer $args[0] -ParentLayerPath $args[1] -MountPath $args[2]", "ActivateLayer"),
                ("Dismount-WcLayer $args[0]", "UnprepareLayer"),
                ("Dismount-WcLayer $args[0] -MountPath $args[2]", "DeleteVolumeMountPointW"),
            };
            foreach ((string script, string operation) in cases)
            {
                RunResult r = s.Run(script + "; 'after'", scratch, data.CliBaseLayer, mnt);
                ErrorRecord e = r.SingleError;
                Assert.StartsWith("WcLayer.Unsupported", e.FullyQualifiedErrorId);
                Assert.Equal(ErrorCategory.NotImplemented, e.CategoryInfo.Category);
                Assert.IsType<NotSupportedException>(e.Exception);
                Assert.Equal("Unsupported", e.Exception.Data["WcLayerCode"]);
                Assert.Equal(operation, e.Exception.Data["operation"]);
                Assert.Contains(operation, e.Exception.Message);
                // A non-terminating error: the script goes on, and nothing was written.
                Assert.Equal("after", r.Output.Single().BaseObject);
            }
            Assert.Equal(new[] { scratch }, Directory.GetFileSystemEntries(dir));
            Assert.Empty(Directory.GetFileSystemEntries(scratch));
        }
    }
}
