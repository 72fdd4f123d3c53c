// Every Windows function we bind, one C-like prototype string each, one table per DLL. Written
// from the SDK headers and hcsshim/go-winio's bindings (microsoft/hcsshim internal/wclayer
// wclayer.go, internal/winapi cimfs/offlinereg.go, computestorage/storage.go; microsoft/go-winio
// backup.go, privilege.go, internal/fs). Types are the fixed-width ones declared in types.ts;
// `__stdcall` matters only on 32-bit x86 and is harmless elsewhere. Tests parse every string
// with koffi.proto() on Linux; on Windows the same strings feed lib.func().

export const DLL_FILES = {
  kernel32: 'kernel32.dll',
  advapi32: 'advapi32.dll',
  vmcompute: 'vmcompute.dll',
  computestorage: 'computestorage.dll',
  cimfs: 'cimfs.dll',
  offreg: 'offreg.dll',
  virtdisk: 'virtdisk.dll',
} as const;

export type DllName = keyof typeof DLL_FILES;

export const PROTOTYPES: Readonly<Record<DllName, readonly string[]>> = {
  // BOOL functions: failure is 0, the reason is GetLastError(), read at once (synchronous calls
  // only: the last-error value lives on the thread that made the call).
  kernel32: [
    'HANDLE __stdcall CreateFileW(const char16_t *lpFileName, DWORD dwDesiredAccess, DWORD dwShareMode, void *lpSecurityAttributes, DWORD dwCreationDisposition, DWORD dwFlagsAndAttributes, HANDLE hTemplateFile)',
    'BOOL __stdcall CloseHandle(HANDLE hObject)',
    'BOOL __stdcall BackupRead(HANDLE hFile, void *lpBuffer, DWORD nNumberOfBytesToRead, _Out_ DWORD *lpNumberOfBytesRead, BOOL bAbort, BOOL bProcessSecurity, _Inout_ void **lpContext)',
    'BOOL __stdcall BackupWrite(HANDLE hFile, void *lpBuffer, DWORD nNumberOfBytesToWrite, _Out_ DWORD *lpNumberOfBytesWritten, BOOL bAbort, BOOL bProcessSecurity, _Inout_ void **lpContext)',
    'DWORD __stdcall GetLastError()',
    'BOOL __stdcall GetFileInformationByHandleEx(HANDLE hFile, int32_t FileInformationClass, void *lpFileInformation, DWORD dwBufferSize)',
    'BOOL __stdcall SetFileInformationByHandle(HANDLE hFile, int32_t FileInformationClass, void *lpFileInformation, DWORD dwBufferSize)',
    'BOOL __stdcall GetDiskFreeSpaceExW(const char16_t *lpDirectoryName, _Out_ uint64_t *lpFreeBytesAvailableToCaller, _Out_ uint64_t *lpTotalNumberOfBytes, _Out_ uint64_t *lpTotalNumberOfFreeBytes)',
    'HANDLE __stdcall GetCurrentProcess()',
    'HANDLE __stdcall GetCurrentThread()',
    'BOOL __stdcall SetVolumeMountPointW(const char16_t *lpszVolumeMountPoint, const char16_t *lpszVolumeName)',
    'BOOL __stdcall DeleteVolumeMountPointW(const char16_t *lpszVolumeMountPoint)',
  ],
  advapi32: [
    'BOOL __stdcall OpenProcessToken(HANDLE ProcessHandle, DWORD DesiredAccess, _Out_ HANDLE *TokenHandle)',
    'BOOL __stdcall OpenThreadToken(HANDLE ThreadHandle, DWORD DesiredAccess, BOOL OpenAsSelf, _Out_ HANDLE *TokenHandle)',
    'BOOL __stdcall ImpersonateSelf(int32_t ImpersonationLevel)',
    'BOOL __stdcall RevertToSelf()',
    'BOOL __stdcall LookupPrivilegeValueW(const char16_t *lpSystemName, const char16_t *lpName, _Out_ LUID *lpLuid)',
    'BOOL __stdcall AdjustTokenPrivileges(HANDLE TokenHandle, BOOL DisableAllPrivileges, const TOKEN_PRIVILEGES *NewState, DWORD BufferLength, void *PreviousState, void *ReturnLength)',
  ],
  // vmcompute has no public header; shapes from hcsshim's bindings. Every function returns an
  // HRESULT; the first argument is a DriverInfo; parents are a WC_LAYER_DESCRIPTOR array + count.
  vmcompute: [
    'HRESULT __stdcall ActivateLayer(const DriverInfo *info, const char16_t *id)',
    'HRESULT __stdcall CopyLayer(const DriverInfo *info, const char16_t *srcId, const char16_t *dstId, const WC_LAYER_DESCRIPTOR *layers, uint32_t layerCount)',
    'HRESULT __stdcall CreateLayer(const DriverInfo *info, const char16_t *id, const char16_t *parent)',
    'HRESULT __stdcall CreateSandboxLayer(const DriverInfo *info, const char16_t *id, void *parent, const WC_LAYER_DESCRIPTOR *layers, uint32_t layerCount)',
    'HRESULT __stdcall ExpandSandboxSize(const DriverInfo *info, const char16_t *id, uint64_t size)',
    'HRESULT __stdcall DeactivateLayer(const DriverInfo *info, const char16_t *id)',
    'HRESULT __stdcall DestroyLayer(const DriverInfo *info, const char16_t *id)',
    'HRESULT __stdcall ExportLayer(const DriverInfo *info, const char16_t *id, const char16_t *path, const WC_LAYER_DESCRIPTOR *layers, uint32_t layerCount)',
    'HRESULT __stdcall GetLayerMountPath(const DriverInfo *info, const char16_t *id, _Inout_ uint64_t *length, void *buffer)',
    'HRESULT __stdcall GetBaseImages(_Out_ void **buffer)',
    'HRESULT __stdcall ImportLayer(const DriverInfo *info, const char16_t *id, const char16_t *path, const WC_LAYER_DESCRIPTOR *layers, uint32_t layerCount)',
    'HRESULT __stdcall LayerExists(const DriverInfo *info, const char16_t *id, _Out_ uint32_t *exists)',
    'HRESULT __stdcall NameToGuid(const char16_t *name, _Out_ GUID *guid)',
    'HRESULT __stdcall PrepareLayer(const DriverInfo *info, const char16_t *id, const WC_LAYER_DESCRIPTOR *layers, uint32_t layerCount)',
    'HRESULT __stdcall UnprepareLayer(const DriverInfo *info, const char16_t *id)',
    'HRESULT __stdcall ProcessBaseImage(const char16_t *path)',
    'HRESULT __stdcall ProcessUtilityImage(const char16_t *path)',
    'HRESULT __stdcall GrantVmAccess(const char16_t *vmid, const char16_t *filepath)',
  ],
  // computestorage.h: JSON documents travel as UTF-16 strings.
  computestorage: [
    'HRESULT __stdcall HcsImportLayer(const char16_t *layerPath, const char16_t *sourceFolderPath, const char16_t *layerData)',
    'HRESULT __stdcall HcsExportLayer(const char16_t *layerPath, const char16_t *exportFolderPath, const char16_t *layerData, const char16_t *options)',
    'HRESULT __stdcall HcsDestroyLayer(const char16_t *layerPath)',
    'HRESULT __stdcall HcsSetupBaseOSLayer(const char16_t *layerPath, HANDLE vhdHandle, const char16_t *options)',
    'HRESULT __stdcall HcsInitializeWritableLayer(const char16_t *writableLayerPath, const char16_t *layerData, const char16_t *options)',
    'HRESULT __stdcall HcsFormatWritableLayerVhd(HANDLE vhdHandle)',
    'HRESULT __stdcall HcsAttachLayerStorageFilter(const char16_t *layerPath, const char16_t *layerData)',
    'HRESULT __stdcall HcsDetachLayerStorageFilter(const char16_t *layerPath)',
    'HRESULT __stdcall HcsGetLayerVhdMountPath(HANDLE vhdHandle, _Out_ void **mountPath)',
  ],
  // cimfs.h. CimCloseImage and CimCloseStream return void there (hcsshim reads an HRESULT from
  // CimCloseStream anyway).
  cimfs: [
    'HRESULT __stdcall CimCreateImage(const char16_t *imageContainingPath, const char16_t *existingImageName, const char16_t *newImageName, _Out_ CIMFS_IMAGE_HANDLE *cimImageHandle)',
    'void __stdcall CimCloseImage(CIMFS_IMAGE_HANDLE cimImageHandle)',
    'HRESULT __stdcall CimCommitImage(CIMFS_IMAGE_HANDLE cimImageHandle)',
    'HRESULT __stdcall CimCreateFile(CIMFS_IMAGE_HANDLE cimImageHandle, const char16_t *imageRelativePath, const CIMFS_FILE_METADATA *fileMetadata, _Out_ CIMFS_STREAM_HANDLE *cimStreamHandle)',
    'HRESULT __stdcall CimWriteStream(CIMFS_STREAM_HANDLE cimStreamHandle, const void *buffer, uint32_t bufferSize)',
    'void __stdcall CimCloseStream(CIMFS_STREAM_HANDLE cimStreamHandle)',
    'HRESULT __stdcall CimCreateHardLink(CIMFS_IMAGE_HANDLE cimImageHandle, const char16_t *imageRelativePath, const char16_t *existingImageRelativePath)',
    'HRESULT __stdcall CimCreateAlternateStream(CIMFS_IMAGE_HANDLE cimImageHandle, const char16_t *imageRelativePath, uint64_t streamSize, _Out_ CIMFS_STREAM_HANDLE *cimStreamHandle)',
    'HRESULT __stdcall CimDeletePath(CIMFS_IMAGE_HANDLE cimImageHandle, const char16_t *imageRelativePath)',
    'HRESULT __stdcall CimMountImage(const char16_t *imageContainingPath, const char16_t *imageName, uint32_t mountImageFlags, const GUID *volumeId)',
    'HRESULT __stdcall CimDismountImage(const GUID *volumeId)',
  ],
  // offreg.h: every function returns a Win32 error code (DWORD), 0 on success.
  offreg: [
    'DWORD __stdcall ORCreateHive(_Out_ ORHKEY *phkResult)',
    'DWORD __stdcall OROpenHive(const char16_t *lpHivePath, _Out_ ORHKEY *phkResult)',
    'DWORD __stdcall ORSaveHive(ORHKEY hKey, const char16_t *lpHivePath, DWORD dwOsMajorVersion, DWORD dwOsMinorVersion)',
    'DWORD __stdcall ORCloseHive(ORHKEY hKey)',
    'DWORD __stdcall ORMergeHives(const ORHKEY *rghHives, uint32_t cHives, _Out_ ORHKEY *phkResult)',
    'DWORD __stdcall ORCreateKey(ORHKEY hKey, const char16_t *lpSubKey, const char16_t *lpClass, DWORD dwOptions, void *pSecurityDescriptor, _Out_ ORHKEY *phkResult, _Out_ DWORD *pdwDisposition)',
    'DWORD __stdcall OROpenKey(ORHKEY hKey, const char16_t *lpSubKeyName, _Out_ ORHKEY *phkResult)',
    'DWORD __stdcall ORCloseKey(ORHKEY hKey)',
    'DWORD __stdcall ORDeleteKey(ORHKEY hKey, const char16_t *lpSubKey)',
    'DWORD __stdcall ORSetValue(ORHKEY hKey, const char16_t *lpValueName, DWORD dwType, const void *lpData, DWORD cbData)',
    'DWORD __stdcall ORGetValue(ORHKEY hKey, const char16_t *lpSubKey, const char16_t *lpValue, _Out_ DWORD *pdwType, void *pvData, _Inout_ DWORD *pcbData)',
  ],
  // virtdisk.h (optional; hcsshim uses these to grow a sandbox volume). Win32 error codes.
  virtdisk: [
    'DWORD __stdcall OpenVirtualDisk(const VIRTUAL_STORAGE_TYPE *VirtualStorageType, const char16_t *Path, uint32_t VirtualDiskAccessMask, uint32_t Flags, void *Parameters, _Out_ HANDLE *Handle)',
    'DWORD __stdcall AttachVirtualDisk(HANDLE VirtualDiskHandle, void *SecurityDescriptor, uint32_t Flags, uint32_t ProviderSpecificFlags, void *Parameters, void *Overlapped)',
    'DWORD __stdcall DetachVirtualDisk(HANDLE VirtualDiskHandle, uint32_t Flags, uint32_t ProviderSpecificFlags)',
  ],
};

