function Get-WcLayerContent {
    <#
    .SYNOPSIS
    Lists the entries of a Windows container layer tar (.tar, .tar.gz or .tar.zst).

    .DESCRIPTION
    Reads a layer tar through the WcLayer backend (RPC method tar/list) and writes one
    WcLayer.LayerEntry object per entry as the backend streams them: files, directories,
    symbolic links, junctions, hard links and whiteouts, with their Windows attributes,
    times, security descriptor, alternate data streams and link targets. The compression is
    detected from the file's first bytes. Progress is shown for large inputs; Ctrl+C stops
    the listing and cancels the work in the backend.

    .PARAMETER Path
    Path of the layer tar. Accepts pipeline input, also by the property names FullName
    (from Get-ChildItem) and Path.

    .EXAMPLE
    Get-WcLayerContent -Path .\layer.tar.gz

    Lists every entry of the layer.

    .EXAMPLE
    Get-ChildItem .\layers\*.tar | Get-WcLayerContent | Where-Object IsWhiteout

    Shows the deletions recorded in several layers.

    .EXAMPLE
    Get-WcLayerContent layer.tar | Where-Object { $_.Attributes -band [System.IO.FileAttributes]::ReparsePoint } | Select-Object Name, Kind, LinkTarget

    Lists the symbolic links and junctions with their targets.

    .OUTPUTS
    WcLayer.LayerEntry
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.LayerEntry')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName')]
        [ValidateNotNullOrEmpty()]
        [string[]]$Path
    )

    process {
        foreach ($onePath in $Path) {
            $fullPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($onePath)
            try {
                Invoke-WcRequest -Method 'tar/list' -Params @{ path = $fullPath; digests = $false; isoTimes = $false } -ProgressActivity "Reading $fullPath" -Stream |
                    ForEach-Object { ConvertTo-WcLayerEntry -Item $_ -LayerPath $fullPath }
            }
            catch {
                # Per input file: report it and go on with the next one.
                $PSCmdlet.WriteError($_)
            }
        }
    }
}
