function Merge-WcHive {
    <#
    .SYNOPSIS
    Merges a base registry hive with one or more delta hives into a new hive file.

    .DESCRIPTION
    Applies container-layer differencing hives (Hives\*_Delta, with tombstones and supersede
    flags) to a base hive, in the order given (a later delta wins), and writes the result as a
    plain hive: what the layer writer's hive rollup does with the parent layer's *_Base and this
    layer's *_Delta. Runs on any OS (no offreg.dll needed). The output is written under a
    temporary name and renamed when complete.

    .PARAMETER BasePath
    The base hive (for example the parent layer's Hives\SYSTEM_BASE).

    .PARAMETER DeltaPath
    One or more delta hives, applied in order.

    .PARAMETER Destination
    The merged hive to write. It must not exist unless -Force is given.

    .PARAMETER MinorVersion
    Format of the output: 5 (regf 1.5, the default) or 6.

    .PARAMETER Force
    Replaces an existing destination file.

    .EXAMPLE
    Merge-WcHive -BasePath .\parent\Hives\SYSTEM_BASE -DeltaPath .\layer\Hives\SYSTEM_DELTA -Destination .\layer\Hives\SYSTEM_BASE

    Rolls a layer's SYSTEM delta up onto its parent's base hive.

    .EXAMPLE
    Merge-WcHive base.hive delta1.hive, delta2.hive -Destination merged.hive -WhatIf

    Shows what would be written without writing it.

    .OUTPUTS
    WcLayer.HiveMerge: Output, Bytes.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.HiveMerge')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('Base')]
        [string] $BasePath,

        [Parameter(Mandatory = $true, Position = 1, ValueFromPipelineByPropertyName = $true)]
        [Alias('Delta')]
        [string[]] $DeltaPath,

        [Parameter(Mandatory = $true, Position = 2)]
        [string] $Destination,

        [ValidateSet(5, 6)]
        [int] $MinorVersion = 5,

        [switch] $Force
    )
    process {
        $base = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($BasePath)
        $deltas = @($DeltaPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Destination)
        if (-not $PSCmdlet.ShouldProcess($target, "Merge '$base' with $($deltas.Count) delta hive(s)")) { return }
        $params = @{
            base         = $base
            deltas       = $deltas
            output       = $target
            overwrite    = [bool]$Force
            minorVersion = $MinorVersion
        }
        try {
            $result = Invoke-WcRequest -Method 'hive/merge' -Params $params -ProgressActivity "Merging hives into $target"
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.HiveMerge')
        $result
    }
}
