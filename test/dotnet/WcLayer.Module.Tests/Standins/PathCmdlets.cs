// Stand-ins for Join-Path, Test-Path, Get-ChildItem and Get-Item (Microsoft.PowerShell.Management,
// not on the package feed). They go through the engine's own path and provider APIs
// (SessionState.Path, SessionState.InvokeProvider) as the real commands do, so provider-qualified
// paths, the current location and the FileSystem provider's PSPath/PSIsContainer properties are
// the real ones.

using System;
using System.Management.Automation;

namespace WcLayer.Module.Tests.Standins
{
    /// <summary>Stand-in for Join-Path -Path -ChildPath (no -Resolve, no -AdditionalChildPath).</summary>
    [Cmdlet(VerbsCommon.Join, "Path")]
    [OutputType(typeof(string))]
    public sealed class JoinPathStandin : PSCmdlet
    {
        [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath")]
        public string[] Path { get; set; }

        [Parameter(Position = 1, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [AllowNull]
        [AllowEmptyString]
        public string ChildPath { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string parent in Path)
            {
                WriteObject(SessionState.Path.Combine(parent, ChildPath ?? string.Empty));
            }
        }
    }

    /// <summary>The real Test-Path's -PathType values (Microsoft.PowerShell.Commands.TestPathType).</summary>
    public enum TestPathType { Any, Container, Leaf }

    /// <summary>Stand-in for Test-Path -LiteralPath [-PathType] (no -Path wildcards, -Filter, -IsValid ...).</summary>
    [Cmdlet(VerbsDiagnostic.Test, "Path")]
    [OutputType(typeof(bool))]
    public sealed class TestPathStandin : PSCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        [AllowNull]
        [AllowEmptyCollection]
        [AllowEmptyString]
        public string[] LiteralPath { get; set; }

        [Parameter]
        [Alias("Type")]
        public TestPathType PathType { get; set; } = TestPathType.Any;

        protected override void ProcessRecord()
        {
            if (LiteralPath == null) { WriteObject(false); return; }
            foreach (string path in LiteralPath)
            {
                bool result = false;
                if (!string.IsNullOrWhiteSpace(path))
                {
                    try
                    {
                        result = SessionState.InvokeProvider.Item.Exists(path, false, true);
                        if (result && PathType != TestPathType.Any)
                        {
                            // The public IsContainer takes a wildcard path: escape it, -LiteralPath is literal.
                            bool container = SessionState.InvokeProvider.Item.IsContainer(WildcardPattern.Escape(path));
                            result = PathType == TestPathType.Container ? container : !container;
                        }
                    }
                    catch (Exception e) when (e is ItemNotFoundException || e is DriveNotFoundException || e is ProviderNotFoundException || e is PSNotSupportedException)
                    {
                        // The real Test-Path answers $false for these too.
                        result = false;
                    }
                }
                WriteObject(result);
            }
        }
    }

    /// <summary>
    /// Stand-in for Get-ChildItem [-Path] [-Filter] [-File] (no -Recurse, -Include, -Exclude,
    /// -Directory, -Force, -Name). -Filter is matched here with PowerShell wildcards on the item
    /// name; the real FileSystem provider hands it to the OS's directory enumeration, which agrees
    /// for the plain '*.ext' patterns the module uses.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "ChildItem")]
    public sealed class GetChildItemStandin : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string[] Path { get; set; }

        [Parameter(Position = 1)]
        public string Filter { get; set; }

        [Parameter]
        public SwitchParameter File { get; set; }

        protected override void ProcessRecord()
        {
            WildcardPattern filter = string.IsNullOrEmpty(Filter) ? null : new WildcardPattern(Filter, WildcardOptions.IgnoreCase);
            foreach (string path in Path ?? new[] { "." })
            {
                System.Collections.ObjectModel.Collection<PSObject> children;
                try
                {
                    children = SessionState.InvokeProvider.ChildItem.Get(new[] { path }, false, false, false);
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                foreach (PSObject child in children)
                {
                    if (File && child.BaseObject is not System.IO.FileInfo) continue;
                    string name = child.Properties["PSChildName"]?.Value as string ?? (child.BaseObject as System.IO.FileSystemInfo)?.Name;
                    if (filter != null && (name == null || !filter.IsMatch(name))) continue;
                    WriteObject(child);
                }
            }
        }
    }

    /// <summary>Stand-in for Get-Item [-Path] | -LiteralPath (no -Force, -Stream ...). Used by the tests.</summary>
    [Cmdlet(VerbsCommon.Get, "Item", DefaultParameterSetName = "Path")]
    public sealed class GetItemStandin : PSCmdlet
    {
        [Parameter(Position = 0, Mandatory = true, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public string[] Path { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; }

        protected override void ProcessRecord()
        {
            bool literal = ParameterSetName == "LiteralPath";
            foreach (string path in literal ? LiteralPath : Path)
            {
                try
                {
                    foreach (PSObject item in SessionState.InvokeProvider.Item.Get(new[] { path }, false, literal)) WriteObject(item);
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                }
            }
        }
    }
}
