function Mount-WcLayer {
    <#
    .SYNOPSIS
    Mounts a writable scratch layer over its parents, or a CIM layer, as a volume (Windows only).

    .DESCRIPTION
    Like hcsshim's 'wclayer mount': a scratch layer is activated and prepared over the read-only
    parent layers (vmcompute ActivateLayer, PrepareLayer) and its volume path returned; a CIM
    layer is mounted through CimFS at a volume GUID derived from its path, and needs no parents.
    With -MountPath the volume is also mounted at that empty folder. A step that fails undoes
    the earlier ones. Needs Windows with the Containers feature, run elevated; elsewhere the
    backend reports the operation as unsupported.

    .PARAMETER LayerPath
    The scratch layer folder (made by 'wclayer create'), or a CIM layer folder.
    Accepts LayerPath/FullName from the pipeline.

    .PARAMETER ParentLayerPath
    The read-only parent layers, nearest parent first, base last. Required for a scratch layer.

    .PARAMETER MountPath
    An empty folder where the volume is mounted too (SetVolumeMountPoint).

    .EXAMPLE
    Mount-WcLayer C:\scratch\c1 -ParentLayerPath C:\layers\app, C:\layers\base

    Mounts a scratch layer and shows its volume path.

    .EXAMPLE
    Mount-WcLayer C:\cim\app -MountPath C:\mnt\app

    Mounts a CIM layer and makes it visible at C:\mnt\app.

    .OUTPUTS
    WcLayer.LayerMount: LayerPath, Kind (scratch or cim), MountPath (the volume path), Target.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('WcLayer.LayerMount')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [Alias('Parent')]
        [string[]] $ParentLayerPath = @(),

        [Parameter(Position = 1)]
        [string] $MountPath
    )
    process {
        $layer = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
        $parents = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        $action = 'Mount layer'
        if ($MountPath) { $action = "Mount layer at '$($PSCmdlet.GetUnresolvedProviderPathFromPSPath($MountPath))'" }
        if (-not $PSCmdlet.ShouldProcess($layer, $action)) { return }
        $params = @{
            layerPath = $layer
            parents   = $parents
        }
        if ($MountPath) { $params['target'] = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($MountPath) }
        try {
            $result = Invoke-WcRequest -Method 'layer/mount' -Params $params
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.LayerMount')
        $result
    }
}
