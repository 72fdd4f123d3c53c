# Invoke-WcRequest: the one way a public cmdlet talks to the backend.
#
#   Invoke-WcRequest -Method 'area/verb' [-Params @{ ... }] [-ProgressActivity 'Reading x']
#                    [-Stream] [-TimeoutSec N]
#
# - Starts this runspace's backend if needed (Get-WcBackendState).
# - Returns the response's result as PSCustomObject (ConvertFrom-Json), or with -Stream writes
#   each object of the `$/items` notifications to the pipeline as it arrives and returns nothing
#   else.
# - With -ProgressActivity, passes a progressToken and shows the `$/progress` values with
#   Write-Progress (at most ~4 updates a second), Completed at the end.
# - Throws an ErrorRecord: FullyQualifiedErrorId 'WcLayer.<Code>' (NotFound, InvalidArgument,
#   Corrupt ... BackendMethodMissing, BackendExited, Timeout, ProtocolError), TargetObject =
#   data.path/key/entry; see ConvertTo-WcErrorRecord.ps1.
# - Ctrl+C: the wait is a loop of 100 ms polls, so the pipeline stops promptly; the finally
#   block then sends `$/cancelRequest` and waits up to 3 s for the answer. A backend that does
#   not answer is ended and the next call starts a new one.
# - -TimeoutSec (default 0: none) limits the silence, not the total: every progress or items
#   notification of the request restarts the clock.
# - Nested requests: a streaming cmdlet's items run the rest of the pipeline while its request is
#   still open (Get-WcHiveKey -Recurse | Get-WcHiveValue), so a second request can start on the
#   same backend before the first one ends. Both read the one stdout queue; what a request reads
#   for another open request goes to that request's mailbox ($State.Mailboxes), never dropped.
#
# Params: a hashtable, [ordered] dictionary or PSCustomObject with the method's camelCase
# parameter names. Values are sent with ConvertTo-Json; switches become booleans, enums strings,
# DateTimes ISO 8601 UTC strings, FileSystemInfo objects their full path. Pass user paths through
# $PSCmdlet.GetUnresolvedProviderPathFromPSPath() first. PowerShell 7's ConvertFrom-Json turns
# ISO date strings in results into DateTime; 5.1 leaves them strings: don't rely on either.
#
# A cmdlet built on it (copy this shape; Public/Get-WcBackend.ps1 is a working example):
#
#   function Get-WcThing {
#       [CmdletBinding()]
#       [OutputType('WcLayer.Thing')]
#       param(
#           [Parameter(Mandatory, ValueFromPipelineByPropertyName)]
#           [Alias('FullName', 'PSPath')]
#           [string] $Path
#       )
#       process {
#           $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
#           try {
#               Invoke-WcRequest -Method 'thing/list' -Params @{ path = $resolved } `
#                   -ProgressActivity "Reading $resolved" -Stream |
#                   ForEach-Object { $_.PSObject.TypeNames.Insert(0, 'WcLayer.Thing'); $_ }
#           }
#           catch {
#               # Per input item: report and go on with the next one. Use
#               # $PSCmdlet.ThrowTerminatingError($_) when nothing more can be done.
#               $PSCmdlet.WriteError($_)
#           }
#       }
#   }

function Invoke-WcRequest {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Method,
        [object] $Params,
        [string] $ProgressActivity,
        [switch] $Stream,
        [int] $TimeoutSec = 0,
        [int] $ProgressId = 1,
        [int] $ParentProgressId = -1
    )

    $state = Get-WcBackendState
    Invoke-WcRpcExchange -State $state -Method $Method -Params $Params -ProgressActivity $ProgressActivity -Stream:$Stream -TimeoutSec $TimeoutSec -ProgressId $ProgressId -ParentProgressId $ParentProgressId
}

