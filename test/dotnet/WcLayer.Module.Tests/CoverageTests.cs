// Every command the module exports has an end-to-end test here: a new cmdlet added to
// WcLayer.psd1 without one (and without a line below) fails the suite.

using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class CoverageTests
    {
        /// <summary>The exported commands this suite covers, each with the test file that runs it.</summary>
        private static readonly Dictionary<string, string> Covered = new Dictionary<string, string>
        {
            ["ConvertTo-CimLayer"] = "CimTests.cs",
            ["Dismount-WcLayer"] = "MountTests.cs",
            ["Export-WcHive"] = "HiveTests.cs",
            ["Export-WcLayer"] = "LayerTests.cs",
            ["Get-CimImage"] = "CimTests.cs",
            ["Get-CimImageItem"] = "CimTests.cs",
            ["Get-WcBackend"] = "BackendTests.cs",
            ["Get-WcHiveKey"] = "HiveTests.cs",
            ["Get-WcHiveValue"] = "HiveTests.cs",
            ["Get-WcLayer"] = "LayerTests.cs",
            ["Get-WcLayerContent"] = "ContentTests.cs",
            ["Get-WcOsVersion"] = "HiveTests.cs",
            ["Import-WcLayer"] = "LayerTests.cs",
            ["Merge-WcHive"] = "HiveTests.cs",
            ["Mount-WcLayer"] = "MountTests.cs",
            ["New-CimLayer"] = "CimTests.cs",
            ["Remove-WcLayer"] = "LayerTests.cs",
            ["Stop-WcBackend"] = "BackendTests.cs",
            ["Test-WcLayer"] = "LayerTests.cs",
        };

        private readonly SampleData data;

        public CoverageTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void EveryExportedCommandHasAnEndToEndTest()
        {
            List<string> exported = data.Shared.Invoke("@((Get-Module WcLayer).ExportedCommands.Keys)")
                .Select(o => (string)o.BaseObject).OrderBy(x => x, System.StringComparer.OrdinalIgnoreCase).ToList();
            Assert.NotEmpty(exported);
            Assert.True(exported.All(Covered.ContainsKey), "exported without an end-to-end test here: " + string.Join(", ", exported.Where(x => !Covered.ContainsKey(x))));
            Assert.True(Covered.Keys.All(exported.Contains), "listed but not exported: " + string.Join(", ", Covered.Keys.Where(x => !exported.Contains(x))));

            // The list says where each is tested: that file runs it (the whole name, not a prefix).
            string dir = Path.Combine(ModuleSession.RepoRoot, "test", "dotnet", "WcLayer.Module.Tests");
            foreach (KeyValuePair<string, string> c in Covered)
            {
                string source = File.ReadAllText(Path.Combine(dir, c.Value));
                Assert.True(Regex.IsMatch(source, @"(?<![\w-])" + Regex.Escape(c.Key) + @"(?![\w-])"), c.Value + " does not run " + c.Key);
            }
        }
    }
}
