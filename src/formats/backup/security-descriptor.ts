// Self-relative SECURITY_DESCRIPTOR (the bytes of BACKUP_SECURITY_DATA and MSWINDOWS.rawsd):
// parse with every offset and length checked, and encode. Layout per MS-DTYP 2.4.6
// (SECURITY_DESCRIPTOR), 2.4.5 (ACL), 2.4.4 (ACEs), 2.4.2 (SID); spec layer-format.md 2.7.
//
//   0 Revision u8 (1)   1 Sbz1 u8 (RM control)   2 Control u16
//   4 OffsetOwner u32   8 OffsetGroup u32   12 OffsetSacl u32   16 OffsetDacl u32   (0 = absent)

import { corrupt, invalidArgument } from '../../errors.js';
import { checkSid, parseSid, sidLength, writeSid, type Sid } from './sid.js';

export const SD_CONTROL = {
  OWNER_DEFAULTED: 0x0001,
  GROUP_DEFAULTED: 0x0002,
  DACL_PRESENT: 0x0004,
  DACL_DEFAULTED: 0x0008,
  SACL_PRESENT: 0x0010,
  SACL_DEFAULTED: 0x0020,
  DACL_TRUSTED: 0x0040,
  SERVER_SECURITY: 0x0080,
  DACL_AUTO_INHERIT_REQ: 0x0100,
  SACL_AUTO_INHERIT_REQ: 0x0200,
  DACL_AUTO_INHERITED: 0x0400,
  SACL_AUTO_INHERITED: 0x0800,
  DACL_PROTECTED: 0x1000,
  SACL_PROTECTED: 0x2000,
  RM_CONTROL_VALID: 0x4000,
  SELF_RELATIVE: 0x8000,
} as const;

export const ACE_TYPE = {
  ACCESS_ALLOWED: 0x00,
  ACCESS_DENIED: 0x01,
  SYSTEM_AUDIT: 0x02,
  SYSTEM_ALARM: 0x03,
  ACCESS_ALLOWED_COMPOUND: 0x04,
  ACCESS_ALLOWED_OBJECT: 0x05,
  ACCESS_DENIED_OBJECT: 0x06,
  SYSTEM_AUDIT_OBJECT: 0x07,
  SYSTEM_ALARM_OBJECT: 0x08,
  ACCESS_ALLOWED_CALLBACK: 0x09,
  ACCESS_DENIED_CALLBACK: 0x0a,
  ACCESS_ALLOWED_CALLBACK_OBJECT: 0x0b,
  ACCESS_DENIED_CALLBACK_OBJECT: 0x0c,
  SYSTEM_AUDIT_CALLBACK: 0x0d,
  SYSTEM_ALARM_CALLBACK: 0x0e,
  SYSTEM_AUDIT_CALLBACK_OBJECT: 0x0f,
  SYSTEM_ALARM_CALLBACK_OBJECT: 0x10,
  SYSTEM_MANDATORY_LABEL: 0x11,
  SYSTEM_RESOURCE_ATTRIBUTE: 0x12,
  SYSTEM_SCOPED_POLICY_ID: 0x13,
  SYSTEM_PROCESS_TRUST_LABEL: 0x14,
  ACCESS_FILTER: 0x15,
} as const;

export const ACE_FLAG = {
  OBJECT_INHERIT: 0x01,
  CONTAINER_INHERIT: 0x02,
  NO_PROPAGATE_INHERIT: 0x04,
  INHERIT_ONLY: 0x08,
  INHERITED: 0x10,
  CRITICAL: 0x20,
  SUCCESSFUL_ACCESS: 0x40,
  FAILED_ACCESS: 0x80,
} as const;

/** ACE types whose body is AccessMask + SID (+ optional application data for callbacks). */
const SIMPLE_TYPES = new Set<number>([0x00, 0x01, 0x02, 0x03, 0x09, 0x0a, 0x0d, 0x0e, 0x11, 0x12, 0x13, 0x14, 0x15]);
/** ACE types whose body is AccessMask + Flags + [ObjectType] + [InheritedObjectType] + SID (+ data). */
const OBJECT_TYPES = new Set<number>([0x05, 0x06, 0x07, 0x08, 0x0b, 0x0c, 0x0f, 0x10]);

