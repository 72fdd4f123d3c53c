@{
    RootModule           = 'WcLayer.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '4d4a09b1-2957-412d-afc2-521178b0a111'
    Author               = 'WcLayer contributors'
    CompanyName          = 'WcLayer'
    Copyright            = '(c) WcLayer contributors. MIT License.'
    Description          = 'Windows container image layers from PowerShell: tar, CimFS, legacy layers and registry hives, without a container daemon. The work is done by a bundled Node.js backend.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('WcLayer.Format.ps1xml')
    # Explicit lists, never wildcards: auto-loading reads them without importing the module.
    FunctionsToExport    = @(
        'ConvertTo-CimLayer'
        'Dismount-WcLayer'
        'Export-WcHive'
        'Export-WcLayer'
        'Get-CimImage'
        'Get-CimImageItem'
        'Get-WcBackend'
        'Get-WcHiveKey'
        'Get-WcHiveValue'
        'Get-WcLayer'
        'Get-WcLayerContent'
        'Get-WcOsVersion'
        'Import-WcLayer'
        'Merge-WcHive'
        'Mount-WcLayer'
        'New-CimLayer'
        'Remove-WcLayer'
        'Stop-WcBackend'
        'Test-WcLayer'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('WindowsContainers', 'Containers', 'Layers', 'OCI', 'CimFS', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ReleaseNotes = 'First release: the backend manager, Get-WcBackend and Stop-WcBackend.'
        }
    }
}
