function Get-WcOsVersion {
    <#
    .SYNOPSIS
    Reads the Windows version from a SOFTWARE hive or a container layer folder.

    .DESCRIPTION
    Reads Microsoft\Windows NT\CurrentVersion of an offline SOFTWARE hive: CurrentBuild, UBR,
    ProductName, EditionID, DisplayVersion, CurrentMajorVersionNumber and
    CurrentMinorVersionNumber, plus a combined Version such as 10.0.20348.2113. With -LayerPath
    the hive is found in the layer folder itself (Files\Windows\System32\config\SOFTWARE, else
    UtilityVM\Files\Windows\System32\config\SOFTWARE, else Hives\SOFTWARE_BASE).

    .PARAMETER HivePath
    A SOFTWARE hive file.

    .PARAMETER LayerPath
    A layer folder holding a SOFTWARE hive.

    .PARAMETER UtilityVM
    With -LayerPath: reads the utility VM's SOFTWARE hive first.

    .EXAMPLE
    Get-WcOsVersion -LayerPath .\layers\servercore-ltsc2022

    Shows the build of a base layer.

    .EXAMPLE
    Get-WcOsVersion -HivePath .\SOFTWARE | Select-Object Version, ProductName

    Reads the version from a hive file.

    .OUTPUTS
    WcLayer.OsVersion: Version, Build, CurrentBuild, Ubr, ProductName, EditionId, DisplayVersion, CurrentMajorVersionNumber, CurrentMinorVersionNumber, HivePath.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Hive')]
    [OutputType('WcLayer.OsVersion')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Hive', ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName')]
        [string] $HivePath,

        [Parameter(Mandatory = $true, ParameterSetName = 'Layer', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path')]
        [string] $LayerPath,

        [Parameter(ParameterSetName = 'Layer')]
        [switch] $UtilityVM
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Layer') {
            $params = @{ layerPath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($LayerPath); utilityVm = [bool]$UtilityVM }
        }
        else {
            $params = @{ hivePath = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($HivePath) }
        }
        try {
            $result = Invoke-WcRequest -Method 'hive/osVersion' -Params $params
        }
        catch {
            # Per input item: report it and go on with the next one.
            $PSCmdlet.WriteError($_)
            return
        }
        $result.PSObject.TypeNames.Insert(0, 'WcLayer.OsVersion')
        $result
    }
}
