function Remove-WcLayer {
    <#
    .SYNOPSIS
    Deletes layer folders.

    .DESCRIPTION
    Deletes each layer folder: it is first renamed aside (so a half-deleted layer never looks
    like a whole one, as Docker does), then removed: on Windows with vmcompute DestroyLayer, as
    hcsshim's 'wclayer remove' does. A CIM layer whose image hcsshim keeps beside the folder
    loses that image too. A folder that does not hold a layer is refused unless -Force. Asks for confirmation (ConfirmImpact High) unless -Confirm:$false.

    .PARAMETER Path
    Layer folders. Accepts strings and FullName/LayerPath from the pipeline.

    .PARAMETER Force
    Deletes the folder even when it does not look like a layer (-WhatIf and -Confirm still apply).

    .EXAMPLE
    Remove-WcLayer C:\layers\app

    Deletes one layer after confirmation.

    .EXAMPLE
    Get-ChildItem C:\layers -Directory | Remove-WcLayer -WhatIf

    Shows which layers would be deleted.

    .OUTPUTS
    None.
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'LayerPath', 'PSPath')]
        [ValidateNotNullOrEmpty()]
        [string[]] $Path,

        [switch] $Force
    )
    process {
        foreach ($onePath in $Path) {
            $resolved = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($onePath)
            if (-not $PSCmdlet.ShouldProcess($resolved, 'Delete layer')) { continue }
            try {
                $null = Invoke-WcRequest -Method 'layer/remove' -Params @{ layerPath = $resolved; force = [bool]$Force }
            }
            catch {
                $PSCmdlet.WriteError($_)
            }
        }
    }
}
