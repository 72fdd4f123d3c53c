function Get-WcLayer {
    <#
    .SYNOPSIS
    Describes layer folders: format, kind, parents, size, OS version and image files.

    .DESCRIPTION
    For each layer folder: its format (Legacy or Cim), kind (base or child), parents (from
    layerchain.json when present, else as the layer records them), size of its files, the
    Windows version from its SOFTWARE hive when it has one, and the image files of a CIM layer.

    .PARAMETER Path
    Layer folders. Accepts strings and FullName/LayerPath from the pipeline.

    .EXAMPLE
    Get-WcLayer C:\layers\base, C:\layers\app

    A table of two layers.

    .EXAMPLE
    Get-ChildItem C:\layers -Directory | Get-WcLayer | Where-Object Kind -eq 'base'

    The base layers in a folder.

    .OUTPUTS
    WcLayer.Layer: Path, Format, Kind, Parents, Size, FileCount, OsVersion, ImageFiles.
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.Layer')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'LayerPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path
    )
    process {
        foreach ($onePath in $Path) {
            $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($onePath)
            try {
                $d = Invoke-WcRequest -Method 'layer/info' -Params @{ layerPath = $resolved }
            }
            catch {
                $PSCmdlet.WriteError($_)
                continue
            }
            $os = $null
            if ($d.osVersion) { $os = $d.osVersion.version }
            $o = [PSCustomObject]@{
                Path             = $d.path
                LayerPath        = $d.path
                Format           = $d.format
                Kind             = $d.kind
                Parents          = @($d.parents)
                ParentsSource    = $d.parentsSource
                Size             = [long]$d.size
                FileCount        = [long]$d.fileCount
                OsVersion        = $os
                OsVersionDetails = $d.osVersion
                OsVersionProblem = $d.osVersionProblem
                ImageFiles       = @($d.imageFiles)
            }
            $o.PSObject.TypeNames.Insert(0, 'WcLayer.Layer')
            $o
        }
    }
}
