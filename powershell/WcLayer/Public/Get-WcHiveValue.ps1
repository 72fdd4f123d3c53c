function Get-WcHiveValue {
    <#
    .SYNOPSIS
    Reads the values of a key in an offline registry hive file.

    .DESCRIPTION
    Returns every value of a key, or the one value named by -Name, from a registry hive file
    without loading it into the registry. Key paths are relative to the hive root; key and value
    names are matched without regard to case. Each value carries its type name (REG_SZ ...), its
    decoded data (strings, string lists, numbers; QWORDs as decimal strings) and the raw bytes as
    base64. Accepts keys from Get-WcHiveKey on the pipeline.

    .PARAMETER HivePath
    The hive file.

    .PARAMETER Key
    The key holding the values, relative to the hive root. Empty (the default) is the root.

    .PARAMETER Name
    One value to return. An empty string is the key's default value. Without it, all values are returned.

    .PARAMETER NoLogReplay
    Reads a dirty hive as it is on disk, ignoring its transaction logs.

    .EXAMPLE
    Get-WcHiveValue -HivePath .\SOFTWARE -Key 'Microsoft\Windows NT\CurrentVersion' -Name CurrentBuild

    Reads the build number from a SOFTWARE hive.

    .EXAMPLE
    Get-WcHiveKey .\SYSTEM 'ControlSet001\Services' | Get-WcHiveValue -Name Start

    Reads the start type of every service (keys without the value report an error).

    .OUTPUTS
    WcLayer.HiveValue: Name, Type, TypeCode, Size, Value, Data (base64), Tombstone, Key, HivePath.
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.HiveValue')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'Path')]
        [string] $HivePath,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)]
        [Alias('KeyPath')]
        [AllowEmptyString()]
        [string] $Key = '',

        [Parameter(Position = 2)]
        [AllowEmptyString()]
        [string] $Name,

        [switch] $NoLogReplay
    )
    process {
        $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($HivePath)
        $params = @{ path = $resolved; key = $Key }
        if ($NoLogReplay) { $params.logs = 'none' }
        $values = @()
        try {
            if ($PSBoundParameters.ContainsKey('Name')) {
                $params.name = $Name
                $values = @(Invoke-WcRequest -Method 'hive/get' -Params $params)
            }
            else {
                $result = Invoke-WcRequest -Method 'hive/values' -Params $params
                $values = @($result.values)
            }
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        foreach ($value in $values) {
            $value.PSObject.TypeNames.Insert(0, 'WcLayer.HiveValue')
            Add-Member -InputObject $value -NotePropertyName 'Key' -NotePropertyValue $Key -Force
            Add-Member -InputObject $value -NotePropertyName 'HivePath' -NotePropertyValue $resolved -Force
            $value
        }
    }
}
