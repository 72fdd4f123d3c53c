// Queries over an open hive: keys and values by path (case-insensitive), JSON-friendly
// descriptions, and the OS version of a SOFTWARE hive.

import { WcError } from '../../errors.js';
import type { Hive, RegKey, RegValue } from './reader.js';
import { decodeValue, REG_SZ, typeName } from './values.js';
import { toBase64 } from './names.js';
import { filetimeToIsoMillis } from '../backup/filetime.js';

/** FILETIME → ISO 8601 at millisecond precision (null when out of JavaScript's date range). */
export const filetimeToIso = filetimeToIsoMillis;

const b64 = toBase64;

export interface KeyJson {
  path: string;
  name: string;
  timestamp: string | null;
  /** The FILETIME as a decimal string, exact. */
  timestampRaw: string;
  subkeyCount: number;
  valueCount: number;
  className?: string;
  flags: number;
  /** Delta hives: 'merge', 'tombstone', 'supersedeLocal', 'supersedeTree'. */
  layer?: string;
  inheritClass?: boolean;
}

export interface ValueJson {
  name: string;
  type: string;
  typeCode: number;
  size: number;
  /** Decoded data: string, string list, number; QWORDs as decimal strings; absent when the data does not fit its type. */
  value?: string | string[] | number;
  /** The raw data, base64 (with `compact`, only when `value` alone does not give the exact bytes back). */
  data?: string;
  tombstone?: boolean;
}

const LAYER_NAMES = ['merge', 'tombstone', 'supersedeLocal', 'supersedeTree'];

export function keyJson(hive: Hive, key: RegKey): KeyJson {
  const out: KeyJson = {
    path: key.path,
    name: key.name,
    timestamp: filetimeToIso(key.timestamp),
    timestampRaw: key.timestamp.toString(),
    subkeyCount: key.subkeyCount,
    valueCount: key.valueCount,
    flags: key.flags,
  };
  const cls = hive.className(key);
  if (cls !== undefined) out.className = cls;
  if (hive.layered && key.layerByte !== 0) {
    out.layer = LAYER_NAMES[key.layerSemantics]!;
    out.inheritClass = key.inheritClass;
  }
  return out;
}

/**
 * A value as JSON. `compact` leaves out the base64 bytes when the decoded value encodes back to
 * exactly those bytes (strings with one terminating NUL, canonical string lists, DWORDs, QWORDs),
 * so nothing is lost and exports stay small.
 */
export function valueJsonFrom(name: string, type: number, data: Uint8Array, tombstone = false, compact = false): ValueJson {
  const d = decodeValue(type, data);
  let value: string | string[] | number | undefined;
  let exact = false;
  if (d.kind === 'bigint') {
    value = d.value.toString();
    exact = true;
  } else if (d.kind === 'number') {
    value = d.value;
    exact = true;
  } else if (d.kind === 'string') {
    value = d.value;
    exact = data.length === 2 * (d.value.length + 1);
  } else if (d.kind === 'strings') {
    value = d.value;
    let units = 1;
    for (const x of d.value) units += x.length + 1;
    exact = data.length === 2 * units;
  }
  // One object shape for every value (absent fields are undefined and vanish in JSON).
  return {
    name,
    type: typeName(type),
    typeCode: type,
    size: data.length,
    value,
    data: compact && exact ? undefined : b64(data),
    tombstone: tombstone ? true : undefined,
  };
}

export function valueJson(hive: Hive, v: RegValue, compact = false): ValueJson {
  return valueJsonFrom(v.name, v.type, hive.valueData(v), v.tombstone, compact);
}

/** The key at a path, or a NotFound error naming the path. */
export async function requireKey(hive: Hive, path: string): Promise<RegKey> {
  const k = await hive.key(path);
  if (!k) throw new WcError('NotFound', `no key '${path}' in the hive`, { key: path });
  return k;
}

export async function requireValue(hive: Hive, path: string, name: string): Promise<RegValue> {
  const k = await requireKey(hive, path);
  const v = await hive.value(k, name);
  if (!v) throw new WcError('NotFound', `key '${path}' has no value '${name === '' ? '(default)' : name}'`, { key: path, value: name });
  return v;
}

