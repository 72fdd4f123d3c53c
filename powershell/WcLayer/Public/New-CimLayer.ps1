function New-CimLayer {
    <#
    .SYNOPSIS
    Creates a CIM layer from a Windows layer tar (.tar, .tar.gz, .tar.zst).

    .DESCRIPTION
    Imports the tar straight into a CimFS layer, as containerd's CimFS snapshotter does: the
    tar is read once, its diffID checked when -ExpectedDiffId is given, and the layer appears
    only when complete. Equivalent to Import-WcLayer -Format Cim for one tar.

    .PARAMETER Path
    The layer tar. Accepts FullName/Path from the pipeline.

    .PARAMETER LayerPath
    The new CIM layer folder. It must not exist.

    .PARAMETER ParentLayerPath
    The parent CIM layers, nearest parent first, base last. None: a base layer.

    .PARAMETER ExpectedDiffId
    sha256:<hex>. The layer is kept only when the tar's diffID is this.

    .EXAMPLE
    New-CimLayer -Path .\base.tar.gz -LayerPath C:\cim\base

    A base CIM layer from a tar.

    .EXAMPLE
    New-CimLayer app.tar.zst C:\cim\app -ParentLayerPath C:\cim\base -ExpectedDiffId sha256:0123...

    A child CIM layer, kept only if the tar is the expected one.

    .OUTPUTS
    WcLayer.LayerImport: LayerPath, Format, Parents, DiffId, CompressedDigest, Compression, Entries, Bytes.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.LayerImport')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [Alias('Parent')]
        [string[]] $ParentLayerPath = @(),

        [ValidatePattern('^sha256:[0-9a-fA-F]{64}$')]
        [string] $ExpectedDiffId
    )
    process {
        $tarPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
        $parents = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        if (-not $PSCmdlet.ShouldProcess($target, "Create CIM layer from '$tarPath'")) { return }
        $params = @{
            input     = $tarPath
            layerPath = $target
            parents   = $parents
            format    = 'cim'
        }
        if ($ExpectedDiffId) { $params['expectedDiffId'] = $ExpectedDiffId.ToLowerInvariant() }
        try {
            $result = Invoke-WcRequest -Method 'layer/import' -Params $params -ProgressActivity "Creating CIM layer $target"
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.LayerImport')
        $result
    }
}
