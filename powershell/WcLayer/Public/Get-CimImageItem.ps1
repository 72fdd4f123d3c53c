function Get-CimImageItem {
    <#
    .SYNOPSIS
    Lists the files and directories inside a CimFS image, with their Windows metadata.

    .DESCRIPTION
    Returns one WcLayer.CimImageItem per file or directory, shaped like Get-ChildItem's output:
    Name, FullName (the path inside the image), Length, Attributes (System.IO.FileAttributes),
    the four timestamps in UTC (creation, last write, last access, change), PSIsContainer, plus
    what Windows keeps beside the data: the file id (equal for hard links), the security
    descriptor (bytes, and SDDL; null when SDDL cannot express it), extended attributes, the reparse
    tag and buffer, and the alternate data streams. Items stream as the backend reads them.

    Without -ItemPath the root directory is listed; with -Recurse everything below it. When
    -ItemPath names a file, that file alone is returned.

    .PARAMETER Path
    The .cim file. Its region files (and those of its parents) must be in the same directory.

    .PARAMETER ItemPath
    A directory or file inside the image, with \ or / separators, case-insensitive (default: the root).

    .PARAMETER Recurse
    List everything below ItemPath, not just its direct children.

    .EXAMPLE
    Get-CimImageItem -Path .\layer.cim

    Lists the root directory of the image.

    .EXAMPLE
    Get-CimImageItem -Path .\layer.cim -ItemPath 'Files\Windows\System32' -Recurse | Where-Object Length -gt 1MB

    Finds the large files below System32 in the image.

    .EXAMPLE
    Get-CimImageItem -Path .\layer.cim -ItemPath 'Files\License.txt' | Format-List *

    Shows every piece of metadata of one file.

    .OUTPUTS
    WcLayer.CimImageItem

    .LINK
    Get-CimImage
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.CimImageItem')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('FullName', 'PSPath')]
        [string] $Path,

        [Parameter(Position = 1, ValueFromPipelineByPropertyName)]
        [string] $ItemPath = '',

        [switch] $Recurse
    )

    process {
        $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        $params = @{ path = $resolved; itemPath = $ItemPath; recurse = [bool]$Recurse }
        try {
            Invoke-WcRequest -Method 'cim/list' -Params $params -ProgressActivity "Listing $resolved" -Stream |
                ForEach-Object { ConvertTo-WcCimImageItem -Item $_ -ImagePath $resolved }
        }
        catch {
            $PSCmdlet.WriteError($_)
        }
    }
}
