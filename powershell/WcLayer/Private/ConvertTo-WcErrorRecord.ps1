# JSON-RPC errors and transport failures as PowerShell ErrorRecords.
#
# A backend error looks like {code: -32010, message: '...', data: {code: 'NotFound', path: '...'}}.
# The record gets FullyQualifiedErrorId 'WcLayer.<data.code>' (PowerShell appends ',<command>'
# when a cmdlet writes it), the ErrorCategory below, the path/key/entry as TargetObject, and every
# data field in Exception.Data. data.code is the stable name; the number is only a fallback.

# WcError code -> ErrorCategory (see ecosystem.md 2.3).
$script:WcErrorCategory = @{
    NotFound           = 'ObjectNotFound'
    AlreadyExists      = 'ResourceExists'
    InvalidArgument    = 'InvalidArgument'
    Corrupt            = 'InvalidData'
    DigestMismatch     = 'InvalidResult'
    Unsupported        = 'NotImplemented'
    PermissionDenied   = 'PermissionDenied'
    Cancelled          = 'OperationStopped'
    FailedPrecondition = 'InvalidOperation'
    Internal           = 'NotSpecified'
    # Failures of the conversation itself, not of a method.
    BackendMethodMissing    = 'NotImplemented'
    ProtocolError           = 'ProtocolError'
    ProtocolVersionMismatch = 'ProtocolError'
    BackendExited           = 'ConnectionError'
    BackendNotFound         = 'ObjectNotFound'
    BackendStartFailed      = 'ResourceUnavailable'
    Timeout                 = 'OperationTimeout'
}

# JSON-RPC code -> WcError code, for errors without data.code (src/rpc/codes.ts).
$script:WcRpcCodeName = @{
    '-32602' = 'InvalidArgument'
    '-32603' = 'Internal'
    '-32800' = 'Cancelled'
    '-32010' = 'NotFound'
    '-32011' = 'AlreadyExists'
    '-32012' = 'FailedPrecondition'
    '-32013' = 'Corrupt'
    '-32014' = 'DigestMismatch'
    '-32015' = 'Unsupported'
    '-32016' = 'PermissionDenied'
    '-32700' = 'ProtocolError'
    '-32600' = 'ProtocolError'
}

function New-WcErrorRecord {
    # An ErrorRecord with id 'WcLayer.<Code>'. Data (a dictionary) goes into Exception.Data.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Code,
        [Parameter(Mandatory)] [string] $Message,
        [object] $TargetObject,
        [System.Collections.IDictionary] $Data,
        [string] $RecommendedAction
    )

    $categoryName = $script:WcErrorCategory[$Code]
    if (-not $categoryName) { $categoryName = 'NotSpecified' }
    $category = [System.Management.Automation.ErrorCategory]$categoryName

    # An exception type that says what happened to code that catches by type.
    switch ($Code) {
        'NotFound'         { $exception = New-Object System.Management.Automation.ItemNotFoundException -ArgumentList $Message }
        'InvalidArgument'  { $exception = New-Object System.ArgumentException -ArgumentList $Message }
        'PermissionDenied' { $exception = New-Object System.UnauthorizedAccessException -ArgumentList $Message }
        'Cancelled'        { $exception = New-Object System.OperationCanceledException -ArgumentList $Message }
        'Corrupt'          { $exception = New-Object System.IO.InvalidDataException -ArgumentList $Message }
        'Unsupported'      { $exception = New-Object System.NotSupportedException -ArgumentList $Message }
        'BackendMethodMissing' { $exception = New-Object System.NotSupportedException -ArgumentList $Message }
        'Timeout'          { $exception = New-Object System.TimeoutException -ArgumentList $Message }
        'BackendExited'    { $exception = New-Object System.IO.IOException -ArgumentList $Message }
        'ProtocolError'    { $exception = New-Object System.IO.InvalidDataException -ArgumentList $Message }
        default            { $exception = New-Object System.InvalidOperationException -ArgumentList $Message }
    }
    if ($Data) {
        foreach ($key in @($Data.Keys)) {
            $value = $Data[$key]
            # .NET Framework's Exception.Data takes only serializable values: keep primitives,
            # turn anything else into JSON text.
            if ($null -ne $value -and -not ($value -is [string] -or $value -is [ValueType])) {
                $value = ConvertTo-Json -InputObject $value -Depth 8 -Compress
            }
            $exception.Data[[string]$key] = $value
        }
    }
    $exception.Data['WcLayerCode'] = $Code

    $record = New-Object System.Management.Automation.ErrorRecord -ArgumentList $exception, "WcLayer.$Code", $category, $TargetObject
    if ($RecommendedAction) {
        $record.ErrorDetails = New-Object System.Management.Automation.ErrorDetails -ArgumentList $Message
        $record.ErrorDetails.RecommendedAction = $RecommendedAction
    }
    $record
}

function ConvertTo-WcErrorRecord {
    # The ErrorRecord for a JSON-RPC error object (the 'error' member of a response).
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [object] $RpcError,
        [Parameter(Mandatory)] [string] $Method
    )

    $number = 0
    if ($null -ne $RpcError.code) { $number = [int]$RpcError.code }
    $message = [string]$RpcError.message
    if (-not $message) { $message = "$Method failed (JSON-RPC error $number)" }
    $rpcData = $RpcError.data

    $dataCode = $null
    if ($rpcData -is [System.Management.Automation.PSCustomObject] -and $null -ne $rpcData.PSObject.Properties['code'] -and $rpcData.code -is [string]) {
        $dataCode = $rpcData.code
    }

    $recommended = $null
    if ($number -eq -32601) {
        # Checked first: the backend also puts a data.code on it, but what matters is the skew.
        $code = 'BackendMethodMissing'
        $recommended = "The backend has no method '$Method'. Install matching versions of the WcLayer module and backend."
    }
    elseif ($dataCode) {
        $code = $dataCode
    }
    elseif ($script:WcRpcCodeName.ContainsKey([string]$number)) {
        $code = $script:WcRpcCodeName[[string]$number]
    }
    else {
        $code = 'Internal'
    }

    $data = [ordered]@{ RpcCode = $number; Method = $Method }
    $target = $null
    if ($null -ne $rpcData -and $rpcData -is [System.Management.Automation.PSCustomObject]) {
        foreach ($property in $rpcData.PSObject.Properties) {
            if ($property.Name -eq 'code') { continue }
            $data[$property.Name] = $property.Value
        }
        foreach ($name in 'path', 'key', 'entry', 'parameter') {
            $p = $rpcData.PSObject.Properties[$name]
            if ($null -ne $p -and $null -ne $p.Value) { $target = $p.Value; break }
        }
    }
    New-WcErrorRecord -Code $code -Message $message -TargetObject $target -Data $data -RecommendedAction $recommended
}
