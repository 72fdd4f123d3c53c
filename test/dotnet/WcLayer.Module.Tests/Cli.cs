// Runs the wclayer CLI (node dist/src/cli/main.js): makes the sample data and gives the
// reference answers the cmdlets' output is compared with.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.Json;

namespace WcLayer.Module.Tests
{
    public static class Cli
    {
        public static string Run(params string[] args)
        {
            var psi = new ProcessStartInfo(ModuleSession.NodePath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(ModuleSession.CliPath);
            foreach (string a in args) psi.ArgumentList.Add(a);
            psi.Environment["WCLAYER_LOG_LEVEL"] = "warn";
            using (Process p = Process.Start(psi))
            {
                var stderr = p.StandardError.ReadToEndAsync();
                string stdout = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException("wclayer " + string.Join(" ", args) + " exited " + p.ExitCode + ": " + stderr.Result);
                return stdout;
            }
        }

        /// <summary>A command with --json: one JSON document.</summary>
        public static JsonElement Json(params string[] args)
        {
            using (JsonDocument doc = JsonDocument.Parse(Run(args))) return doc.RootElement.Clone();
        }

        /// <summary>A command with --json that prints one JSON object per line.</summary>
        public static List<JsonElement> JsonLines(params string[] args)
        {
            return Run(args).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line =>
            {
                using (JsonDocument doc = JsonDocument.Parse(line)) return doc.RootElement.Clone();
            }).ToList();
        }
    }
}
