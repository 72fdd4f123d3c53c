// Which paths the CIM layer writer treats as hcsshim's "std files", and the image names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cimNameFor, isStdFile } from '../../src/layer/cim/index.js';

test('std files: config and delta hives without case, the utility VM files exactly (hcsshim isStdFile)', () => {
  const std = [
    'Files/Windows/System32/config/SYSTEM',
    'Files/Windows/System32/config/software',
    'files/windows/system32/CONFIG/Sam',
    'Files/Windows/System32/config/SECURITY',
    'Files/Windows/System32/config/DEFAULT',
    'Hives/System_Delta',
    'Hives/DefaultUser_Delta',
    'HIVES/SOFTWARE_DELTA',
    'Hives/sam_delta',
    'Hives/Security_Delta',
    'UtilityVM/Files/Windows/System32/config/SYSTEM',
    'UtilityVM/Files/Windows/System32/config/SOFTWARE',
    'UtilityVM/Files/EFI/Microsoft/Boot/BCD',
    'UtilityVM/Files/EFI/Microsoft/Boot/bootmgfw.efi',
  ];
  const plain = [
    'Files/Windows/System32/config/DEFAULTUSER',
    'Files/Windows/System32/config/SYSTEM.LOG1',
    'Files/Windows/System32/config',
    'Hives/Default_Delta',
    'Hives/SYSTEM_BASE',
    'UtilityVM/Files/Windows/System32/config/system',
    'UtilityVM/Files/Windows/System32/config/SAM',
    'UtilityVM/Files/EFI/Microsoft/Boot/bcd',
    'UtilityVM/Files/EFI/Microsoft/Boot/BCD.LOG',
    'UtilityVM/Files/EFI/Microsoft/Boot/BOOTMGFW.EFI',
    'x/Files/Windows/System32/config/SYSTEM',
  ];
  for (const p of std) assert.equal(isStdFile(p), true, p);
  for (const p of plain) assert.equal(isStdFile(p), false, p);
});

test('the image is named after the layer folder (hcsshim GetCimNameFromLayer)', () => {
  assert.equal(cimNameFor('/var/lib/layers/abc123'), 'abc123.cim');
  assert.equal(cimNameFor('/var/lib/layers/abc123/'), 'abc123.cim');
  assert.equal(cimNameFor('C:\\layers\\sha256-1'), 'sha256-1.cim');
});
