// Where the repository, the built backend and node are, for both xunit projects under
// test/dotnet (compiled into each with a linked <Compile> item). test/helpers/dotnet.ts sets
// WCLAYER_REPO_ROOT and WCLAYER_NODE; without them the root is found above the test binary.

using System;
using System.IO;

namespace WcLayer.TestSupport
{
    public static class RepoPaths
    {
        public static string RepoRoot
        {
            get
            {
                string fromEnv = Environment.GetEnvironmentVariable("WCLAYER_REPO_ROOT");
                if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
                DirectoryInfo dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "package.json")) && Directory.Exists(Path.Combine(dir.FullName, "powershell"))) return dir.FullName;
                    dir = dir.Parent;
                }
                throw new InvalidOperationException("cannot find the repository root above " + AppContext.BaseDirectory);
            }
        }

        public static string CliPath
        {
            get
            {
                string path = Path.Combine(RepoRoot, "dist", "src", "cli", "main.js");
                if (!File.Exists(path)) throw new InvalidOperationException(path + " is missing: run npm run build first");
                return path;
            }
        }

        public static string NodePath
        {
            get
            {
                string fromEnv = Environment.GetEnvironmentVariable("WCLAYER_NODE");
                return string.IsNullOrEmpty(fromEnv) ? "node" : fromEnv;
            }
        }
    }
}
