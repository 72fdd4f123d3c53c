// A plain-JSON view of a security descriptor for `--json` output and RPC results: SIDs as
// strings (with their SDDL alias), masks and flags in hex, ACE types by name.

import { ACE_TYPE, SD_CONTROL, type Acl, type SecurityDescriptor } from './security-descriptor.js';
import { SID_ALIASES, sidToString, type Sid } from './sid.js';

const aceTypeNames = new Map<number, string>(Object.entries(ACE_TYPE).map(([k, v]) => [v, k]));
const aliasBySid = new Map(Object.entries(SID_ALIASES).map(([a, s]) => [s, a]));

export interface SidJson {
  sid: string;
  alias?: string;
}

export interface AceJson {
  type: string;
  flags: string;
  mask: string;
  sid: SidJson;
  objectType?: string;
  inheritedObjectType?: string;
  applicationData?: string;
}

export interface AclJson {
  revision: number;
  aces: AceJson[];
}

export interface SecurityDescriptorJson {
  control: string;
  controlFlags: string[];
  owner?: SidJson;
  group?: SidJson;
  /** null: a NULL ACL (present, no restrictions); absent: not present. */
  dacl?: AclJson | null;
  sacl?: AclJson | null;
}

const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function sidJson(sid: Sid): SidJson {
  const s = sidToString(sid);
  const alias = aliasBySid.get(s);
  return alias ? { sid: s, alias } : { sid: s };
}

function aclJson(acl: Acl | null): AclJson | null {
  if (acl === null) return null;
  return {
    revision: acl.revision,
    aces: acl.aces.map((a) => ({
      type: aceTypeNames.get(a.type) ?? `0x${a.type.toString(16)}`,
      flags: hex(a.flags),
      mask: hex(a.mask),
      sid: sidJson(a.sid),
      ...(a.objectType ? { objectType: a.objectType } : {}),
      ...(a.inheritedObjectType ? { inheritedObjectType: a.inheritedObjectType } : {}),
      ...(a.applicationData ? { applicationData: Buffer.from(a.applicationData).toString('base64') } : {}),
    })),
  };
}

export function securityDescriptorToJson(sd: SecurityDescriptor): SecurityDescriptorJson {
  const out: SecurityDescriptorJson = {
    control: hex(sd.control),
    controlFlags: Object.entries(SD_CONTROL).filter(([, bit]) => sd.control & bit).map(([name]) => name),
  };
  if (sd.owner) out.owner = sidJson(sd.owner);
  if (sd.group) out.group = sidJson(sd.group);
  if (sd.dacl !== undefined) out.dacl = aclJson(sd.dacl);
  if (sd.sacl !== undefined) out.sacl = aclJson(sd.sacl);
  return out;
}