export interface OsVersionInfo {
  /** Major.minor.build.ubr, e.g. "10.0.20348.2113" (parts that are missing are left out). */
  version: string;
  currentBuild?: string;
  /** CurrentBuild (or CurrentBuildNumber) as a number. */
  build?: number;
  ubr?: number;
  productName?: string;
  editionId?: string;
  displayVersion?: string;
  releaseId?: string;
  installationType?: string;
  currentMajorVersionNumber?: number;
  currentMinorVersionNumber?: number;
  currentVersion?: string;
  buildLabEx?: string;
}

export const CURRENT_VERSION_KEY = 'Microsoft\\Windows NT\\CurrentVersion';

/** OS version facts from a SOFTWARE hive's Microsoft\Windows NT\CurrentVersion key. */
export async function readOsVersion(hive: Hive): Promise<OsVersionInfo> {
  const key = await hive.key(CURRENT_VERSION_KEY);
  if (!key) throw new WcError('NotFound', `not a SOFTWARE hive: no key '${CURRENT_VERSION_KEY}'`, { key: CURRENT_VERSION_KEY });
  const get = async (name: string): Promise<string | number | undefined> => {
    const v = await hive.value(key, name);
    if (!v) return undefined;
    const d = decodeValue(v.type, await hive.valueData(v));
    if (d.kind === 'string' || d.kind === 'number') return d.value;
    return undefined;
  };
  const str = async (name: string): Promise<string | undefined> => {
    const v = await get(name);
    return typeof v === 'string' ? v : undefined;
  };
  const num = async (name: string): Promise<number | undefined> => {
    const v = await get(name);
    return typeof v === 'number' ? v : undefined;
  };
  const info: OsVersionInfo = { version: '' };
  const set = <K extends keyof OsVersionInfo>(k: K, v: OsVersionInfo[K] | undefined): void => {
    if (v !== undefined) info[k] = v;
  };
  set('currentBuild', (await str('CurrentBuild')) ?? (await str('CurrentBuildNumber')));
  set('ubr', await num('UBR'));
  set('productName', await str('ProductName'));
  set('editionId', await str('EditionID'));
  set('displayVersion', await str('DisplayVersion'));
  set('releaseId', await str('ReleaseId'));
  set('installationType', await str('InstallationType'));
  set('currentMajorVersionNumber', await num('CurrentMajorVersionNumber'));
  set('currentMinorVersionNumber', await num('CurrentMinorVersionNumber'));
  set('currentVersion', await str('CurrentVersion'));
  set('buildLabEx', await str('BuildLabEx'));
  if (info.currentBuild !== undefined && /^\d+$/.test(info.currentBuild)) info.build = Number(info.currentBuild);
  // Windows 10+ keeps 10.0 in the number values; older systems only have CurrentVersion "6.1".
  let majorMinor: string | undefined;
  if (info.currentMajorVersionNumber !== undefined) majorMinor = `${info.currentMajorVersionNumber}.${info.currentMinorVersionNumber ?? 0}`;
  else majorMinor = info.currentVersion;
  info.version = [majorMinor, info.build, info.build !== undefined ? info.ubr : undefined].filter((x) => x !== undefined).join('.');
  return info;
}

/**
 * The build number exactly as hcsshim read it (ORGetValue on CurrentBuild): the value must be
 * REG_SZ holding a decimal number.
 */
export async function readOsBuild(hive: Hive): Promise<number> {
  const v = await requireValue(hive, CURRENT_VERSION_KEY, 'CurrentBuild');
  if (v.type !== REG_SZ) throw new WcError('Corrupt', `CurrentBuild has type ${typeName(v.type)}, expected REG_SZ`, { key: CURRENT_VERSION_KEY });
  const d = decodeValue(v.type, await hive.valueData(v));
  const s = d.kind === 'string' ? d.value : '';
  if (!/^\d{1,9}$/.test(s)) throw new WcError('Corrupt', `CurrentBuild '${s}' is not a build number`, { key: CURRENT_VERSION_KEY });
  return Number(s);
}

