# Loads the C# transport (WcLayerRpcClient.cs) into the process, once. Add-Type types can never be
# unloaded or redefined, so the type name carries a version (V1); a second import of the module,
# or another runspace, finds the type already there and skips the compile.

$script:WcTransportTypeName = 'WcLayer.Transport.V1.RpcClient'

function Import-WcTransport {
    [CmdletBinding()]
    param()

    if ($null -ne ($script:WcTransportTypeName -as [type])) { return }
    $source = Join-Path (Join-Path $script:WcModuleRoot 'Private') 'WcLayerRpcClient.cs'
    Write-Verbose "Compiling the WcLayer transport from $source"
    # Windows PowerShell 5.1 compiles with the .NET Framework C# 5 compiler, PowerShell 7 with
    # Roslyn; the file sticks to C# 5 and to types both runtimes have.
    Add-Type -Path $source -ErrorAction Stop
}
