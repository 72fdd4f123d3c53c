// Stand-in for Import-PowerShellDataFile -Path (Microsoft.PowerShell.Utility, not on the package
// feed). Does what the real one does: parses the file with the engine's parser, takes its
// hashtable and evaluates it with SafeGetValue, so only constant data is accepted.

using System;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace WcLayer.Module.Tests.Standins
{
    [Cmdlet(VerbsData.Import, "PowerShellDataFile", DefaultParameterSetName = "ByPath")]
    public sealed class ImportPowerShellDataFileStandin : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = "ByPath", ValueFromPipelineByPropertyName = true)]
        public string[] Path { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string p in Path)
            {
                string file = SessionState.Path.GetResolvedProviderPathFromPSPath(p, out ProviderInfo _)[0];
                ScriptBlockAst ast = Parser.ParseFile(file, out Token[] _, out ParseError[] errors);
                if (errors.Length > 0)
                {
                    ThrowTerminatingError(new ErrorRecord(new ParseException(errors), "CouldNotParseAsPowerShellDataFile", ErrorCategory.InvalidData, file));
                }
                if (!(ast.Find(a => a is HashtableAst, false) is HashtableAst table))
                {
                    WriteError(new ErrorRecord(new InvalidOperationException("Cannot generate a PowerShell object for a ScriptBlock that does not represent a hashtable: " + file), "CouldNotParseAsPowerShellDataFileNoHashtableRoot", ErrorCategory.InvalidData, file));
                    continue;
                }
                WriteObject(table.SafeGetValue());
            }
        }
    }
}
