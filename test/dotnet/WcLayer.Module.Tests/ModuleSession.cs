// One hosted PowerShell 7.6 runspace with the stand-ins (Standins/) and the REAL WcLayer module
// imported from the repository (powershell/WcLayer/WcLayer.psd1). The module finds the backend
// the way it does in a development checkout: node from WCLAYER_NODE (set by
// test/powershell/module.test.ts to the node running npm test) or PATH, and the backend at
// <module>/../../dist/src/cli/main.js (the repository layout after npm run build).

using System;
using System.Collections;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using WcLayer.Module.Tests.Standins;

namespace WcLayer.Module.Tests
{
    public sealed class ModuleSession : IDisposable
    {
        public Runspace Runspace { get; }

        private ModuleSession(Runspace runspace)
        {
            Runspace = runspace;
        }

        public static string RepoRoot => WcLayer.TestSupport.RepoPaths.RepoRoot;

        public static string ManifestPath => Path.Combine(RepoRoot, "powershell", "WcLayer", "WcLayer.psd1");

        public static string CliPath => WcLayer.TestSupport.RepoPaths.CliPath;

        public static string NodePath => WcLayer.TestSupport.RepoPaths.NodePath;

        /// <summary>A new runspace with the module imported (its backend starts on first use).</summary>
        /// <param name="host">A host for what the engine writes to the console (-WhatIf messages); none by default.</param>
        public static ModuleSession Open(System.Management.Automation.Host.PSHost host = null)
        {
            _ = CliPath; // fail early with a clear message when the build is missing
            InitialSessionState iss = InitialSessionState.CreateDefault2();
            StandinCommands.AddTo(iss);
            Runspace runspace = host == null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
            runspace.Open();
            var session = new ModuleSession(runspace);
            try
            {
                session.Invoke("Import-Module -Name $args[0] -ErrorAction Stop", ManifestPath);
            }
            catch
            {
                session.Dispose();
                throw;
            }
            return session;
        }

        /// <summary>A PowerShell bound to this runspace, with the script added and $args set.</summary>
        public PowerShell Create(string script, params object[] args)
        {
            PowerShell ps = PowerShell.Create();
            ps.Runspace = Runspace;
            ps.AddScript(script);
            foreach (object a in args) ps.AddArgument(a);
            return ps;
        }

        /// <summary>Runs a script; fails on a terminating error or any record in the error stream.</summary>
        public Collection<PSObject> Invoke(string script, params object[] args)
        {
            using (PowerShell ps = Create(script, args))
            {
                Collection<PSObject> result = ps.Invoke();
                if (ps.Streams.Error.Count > 0)
                {
                    throw new InvalidOperationException("the script wrote errors:\n" + string.Join("\n", ps.Streams.Error.Select(Describe)) + "\nscript: " + script);
                }
                return result;
            }
        }

        /// <summary>Runs a script and returns everything it produced, errors included (never throws for a script error).</summary>
        public RunResult Run(string script, params object[] args)
        {
            using (PowerShell ps = Create(script, args))
            {
                var r = new RunResult();
                try
                {
                    r.Output = ps.Invoke();
                }
                catch (RuntimeException e)
                {
                    r.Terminating = e.ErrorRecord;
                }
                r.Errors = ps.Streams.Error.ToList();
                r.Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList();
                r.Warnings = ps.Streams.Warning.Select(v => v.Message).ToList();
                r.Progress = ps.Streams.Progress.ToList();
                return r;
            }
        }

        public static string Describe(ErrorRecord e)
        {
            return e.FullyQualifiedErrorId + " [" + e.CategoryInfo.Category + "] " + e.Exception.Message + "\n" + e.ScriptStackTrace;
        }

        public void Dispose()
        {
            try
            {
                // What a user's Remove-Module does: stops this runspace's backend (OnRemove).
                using (PowerShell ps = Create("Remove-Module -Name WcLayer -ErrorAction SilentlyContinue")) ps.Invoke();
            }
            catch (Exception)
            {
                // The runspace may already be broken by the test; closing it is what matters.
            }
            Runspace.Dispose();
        }
    }

    public sealed class RunResult
    {
        public Collection<PSObject> Output = new Collection<PSObject>();
        public ErrorRecord Terminating;
        public System.Collections.Generic.List<ErrorRecord> Errors = new System.Collections.Generic.List<ErrorRecord>();
        public System.Collections.Generic.List<string> Verbose = new System.Collections.Generic.List<string>();
        public System.Collections.Generic.List<string> Warnings = new System.Collections.Generic.List<string>();
        public System.Collections.Generic.List<ProgressRecord> Progress = new System.Collections.Generic.List<ProgressRecord>();

        /// <summary>The terminating error, or else the only error written.</summary>
        public ErrorRecord SingleError
        {
            get
            {
                var all = Errors.ToList();
                if (Terminating != null) all.Add(Terminating);
                if (all.Count != 1) throw new Xunit.Sdk.XunitException("expected exactly one error, got " + all.Count + ":\n" + string.Join("\n", all.Select(ModuleSession.Describe)));
                return all[0];
            }
        }
    }
}
