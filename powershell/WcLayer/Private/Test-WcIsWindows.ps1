function Test-WcIsWindows {
    # $IsWindows does not exist in Windows PowerShell 5.1 (it reads as $null there, so
    # `if ($IsWindows)` is false on Windows); use this in the module instead.
    [CmdletBinding()]
    [OutputType([bool])]
    param()
    [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
}
