// Backend errors as ErrorRecords: FullyQualifiedErrorId WcLayer.<Code>, the ErrorCategory of
// ConvertTo-WcErrorRecord.ps1, the path as TargetObject; failed imports leave nothing behind.

using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using Xunit;

namespace WcLayer.Module.Tests
{
    [Collection("module")]
    public class ErrorTests
    {
        private readonly SampleData data;

        public ErrorTests(SampleData data)
        {
            this.data = data;
        }

        private static void AssertError(ErrorRecord e, string code, ErrorCategory category, object target)
        {
            Assert.StartsWith("WcLayer." + code, e.FullyQualifiedErrorId);
            Assert.Equal(category, e.CategoryInfo.Category);
            Assert.Equal(target, e.TargetObject is PSObject p ? p.BaseObject : e.TargetObject);
            Assert.Equal(code, e.Exception.Data["WcLayerCode"]);
        }

        [Fact]
        public void AMissingFileIsNotFoundWithThePathAsTarget()
        {
            ModuleSession s = data.Shared;
            string missing = Path.Combine(data.Dir, "no-such.tar");
            AssertError(s.Run("Get-WcLayerContent -Path $args[0]", missing).SingleError, "NotFound", ErrorCategory.ObjectNotFound, missing);
            AssertError(s.Run("Get-WcLayer -Path $args[0]", missing).SingleError, "NotFound", ErrorCategory.ObjectNotFound, missing);
            AssertError(s.Run("Get-CimImage -Path $args[0]", missing).SingleError, "NotFound", ErrorCategory.ObjectNotFound, missing);
            ErrorRecord hive = s.Run("Get-WcHiveValue -HivePath $args[0] -Key x", missing).SingleError;
            AssertError(hive, "NotFound", ErrorCategory.ObjectNotFound, missing);
            Assert.IsType<ItemNotFoundException>(hive.Exception);
            // An error of one input does not stop the next one.
            RunResult two = s.Run("Get-WcLayer -Path $args[0], $args[1]", missing, data.CliBaseLayer);
            Assert.Single(two.Errors);
            Assert.Equal(data.CliBaseLayer, Ps.Str(two.Output.Single(), "Path"));
        }

        [Fact]
        public void AFailingInputIsReportedAndTheNextOneStillRuns()
        {
            // Like Get-Content: one error record per bad input, the others still done, and the
            // script goes on. (These cmdlets used to throw, ending the whole script at the first
            // bad input.)
            ModuleSession s = data.Shared;
            string missing = Path.Combine(data.Dir, "no-such.tar.gz");
            RunResult content = s.Run("Get-WcLayerContent -Path $args[0], $args[1]; 'after'", missing, data.ChildTarGz);
            AssertError(content.SingleError, "NotFound", ErrorCategory.ObjectNotFound, missing);
            Assert.Equal(Cli.JsonLines("tar", "ls", "--json", data.ChildTarGz).Count + 1, content.Output.Count);
            Assert.Equal("after", content.Output.Last().BaseObject);

            string noHive = Path.Combine(data.Dir, "no-such-hive");
            RunResult os = s.Run("$args | ForEach-Object { [pscustomobject]@{ HivePath = $_ } } | Get-WcOsVersion; 'after'", noHive, data.CliBaseSoftwareHive);
            AssertError(os.SingleError, "NotFound", ErrorCategory.ObjectNotFound, noHive);
            Assert.Equal(2, os.Output.Count);

            RunResult keys = s.Run("Get-WcHiveKey -Path $args[0]; Get-WcHiveValue -HivePath $args[0] -Key x; 'after'", noHive);
            Assert.Equal(2, keys.Errors.Count);
            Assert.Equal("after", keys.Output.Single().BaseObject);

            string dir = data.NewDir("export-errors");
            RunResult export = s.Run("Export-WcLayer -LayerPath $args[0] -Destination $args[1]; Test-WcLayer -Path $args[0]; 'after'", Path.Combine(dir, "none"), Path.Combine(dir, "x.tar"));
            Assert.StartsWith("WcLayer.", export.SingleError.FullyQualifiedErrorId);
            Assert.Equal(new object[] { false, "after" }, export.Output.Select(o => o.BaseObject).ToArray());
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }

        [Fact]
        public void ACorruptTarIsInvalidData()
        {
            string bad = Path.Combine(data.NewDir("corrupt"), "bad.tar");
            byte[] garbage = new byte[4096];
            for (int i = 0; i < garbage.Length; i++) garbage[i] = (byte)(i * 7 + 3);
            File.WriteAllBytes(bad, garbage);
            ErrorRecord e = data.Shared.Run("Get-WcLayerContent $args[0]", bad).SingleError;
            Assert.StartsWith("WcLayer.Corrupt", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.InvalidData, e.CategoryInfo.Category);
            Assert.IsType<InvalidDataException>(e.Exception);
        }

        [Fact]
        public void ImportErrorsLeaveNothingBehind()
        {
            ModuleSession s = data.Shared;
            string dir = data.NewDir("import-errors");
            string layer = Path.Combine(dir, "layer");
            // A wrong expected diffID: DigestMismatch, and the staged layer is gone.
            ErrorRecord mismatch = s.Run("Import-WcLayer $args[0] $args[1] -ExpectedDiffId $args[2]", data.BaseTar, layer, "sha256:" + new string('1', 64)).SingleError;
            AssertError(mismatch, "DigestMismatch", ErrorCategory.InvalidResult, mismatch.TargetObject is PSObject p ? p.BaseObject : mismatch.TargetObject);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
            // Into an existing layer: AlreadyExists, and the layer is untouched.
            Cli.Run("import", "-i", data.BaseTar, layer);
            string[] before = Directory.GetFileSystemEntries(layer, "*", SearchOption.AllDirectories);
            ErrorRecord exists = s.Run("Import-WcLayer $args[0] $args[1]", data.ChildTarGz, layer).SingleError;
            AssertError(exists, "AlreadyExists", ErrorCategory.ResourceExists, layer);
            Assert.Equal(before, Directory.GetFileSystemEntries(layer, "*", SearchOption.AllDirectories));
            // A child layer whose parent is missing.
            ErrorRecord parent = s.Run("New-CimLayer $args[0] $args[1] -ParentLayerPath $args[2]", data.ChildTarGz, Path.Combine(dir, "child"), Path.Combine(dir, "no-parent")).SingleError;
            Assert.StartsWith("WcLayer.", parent.FullyQualifiedErrorId);
            Assert.False(Directory.Exists(Path.Combine(dir, "child")));
        }

        [Fact]
        public void ParameterValidationRejectsABadDiffIdBeforeTheBackend()
        {
            RunResult r = data.Shared.Run("Test-WcLayer $args[0] -Verify -DiffId 'md5:abc'", data.CliBaseLayer);
            Assert.Contains("ParameterArgumentValidationError", r.SingleError.FullyQualifiedErrorId);
        }
    }
}