export interface PrototypeParts {
  name: string;
  /** Type texts with direction qualifiers removed: result first, then each parameter. */
  types: string[];
}

/**
 * Splits `RESULT [__stdcall] Name(TYPE a, TYPE *b, ...)` into its type texts. koffi 3.3.4
 * aborts the whole process (instead of throwing) on `const <unknown type>`, so every type is
 * checked on its own with koffi.type() before a prototype reaches koffi.proto() or lib.func().
 */
export function prototypeParts(prototype: string): PrototypeParts {
  const m = /^\s*(.+?)\s+(?:__stdcall\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*$/.exec(prototype);
  if (!m) throw new Error(`not a C prototype: ${prototype}`);
  const params = m[3]!.trim();
  const types = [m[1]!.trim()];
  if (params !== '' && params !== 'void') {
    for (const param of params.split(',')) {
      const t = param.replace(/\b_(In|Out|Inout)_\b/g, '').trim();
      // Drop the parameter name: the last identifier, when something precedes it.
      const named = /^(.*[\s*])([A-Za-z_][A-Za-z0-9_]*)$/.exec(t);
      types.push((named ? named[1]! : t).trim());
    }
  }
  return { name: m[2]!, types };
}

/** The function name of a prototype string. */
export function prototypeName(prototype: string): string {
  return prototypeParts(prototype).name;
}
