function Test-WcLayer {
    <#
    .SYNOPSIS
    Tests whether a path holds a layer, or with -Verify whether the layer matches a tar or diffID.

    .DESCRIPTION
    Without -Verify: $true when the folder holds a layer this module can read, else $false.
    With -Verify: exports the layer to a hashing sink (nothing is written) and compares its
    diffID with that of -TarPath (any compression) or with -DiffId; returns $true or $false,
    or with -Detailed an object with both digests.

    .PARAMETER Path
    Layer folders. Accepts strings and FullName/LayerPath from the pipeline.

    .PARAMETER Verify
    Compare the layer's content with -TarPath or -DiffId.

    .PARAMETER TarPath
    The layer tar to compare with.

    .PARAMETER DiffId
    The diffID (sha256:<hex>) to compare with.

    .PARAMETER ParentLayerPath
    The layer's parents, nearest first. Default: those recorded in the layer.

    .PARAMETER Detailed
    With -Verify: output a WcLayer.LayerVerification object instead of a boolean.

    .EXAMPLE
    Test-WcLayer C:\layers\app

    $true if C:\layers\app holds a layer.

    .EXAMPLE
    Test-WcLayer C:\layers\app -Verify -TarPath .\app.tar.gz -Detailed

    Both diffIDs and whether they match.

    .OUTPUTS
    System.Boolean, or WcLayer.LayerVerification with -Detailed: LayerPath, Match, LayerDiffId, ExpectedDiffId, TarPath.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Exists')]
    [OutputType('System.Boolean', 'WcLayer.LayerVerification')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'LayerPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [Parameter(Mandatory = $true, ParameterSetName = 'VerifyTar')]
        [Parameter(Mandatory = $true, ParameterSetName = 'VerifyDiffId')]
        [switch] $Verify,

        [Parameter(Mandatory = $true, ParameterSetName = 'VerifyTar')]
        [ValidateNotNullOrEmpty()]
        [string] $TarPath,

        [Parameter(Mandatory = $true, ParameterSetName = 'VerifyDiffId')]
        [ValidatePattern('^sha256:[0-9a-fA-F]{64}$')]
        [string] $DiffId,

        [Parameter(ParameterSetName = 'VerifyTar')]
        [Parameter(ParameterSetName = 'VerifyDiffId')]
        [string[]] $ParentLayerPath = @(),

        [Parameter(ParameterSetName = 'VerifyTar')]
        [Parameter(ParameterSetName = 'VerifyDiffId')]
        [switch] $Detailed
    )
    process {
        foreach ($onePath in $Path) {
            $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($onePath)
            if (-not $Verify) {
                try {
                    $r = Invoke-WcRequest -Method 'layer/exists' -Params @{ layerPath = $resolved }
                }
                catch {
                    # Per input item: report it and go on with the next one.
                    $PSCmdlet.WriteError($_)
                    continue
                }
                [bool]$r.exists
                continue
            }
            $params = @{
                layerPath = $resolved
                parents   = @($ParentLayerPath | ForEach-Object { $PSCmdlet.GetUnresolvedProviderPathFromPSPath($_) })
            }
            if ($PSCmdlet.ParameterSetName -eq 'VerifyTar') { $params['tarPath'] = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($TarPath) }
            else { $params['diffId'] = $DiffId.ToLowerInvariant() }
            try {
                $r = Invoke-WcRequest -Method 'layer/verify' -Params $params -ProgressActivity "Verifying $resolved"
            }
            catch {
                $PSCmdlet.WriteError($_)
                continue
            }
            if ($Detailed) {
                $r.PSObject.TypeNames.Insert(0, 'WcLayer.LayerVerification')
                $r
            }
            else {
                [bool]$r.match
            }
        }
    }
}
