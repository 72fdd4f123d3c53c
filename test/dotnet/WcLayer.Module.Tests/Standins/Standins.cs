// Test-only stand-ins for the Windows PowerShell / PowerShell 7 commands that the WcLayer module
// calls but that the hosted engine lacks. The NuGet package System.Management.Automation 7.6.9
// carries only the Microsoft.PowerShell.Core commands (ForEach-Object, Where-Object,
// Import-Module, Get-Command ...); Microsoft.PowerShell.Commands.Utility and .Management, where
// the commands below live in a real PowerShell, are not on the package feed.
//
// The list is what the module's .ps1/.psm1 files call (the call extractor of
// test/powershell/ps-static.ts, run over powershell/WcLayer), plus Get-Item for the tests.
// Each stand-in declares exactly the parameters the module passes, with the real command's
// names, positions and pipeline binding, and behaves like the real command for those. Any other
// parameter is a binding error, never a silent guess, so a module that starts calling something
// new fails here instead of passing on a stand-in's invention.

using System;
using System.Management.Automation.Runspaces;

namespace WcLayer.Module.Tests.Standins
{
    public static class StandinCommands
    {
        /// <summary>Command name → stand-in cmdlet type.</summary>
        public static readonly (string Name, Type Type)[] All =
        {
            // Microsoft.PowerShell.Utility
            ("Add-Member", typeof(AddMemberStandin)),
            ("Add-Type", typeof(AddTypeStandin)),
            ("ConvertFrom-Json", typeof(ConvertFromJsonStandin)),
            ("ConvertTo-Json", typeof(ConvertToJsonStandin)),
            ("Get-EventSubscriber", typeof(GetEventSubscriberStandin)),
            ("Import-PowerShellDataFile", typeof(ImportPowerShellDataFileStandin)),
            ("New-Object", typeof(NewObjectStandin)),
            ("Register-EngineEvent", typeof(RegisterEngineEventStandin)),
            ("Select-Object", typeof(SelectObjectStandin)),
            ("Sort-Object", typeof(SortObjectStandin)),
            ("Unregister-Event", typeof(UnregisterEventStandin)),
            ("Write-Debug", typeof(WriteDebugStandin)),
            ("Write-Progress", typeof(WriteProgressStandin)),
            ("Write-Verbose", typeof(WriteVerboseStandin)),
            // Microsoft.PowerShell.Management
            ("Get-ChildItem", typeof(GetChildItemStandin)),
            ("Get-Item", typeof(GetItemStandin)),
            ("Join-Path", typeof(JoinPathStandin)),
            ("Test-Path", typeof(TestPathStandin)),
        };

        public static void AddTo(InitialSessionState iss)
        {
            foreach (var (name, type) in All)
            {
                iss.Commands.Add(new SessionStateCmdletEntry(name, type, null));
            }
        }
    }
}