const ACE_OBJECT_TYPE_PRESENT = 0x1;
const ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2;

export const ACL_REVISION = 2;
export const ACL_REVISION_DS = 4;

export interface Ace {
  type: number;
  flags: number;
  /** ACCESS_MASK. */
  mask: number;
  sid: Sid;
  /** Object ACEs: GUIDs in their lower-case string form. */
  objectType?: string;
  inheritedObjectType?: string;
  /** Bytes after the SID (callback conditions, resource attributes, or padding). */
  applicationData?: Uint8Array;
}

export interface Acl {
  /** ACL_REVISION (2) or ACL_REVISION_DS (4, needed for object ACEs). */
  revision: number;
  aces: Ace[];
}

export interface SecurityDescriptor {
  /** SE_* control bits. DACL_PRESENT/SACL_PRESENT and SELF_RELATIVE are kept consistent on encode. */
  control: number;
  /** Sbz1: resource-manager control bits when RM_CONTROL_VALID is set, else 0. */
  rmControl: number;
  owner?: Sid;
  group?: Sid;
  /** null with SACL_PRESENT: a NULL SACL; undefined: not present. */
  sacl?: Acl | null;
  /** null with DACL_PRESENT: a NULL DACL (everyone has full access); undefined: not present. */
  dacl?: Acl | null;
}

const SD_HEADER_SIZE = 20;
const ACL_HEADER_SIZE = 8;

// ---- decode --------------------------------------------------------------------------------

function u16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}
function u32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** GUID in mixed-endian binary (Data1 u32 LE, Data2 u16 LE, Data3 u16 LE, Data4 bytes) → string. */
export function guidToString(b: Uint8Array, o: number): string {
  const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
  const d4 = Array.from(b.subarray(o + 8, o + 16), (x) => hex(x, 2)).join('');
  return `${hex(u32(b, o), 8)}-${hex(u16(b, o + 4), 4)}-${hex(u16(b, o + 6), 4)}-${d4.slice(0, 4)}-${d4.slice(4)}`;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuidString(s: string): boolean {
  return GUID_RE.test(s);
}

function writeGuid(s: string, out: Uint8Array, o: number): void {
  if (!GUID_RE.test(s)) throw invalidArgument(`'${s}' is not a GUID`);
  const h = s.replace(/-/g, '');
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setUint32(o, parseInt(h.slice(0, 8), 16), true);
  dv.setUint16(o + 4, parseInt(h.slice(8, 12), 16), true);
  dv.setUint16(o + 6, parseInt(h.slice(12, 16), 16), true);
  for (let i = 0; i < 8; i++) out[o + 8 + i] = parseInt(h.slice(16 + 2 * i, 18 + 2 * i), 16);
}

function parseAce(b: Uint8Array, o: number, end: number): { ace: Ace; size: number } {
  if (o + 4 > end) throw corrupt(`ACE header at offset ${o} runs past the end of its ACL (${end})`, { offset: o });
  const type = b[o]!;
  const flags = b[o + 1]!;
  const size = u16(b, o + 2);
  if (size < 4 || o + size > end) throw corrupt(`ACE at offset ${o} has size ${size}, which does not fit its ACL (ends at ${end})`, { offset: o + 2 });
  const aceEnd = o + size;
  const need = (n: number, what: string): void => {
    if (n > aceEnd) throw corrupt(`ACE at offset ${o} (type ${type}) is too short for its ${what}`, { offset: o });
  };
  let p = o + 4;
  need(p + 4, 'access mask');
  const mask = u32(b, p);
  p += 4;
  const ace: Ace = { type, flags, mask, sid: { revision: 1, authority: 0, subAuthorities: [] } };
  if (OBJECT_TYPES.has(type)) {
    need(p + 4, 'object flags');
    const objFlags = u32(b, p);
    p += 4;
    if (objFlags & ACE_OBJECT_TYPE_PRESENT) {
      need(p + 16, 'object type');
      ace.objectType = guidToString(b, p);
      p += 16;
    }
    if (objFlags & ACE_INHERITED_OBJECT_TYPE_PRESENT) {
      need(p + 16, 'inherited object type');
      ace.inheritedObjectType = guidToString(b, p);
      p += 16;
    }
  } else if (!SIMPLE_TYPES.has(type)) {
    throw corrupt(`ACE at offset ${o} has unsupported type ${type}`, { offset: o });
  }
  ace.sid = parseSid(b, p, aceEnd, `SID of the ACE at offset ${o}`);
  p += sidLength(ace.sid);
  if (p < aceEnd) ace.applicationData = b.slice(p, aceEnd);
  return { ace, size };
}

function parseAcl(b: Uint8Array, o: number, what: string): Acl {
  if (o < SD_HEADER_SIZE || o + ACL_HEADER_SIZE > b.length) {
    throw corrupt(`${what} offset ${o} is outside the descriptor (${b.length} bytes)`, { offset: o });
  }
  const revision = b[o]!;
  const size = u16(b, o + 2);
  const count = u16(b, o + 4);
  if (revision !== ACL_REVISION && revision !== ACL_REVISION_DS && revision !== 3) {
    throw corrupt(`${what} at offset ${o} has revision ${revision}`, { offset: o });
  }
  if (size < ACL_HEADER_SIZE || o + size > b.length) {
    throw corrupt(`${what} at offset ${o} has size ${size}, which runs past the descriptor (${b.length} bytes)`, { offset: o + 2 });
  }
  const end = o + size;
  // Each ACE needs at least 4 bytes: a count that cannot fit is caught before looping.
  if (count * 4 > size - ACL_HEADER_SIZE) {
    throw corrupt(`${what} at offset ${o} claims ${count} ACEs, more than its ${size} bytes can hold`, { offset: o + 4 });
  }
  const aces: Ace[] = [];
  let p = o + ACL_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    const { ace, size: aceSize } = parseAce(b, p, end);
    aces.push(ace);
    p += aceSize;
  }
  return { revision, aces };
}

