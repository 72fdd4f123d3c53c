function Import-WcLayer {
    <#
    .SYNOPSIS
    Imports Windows layer tars (.tar, .tar.gz, .tar.zst) into new layer folders.

    .DESCRIPTION
    Reads each layer tar once: decompresses it, computes its digests (the diffID of the tar and
    the digest of the file as given) and writes the entries into a new legacy or CIM layer
    folder. The layer is staged beside its final path and appears only when the whole tar was
    read and the diffID checked, so a bad tar, a digest mismatch or Ctrl+C leaves nothing.
    A layerchain.json listing the parents is written into the layer, as Docker does.

    One layer per input tar. With -LayerPath the cmdlet takes exactly one tar. With
    -Destination it takes any number of tars from the pipeline and names each layer after its
    file (base.tar.gz becomes <Destination>\base). With -Chain each imported layer becomes the
    nearest parent of the next one, so tars piped from base to top build a layer chain.

    .PARAMETER Path
    The layer tar files. Accepts FullName/Path from the pipeline (Get-ChildItem output).

    .PARAMETER LayerPath
    The new layer folder, for a single input tar. It must not exist.

    .PARAMETER Destination
    A folder in which each input tar becomes a layer named after the file (extensions .tar,
    .tar.gz, .tgz, .tar.zst removed).

    .PARAMETER ParentLayerPath
    The parent layer folders, nearest parent first, base layer last. None: a base layer.

    .PARAMETER Chain
    With several inputs: each imported layer is put in front of the parents of the next one.

    .PARAMETER Format
    Legacy (the default: the HCS layer folder) or Cim (a CimFS layer).

    .PARAMETER ExpectedDiffId
    sha256:<hex>. The layer is kept only when the tar's diffID is this; otherwise the import
    fails with WcLayer.DigestMismatch and nothing is left.

    .EXAMPLE
    Import-WcLayer -Path .\base.tar.gz -LayerPath C:\layers\base

    Imports a base layer.

    .EXAMPLE
    Get-ChildItem .\blobs\*.tar.gz | Sort-Object Name | Import-WcLayer -Destination C:\layers -Chain

    Imports every tar as a layer under C:\layers, each over the previous one.

    .EXAMPLE
    Import-WcLayer app.tar.zst -LayerPath C:\layers\app -ParentLayerPath C:\layers\base -Format Cim -WhatIf

    Shows what would be imported without reading or writing anything.

    .OUTPUTS
    WcLayer.LayerImport: LayerPath, Format, Parents, DiffId, CompressedDigest, Compression, Entries, Bytes.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium', DefaultParameterSetName = 'LayerPath')]
    [OutputType('WcLayer.LayerImport')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(Mandatory = $true, Position = 1, ParameterSetName = 'LayerPath')]
        [ValidateNotNullOrEmpty()]
        [string] $LayerPath,

        [Parameter(Mandatory = $true, ParameterSetName = 'Destination')]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [Alias('Parent')]
        [string[]] $ParentLayerPath = @(),

        [Parameter(ParameterSetName = 'Destination')]
        [switch] $Chain,

        [ValidateSet('Legacy', 'Cim')]
        [string] $Format = 'Legacy',

        [ValidatePattern('^sha256:[0-9a-fA-F]{64}$')]
        [string] $ExpectedDiffId
    )
    begin {
        $parents = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
        $count = 0
    }
    process {
        foreach ($onePath in $Path) {
            $tarPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($onePath)
            $count++
            if ($PSCmdlet.ParameterSetName -eq 'LayerPath') {
                if ($count -gt 1) {
                    $PSCmdlet.WriteError((New-Object System.Management.Automation.ErrorRecord (New-Object System.ArgumentException "-LayerPath names one layer; use -Destination to import several tars ('$tarPath' skipped)"), 'WcLayer.InvalidArgument', 'InvalidArgument', $tarPath))
                    continue
                }
                $target = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath)
            }
            else {
                $name = [System.IO.Path]::GetFileName($tarPath) -replace '(\.tar(\.gz|\.zst)?|\.tgz|\.tzst)$', ''
                $folder = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($Destination)
                $target = Join-Path -Path $folder -ChildPath $name
            }
            if (-not $PSCmdlet.ShouldProcess($target, "Import $Format layer from '$tarPath'")) { continue }
            $params = @{
                input      = $tarPath
                layerPath  = $target
                parents    = $parents
                format     = $Format.ToLowerInvariant()
            }
            if ($ExpectedDiffId) { $params['expectedDiffId'] = $ExpectedDiffId.ToLowerInvariant() }
            try {
                $result = Invoke-WcRequest -Method 'layer/import' -Params $params -ProgressActivity "Importing $tarPath"
            }
            catch {
                $PSCmdlet.WriteError($_)
                continue
            }
            $result.PSObject.TypeNames.Insert(0, 'WcLayer.LayerImport')
            $result
            if ($Chain) { $parents = @($result.layerPath) + $parents }
        }
    }
}
