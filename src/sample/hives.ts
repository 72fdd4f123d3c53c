// Registry hive contents for sample layers. The default (sampleHive) writes real, small hives
// with src/formats/regf: base hives with the keys tools look at first (SOFTWARE's
// CurrentVersion of Windows Server 2022 build 20348.2113, SYSTEM's ControlSet001 and Select,
// a BCD store), and minor-version-6 delta hives for a child layer's Hives/*_Delta with a few
// layered keys (a merge key with a value, a tombstoned value, a supersede-tree key). Their
// content does not depend on the seed; their timestamps are the layer's base time, so a layer
// stays byte-identical for a seed.
//
// placeholderHive is the old stand-in, kept for callers that ask for it (pass it as
// `hiveContent`): one 4096-byte block that starts with "regf" and names the hive. It is NOT a
// valid hive (no checksum, no root key); tools that parse hives reject it.

import { LAYER_MERGE, LAYER_SUPERSEDE_TREE } from '../formats/regf/records.js';
import type { HiveKeyInput } from '../formats/regf/tree.js';
import { REG_EXPAND_SZ } from '../formats/regf/values.js';
import { writeHive } from '../formats/regf/writer.js';

export type HiveKind = 'base' | 'delta';

/** Base-layer hive files under Files/Windows/System32/config. */
export const BASE_HIVES = ['DEFAULT', 'SAM', 'SECURITY', 'SOFTWARE', 'SYSTEM'] as const;
/** Child-layer delta hives under Hives/. */
export const DELTA_HIVES = ['DefaultUser_Delta', 'Sam_Delta', 'Security_Delta', 'Software_Delta', 'System_Delta'] as const;
/** The utility VM's boot configuration hive (base layers), UtilityVM/Files/EFI/Microsoft/Boot/BCD. */
export const BCD_HIVE = 'BCD';

export const PLACEHOLDER_HIVE_SIZE = 4096;

export function placeholderHive(name: string, kind: HiveKind): Uint8Array {
  const b = new Uint8Array(PLACEHOLDER_HIVE_SIZE);
  b.set([0x72, 0x65, 0x67, 0x66]); // "regf"
  const label = new TextEncoder().encode(`wclayer sample placeholder hive: ${name} (${kind})`);
  b.set(label, 0x30);
  return b;
}

/** The OS a sample base layer's SOFTWARE hive describes. */
export const SAMPLE_OS = {
  version: '10.0.20348.2113',
  currentBuild: '20348',
  ubr: 2113,
  productName: 'Windows Server 2022 Datacenter',
  editionId: 'ServerDatacenter',
  displayVersion: '21H2',
  installationType: 'Server',
} as const;

/** A key path 'A\\B\\C' as nested inputs, the last one holding `leaf`'s values, subkeys and layer. */
function at(path: string, leaf: Omit<HiveKeyInput, 'name'>): HiveKeyInput {
  const names = path.split('\\');
  let key: HiveKeyInput = { name: names.pop()!, ...leaf };
  while (names.length) key = { name: names.pop()!, subkeys: [key] };
  return key;
}

function root(...subkeys: HiveKeyInput[]): HiveKeyInput {
  return { name: 'ROOT', subkeys };
}

const BASE_TREES: Record<string, () => HiveKeyInput> = {
  SOFTWARE: () =>
    root({
      name: 'Microsoft',
      subkeys: [
        at('Windows NT\\CurrentVersion', {
          values: [
            { name: 'CurrentBuild', data: SAMPLE_OS.currentBuild },
            { name: 'CurrentBuildNumber', data: SAMPLE_OS.currentBuild },
            { name: 'UBR', type: 'REG_DWORD', data: SAMPLE_OS.ubr },
            { name: 'ProductName', data: SAMPLE_OS.productName },
            { name: 'EditionID', data: SAMPLE_OS.editionId },
            { name: 'DisplayVersion', data: SAMPLE_OS.displayVersion },
            { name: 'CurrentMajorVersionNumber', type: 'REG_DWORD', data: 10 },
            { name: 'CurrentMinorVersionNumber', type: 'REG_DWORD', data: 0 },
            { name: 'CurrentVersion', data: '6.3' },
            { name: 'InstallationType', data: SAMPLE_OS.installationType },
            { name: 'SystemRoot', data: 'C:\\Windows' },
          ],
        }),
        at('Windows\\CurrentVersion', { values: [{ name: 'ProgramFilesDir', data: 'C:\\Program Files' }, { name: 'CommonFilesDir', data: 'C:\\Program Files\\Common Files' }] }),
      ],
    }),
  SYSTEM: () =>
    root(
      {
        name: 'ControlSet001',
        subkeys: [
          {
            name: 'Control',
            values: [{ name: 'SystemStartOptions', data: ' OPTIONS' }],
            subkeys: [at('ComputerName\\ComputerName', { values: [{ name: 'ComputerName', data: 'WIN-SAMPLE' }] })],
          },
          at('Services\\EventLog', { values: [{ name: 'Start', type: 'REG_DWORD', data: 2 }, { name: 'ImagePath', type: REG_EXPAND_SZ, data: '%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted' }] }),
        ],
      },
      {
        name: 'Select',
        values: [
          { name: 'Current', type: 'REG_DWORD', data: 1 },
          { name: 'Default', type: 'REG_DWORD', data: 1 },
          { name: 'Failed', type: 'REG_DWORD', data: 0 },
          { name: 'LastKnownGood', type: 'REG_DWORD', data: 1 },
        ],
      },
    ),
  DEFAULT: () =>
    root(
      at('Control Panel\\International', { values: [{ name: 'LocaleName', data: 'en-US' }, { name: 'sShortDate', data: 'M/d/yyyy' }] }),
      { name: 'Environment', values: [{ name: 'TEMP', type: REG_EXPAND_SZ, data: '%USERPROFILE%\\AppData\\Local\\Temp' }] },
    ),
  SAM: () => root(at('SAM\\Domains\\Account', { values: [{ name: 'F', data: new Uint8Array(16) }] })),
  SECURITY: () => root({ name: 'Policy', subkeys: [{ name: 'Accounts' }] }, { name: 'RXACT', values: [{ name: '', data: new Uint8Array(12) }] }),
  BCD: () =>
    root(
      at('Description', { values: [{ name: 'KeyName', data: 'BCD00000001' }, { name: 'System', type: 'REG_DWORD', data: 1 }, { name: 'TreatAsSystem', type: 'REG_DWORD', data: 1 }] }),
      at('Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}', {
        subkeys: [
          { name: 'Description', values: [{ name: 'Type', type: 'REG_DWORD', data: 0x10100002 }] },
          at('Elements\\12000004', { values: [{ name: 'Element', data: 'Windows Boot Manager' }] }),
        ],
      }),
    ),
};

