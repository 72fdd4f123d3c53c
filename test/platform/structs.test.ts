// Struct sizes and field offsets against the Windows SDK (x64). The declarations use only
// fixed-width members, so koffi computes on Linux x64 what MSVC computes on Win64.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { basicInfoFromStruct, basicInfoToStruct } from '../../src/platform/win32/backup-file.js';
import { koffi, type TypeObject } from '../../src/platform/win32/koffi.js';
import { win32Types } from '../../src/platform/win32/types.js';

const T = win32Types();
const k = koffi();

function layout(t: TypeObject): Record<string, number> {
  return Object.fromEntries(Object.values(t.members!).map((m) => [m.name, m.offset]));
}

test('the host is 64-bit, the ABI these values are for', () => {
  assert.equal(k.sizeof('void *'), 8);
});

test('GUID (guiddef.h): 16 bytes, 4-byte aligned', () => {
  assert.equal(T.GUID.size, 16);
  assert.equal(T.GUID.alignment, 4);
  assert.deepEqual(layout(T.GUID), { Data1: 0, Data2: 4, Data3: 6, Data4: 8 });
});

test('DriverInfo (hcsshim layerutils.go: enum Flavour, LPCWSTR HomeDir): 16 bytes', () => {
  assert.equal(T.DriverInfo.size, 16);
  assert.deepEqual(layout(T.DriverInfo), { Flavour: 0, HomeDir: 8 });
});

test('WC_LAYER_DESCRIPTOR (hcsshim layerutils.go): 32 bytes, path at 24', () => {
  assert.equal(T.WC_LAYER_DESCRIPTOR.size, 32);
  assert.equal(T.WC_LAYER_DESCRIPTOR.alignment, 8);
  assert.deepEqual(layout(T.WC_LAYER_DESCRIPTOR), { LayerId: 0, Flags: 16, Path: 24 });
});

test('WIN32_STREAM_ID (winbase.h): a 20-byte header before the name; sizeof 24', () => {
  assert.deepEqual(layout(T.WIN32_STREAM_ID), { dwStreamId: 0, dwStreamAttributes: 4, Size: 8, dwStreamNameSize: 16, cStreamName: 20 });
  assert.equal(T.WIN32_STREAM_ID.size, 24);
  // The SECURITY header of the worked example in layer-format.md 2.3.
  const buf = Buffer.alloc(T.WIN32_STREAM_ID.size);
  k.encode(buf, T.WIN32_STREAM_ID, { dwStreamId: 3, dwStreamAttributes: 0, Size: 20, dwStreamNameSize: 0, cStreamName: [0] });
  assert.equal(buf.subarray(0, 20).toString('hex'), '03000000' + '00000000' + '1400000000000000' + '00000000');
});

test('LUID, LUID_AND_ATTRIBUTES, TOKEN_PRIVILEGES (winnt.h): 8, 12, 16 bytes', () => {
  assert.equal(T.LUID.size, 8);
  assert.equal(T.LUID.alignment, 4);
  assert.equal(T.LUID_AND_ATTRIBUTES.size, 12);
  assert.deepEqual(layout(T.LUID_AND_ATTRIBUTES), { Luid: 0, Attributes: 8 });
  assert.equal(T.TOKEN_PRIVILEGES.size, 16);
  assert.deepEqual(layout(T.TOKEN_PRIVILEGES), { PrivilegeCount: 0, Privileges: 4 });
  // go-winio privilege.go writes the same bytes by hand: count, LUID (u64), attributes.
  const buf = Buffer.alloc(16);
  k.encode(buf, T.TOKEN_PRIVILEGES, { PrivilegeCount: 1, Privileges: [{ Luid: { LowPart: 17, HighPart: 0 }, Attributes: 2 }] });
  assert.equal(buf.toString('hex'), '01000000' + '1100000000000000' + '02000000');
});

test('FILE_BASIC_INFO (winbase.h): 40 bytes, attributes at 32', () => {
  assert.equal(T.FILE_BASIC_INFO.size, 40);
  assert.equal(T.FILE_BASIC_INFO.alignment, 8);
  assert.deepEqual(layout(T.FILE_BASIC_INFO), { CreationTime: 0, LastAccessTime: 8, LastWriteTime: 16, ChangeTime: 24, FileAttributes: 32 });
});

test('CIMFS_FILE_METADATA (cimfs.h; hcsshim internal/winapi/types/cimfs.go CimFsFileMetadata): 96 bytes', () => {
  assert.equal(T.CIMFS_FILE_METADATA.size, 96);
  assert.deepEqual(layout(T.CIMFS_FILE_METADATA), {
    Attributes: 0,
    FileSize: 8,
    CreationTime: 16,
    LastWriteTime: 24,
    ChangeTime: 32,
    LastAccessTime: 40,
    SecurityDescriptorBuffer: 48,
    SecurityDescriptorSize: 56,
    ReparseDataBuffer: 64,
    ReparseDataSize: 72,
    EaBuffer: 80,
    EaBufferSize: 88,
  });
});

test('CIMFS_IMAGE_PATH and VIRTUAL_STORAGE_TYPE: 16 and 20 bytes', () => {
  assert.equal(T.CIMFS_IMAGE_PATH.size, 16);
  assert.equal(T.VIRTUAL_STORAGE_TYPE.size, 20);
  assert.deepEqual(layout(T.VIRTUAL_STORAGE_TYPE), { DeviceId: 0, VendorId: 4 });
});

test('FILE_BASIC_INFO bytes round-trip FILETIMEs exactly, beyond 2^53', () => {
  const filetime = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  fc.assert(
    fc.property(filetime, filetime, filetime, filetime, fc.integer({ min: 0, max: 0xffffffff }), (c, a, w, ch, attributes) => {
      const info = { creationTime: c, lastAccessTime: a, lastWriteTime: w, changeTime: ch, attributes };
      const buf = Buffer.alloc(T.FILE_BASIC_INFO.size);
      k.encode(buf, T.FILE_BASIC_INFO, basicInfoToStruct(info));
      // The SDK layout, read independently of koffi.
      assert.equal(buf.readBigInt64LE(0), c);
      assert.equal(buf.readBigInt64LE(16), w);
      assert.equal(buf.readUInt32LE(32), attributes);
      assert.deepEqual(basicInfoFromStruct(k.decode(buf, T.FILE_BASIC_INFO)), info);
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 5000 : 200 },
  );
});

test('strings reach the W functions as UTF-16LE code units (surrogate pairs for non-BMP) ending in NUL', () => {
  // What koffi writes for a `const char16_t *` argument, read back independently with Buffer.
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => !s.includes('\0')), (s) => {
      const units = Buffer.from(s, 'utf16le').length / 2;
      const buf = Buffer.alloc((units + 1) * 2, 0xff);
      k.encode(buf, k.array('char16_t', units + 1), s);
      assert.deepEqual(buf, Buffer.concat([Buffer.from(s, 'utf16le'), Buffer.alloc(2)]));
    }),
    { numRuns: process.env.WCLAYER_FUZZ === 'long' ? 5000 : 200 },
  );
  const buf = Buffer.alloc(16);
  k.encode(buf, k.array('char16_t', 8), 'C:\\ü😀');
  assert.equal(buf.toString('hex'), '43003a005c00fc003dd800de0000' + '0000');
});
