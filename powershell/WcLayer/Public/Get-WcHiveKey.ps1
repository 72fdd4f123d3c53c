function Get-WcHiveKey {
    <#
    .SYNOPSIS
    Lists the keys of an offline registry hive file.

    .DESCRIPTION
    Reads a registry hive file (SYSTEM, SOFTWARE, NTUSER.DAT, a layer's Hives\*_Delta ...) without
    loading it into the registry and returns the subkeys of one key, or with -Recurse every key
    below it. Key paths are relative to the hive's root, separated by backslashes and matched
    without regard to case. A dirty hive is read with its .LOG1/.LOG2 transaction logs replayed
    unless -NoLogReplay is given. Runs on any OS.

    .PARAMETER Path
    The hive file.

    .PARAMETER Key
    The key whose subkeys are listed, relative to the hive root. Empty (the default) is the root.

    .PARAMETER Recurse
    Returns every key below Key, parents before children, instead of the direct subkeys only.

    .PARAMETER NoLogReplay
    Reads a dirty hive as it is on disk, ignoring its transaction logs.

    .EXAMPLE
    Get-WcHiveKey -Path .\SYSTEM -Key 'ControlSet001\Services'

    Lists the services of a SYSTEM hive.

    .EXAMPLE
    Get-WcHiveKey .\Hives\System_Delta -Recurse | Where-Object Layer -eq 'tombstone'

    Finds the keys a container layer's delta hive deletes.

    .EXAMPLE
    Get-WcHiveKey .\SYSTEM ControlSet001 | Get-WcHiveKey

    Lists the keys two levels below ControlSet001 (piped keys bind -Path and -Key by HivePath and KeyPath).

    .OUTPUTS
    WcLayer.HiveKey: KeyPath, Name, Timestamp, TimestampRaw, SubkeyCount, ValueCount, ClassName, Flags, Layer, InheritClass, HivePath.
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.HiveKey')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'HivePath')]
        [string] $Path,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)]
        [Alias('KeyPath')]
        [AllowEmptyString()]
        [string] $Key = '',

        [switch] $Recurse,

        [switch] $NoLogReplay
    )
    process {
        $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        $params = @{ path = $resolved; key = $Key; recursive = [bool]$Recurse }
        if ($NoLogReplay) { $params.logs = 'none' }
        try {
            Invoke-WcRequest -Method 'hive/keys' -Params $params -Stream | ForEach-Object {
                # The key's path becomes KeyPath, so that piping keys on binds -Key, not -Path.
                $keyPath = $_.path
                $_.PSObject.Properties.Remove('path')
                Add-Member -InputObject $_ -NotePropertyName 'KeyPath' -NotePropertyValue $keyPath -Force
                Add-Member -InputObject $_ -NotePropertyName 'HivePath' -NotePropertyValue $resolved -Force
                $_.PSObject.TypeNames.Insert(0, 'WcLayer.HiveKey')
                $_
            }
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
        }
    }
}
