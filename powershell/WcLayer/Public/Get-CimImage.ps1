function Get-CimImage {
    <#
    .SYNOPSIS
    Describes a CimFS image: format version, region set, parent images, region files, counts and sizes.

    .DESCRIPTION
    Reads the .cim file named by -Path and the region files it needs (its own and those of its
    parent images, all in the same directory) and returns one WcLayer.CimImage object: the format
    version, the image's region set id, the region sets of its parents, every region file with
    its type and size, the objectid files, the number of files, directories, extra hard links and
    alternate streams, the bytes of file data, and the bytes on disk (own, shared with parents,
    and the .cim file itself), and the raw header fields (Filesystem object offset, reserved
    values). Works on any OS; no CimFS driver is needed.

    .PARAMETER Path
    The .cim file. Accepts pipeline input by property name (FullName, PSPath), so
    Get-ChildItem *.cim | Get-CimImage works.

    .EXAMPLE
    Get-CimImage -Path .\cim-layers\layer1.cim

    Shows the version, parents, region files and counts of layer1.cim.

    .EXAMPLE
    Get-ChildItem .\cim-layers\*.cim | Get-CimImage | Format-Table Name, Version, Files, OwnBytes

    Summarizes every image of a directory.

    .OUTPUTS
    WcLayer.CimImage

    .LINK
    Get-CimImageItem
    #>
    [CmdletBinding()]
    [OutputType('WcLayer.CimImage')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('FullName', 'PSPath')]
        [string] $Path
    )

    process {
        $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Path)
        try {
            $info = Invoke-WcRequest -Method 'cim/info' -Params @{ path = $resolved } -ProgressActivity "Reading $resolved"
        }
        catch {
            $PSCmdlet.WriteError($_)
            return
        }
        $regions = @(foreach ($r in @($info.regionFiles)) {
                [pscustomobject]@{
                    Index     = $r.index
                    Name      = $r.name
                    Type      = $r.type
                    Size      = $r.size
                    Inherited = $r.inherited
                }
            })
        $image = [pscustomobject][ordered]@{
            Name             = $info.name
            Path             = $info.path
            Version          = $info.version
            FormatMajor      = $info.formatMajor
            FormatMinor      = $info.formatMinor
            RegionSetId      = $info.regionSetId
            Header           = $info.header
            ParentCount      = @($info.parents).Count
            Parents          = @($info.parents | ForEach-Object { $_.regionSetId })
            RegionFiles      = $regions
            ObjectIdFiles    = @($info.objectIdFiles | ForEach-Object { $_.name })
            FileRecords      = $info.fileRecords
            Files            = $info.files
            Directories      = $info.directories
            ExtraHardLinks   = $info.extraLinks
            AlternateStreams = $info.alternateStreams
            DataBytes        = $info.dataBytes
            OwnBytes         = $info.ownBytes
            ParentBytes      = $info.parentBytes
            CimFileBytes     = $info.cimFileBytes
        }
        $image.PSObject.TypeNames.Insert(0, 'WcLayer.CimImage')
        $image
    }
}
