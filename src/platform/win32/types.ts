// The C types the Windows declarations use, declared once in koffi's type registry. Only
// fixed-width members (no long, no wchar_t), so sizes computed on Linux x64 equal Win64's.
// UTF-16 strings are `const char16_t *` in prototypes.

import { koffi, type TypeObject } from './koffi.js';

export interface Win32Types {
  HANDLE: TypeObject;
  GUID: TypeObject;
  DriverInfo: TypeObject;
  WC_LAYER_DESCRIPTOR: TypeObject;
  WIN32_STREAM_ID: TypeObject;
  LUID: TypeObject;
  LUID_AND_ATTRIBUTES: TypeObject;
  TOKEN_PRIVILEGES: TypeObject;
  FILE_BASIC_INFO: TypeObject;
  CIMFS_FILE_METADATA: TypeObject;
  CIMFS_IMAGE_PATH: TypeObject;
  VIRTUAL_STORAGE_TYPE: TypeObject;
}

let cached: Win32Types | undefined;

/** Declares the types on first use (koffi's registry is process-wide, so only once). */
export function win32Types(): Win32Types {
  if (cached) return cached;
  const k = koffi();

  const HANDLE = k.pointer('HANDLE', k.opaque());
  k.alias('HRESULT', 'int32_t');
  k.alias('DWORD', 'uint32_t');
  k.alias('BOOL', 'int32_t'); // Win32 BOOL is a 4-byte int, not C bool
  k.alias('ULONG', 'uint32_t');
  k.alias('LARGE_INTEGER', 'int64_t');
  k.alias('ORHKEY', HANDLE); // offreg hive or key handle
  k.alias('CIMFS_IMAGE_HANDLE', HANDLE);
  k.alias('CIMFS_STREAM_HANDLE', HANDLE);

  // guiddef.h
  const GUID = k.struct('GUID', {
    Data1: 'uint32_t',
    Data2: 'uint16_t',
    Data3: 'uint16_t',
    Data4: k.array('uint8_t', 8),
  });

  // hcsshim internal/wclayer/layerutils.go: { GraphDriverType Flavour (enum, 4 bytes); LPCWSTR HomeDir }
  const DriverInfo = k.struct('DriverInfo', {
    Flavour: 'int32_t',
    HomeDir: 'const char16_t *',
  });

  // hcsshim layerutils.go: { GUID LayerId; ULONG Flags (bit 31 Dirty); PCWSTR Path }
  const WC_LAYER_DESCRIPTOR = k.struct('WC_LAYER_DESCRIPTOR', {
    LayerId: GUID,
    Flags: 'uint32_t',
    Path: 'const char16_t *',
  });

  // winbase.h. The stream header is the 20 bytes before cStreamName; sizeof is 24 (alignment).
  const WIN32_STREAM_ID = k.struct('WIN32_STREAM_ID', {
    dwStreamId: 'uint32_t',
    dwStreamAttributes: 'uint32_t',
    Size: 'int64_t',
    dwStreamNameSize: 'uint32_t',
    cStreamName: k.array('char16_t', 1),
  });

  // winnt.h: LUID is two 32-bit halves, so 4-byte aligned (not a uint64).
  const LUID = k.struct('LUID', { LowPart: 'uint32_t', HighPart: 'int32_t' });
  const LUID_AND_ATTRIBUTES = k.struct('LUID_AND_ATTRIBUTES', { Luid: LUID, Attributes: 'uint32_t' });
  // ANYSIZE_ARRAY is 1; we adjust one privilege per call.
  const TOKEN_PRIVILEGES = k.struct('TOKEN_PRIVILEGES', {
    PrivilegeCount: 'uint32_t',
    Privileges: k.array(LUID_AND_ATTRIBUTES, 1),
  });

  // winbase.h, FileBasicInfo class of Get/SetFileInformationByHandle(Ex).
  const FILE_BASIC_INFO = k.struct('FILE_BASIC_INFO', {
    CreationTime: 'int64_t',
    LastAccessTime: 'int64_t',
    LastWriteTime: 'int64_t',
    ChangeTime: 'int64_t',
    FileAttributes: 'uint32_t',
  });

  // cimfs.h CIMFS_FILE_METADATA; hcsshim internal/winapi/types/cimfs.go CimFsFileMetadata has the
  // same members in the same order. Note the time order differs from FILE_BASIC_INFO. The EA
  // member carries the EA buffer's byte size (hcsshim fills EACount with len(buffer)).
  const CIMFS_FILE_METADATA = k.struct('CIMFS_FILE_METADATA', {
    Attributes: 'uint32_t',
    FileSize: 'int64_t',
    CreationTime: 'int64_t',
    LastWriteTime: 'int64_t',
    ChangeTime: 'int64_t',
    LastAccessTime: 'int64_t',
    SecurityDescriptorBuffer: 'const void *',
    SecurityDescriptorSize: 'uint32_t',
    ReparseDataBuffer: 'const void *',
    ReparseDataSize: 'uint32_t',
    EaBuffer: 'const void *',
    EaBufferSize: 'uint32_t',
  });

  // hcsshim types/cimfs.go CimFsImagePath, for CimMergeMountImage.
  const CIMFS_IMAGE_PATH = k.struct('CIMFS_IMAGE_PATH', {
    ImageDir: 'const char16_t *',
    ImageName: 'const char16_t *',
  });

  // virtdisk.h
  const VIRTUAL_STORAGE_TYPE = k.struct('VIRTUAL_STORAGE_TYPE', { DeviceId: 'uint32_t', VendorId: GUID });

  cached = {
    HANDLE,
    GUID,
    DriverInfo,
    WC_LAYER_DESCRIPTOR,
    WIN32_STREAM_ID,
    LUID,
    LUID_AND_ATTRIBUTES,
    TOKEN_PRIVILEGES,
    FILE_BASIC_INFO,
    CIMFS_FILE_METADATA,
    CIMFS_IMAGE_PATH,
    VIRTUAL_STORAGE_TYPE,
  };
  return cached;
}
