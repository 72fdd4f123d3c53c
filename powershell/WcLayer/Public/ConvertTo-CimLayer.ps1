function ConvertTo-CimLayer {
    <#
    .SYNOPSIS
    Converts a legacy layer folder into a new CIM layer.

    .DESCRIPTION
    Reads the legacy layer and writes its entries straight into the CIM layer writer (no tar in
    between), through the backend's layer/convert method. The new layer appears only when
    complete; the legacy layer is not changed.

    .PARAMETER LayerPath
    The legacy layer folder. Accepts FullName/LayerPath from the pipeline.

    .PARAMETER ParentLayerPath
    The legacy layer's parents, nearest first. Default: those recorded in the layer.

    .PARAMETER Destination
    The new CIM layer folder. It must not exist.

    .PARAMETER DestinationParentLayerPath
    The parents of the new layer, as CIM layers, nearest first. None: a base layer.

    .EXAMPLE
    ConvertTo-CimLayer -LayerPath C:\layers\base -Destination C:\cim\base

    A base layer as a CIM layer.

    .EXAMPLE
    ConvertTo-CimLayer C:\layers\app C:\cim\app -DestinationParentLayerPath C:\cim\base

    A child layer over an already converted base.

    .OUTPUTS
    WcLayer.LayerConversion: LayerPath, Destination, Format, Entries, Bytes.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.LayerConversion')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'Path')]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [string[]] $ParentLayerPath = @(),

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [string[]] $DestinationParentLayerPath = @()
    )
    process {
        $source = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
        $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Destination)
        $parents = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        $targetParents = @($DestinationParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        if (-not $PSCmdlet.ShouldProcess($target, "Convert legacy layer '$source' to a CIM layer")) { return }
        $params = @{
            layerPath          = $source
            parents            = $parents
            destination        = $target
            destinationParents = $targetParents
            format             = 'cim'
        }
        try {
            $result = Invoke-WcRequest -Method 'layer/convert' -Params $params -ProgressActivity "Converting $source"
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.LayerConversion')
        $result
    }
}
