// Get-WcHiveKey, Get-WcHiveValue, Export-WcHive, Merge-WcHive and Get-WcOsVersion on the hives
// of a generated layer, compared with the CLI's answers for the same files.

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class HiveTests
    {
        private readonly SampleData data;

        public HiveTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void GetWcHiveKeyListsSubkeysLikeTheCli()
        {
            var expected = Cli.JsonLines("hive", "ls", "--json", data.CliBaseSoftwareHive, "Microsoft");
            Assert.NotEmpty(expected);
            var keys = data.Shared.Invoke("Get-WcHiveKey -Path $args[0] -Key Microsoft", data.CliBaseSoftwareHive);
            Assert.Equal(expected.Count, keys.Count);
            for (int i = 0; i < keys.Count; i++)
            {
                Ps.HasType(keys[i], "WcLayer.HiveKey");
                Assert.Equal(expected[i].GetProperty("path").GetString(), Ps.Str(keys[i], "KeyPath"));
                Assert.Equal(expected[i].GetProperty("name").GetString(), Ps.Str(keys[i], "Name"));
                Assert.Equal(expected[i].GetProperty("valueCount").GetInt64(), Ps.Long(keys[i], "ValueCount"));
                Assert.Equal(data.CliBaseSoftwareHive, Ps.Str(keys[i], "HivePath"));
            }
            // Keys piped on bind -Key through KeyPath and -HivePath through HivePath.
            var values = data.Shared.Invoke("Get-WcHiveKey $args[0] 'Microsoft\\Windows NT' -Recurse | Where-Object Name -eq 'CurrentVersion' | Get-WcHiveValue", data.CliBaseSoftwareHive);
            var expectedValues = Cli.Json("hive", "get", "--json", data.CliBaseSoftwareHive, "Microsoft\\Windows NT\\CurrentVersion").GetProperty("values").EnumerateArray().ToList();
            Assert.Equal(expectedValues.Select(v => v.GetProperty("name").GetString()), values.Select(v => Ps.Str(v, "Name")));
        }

        [Fact]
        public void GetWcHiveValueReadsOneValueLikeTheCli()
        {
            JsonElement expected = Cli.Json("hive", "get", "--json", data.CliBaseSoftwareHive, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild");
            PSObject v = data.Shared.Invoke("Get-WcHiveValue $args[0] 'Microsoft\\Windows NT\\CurrentVersion' CurrentBuild", data.CliBaseSoftwareHive).Single();
            Ps.HasType(v, "WcLayer.HiveValue");
            Assert.Equal("CurrentBuild", Ps.Str(v, "Name"));
            Assert.Equal(expected.GetProperty("type").GetString(), Ps.Str(v, "Type"));
            Assert.Equal(expected.GetProperty("value").GetString(), Ps.Str(v, "Value"));
            Assert.Equal("Microsoft\\Windows NT\\CurrentVersion", Ps.Str(v, "Key"));
        }

        [Fact]
        public void ExportWcHiveWritesWhatTheCliWrites()
        {
            string dir = data.NewDir("export-hive");
            string viaCli = Path.Combine(dir, "cli.reg");
            string viaModule = Path.Combine(dir, "module.reg");
            Cli.Run("hive", "export", data.CliBaseSoftwareHive, viaCli, "--format", "reg", "--key", "Microsoft");
            PSObject r = data.Shared.Invoke("Export-WcHive $args[0] $args[1] -Format Reg -Key Microsoft", data.CliBaseSoftwareHive, viaModule).Single();
            Ps.HasType(r, "WcLayer.HiveExport");
            Assert.Equal(File.ReadAllBytes(viaCli), File.ReadAllBytes(viaModule));
            Assert.Equal(new FileInfo(viaModule).Length, Ps.Long(r, "bytes"));
            // JSON, the default format.
            string json = Path.Combine(dir, "module.json");
            data.Shared.Invoke("Export-WcHive -Path $args[0] -Destination $args[1]", data.CliBaseSoftwareHive, json);
            using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(json))) Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            // An existing destination needs -Force.
            RunResult again = data.Shared.Run("Export-WcHive -Path $args[0] -Destination $args[1]", data.CliBaseSoftwareHive, json);
            Assert.StartsWith("WcLayer.AlreadyExists", again.SingleError.FullyQualifiedErrorId);
            data.Shared.Invoke("Export-WcHive -Path $args[0] -Destination $args[1] -Force", data.CliBaseSoftwareHive, json);
        }

        [Fact]
        public void MergeWcHiveEqualsTheCliMerge()
        {
            string dir = data.NewDir("merge-hive");
            string delta = Path.Combine(data.CliChildLayer, "Hives", "Software_Delta");
            string viaCli = Path.Combine(dir, "cli.hive");
            string viaModule = Path.Combine(dir, "module.hive");
            Cli.Run("hive", "merge", data.CliBaseSoftwareHive, delta, "-o", viaCli);
            PSObject r = data.Shared.Invoke("Merge-WcHive -BasePath $args[0] -DeltaPath $args[1] -Destination $args[2]", data.CliBaseSoftwareHive, delta, viaModule).Single();
            Ps.HasType(r, "WcLayer.HiveMerge");
            // The header carries the time of writing; everything in the hive must be equal.
            Cli.Run("hive", "export", viaCli, viaCli + ".json");
            Cli.Run("hive", "export", viaModule, viaModule + ".json");
            Assert.Equal(File.ReadAllText(viaCli + ".json"), File.ReadAllText(viaModule + ".json"));
            Assert.Equal(new FileInfo(viaCli).Length, new FileInfo(viaModule).Length);
            // The delta changed something: the merge is not the base again.
            Cli.Run("hive", "export", data.CliBaseSoftwareHive, Path.Combine(dir, "base.json"));
            Assert.NotEqual(File.ReadAllText(Path.Combine(dir, "base.json")), File.ReadAllText(viaModule + ".json"));
        }

        [Fact]
        public void GetWcOsVersionFromAHiveAndFromALayer()
        {
            JsonElement expected = Cli.Json("hive", "os-version", "--json", data.CliBaseSoftwareHive);
            PSObject fromHive = data.Shared.Invoke("Get-WcOsVersion -HivePath $args[0]", data.CliBaseSoftwareHive).Single();
            PSObject fromLayer = data.Shared.Invoke("Get-WcOsVersion -LayerPath $args[0]", data.CliBaseLayer).Single();
            foreach (PSObject v in new[] { fromHive, fromLayer })
            {
                Ps.HasType(v, "WcLayer.OsVersion");
                Assert.Equal(expected.GetProperty("version").GetString(), Ps.Str(v, "version"));
                Assert.Equal(expected.GetProperty("productName").GetString(), Ps.Str(v, "productName"));
                Assert.Equal(expected.GetProperty("ubr").GetInt64(), Ps.Long(v, "ubr"));
            }
        }
    }
}