function ConvertTo-WcParamsTable {
    # An ordered copy of the caller's params with values ConvertTo-Json sends the same way on
    # 5.1 and 7.
    [CmdletBinding()]
    param([object] $Params)

    $table = [ordered]@{}
    if ($null -eq $Params) { return $table }
    $pairs = @()
    if ($Params -is [System.Collections.IDictionary]) {
        foreach ($key in @($Params.Keys)) { $pairs += , @([string]$key, $Params[$key]) }
    }
    else {
        foreach ($property in $Params.PSObject.Properties) { $pairs += , @($property.Name, $property.Value) }
    }
    foreach ($pair in $pairs) {
        $value = $pair[1]
        if ($value -is [System.Management.Automation.SwitchParameter]) { $value = $value.IsPresent }
        elseif ($value -is [enum]) { $value = $value.ToString() }
        elseif ($value -is [datetime]) { $value = $value.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture) }
        elseif ($value -is [System.IO.FileSystemInfo]) { $value = $value.FullName }
        elseif ($value -is [string]) { $value = [string]$value } # drops ETS members 5.1 would serialize
        $table[$pair[0]] = $value
    }
    $table
}

function Write-WcProgressValue {
    # One $/progress value ({kind, title, message, percentage, entriesDone, entriesTotal,
    # bytesDone, bytesTotal, ...}) as Write-Progress.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Activity,
        [Parameter(Mandatory)] [object] $Value,
        [int] $Id = 1,
        [int] $ParentId = -1
    )

    $status = $null
    if ($Value.message) { $status = [string]$Value.message }
    elseif ($null -ne $Value.entriesDone -and $null -ne $Value.entriesTotal) { $status = "$($Value.entriesDone) of $($Value.entriesTotal)" }
    elseif ($null -ne $Value.bytesDone -and $null -ne $Value.bytesTotal) { $status = "$([math]::Round($Value.bytesDone / 1mb, 1)) of $([math]::Round($Value.bytesTotal / 1mb, 1)) MB" }
    elseif ($null -ne $Value.entriesDone) { $status = "$($Value.entriesDone) done" }
    if (-not $status) { $status = 'Working' }

    $arguments = @{ Activity = $Activity; Status = $status; Id = $Id }
    if ($ParentId -ge 0) { $arguments.ParentId = $ParentId }
    if ($null -ne $Value.percentage) {
        $arguments.PercentComplete = [int][math]::Max(0, [math]::Min(100, [double]$Value.percentage))
    }
    $current = $null
    if ($Value.path) { $current = [string]$Value.path } elseif ($Value.entry) { $current = [string]$Value.entry }
    if ($current) { $arguments.CurrentOperation = $current }
    Write-Progress @arguments
}

function Write-WcBackendStderr {
    # New backend log lines as verbose messages (shown with -Verbose).
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object] $Client)
    foreach ($line in $Client.TakeNewStderr()) { Write-Verbose "backend: $line" }
}

function New-WcBackendExitedError {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [hashtable] $State,
        [Parameter(Mandatory)] [string] $Method
    )
    $client = $State.Client
    [void]$client.WaitForExit(1000)
    $tail = @($client.GetStderrTail() | Select-Object -Last 20)
    $how = 'stopped answering'
    if ($client.HasExited) { $how = "exited with code $($client.ExitCode)" }
    elseif ($client.ReadError) { $how = "sent a malformed frame ($($client.ReadError))" }
    $message = "The WcLayer backend (pid $($client.ProcessId)) $how during '$Method'. The next command starts a new one."
    if ($tail.Count -gt 0) { $message += " Last backend log lines:`n" + ($tail -join "`n") }
    $code = 'BackendExited'
    if ($client.ReadError -and -not $client.HasExited) { $code = 'ProtocolError' }
    New-WcErrorRecord -Code $code -Message $message -TargetObject $Method -Data @{ ProcessId = $client.ProcessId; ExitCode = $client.ExitCode; Method = $Method }
}

function Get-WcMessageOwner {
    # The request id (as a string) a message belongs to: a response's id, or the id in the
    # progress or items token of a notification (wc-progress-<id>, wc-items-<id>). Else $null.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)] [object] $Message)

    if ($null -ne $Message.PSObject.Properties['method']) {
        $p = $Message.params
        if ($null -ne $p -and $null -ne $p.PSObject.Properties['token'] -and [string]$p.token -match '^wc-(progress|items)-(\d+)$') { return $Matches[2] }
        return $null
    }
    if ($null -ne $Message.PSObject.Properties['id'] -and $null -ne $Message.id) { return [string]$Message.id }
    $null
}

