# The backend manager: one Node backend per runspace, started on first use, restarted after a
# crash, closed when the module is removed or PowerShell exits.
#
# Which executables (first match wins; the module never prefers a node on PATH over its own):
#   node:    $env:WCLAYER_NODE                          (tests, custom installs)
#            <module>\bin\node.exe or <module>/bin/node (bundled with the module)
#            node on PATH                               (development only)
#   backend: $env:WCLAYER_BACKEND                       (tests, custom installs)
#            <module>/backend/dist/src/cli/main.js      (bundled with the module)
#            <module>/../../dist/src/cli/main.js        (the repository layout, after npm run build)
# The backend runs as `node <main.js> serve --stdio` with the temp directory as working
# directory, so the process never holds the module folder open.

# Keyed by [runspace]::DefaultRunspace.InstanceId. The table object itself is never replaced:
# the PowerShell.Exiting handler holds a reference to it.
$script:WcBackends = @{}
# Why the last backend of a runspace ended, for Get-WcBackend -NoStart and crash errors.
$script:WcLastExit = @{}
$script:WcProtocolMajor = 1
$script:WcHandshakeTimeoutSec = 10
$script:WcStderrCapacity = 200
$script:WcCloseGraceMs = 2000

function Get-WcRunspaceKey {
    [CmdletBinding()]
    [OutputType([string])]
    param()
    $runspace = [System.Management.Automation.Runspaces.Runspace]::DefaultRunspace
    if ($null -eq $runspace) { return 'no-runspace' }
    [string]$runspace.InstanceId
}

function Resolve-WcBackendCommand {
    # The node executable and backend entry script to start, per the order above.
    [CmdletBinding()]
    param()

    $node = $null
    $nodeSource = $null
    if ($env:WCLAYER_NODE) {
        if (-not (Test-Path -LiteralPath $env:WCLAYER_NODE -PathType Leaf)) {
            throw (New-WcErrorRecord -Code BackendNotFound -Message "WCLAYER_NODE points to '$($env:WCLAYER_NODE)', which is not a file." -TargetObject $env:WCLAYER_NODE)
        }
        $node = $env:WCLAYER_NODE
        $nodeSource = 'WCLAYER_NODE'
    }
    if (-not $node) {
        foreach ($name in 'node.exe', 'node') {
            $candidate = Join-Path (Join-Path $script:WcModuleRoot 'bin') $name
            if (Test-Path -LiteralPath $candidate -PathType Leaf) { $node = $candidate; $nodeSource = 'Module'; break }
        }
    }
    if (-not $node) {
        $onPath = Get-Command -Name node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($onPath) { $node = $onPath.Path; $nodeSource = 'Path' }
    }
    if (-not $node) {
        throw (New-WcErrorRecord -Code BackendNotFound -Message 'Cannot find Node.js: the module has no bin folder with node, WCLAYER_NODE is not set and node is not on PATH.' -RecommendedAction 'Install the WcLayer module with its bundled Node.js, or install Node.js 20 or later.')
    }

    $entry = $null
    $entrySource = $null
    if ($env:WCLAYER_BACKEND) {
        if (-not (Test-Path -LiteralPath $env:WCLAYER_BACKEND -PathType Leaf)) {
            throw (New-WcErrorRecord -Code BackendNotFound -Message "WCLAYER_BACKEND points to '$($env:WCLAYER_BACKEND)', which is not a file." -TargetObject $env:WCLAYER_BACKEND)
        }
        $entry = $env:WCLAYER_BACKEND
        $entrySource = 'WCLAYER_BACKEND'
    }
    if (-not $entry) {
        $bundled = [System.IO.Path]::Combine($script:WcModuleRoot, 'backend', 'dist', 'src', 'cli', 'main.js')
        $repository = [System.IO.Path]::Combine($script:WcModuleRoot, '..', '..', 'dist', 'src', 'cli', 'main.js')
        if (Test-Path -LiteralPath $bundled -PathType Leaf) { $entry = $bundled; $entrySource = 'Module' }
        elseif (Test-Path -LiteralPath $repository -PathType Leaf) { $entry = [System.IO.Path]::GetFullPath($repository); $entrySource = 'Repository' }
    }
    if (-not $entry) {
        throw (New-WcErrorRecord -Code BackendNotFound -Message "Cannot find the WcLayer backend (backend/dist/src/cli/main.js) in the module folder $($script:WcModuleRoot)." -RecommendedAction 'Reinstall the module, or run npm run build in the repository.')
    }

    [pscustomobject]@{
        NodePath      = $node
        NodeSource    = $nodeSource
        BackendPath   = $entry
        BackendSource = $entrySource
    }
}

