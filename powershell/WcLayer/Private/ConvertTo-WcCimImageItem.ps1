# Turns one cim/list item (JSON from the backend) into the object Get-CimImageItem emits.

function ConvertTo-WcCimImageItem {
    [CmdletBinding()]
    [OutputType('WcLayer.CimImageItem')]
    param(
        [Parameter(Mandatory)] [object] $Item,
        [Parameter(Mandatory)] [string] $ImagePath
    )

    $toUtc = {
        param([string] $Raw)
        if ([string]::IsNullOrEmpty($Raw) -or $Raw -eq '0') { return $null }
        try { return [DateTime]::FromFileTimeUtc([long]$Raw) } catch { return $null }
    }
    $bytes = {
        param([string] $Base64)
        if ([string]::IsNullOrEmpty($Base64)) { return $null }
        return , [Convert]::FromBase64String($Base64)
    }
    $eas = @(foreach ($ea in @($Item.extendedAttributes)) {
            if ($null -ne $ea) {
                [pscustomobject]@{ Name = $ea.name; Flags = $ea.flags; Value = (& $bytes $ea.value) }
            }
        })
    $streams = @(foreach ($s in @($Item.alternateStreams)) {
            if ($null -ne $s) { [pscustomobject]@{ Name = $s.name; Length = $s.size } }
        })
    $o = [pscustomobject][ordered]@{
        Name               = $Item.name
        FullName           = $Item.path
        Length             = $Item.size
        Attributes         = [System.IO.FileAttributes][int]$Item.attributes
        CreationTimeUtc    = (& $toUtc $Item.creationTimeRaw)
        LastWriteTimeUtc   = (& $toUtc $Item.lastWriteTimeRaw)
        LastAccessTimeUtc  = (& $toUtc $Item.lastAccessTimeRaw)
        ChangeTimeUtc      = (& $toUtc $Item.changeTimeRaw)
        PSIsContainer      = [bool]$Item.isDirectory
        FileId             = $Item.fileId
        SecurityDescriptor = (& $bytes $Item.securityDescriptor)
        # SDDL rendered by the backend; null when the descriptor has no SDDL form (bytes still there).
        Sddl               = $Item.sddl
        ExtendedAttributes = $eas
        ReparseTag         = $Item.reparseTag
        ReparseData        = (& $bytes $Item.reparseData)
        AlternateStreams   = $streams
        Sparse             = [bool]$Item.sparse
        ImagePath          = $ImagePath
    }
    $o.PSObject.TypeNames.Insert(0, 'WcLayer.CimImageItem')
    $o
}
