// Import-WcLayer, Export-WcLayer, Get-WcLayer, Test-WcLayer and Remove-WcLayer on legacy layers,
// by parameter and by pipeline, compared with the CLI and with the sample's own diffIDs.

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class LayerTests
    {
        private readonly SampleData data;

        public LayerTests(SampleData data)
        {
            this.data = data;
        }

        [Fact]
        public void ImportExportGetTestAndRemoveALegacyLayer()
        {
            ModuleSession s = data.Shared;
            string dir = data.NewDir("legacy");
            string layer = Path.Combine(dir, "base");

            RunResult import = s.Run("Import-WcLayer -Path $args[0] -LayerPath $args[1]", data.BaseTarGz, layer);
            Assert.Empty(import.Errors);
            Assert.Null(import.Terminating);
            PSObject imported = import.Output.Single();
            Ps.HasType(imported, "WcLayer.LayerImport");
            Assert.Equal(data.BaseDiffId, Ps.Str(imported, "diffId"));
            Assert.Equal("legacy", Ps.Str(imported, "format"));
            Assert.Equal("gzip", Ps.Str(imported, "compression"));
            Assert.Equal(layer, Ps.Str(imported, "layerPath"));
            Assert.True(Directory.Exists(Path.Combine(layer, "Files")));
            // Progress: the activity starts and is completed.
            Assert.Contains(import.Progress, p => p.Activity == "Importing " + data.BaseTarGz && p.RecordType == ProgressRecordType.Processing);
            Assert.Equal(ProgressRecordType.Completed, import.Progress.Last().RecordType);

            JsonElement info = Cli.Json("info", "--json", layer);
            PSObject described = s.Invoke("Get-WcLayer $args[0]", layer).Single();
            Ps.HasType(described, "WcLayer.Layer");
            Assert.Equal("legacy", Ps.Str(described, "Format"));
            Assert.Equal(info.GetProperty("kind").GetString(), Ps.Str(described, "Kind"));
            Assert.Equal(info.GetProperty("fileCount").GetInt64(), Ps.Long(described, "FileCount"));
            Assert.Equal(info.GetProperty("size").GetInt64(), Ps.Long(described, "Size"));
            Assert.Equal(info.GetProperty("osVersion").GetProperty("version").GetString(), Ps.Str(described, "OsVersion"));
            Assert.Empty(Ps.List(described, "Parents"));

            string tar = Path.Combine(dir, "out.tar.zst");
            PSObject exported = s.Invoke("Get-WcLayer $args[0] | Export-WcLayer -Destination $args[1]", layer, tar).Single();
            Ps.HasType(exported, "WcLayer.LayerExport");
            Assert.Equal(Ps.Str(imported, "diffId"), Ps.Str(exported, "diffId"));
            Assert.Equal("zstd", Ps.Str(exported, "compression"));
            Assert.True(File.Exists(tar));

            Assert.True((bool)s.Invoke("Test-WcLayer $args[0]", layer).Single().BaseObject);
            Assert.False((bool)s.Invoke("Test-WcLayer $args[0]", Path.Combine(dir, "nothing")).Single().BaseObject);
            Assert.True((bool)s.Invoke("Test-WcLayer $args[0] -Verify -TarPath $args[1]", layer, data.BaseTar).Single().BaseObject);
            Assert.False((bool)s.Invoke("Test-WcLayer $args[0] -Verify -DiffId $args[1]", layer, "sha256:" + new string('0', 64)).Single().BaseObject);
            PSObject detailed = s.Invoke("Test-WcLayer $args[0] -Verify -TarPath $args[1] -Detailed", layer, tar).Single();
            Ps.HasType(detailed, "WcLayer.LayerVerification");
            Assert.True((bool)Ps.Get(detailed, "match"));

            s.Invoke("Remove-WcLayer $args[0] -Confirm:$false", layer);
            Assert.False(Directory.Exists(layer));
            Assert.Equal(new[] { tar }, Directory.GetFileSystemEntries(dir));
        }

        [Fact]
        public void ImportByPipelineChainsTarsIntoParentAndChild()
        {
            ModuleSession s = data.Shared;
            string tars = data.NewDir("tars");
            File.Copy(data.BaseTarGz, Path.Combine(tars, "1-base.tar.gz"));
            File.Copy(data.ChildTarGz, Path.Combine(tars, "2-child.tar.gz"));
            File.Copy(data.BaseTar, Path.Combine(tars, "ignored.tar"));
            string layers = data.NewDir("chain");

            // As in the README: Get-ChildItem *.tar.gz | Import-WcLayer -Destination ... -Chain
            var imports = s.Invoke("Get-ChildItem -Path $args[0] -Filter '*.tar.gz' -File | Sort-Object Name | Import-WcLayer -Destination $args[1] -Chain -Format Cim", tars, layers);
            Assert.Equal(2, imports.Count);
            string baseLayer = Path.Combine(layers, "1-base");
            string childLayer = Path.Combine(layers, "2-child");
            Assert.Equal(baseLayer, Ps.Str(imports[0], "layerPath"));
            Assert.Equal(childLayer, Ps.Str(imports[1], "layerPath"));
            Assert.Equal(data.BaseDiffId, Ps.Str(imports[0], "diffId"));
            Assert.Equal(data.ChildDiffId, Ps.Str(imports[1], "diffId"));
            Assert.Equal("cim", Ps.Str(imports[1], "format"));
            Assert.Equal(new object[] { baseLayer }, Ps.List(imports[1], "parents"));

            PSObject child = s.Invoke("Get-WcLayer $args[0]", childLayer).Single();
            Assert.Equal("cim", Ps.Str(child, "Format"));
            Assert.Equal(new object[] { baseLayer }, Ps.List(child, "Parents"));

            // [IO.FileInfo] objects piped in bind too (legacy format, one destination folder).
            string legacy = data.NewDir("fileinfo");
            var fromFileInfo = s.Invoke("$args[0] | ForEach-Object { [System.IO.FileInfo]$_ } | Import-WcLayer -Destination $args[1]", new[] { data.BaseTarZst }, legacy);
            Assert.Equal(Path.Combine(legacy, "base"), Ps.Str(fromFileInfo.Single(), "layerPath"));
            Assert.Equal(data.BaseDiffId, Ps.Str(fromFileInfo.Single(), "diffId"));

            // Child exported back: the same diffID as imported.
            string tar = Path.Combine(tars, "child-again.tar.gz");
            PSObject exported = s.Invoke("Export-WcLayer -LayerPath $args[0] -Destination $args[1]", childLayer, tar).Single();
            Assert.Equal(data.ChildDiffId, Ps.Str(exported, "diffId"));
            Assert.Equal("gzip", Ps.Str(exported, "compression"));

            // Several layers removed by pipeline.
            s.Invoke("Get-ChildItem -Path $args[0] | Remove-WcLayer -Confirm:$false", layers);
            Assert.False(Directory.Exists(baseLayer));
            Assert.False(Directory.Exists(childLayer));
        }
    }
}