function Invoke-WcRpcExchange {
    # Sends one request on a given backend and waits for its response (see Invoke-WcRequest).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [hashtable] $State,
        [Parameter(Mandatory)] [string] $Method,
        [object] $Params,
        [string] $ProgressActivity,
        [switch] $Stream,
        [int] $TimeoutSec = 0,
        [int] $ProgressId = 1,
        [int] $ParentProgressId = -1
    )

    $client = $State.Client
    $body = ConvertTo-WcParamsTable -Params $Params
    $id = $client.NextId()
    $progressToken = $null
    $itemToken = $null
    if ($ProgressActivity) { $progressToken = "wc-progress-$id"; $body['progressToken'] = $progressToken }
    if ($Stream) { $itemToken = "wc-items-$id"; $body['itemToken'] = $itemToken }
    # Always an object: vscode-jsonrpc hands a handler its token in the wrong place when params
    # are absent.
    $request = ConvertTo-Json -InputObject ([ordered]@{ jsonrpc = '2.0'; id = $id; method = $Method; params = $body }) -Depth 64 -Compress

    $pending = $true
    $progressShown = $false
    $lastProgress = [DateTime]::MinValue
    $lastHeard = [DateTime]::UtcNow
    $mailboxes = $State.Mailboxes
    $mailbox = New-Object System.Collections.Queue
    $transport = [type]$script:WcTransportTypeName
    $mailboxes[[string]$id] = $mailbox
    # What was taken from the backend and is not handled yet: when the pipeline stops part way
    # (a stop lands inside ConvertFrom-Json or while items go down the pipeline), the finally
    # block hands it to its owner instead of losing it.
    $inHand = $null
    try {
        try { $client.Send($request) }
        catch {
            $pending = $false
            $record = New-WcBackendExitedError -State $State -Method $Method
            Remove-WcBackendState -State $State -Reason 'exited'
            throw $record
        }
        Write-Debug "WcLayer request $id $Method"

        while ($pending) {
            $message = $null
            $frame = $null
            if ($mailbox.Count -gt 0) {
                # A parsed message, or raw text an inner request's cancel left (see finally).
                $message = $mailbox.Dequeue()
                $inHand = $message
                if ($message -is [string]) { $frame = $message; $message = $null }
            }
            else {
                $frame = $client.TryTake(100)
                $inHand = $frame
                Write-WcBackendStderr -Client $client
            }
            if ($null -eq $message -and $null -eq $frame) {
                if (-not $client.IsAlive -and $client.PendingFrames -eq 0) {
                    $pending = $false
                    $record = New-WcBackendExitedError -State $State -Method $Method
                    Remove-WcBackendState -State $State -Reason 'exited'
                    throw $record
                }
                if ($TimeoutSec -gt 0 -and ([DateTime]::UtcNow - $lastHeard).TotalSeconds -ge $TimeoutSec) {
                    # Still pending: the finally block cancels it.
                    throw (New-WcErrorRecord -Code Timeout -Message "The WcLayer backend did not answer '$Method' within $TimeoutSec s." -TargetObject $Method)
                }
                continue
            }

            if ($null -eq $message) {
                try { $message = ConvertFrom-Json -InputObject $frame }
                catch {
                    $pending = $false
                    Remove-WcBackendState -State $State -Reason 'protocol error'
                    throw (New-WcErrorRecord -Code ProtocolError -Message "The WcLayer backend sent a frame that is not JSON: $($_.Exception.Message)" -TargetObject $Method)
                }
                # For another open request (an outer one of this pipeline): keep it for that one.
                $inHand = $message
                $owner = Get-WcMessageOwner -Message $message
                if ($null -ne $owner -and $owner -ne [string]$id -and $mailboxes.ContainsKey($owner)) {
                    $mailboxes[$owner].Enqueue($message)
                    $inHand = $null
                    continue
                }
            }

            if ($null -ne $message.PSObject.Properties['method']) {
                # A notification: progress or items for this request, or something to ignore.
                $notificationParams = $message.params
                if ($message.method -eq '$/progress' -and $null -ne $progressToken -and $notificationParams.token -eq $progressToken) {
                    $lastHeard = [DateTime]::UtcNow
                    $value = $notificationParams.value
                    if ($value.kind -eq 'end') {
                        if ($progressShown) { Write-Progress -Activity $ProgressActivity -Id $ProgressId -Completed; $progressShown = $false }
                    }
                    elseif ($value.kind -eq 'begin' -or ([DateTime]::UtcNow - $lastProgress).TotalMilliseconds -ge 250) {
                        Write-WcProgressValue -Activity $ProgressActivity -Value $value -Id $ProgressId -ParentId $ParentProgressId
                        $progressShown = $true
                        $lastProgress = [DateTime]::UtcNow
                    }
                }
                elseif ($message.method -eq '$/items' -and $null -ne $itemToken -and $notificationParams.token -eq $itemToken) {
                    $lastHeard = [DateTime]::UtcNow
                    foreach ($item in $notificationParams.items) { $item }
                }
                else {
                    Write-Debug "WcLayer: ignored notification $($message.method)"
                }
                $inHand = $null
                continue
            }

            if ($null -eq $message.PSObject.Properties['id'] -or [string]$message.id -ne [string]$id) {
                # A late answer to an earlier, abandoned request.
                $inHand = $null
                Write-Debug "WcLayer: ignored response to request $($message.id)"
                continue
            }

            $pending = $false
            $inHand = $null
            if ($null -ne $message.PSObject.Properties['error'] -and $null -ne $message.error) {
                throw (ConvertTo-WcErrorRecord -RpcError $message.error -Method $Method)
            }
            if (-not $Stream) { $message.result }
        }
    }
    finally {
        if ($null -ne $inHand) {
            # Method calls only (see below). An answer for an outer request goes to its mailbox;
            # this request's own answer to its mailbox, where the check below finds it.
            $owner = $null
            $got = 0L
            if ($inHand -is [string]) { if ($transport::TryGetResponseId($inHand, [ref]$got)) { $owner = [string]$got } }
            elseif ($null -eq $inHand.PSObject.Properties['method'] -and $null -ne $inHand.PSObject.Properties['id']) { $owner = [string]$inHand.id }
            if ($owner -eq [string]$id) { $mailbox.Enqueue($inHand) }
            elseif ($null -ne $owner -and $mailboxes.ContainsKey($owner)) { $mailboxes[$owner].Enqueue($inHand) }
        }
        $mailboxes.Remove([string]$id)
        if ($pending) {
            # Ctrl+C or a timeout. Method calls only: while the pipeline stops, PowerShell may
            # refuse to run commands here. Cancel, wait up to 3 s for the answer; a backend that
            # stays silent is ended, and the next call starts a new one.
            # In a nested pipeline the answer may already sit in this request's mailbox (read by
            # an inner request), and what this wait reads for an outer request that is still
            # open goes to that one's mailbox as raw text: dropping it would make the outer
            # request wait in vain and end a healthy backend.
            $answered = $false
            try {
                foreach ($queued in $mailbox.ToArray()) {
                    if ($queued -is [string]) { $got = 0L; if ($transport::TryGetResponseId($queued, [ref]$got) -and $got -eq $id) { $answered = $true } }
                    elseif ($null -ne $queued.PSObject.Properties['id'] -and [string]$queued.id -eq [string]$id -and $null -eq $queued.PSObject.Properties['method']) { $answered = $true }
                }
                if (-not $answered) {
                    $client.CancelRequest($id)
                    $deadline = [DateTime]::UtcNow.AddMilliseconds(3000)
                    while (-not $answered -and [DateTime]::UtcNow -lt $deadline) {
                        $late = $client.TryTake(100)
                        if ($null -eq $late) {
                            if (-not $client.IsAlive -and $client.PendingFrames -eq 0) { break }
                            continue
                        }
                        $got = 0L
                        if ($transport::TryGetResponseId($late, [ref]$got)) {
                            if ($got -eq $id) { $answered = $true }
                            elseif ($mailboxes.ContainsKey([string]$got)) { $mailboxes[[string]$got].Enqueue($late) }
                        }
                    }
                }
            }
            catch { $answered = $false }
            if (-not $answered) {
                $State.Reason = 'unresponsive'
                $client.Kill()
            }
        }
        if ($progressShown) { Write-Progress -Activity $ProgressActivity -Id $ProgressId -Completed }
    }
}
