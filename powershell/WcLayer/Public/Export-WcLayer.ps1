function Export-WcLayer {
    <#
    .SYNOPSIS
    Exports a layer folder (legacy or CIM) to a Windows layer tar, optionally gzip or zstd.

    .DESCRIPTION
    Reads the layer and writes it as a layer tar in go-winio's conventions (what docker and
    containerd push), computing its diffID and the digest of the file written. The file is
    written under a temporary name and renamed when complete.

    .PARAMETER LayerPath
    The layer folder. Accepts FullName/LayerPath from the pipeline (Get-WcLayer output).

    .PARAMETER ParentLayerPath
    The parent layer folders, nearest first. Default: those recorded in the layer
    (layerchain.json).

    .PARAMETER Destination
    The tar file to write.

    .PARAMETER Compression
    None, Gzip or Zstd. Default: from the Destination name (.gz/.tgz: Gzip, .zst: Zstd), else None.

    .PARAMETER Force
    Replaces an existing destination file.

    .EXAMPLE
    Export-WcLayer -LayerPath C:\layers\app -Destination .\app.tar.gz

    Writes a gzip layer tar and shows its diffID.

    .EXAMPLE
    Get-WcLayer C:\layers\app | Export-WcLayer -Destination .\app.tar.zst -Compression Zstd -WhatIf

    Shows what would be written.

    .OUTPUTS
    WcLayer.LayerExport: Output, DiffId, CompressedDigest, Compression, Bytes, TarSize, Entries.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.LayerExport')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'Path')]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [Alias('Parent')]
        [string[]] $ParentLayerPath = @(),

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [ValidateSet('None', 'Gzip', 'Zstd')]
        [string] $Compression,

        [switch] $Force
    )
    process {
        $source = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
        $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Destination)
        $parents = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        $kind = $Compression
        if (-not $kind) {
            if ($target -match '\.(gz|tgz)$') { $kind = 'Gzip' }
            elseif ($target -match '\.(zst|tzst)$') { $kind = 'Zstd' }
            else { $kind = 'None' }
        }
        if (-not $PSCmdlet.ShouldProcess($target, "Export layer '$source' ($kind)")) { return }
        $params = @{
            layerPath   = $source
            parents     = $parents
            output      = $target
            compression = $kind.ToLowerInvariant()
            overwrite   = [bool]$Force
        }
        try {
            $result = Invoke-WcRequest -Method 'layer/export' -Params $params -ProgressActivity "Exporting $source"
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.LayerExport')
        $result
    }
}
