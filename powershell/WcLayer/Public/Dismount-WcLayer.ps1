function Dismount-WcLayer {
    <#
    .SYNOPSIS
    Dismounts a layer that Mount-WcLayer mounted (Windows only).

    .DESCRIPTION
    Like hcsshim's 'wclayer unmount': the mount point given with -MountPath is removed first
    (DeleteVolumeMountPoint), then a scratch layer is unprepared and deactivated (an
    UnprepareLayer failure is reported as a warning and the layer still deactivated), or a CIM
    layer dismounted from the volume it was mounted at. Needs Windows, run elevated.

    .PARAMETER LayerPath
    The scratch or CIM layer folder given to Mount-WcLayer. Accepts LayerPath/FullName from the
    pipeline, so Mount-WcLayer output can be piped in.

    .PARAMETER MountPath
    The folder where the volume was also mounted (Mount-WcLayer -MountPath).

    .PARAMETER Target
    The same as -MountPath, under the name Mount-WcLayer output gives it: taken from the
    pipeline by property name. (Mount-WcLayer output also has a MountPath property, the volume
    path, which is not a mount point to remove, so -MountPath does not bind from the pipeline.)

    .EXAMPLE
    Dismount-WcLayer C:\scratch\c1

    Unprepares and deactivates a scratch layer.

    .EXAMPLE
    Mount-WcLayer C:\cim\app -MountPath C:\mnt\app | Dismount-WcLayer

    Mounts a CIM layer at a folder, then removes the mount point and dismounts it.

    .OUTPUTS
    None.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [Parameter(Position = 1)]
        [string] $MountPath,

        [Parameter(ValueFromPipelineByPropertyName = $true)]
        [string] $Target
    )
    process {
        $layer = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
        $mountPoint = $MountPath
        if (-not $mountPoint) { $mountPoint = $Target }
        $action = 'Dismount layer'
        if ($mountPoint) {
            $mountPoint = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($mountPoint)
            $action = "Remove mount point '$mountPoint' and dismount layer"
        }
        if (-not $PSCmdlet.ShouldProcess($layer, $action)) { return }
        $params = @{ layerPath = $layer }
        if ($mountPoint) { $params['mountedPath'] = $mountPoint }
        try {
            $result = Invoke-WcRequest -Method 'layer/unmount' -Params $params
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        foreach ($warning in @($result.warnings)) {
            if ($warning) { Write-Warning $warning }
        }
    }
}
