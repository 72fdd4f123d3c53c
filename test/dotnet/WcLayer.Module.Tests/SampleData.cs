// The sample data every test shares (an xunit collection fixture, made once per run): layer tars
// written by `wclayer sample`, deterministic for their seed.

using System;
using System.IO;
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

        public SampleData()
        {
            Dir = Path.Combine(Path.GetTempPath(), "wclayer-module-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Dir);
            // The test process's environment is the backends' environment: debug logging, so the
            // backend's stderr shows when a request ends (and how: a cancel is -32800).
            Environment.SetEnvironmentVariable("WCLAYER_LOG_LEVEL", "debug");
            Cli.Run("sample", "--kind", "base", "--seed", "7", "--files", "300", "--size", "3MB", "-o", BaseTar);
            Cli.Run("sample", "--kind", "base", "--seed", "7", "--files", "300", "--size", "3MB", "-o", BaseTarGz);
            Cli.Run("sample", "--kind", "base", "--seed", "7", "--files", "300", "--size", "3MB", "-o", BaseTarZst);
            Cli.Run("sample", "--kind", "child", "--seed", "7", "--files", "100", "--size", "1MB", "-o", ChildTarGz);
            Cli.Run("sample", "--kind", "base", "--seed", "9", "--files", "20000", "--size", "4MB", "-o", BigTar);
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
            try { Directory.Delete(Dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    [CollectionDefinition("module")]
    public sealed class ModuleCollection : ICollectionFixture<SampleData>
    {
    }
}
