function Export-WcHive {
    <#
    .SYNOPSIS
    Exports an offline registry hive file to JSON or to a .reg file.

    .DESCRIPTION
    Writes every key and value of a registry hive file (or of one key and everything below it)
    to a JSON document or to a regedit-style .reg file ("Windows Registry Editor Version 5.00",
    UTF-16LE by default). The file is written under a temporary name and renamed when complete.

    .PARAMETER Path
    The hive file.

    .PARAMETER Destination
    The file to write. It must not exist unless -Force is given.

    .PARAMETER Format
    Json (default) or Reg.

    .PARAMETER Key
    Exports only this key and everything below it (path relative to the hive root).

    .PARAMETER Prefix
    For .reg files: the name the hive root gets in the file, e.g. HKEY_LOCAL_MACHINE\SYSTEM.

    .PARAMETER Encoding
    For .reg files: Unicode (UTF-16LE with BOM, what regedit writes; the default) or UTF8.

    .PARAMETER Force
    Replaces an existing destination file.

    .PARAMETER NoLogReplay
    Reads a dirty hive as it is on disk, ignoring its transaction logs.

    .EXAMPLE
    Export-WcHive -Path .\SYSTEM -Destination .\system.json

    Exports the whole hive as JSON.

    .EXAMPLE
    Export-WcHive .\SOFTWARE .\sw.reg -Format Reg -Prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' -Key 'Microsoft\Windows NT'

    Exports one branch as a .reg file that regedit can import.

    .OUTPUTS
    WcLayer.HiveExport: Output, Bytes, Format.
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('WcLayer.HiveExport')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'HivePath')]
        [string] $Path,

        [Parameter(Mandatory = $true, Position = 1)]
        [string] $Destination,

        [ValidateSet('Json', 'Reg')]
        [string] $Format = 'Json',

        [AllowEmptyString()]
        [string] $Key = '',

        [string] $Prefix,

        [ValidateSet('Unicode', 'UTF8')]
        [string] $Encoding = 'Unicode',

        [switch] $Force,

        [switch] $NoLogReplay
    )
    process {
        $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Destination)
        if (-not $PSCmdlet.ShouldProcess($target, "Export hive '$resolved' as $Format")) { return }
        $params = @{
            path      = $resolved
            output    = $target
            format    = $Format.ToLowerInvariant()
            key       = $Key
            overwrite = [bool]$Force
        }
        if ($Encoding -eq 'UTF8') { $params.encoding = 'utf8' } else { $params.encoding = 'utf16le' }
        if ($PSBoundParameters.ContainsKey('Prefix')) { $params.prefix = $Prefix }
        if ($NoLogReplay) { $params.logs = 'none' }
        try {
            $result = Invoke-WcRequest -Method 'hive/export' -Params $params -ProgressActivity "Exporting $resolved"
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.HiveExport')
        $result
    }
}