function Start-WcBackendProcess {
    # Starts a backend, shakes hands and returns its state. Throws an ErrorRecord on failure.
    [CmdletBinding()]
    param()

    Import-WcTransport
    $command = Resolve-WcBackendCommand
    $client = New-Object -TypeName $script:WcTransportTypeName -ArgumentList $command.NodePath, ('"' + $command.BackendPath + '" serve --stdio'), ([System.IO.Path]::GetTempPath()), $script:WcStderrCapacity
    Write-Verbose "Starting the WcLayer backend: $($command.NodePath) $($command.BackendPath) serve --stdio"
    try {
        $client.Start()
    }
    catch {
        throw (New-WcErrorRecord -Code BackendStartFailed -Message "Cannot start the WcLayer backend with '$($command.NodePath)': $($_.Exception.Message)" -TargetObject $command.NodePath)
    }

    $state = @{
        Key         = Get-WcRunspaceKey
        Client      = $client
        NodePath    = $command.NodePath
        NodeSource  = $command.NodeSource
        BackendPath = $command.BackendPath
        Init        = $null
        StartTime   = $client.StartTime
        Reason      = $null
        # Request id -> queue of messages for it that another, nested request read off the pipe
        # (see Invoke-WcRpcExchange).
        Mailboxes   = @{}
    }
    $handshake = [ordered]@{
        clientName      = 'WcLayer PowerShell module'
        clientVersion   = [string]$script:WcModuleVersion
        protocolVersion = "$($script:WcProtocolMajor).0"
    }
    $ready = $false
    try {
        $init = Invoke-WcRpcExchange -State $state -Method 'initialize' -Params $handshake -TimeoutSec $script:WcHandshakeTimeoutSec
        $major = -1
        [void][int]::TryParse(([string]$init.protocolVersion).Split('.')[0], [ref]$major)
        if ($major -ne $script:WcProtocolMajor) {
            throw (New-WcErrorRecord -Code ProtocolVersionMismatch -Message "The WcLayer backend speaks protocol $($init.protocolVersion); this module needs $($script:WcProtocolMajor).x." -TargetObject $command.BackendPath -RecommendedAction 'Install matching versions of the WcLayer module and backend.')
        }
        $state.Init = $init
        $ready = $true
    }
    finally {
        # finally, not catch: Ctrl+C during the handshake must not leave the process behind.
        if (-not $ready) {
            $client.Kill()
            $client.Dispose()
        }
    }
    Write-Verbose "WcLayer backend $($init.backendVersion) ready (pid $($client.ProcessId), protocol $($init.protocolVersion))"
    $state
}

function Get-WcBackendState {
    # This runspace's live backend, started if needed (unless -NoStart). A backend that died is
    # cleaned up and remembered in WcLastExit, and the next call starts a fresh one.
    [CmdletBinding()]
    param([switch] $NoStart)

    $key = Get-WcRunspaceKey
    $state = $script:WcBackends[$key]
    if ($null -ne $state -and -not $state.Client.IsAlive) {
        Remove-WcBackendState -State $state -Reason 'exited'
        $state = $null
    }
    if ($null -eq $state -and -not $NoStart) {
        $state = Start-WcBackendProcess
        $script:WcBackends[$key] = $state
    }
    $state
}

function Remove-WcBackendState {
    # Forgets a backend, ending its process if it still runs, and records how it ended.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [hashtable] $State,
        [string] $Reason = 'stopped'
    )

    $client = $State.Client
    if ($State.Reason) { $Reason = $State.Reason }
    if (-not $client.HasExited) { [void]$client.Close(0) }
    $script:WcLastExit[$State.Key] = [pscustomobject]@{
        Reason     = $Reason
        ProcessId  = $client.ProcessId
        ExitCode   = $client.ExitCode
        ReadError  = $client.ReadError
        StderrTail = $client.GetStderrTail()
        Time       = [DateTime]::Now
    }
    $client.Dispose()
    if ($script:WcBackends[$State.Key] -eq $State) { $script:WcBackends.Remove($State.Key) }
}

function Stop-WcBackendState {
    # The polite stop: shutdown request, exit notification, then close stdin, wait, kill.
    [CmdletBinding()]
    param([Parameter(Mandatory)] [hashtable] $State)

    $client = $State.Client
    if ($client.IsAlive) {
        try {
            [void](Invoke-WcRpcExchange -State $State -Method 'shutdown' -TimeoutSec 2)
            $client.SendNotification('exit', $null)
        }
        catch {
            Write-Verbose "The backend did not shut down cleanly: $($_.Exception.Message)"
        }
    }
    if (-not $client.HasExited) { [void]$client.Close($script:WcCloseGraceMs) }
    Remove-WcBackendState -State $State -Reason 'stopped'
}

function Close-WcAllBackends {
    # Remove-Module and PowerShell exit: close every backend this module instance started.
    [CmdletBinding()]
    param()

    foreach ($state in @($script:WcBackends.Values)) {
        try { [void]$state.Client.Close($script:WcCloseGraceMs) } catch { Write-Verbose $_.Exception.Message }
        try { $state.Client.Dispose() } catch { Write-Verbose $_.Exception.Message }
    }
    $script:WcBackends.Clear()
}
