function Stop-WcBackend {
    <#
    .SYNOPSIS
    Stops the WcLayer backend process of this PowerShell session.

    .DESCRIPTION
    Asks the backend of the current runspace to shut down (JSON-RPC shutdown, then exit), closes
    its input, waits up to two seconds and ends the process if it is still running. The next
    WcLayer command starts a new backend, so this is safe to use at any time: to pick up a new
    backend version, to free its memory, or to recover from a backend that misbehaves.

    Does nothing when no backend runs. Supports -WhatIf and -Confirm.

    .PARAMETER PassThru
    Return the WcLayer.Backend object of the stopped backend (Status 'Exited').

    .EXAMPLE
    Stop-WcBackend

    Stops the backend of this session; the next WcLayer command starts a fresh one.

    .EXAMPLE
    Stop-WcBackend -WhatIf

    Shows which backend process would be stopped, without stopping it.

    .EXAMPLE
    Stop-WcBackend -PassThru | Select-Object Status, ExitCode

    Stops the backend and shows how it ended.

    .OUTPUTS
    None, or WcLayer.Backend with -PassThru.

    .LINK
    Get-WcBackend

    .LINK
    about_WcLayer
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.Backend')]
    param(
        [switch] $PassThru
    )

    $state = Get-WcBackendState -NoStart
    if ($null -eq $state) {
        Write-Verbose 'No WcLayer backend is running in this session.'
        return
    }
    $target = "WcLayer backend (process $($state.Client.ProcessId))"
    if ($PSCmdlet.ShouldProcess($target, 'Stop')) {
        try {
            Stop-WcBackendState -State $state
        }
        catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
        if ($PassThru) { Get-WcBackend -NoStart }
    }
}
