// The sample data every test shares (an xunit collection fixture, made once per run): layer tars
// written by `wclayer sample` (deterministic for their seed), legacy layers imported from them
// by the CLI (so that tests of one cmdlet do not depend on another), and one shared module
// session for the tests that leave the backend as they found it.

using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace WcLayer.Module.Tests
{
    public sealed class SampleData : IDisposable
    {
        public string Dir { get; }
        /// <summary>A base layer (Files/, hives, UtilityVM) as .tar, .tar.gz and .tar.zst: the same tar inside.</summary>
        public string BaseTar => Path.Combine(Dir, "base.tar");
        public string BaseTarGz => Path.Combine(Dir, "base.tar.gz");
        public string BaseTarZst => Path.Combine(Dir, "base.tar.zst");
        /// <summary>A child layer of base (hive deltas, whiteouts, streams, links).</summary>
        public string ChildTarGz => Path.Combine(Dir, "child.tar.gz");
        /// <summary>A base layer with tens of thousands of entries, for Ctrl+C and progress.</summary>
        public string BigTar => Path.Combine(Dir, "big.tar");
        public int BigTarEntries { get; }

        public string BaseDiffId { get; }
        public string ChildDiffId { get; }

        /// <summary>base.tar and child.tar.gz imported as legacy layers by the CLI.</summary>
        public string CliBaseLayer => Path.Combine(Dir, "cli-layers", "base");
        public string CliChildLayer => Path.Combine(Dir, "cli-layers", "child");
        public string CliBaseSoftwareHive => Path.Combine(CliBaseLayer, "Files", "Windows", "System32", "config", "SOFTWARE");

        private readonly Lazy<ModuleSession> shared = new Lazy<ModuleSession>(() => ModuleSession.Open());

        /// <summary>A module session for tests that neither stop nor break its backend.</summary>
        public ModuleSession Shared => shared.Value;

        public SampleData()
        {
            Dir = Path.Combine(Path.GetTempPath(), "wclayer-module-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Dir);
            // The test process's environment is the backends' environment: debug logging, so the
            // backend's stderr shows when a request ends (and how: a cancel is -32800).
            Environment.SetEnvironmentVariable("WCLAYER_LOG_LEVEL", "debug");
            string[] small = { "--seed", "7", "--files", "300", "--size", "3MB", "--json" };
            // Independent generators: run them side by side.
            var baseTar = Task.Run(() => Cli.Json(new[] { "sample", "--kind", "base", "-o", BaseTar }.Concat(small).ToArray()));
            var baseGz = Task.Run(() => Cli.Json(new[] { "sample", "--kind", "base", "-o", BaseTarGz }.Concat(small).ToArray()));
            var baseZst = Task.Run(() => Cli.Json(new[] { "sample", "--kind", "base", "-o", BaseTarZst }.Concat(small).ToArray()));
            var child = Task.Run(() => Cli.Json("sample", "--kind", "child", "--seed", "7", "--files", "100", "--size", "1MB", "--json", "-o", ChildTarGz));
            var big = Task.Run(() => Cli.Json("sample", "--kind", "base", "--seed", "9", "--files", "20000", "--size", "4MB", "--json", "-o", BigTar));
            BaseDiffId = baseTar.Result.GetProperty("diffId").GetString();
            Assert.Equal(BaseDiffId, baseGz.Result.GetProperty("diffId").GetString());
            Assert.Equal(BaseDiffId, baseZst.Result.GetProperty("diffId").GetString());
            ChildDiffId = child.Result.GetProperty("diffId").GetString();
            BigTarEntries = big.Result.GetProperty("entries").GetInt32();
            Cli.Run("import", "-i", BaseTar, CliBaseLayer);
            Cli.Run("import", "-l", CliBaseLayer, "-i", ChildTarGz, CliChildLayer);
        }

        /// <summary>A new empty folder under the data folder.</summary>
        public string NewDir(string name)
        {
            string path = Path.Combine(Dir, name + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(path);
            return path;
        }

        public void Dispose()
        {
            if (shared.IsValueCreated) shared.Value.Dispose();
            try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [CollectionDefinition("module")]
    public sealed class ModuleCollection : ICollectionFixture<SampleData>
    {
    }
}