// Each delta hive: a merge key with a value, a tombstoned value, and a supersede-tree key.
const DELTA_PATHS: Record<string, { merge: string; tombstoneIn: string; supersede: string }> = {
  Software_Delta: { merge: 'Microsoft\\Windows NT\\CurrentVersion', tombstoneIn: 'Microsoft\\Windows\\CurrentVersion\\Run', supersede: 'Microsoft\\SampleApp' },
  System_Delta: { merge: 'ControlSet001\\Control', tombstoneIn: 'ControlSet001\\Services\\EventLog', supersede: 'ControlSet001\\Services\\SampleSvc' },
  DefaultUser_Delta: { merge: 'Control Panel\\International', tombstoneIn: 'Environment', supersede: 'Software\\SampleApp' },
  Sam_Delta: { merge: 'SAM\\Domains\\Account', tombstoneIn: 'SAM\\Domains\\Builtin', supersede: 'SAM\\Domains\\Sample' },
  Security_Delta: { merge: 'Policy', tombstoneIn: 'Policy\\Accounts', supersede: 'Policy\\Sample' },
};

/** Adds `path` below `top` (keys on the way merge with the layer below) and gives its last key `leaf`. */
function addPath(top: HiveKeyInput, path: string, leaf: Omit<HiveKeyInput, 'name'>): void {
  let key = top;
  for (const name of path.split('\\')) {
    key.subkeys ??= [];
    let next = key.subkeys.find((k) => k.name === name);
    if (!next) {
      next = { name, layer: { semantics: LAYER_MERGE } };
      key.subkeys.push(next);
    }
    key = next;
  }
  Object.assign(key, leaf);
}

function deltaTree(name: string): HiveKeyInput {
  const p = DELTA_PATHS[name] ?? DELTA_PATHS.Software_Delta!;
  const top: HiveKeyInput = { name: 'ROOT', layer: { semantics: LAYER_MERGE } };
  addPath(top, p.merge, { values: [{ name: 'SampleLayerApplied', type: 'REG_DWORD', data: 1 }] });
  addPath(top, p.tombstoneIn, { values: [{ name: 'SampleRemoved', tombstone: true }] });
  addPath(top, p.supersede, {
    layer: { semantics: LAYER_SUPERSEDE_TREE },
    values: [{ name: 'Version', data: '1.0' }],
    subkeys: [{ name: 'Settings', layer: { semantics: LAYER_MERGE }, values: [{ name: 'Enabled', type: 'REG_DWORD', data: 1 }] }],
  });
  return top;
}

/**
 * The default hive bytes of a sample layer: a valid base hive (minor version 5) for 'base', a
 * layered delta hive (minor version 6) for 'delta'. Deterministic for a given timestamp.
 */
export function sampleHive(name: string, kind: HiveKind, timestamp: bigint): Uint8Array {
  if (kind === 'delta') return writeHive(deltaTree(name), { minorVersion: 6, timestamp, fileName: `\\Hives\\${name}` });
  const tree = BASE_TREES[name];
  const fileName = name === BCD_HIVE ? '\\Device\\HarddiskVolume1\\EFI\\Microsoft\\Boot\\BCD' : `\\SystemRoot\\System32\\Config\\${name}`;
  return writeHive(tree ? tree() : root(), { minorVersion: 5, timestamp, fileName });
}
