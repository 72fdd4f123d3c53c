# WcLayer: Windows container image layers from PowerShell. The cmdlets are thin shells over a
# Node.js backend reached by JSON-RPC; see Private/Invoke-WcRequest.ps1 and about_WcLayer.
#
# Importing is cheap on purpose (auto-loading, tab completion and DSC import modules often):
# nothing is compiled and no process starts until the first command needs the backend.

# A caller's Set-StrictMode -Version Latest would otherwise reach into the module, where reading
# an optional member of a backend reply ($value.message, $error.data) must give $null, not throw.
# Version 1.0 still stops on variables used before they are set.
Set-StrictMode -Version 1.0

$script:WcModuleRoot = $PSScriptRoot
# The manifest's version (while the root module loads, its own module object may not have it yet).
$script:WcModuleVersion = $null
try { $script:WcModuleVersion = [version](Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot 'WcLayer.psd1')).ModuleVersion }
catch { $script:WcModuleVersion = $ExecutionContext.SessionState.Module.Version }

$publicNames = @()
foreach ($folder in 'Private', 'Public') {
    $files = @(Get-ChildItem -Path (Join-Path $PSScriptRoot $folder) -Filter '*.ps1' -File -ErrorAction SilentlyContinue | Sort-Object Name)
    foreach ($file in $files) {
        . $file.FullName
        if ($folder -eq 'Public') { $publicNames += $file.BaseName }
    }
}
# The manifest's FunctionsToExport is the real list; this keeps private helpers private even
# when the .psm1 is imported on its own.
Export-ModuleMember -Function $publicNames

# Cleanup: Remove-Module runs OnRemove; PowerShell exiting raises PowerShell.Exiting. Both close
# the backends' stdin (they exit on EOF), wait up to 2 s and kill what is left. The transport
# also kills its children when the process ends (AppDomain.ProcessExit) as a last resort.
$script:WcExitingJob = Register-EngineEvent -SourceIdentifier ([System.Management.Automation.PsEngineEvent]::Exiting) -MessageData $script:WcBackends -Action {
    foreach ($backend in @($Event.MessageData.Values)) {
        try { [void]$backend.Client.Close(2000) } catch { $null = $_ }
    }
}

$ExecutionContext.SessionState.Module.OnRemove = {
    Close-WcAllBackends
    $job = $script:WcExitingJob
    if ($null -ne $job) {
        Get-EventSubscriber -Force | Where-Object { $_.Action -eq $job } | ForEach-Object {
            Unregister-Event -SubscriptionId $_.SubscriptionId -Force
        }
        Remove-Job -Job $job -Force -ErrorAction SilentlyContinue
    }
}
