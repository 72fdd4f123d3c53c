# Helpers for Get-WcLayerContent: shape tar/list items into typed WcLayer.LayerEntry objects.

function ConvertTo-WcLayerEntry {
    # Shapes one tar/list item (camelCase JSON) into a typed WcLayer.LayerEntry.
    [CmdletBinding()]
    [OutputType('WcLayer.LayerEntry')]
    param(
        [Parameter(Mandatory = $true)]
        [object]$Item,

        [Parameter(Mandatory = $true)]
        [string]$LayerPath
    )

    $streams = @()
    if ($null -ne $Item.streams) {
        foreach ($s in $Item.streams) {
            $streams += [pscustomobject]@{ Name = [string]$s.name; Size = [long]$s.size }
        }
    }
    $entry = [pscustomobject][ordered]@{
        Name               = [string]$Item.name
        Kind               = [string]$Item.kind
        Size               = [long]$Item.size
        Attributes         = ConvertTo-WcFileAttributes -Value $Item.attributes
        CreationTime       = ConvertFrom-WcFileTime -Value $Item.creationTimeRaw
        LastWriteTime      = ConvertFrom-WcFileTime -Value $Item.lastWriteTimeRaw
        Sddl               = $Item.sddl
        SecurityDescriptor = $Item.securityDescriptor
        Streams            = $streams
        ExtendedAttributes = @($Item.extendedAttributes)
        LinkTarget         = $Item.linkTarget
        IsWhiteout         = [bool]$Item.isWhiteout
        LayerPath          = $LayerPath
    }
    $entry.PSObject.TypeNames.Insert(0, 'WcLayer.LayerEntry')
    $entry
}

function ConvertTo-WcFileAttributes {
    # FILE_ATTRIBUTE_* bits arrive as an unsigned 32-bit number; FileAttributes is Int32-based.
    [CmdletBinding()]
    [OutputType([System.IO.FileAttributes])]
    param([object]$Value)

    if ($null -eq $Value) { return [System.IO.FileAttributes]0 }
    $bits = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes([uint32]$Value), 0)
    [System.IO.FileAttributes]$bits
}

function ConvertFrom-WcFileTime {
    # The exact FILETIME travels as a decimal string; times outside DateTime's range give $null.
    [CmdletBinding()]
    [OutputType([datetime])]
    param([object]$Value)

    if ($null -eq $Value -or [string]$Value -eq '') { return $null }
    try {
        [datetime]::FromFileTimeUtc([long]::Parse([string]$Value, [System.Globalization.CultureInfo]::InvariantCulture))
    }
    catch {
        $null
    }
}