/** Parses and validates a self-relative security descriptor. Bad bytes → Corrupt with data.offset. */
export function parseSecurityDescriptor(b: Uint8Array): SecurityDescriptor {
  if (b.length < SD_HEADER_SIZE) throw corrupt(`security descriptor of ${b.length} bytes is shorter than its 20-byte header`, { offset: b.length });
  if (b[0] !== 1) throw corrupt(`security descriptor revision ${b[0]} is not 1`, { offset: 0 });
  const control = u16(b, 2);
  if (!(control & SD_CONTROL.SELF_RELATIVE)) {
    throw corrupt('security descriptor is not self-relative (SE_SELF_RELATIVE is clear)', { offset: 2 });
  }
  const sd: SecurityDescriptor = { control, rmControl: b[1]! };
  const [ownerOff, groupOff, saclOff, daclOff] = [u32(b, 4), u32(b, 8), u32(b, 12), u32(b, 16)];
  const sidAt = (off: number, what: string): Sid => {
    if (off < SD_HEADER_SIZE || off >= b.length) throw corrupt(`${what} offset ${off} is outside the descriptor (${b.length} bytes)`, { offset: off });
    return parseSid(b, off, b.length, what);
  };
  if (ownerOff) sd.owner = sidAt(ownerOff, 'owner SID');
  if (groupOff) sd.group = sidAt(groupOff, 'group SID');
  if (control & SD_CONTROL.SACL_PRESENT) sd.sacl = saclOff ? parseAcl(b, saclOff, 'SACL') : null;
  if (control & SD_CONTROL.DACL_PRESENT) sd.dacl = daclOff ? parseAcl(b, daclOff, 'DACL') : null;
  return sd;
}

// ---- encode --------------------------------------------------------------------------------

function aceBodyLength(ace: Ace): number {
  let n = 4 + 4 + sidLength(ace.sid) + (ace.applicationData?.length ?? 0);
  if (OBJECT_TYPES.has(ace.type)) n += 4 + (ace.objectType ? 16 : 0) + (ace.inheritedObjectType ? 16 : 0);
  return n;
}

function aclLength(acl: Acl): number {
  return ACL_HEADER_SIZE + acl.aces.reduce((n, a) => n + aceBodyLength(a), 0);
}

