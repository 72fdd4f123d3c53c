// New-CimLayer, ConvertTo-CimLayer, Get-CimImage and Get-CimImageItem, compared with the CLI.

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class CimTests
    {
        private readonly SampleData data;

        public CimTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void NewCimLayerThenInspectTheImageLikeTheCli()
        {
            ModuleSession s = data.Shared;
            string dir = data.NewDir("cim");
            string layer = Path.Combine(dir, "base");
            PSObject created = s.Invoke("New-CimLayer -Path $args[0] -LayerPath $args[1] -ExpectedDiffId $args[2]", data.BaseTarZst, layer, data.BaseDiffId.ToUpperInvariant().Replace("SHA256:", "sha256:")).Single();
            Ps.HasType(created, "WcLayer.LayerImport");
            Assert.Equal("cim", Ps.Str(created, "format"));
            Assert.Equal(data.BaseDiffId, Ps.Str(created, "diffId"));
            string image = Path.Combine(layer, "cim-layers", "base.cim");
            Assert.True(File.Exists(image));

            JsonElement info = Cli.Json("cim", "info", "--json", image);
            PSObject described = s.Invoke("Get-Item -LiteralPath $args[0] | Get-CimImage", image).Single();
            Ps.HasType(described, "WcLayer.CimImage");
            Assert.Equal(info.GetProperty("version").GetString(), Ps.Str(described, "Version"));
            Assert.Equal(info.GetProperty("regionSetId").GetString(), Ps.Str(described, "RegionSetId"));
            Assert.Equal(info.GetProperty("files").GetInt64(), Ps.Long(described, "Files"));
            Assert.Equal(info.GetProperty("directories").GetInt64(), Ps.Long(described, "Directories"));
            Assert.Equal(info.GetProperty("regionFiles").GetArrayLength(), Ps.List(described, "RegionFiles").Count);
            Assert.Equal(0L, Ps.Long(described, "ParentCount"));

            var expected = Cli.JsonLines("cim", "ls", "-r", "--json", image);
            var items = s.Invoke("Get-CimImageItem -Path $args[0] -Recurse", image);
            Assert.Equal(expected.Count, items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                PSObject item = items[i];
                JsonElement e = expected[i];
                Ps.HasType(item, "WcLayer.CimImageItem");
                Assert.Equal(e.GetProperty("path").GetString(), Ps.Str(item, "FullName"));
                Assert.Equal(e.GetProperty("size").GetInt64(), Ps.Long(item, "Length"));
                Assert.Equal(e.GetProperty("isDirectory").GetBoolean(), Ps.Get(item, "PSIsContainer"));
                Assert.Equal((FileAttributes)e.GetProperty("attributes").GetInt32(), Assert.IsType<FileAttributes>(Ps.Get(item, "Attributes")));
                // A zero FILETIME (the layout file and Hives/ the writer adds) is shown as no time.
                long rawWrite = long.Parse(e.GetProperty("lastWriteTimeRaw").GetString());
                if (rawWrite == 0) Assert.Null(Ps.Get(item, "LastWriteTimeUtc"));
                else Assert.Equal(rawWrite, Assert.IsType<DateTime>(Ps.Get(item, "LastWriteTimeUtc")).ToFileTimeUtc());
                if (e.TryGetProperty("sddl", out JsonElement sddl) && sddl.ValueKind == JsonValueKind.String) Assert.Equal(sddl.GetString(), Ps.Str(item, "Sddl"));
                Assert.Equal(image, Ps.Str(item, "ImagePath"));
            }
            // Without -Recurse: the root's children only; a file path gives that file.
            var root = s.Invoke("Get-CimImageItem $args[0]", image);
            Assert.Equal(expected.Count(e => !e.GetProperty("path").GetString().Contains('\\')), root.Count);
            string someFile = expected.First(e => !e.GetProperty("isDirectory").GetBoolean()).GetProperty("path").GetString();
            PSObject one = s.Invoke("Get-CimImageItem $args[0] -ItemPath $args[1]", image, someFile).Single();
            Assert.Equal(someFile, Ps.Str(one, "FullName"));
        }

        [Fact]
        public void ConvertToCimLayerKeepsTheDiffId()
        {
            ModuleSession s = data.Shared;
            string dir = data.NewDir("convert");
            string cimBase = Path.Combine(dir, "base");
            string cimChild = Path.Combine(dir, "child");
            PSObject converted = s.Invoke("ConvertTo-CimLayer -LayerPath $args[0] -Destination $args[1]", data.CliBaseLayer, cimBase).Single();
            Ps.HasType(converted, "WcLayer.LayerConversion");
            s.Invoke("Get-WcLayer $args[0] | ConvertTo-CimLayer -Destination $args[1] -DestinationParentLayerPath $args[2]", data.CliChildLayer, cimChild, cimBase);
            Assert.Equal("cim", Ps.Str(s.Invoke("Get-WcLayer $args[0]", cimChild).Single(), "Format"));
            Assert.True((bool)s.Invoke("Test-WcLayer $args[0] -Verify -DiffId $args[1]", cimBase, data.BaseDiffId).Single().BaseObject);
            Assert.True((bool)s.Invoke("Test-WcLayer $args[0] -Verify -TarPath $args[1]", cimChild, data.ChildTarGz).Single().BaseObject);
        }
    }
}
