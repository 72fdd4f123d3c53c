function Get-WcBackend {
    <#
    .SYNOPSIS
    Shows the WcLayer backend of this PowerShell session: status, versions, process and capabilities.

    .DESCRIPTION
    The WcLayer cmdlets do their work in a Node.js backend process that the module starts on
    first use, one per runspace, and talks to over JSON-RPC on stdin/stdout. Get-WcBackend starts
    that backend if it is not running yet, checks that it answers (backend/ping) and returns a
    WcLayer.Backend object: status, backend and protocol versions, process id, the node
    executable and backend script in use (and where they were found), the active platform
    implementation, the RPC methods it offers, when it started and the measured round trip.

    With -NoStart it only reports: 'NotStarted' when no backend runs, 'Exited' (with the exit
    code and the last log lines) when the last one ended, without starting a new one.

    Use -Verbose to see the backend's log lines (its stderr) as they come.

    .PARAMETER NoStart
    Report the current state without starting a backend or sending it anything.

    .EXAMPLE
    Get-WcBackend

    Starts the backend if needed and shows its status, versions and process id.

    .EXAMPLE
    Get-WcBackend -NoStart | Format-List *

    Shows everything known about the backend of this session, without starting one.

    .EXAMPLE
    (Get-WcBackend).Methods

    Lists the RPC methods the running backend offers.

    .OUTPUTS
    WcLayer.Backend

    .LINK
    Stop-WcBackend

    .LINK
    about_WcLayer
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.Backend')]
    param(
        [switch] $NoStart
    )

    $state = $null
    $roundTrip = $null
    try {
        $state = Get-WcBackendState -NoStart:$NoStart
        if ($null -ne $state -and -not $NoStart) {
            $watch = [System.Diagnostics.Stopwatch]::StartNew()
            [void](Invoke-WcRpcExchange -State $state -Method 'backend/ping' -TimeoutSec 10)
            $watch.Stop()
            $roundTrip = [math]::Round($watch.Elapsed.TotalMilliseconds, 3)
        }
    }
    catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }

    $key = Get-WcRunspaceKey
    $info = [ordered]@{
        Status          = 'NotStarted'
        ProcessId       = $null
        BackendVersion  = $null
        ProtocolVersion = $null
        NodeVersion     = $null
        Platform        = $null
        Methods         = @()
        NodePath        = $null
        NodeSource      = $null
        BackendPath     = $null
        StartTime       = $null
        RoundTripMs     = $roundTrip
        ExitCode        = $null
        ExitReason      = $null
        LastLog         = @()
        RunspaceId      = $key
        ModuleVersion   = [string]$script:WcModuleVersion
    }
    if ($null -ne $state) {
        $init = $state.Init
        $info.Status = 'Running'
        $info.ProcessId = $state.Client.ProcessId
        $info.BackendVersion = $init.backendVersion
        $info.ProtocolVersion = $init.protocolVersion
        $info.NodeVersion = $init.node
        $info.Platform = $init.capabilities.platform
        $info.Methods = @($init.capabilities.methods)
        $info.NodePath = $state.NodePath
        $info.NodeSource = $state.NodeSource
        $info.BackendPath = $state.BackendPath
        $info.StartTime = $state.StartTime
        $info.LastLog = @($state.Client.GetStderrTail() | Select-Object -Last 10)
    }
    else {
        $last = $script:WcLastExit[$key]
        if ($null -ne $last) {
            $info.Status = 'Exited'
            $info.ProcessId = $last.ProcessId
            $info.ExitCode = $last.ExitCode
            $info.ExitReason = $last.Reason
            $info.LastLog = @($last.StderrTail | Select-Object -Last 10)
        }
        # Which executables a start would use, when they can be found.
        try {
            $command = Resolve-WcBackendCommand
            $info.NodePath = $command.NodePath
            $info.NodeSource = $command.NodeSource
            $info.BackendPath = $command.BackendPath
        }
        catch {
            Write-Verbose $_.Exception.Message
        }
    }
    $backend = [pscustomobject]$info
    $backend.PSObject.TypeNames.Insert(0, 'WcLayer.Backend')
    $backend
}