function checkAce(ace: Ace): void {
  if (!SIMPLE_TYPES.has(ace.type) && !OBJECT_TYPES.has(ace.type)) throw invalidArgument(`unsupported ACE type ${ace.type}`);
  if (!Number.isInteger(ace.flags) || ace.flags < 0 || ace.flags > 0xff) throw invalidArgument(`ACE flags ${ace.flags} are not a byte`);
  if (!Number.isInteger(ace.mask) || ace.mask < 0 || ace.mask > 0xffffffff) throw invalidArgument(`access mask ${ace.mask} is not 32-bit`);
  if (!OBJECT_TYPES.has(ace.type) && (ace.objectType || ace.inheritedObjectType)) throw invalidArgument(`ACE type ${ace.type} cannot carry object GUIDs`);
  checkSid(ace.sid);
}

function writeAcl(acl: Acl, out: Uint8Array, o: number): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const size = aclLength(acl);
  if (size > 0xffff) throw invalidArgument(`ACL of ${size} bytes is larger than 65535`);
  if (acl.aces.length > 0xffff) throw invalidArgument('ACL has more than 65535 ACEs');
  out[o] = acl.revision;
  dv.setUint16(o + 2, size, true);
  dv.setUint16(o + 4, acl.aces.length, true);
  let p = o + ACL_HEADER_SIZE;
  for (const ace of acl.aces) {
    checkAce(ace);
    const len = aceBodyLength(ace);
    if (len > 0xffff) throw invalidArgument(`ACE of ${len} bytes is larger than 65535`);
    out[p] = ace.type;
    out[p + 1] = ace.flags;
    dv.setUint16(p + 2, len, true);
    dv.setUint32(p + 4, ace.mask, true);
    let q = p + 8;
    if (OBJECT_TYPES.has(ace.type)) {
      dv.setUint32(q, (ace.objectType ? ACE_OBJECT_TYPE_PRESENT : 0) | (ace.inheritedObjectType ? ACE_INHERITED_OBJECT_TYPE_PRESENT : 0), true);
      q += 4;
      if (ace.objectType) {
        writeGuid(ace.objectType, out, q);
        q += 16;
      }
      if (ace.inheritedObjectType) {
        writeGuid(ace.inheritedObjectType, out, q);
        q += 16;
      }
    }
    q = writeSid(ace.sid, out, q);
    if (ace.applicationData) out.set(ace.applicationData, q);
    p += len;
  }
}

/**
 * Encodes a self-relative descriptor in the order Windows lays it out (header, SACL, DACL,
 * owner, group). The PRESENT and SELF_RELATIVE control bits are derived from the fields.
 */
export function encodeSecurityDescriptor(sd: SecurityDescriptor): Uint8Array {
  if (sd.owner) checkSid(sd.owner);
  if (sd.group) checkSid(sd.group);
  let control = sd.control & ~(SD_CONTROL.DACL_PRESENT | SD_CONTROL.SACL_PRESENT);
  control |= SD_CONTROL.SELF_RELATIVE;
  if (sd.dacl !== undefined) control |= SD_CONTROL.DACL_PRESENT;
  if (sd.sacl !== undefined) control |= SD_CONTROL.SACL_PRESENT;
  const saclLen = sd.sacl ? aclLength(sd.sacl) : 0;
  const daclLen = sd.dacl ? aclLength(sd.dacl) : 0;
  const ownerLen = sd.owner ? sidLength(sd.owner) : 0;
  const groupLen = sd.group ? sidLength(sd.group) : 0;
  const out = new Uint8Array(SD_HEADER_SIZE + saclLen + daclLen + ownerLen + groupLen);
  const dv = new DataView(out.buffer);
  out[0] = 1;
  out[1] = sd.rmControl & 0xff;
  dv.setUint16(2, control, true);
  let p = SD_HEADER_SIZE;
  if (sd.sacl) {
    dv.setUint32(12, p, true);
    writeAcl(sd.sacl, out, p);
    p += saclLen;
  }
  if (sd.dacl) {
    dv.setUint32(16, p, true);
    writeAcl(sd.dacl, out, p);
    p += daclLen;
  }
  if (sd.owner) {
    dv.setUint32(4, p, true);
    p = writeSid(sd.owner, out, p);
  }
  if (sd.group) {
    dv.setUint32(8, p, true);
    writeSid(sd.group, out, p);
  }
  return out;
}
