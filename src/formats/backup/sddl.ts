// SDDL, the Security Descriptor Definition Language: render a SecurityDescriptor as text and
// build one from text, without Windows. Grammar and aliases from Microsoft's documentation
// ("Security Descriptor String Format", "ACE Strings", "SID Strings") and MS-DTYP 2.5.1.
//
//   O:<sid> G:<sid> D:<flags>(ace)(ace)... S:<flags>(ace)...
//   ace = (type;flags;rights;object_guid;inherit_object_guid;sid)
//
// Supported ACE types: A D AU AL OA OD OU OL ML SP TL. Conditional (callback) ACEs and resource
// attributes have an expression language of their own; descriptors holding them are reported
// as Unsupported when rendered, and such ACE strings are rejected when parsed.

import { invalidArgument, WcError } from '../../errors.js';
import {
  ACE_TYPE,
  ACL_REVISION,
  ACL_REVISION_DS,
  SD_CONTROL,
  encodeSecurityDescriptor,
  isGuidString,
  parseSecurityDescriptor,
  type Ace,
  type Acl,
  type SecurityDescriptor,
} from './security-descriptor.js';
import { parseSddlSid, sidToSddl, type Sid } from './sid.js';

const ACE_TYPES: ReadonlyArray<readonly [string, number]> = [
  ['A', ACE_TYPE.ACCESS_ALLOWED],
  ['D', ACE_TYPE.ACCESS_DENIED],
  ['AU', ACE_TYPE.SYSTEM_AUDIT],
  ['AL', ACE_TYPE.SYSTEM_ALARM],
  ['OA', ACE_TYPE.ACCESS_ALLOWED_OBJECT],
  ['OD', ACE_TYPE.ACCESS_DENIED_OBJECT],
  ['OU', ACE_TYPE.SYSTEM_AUDIT_OBJECT],
  ['OL', ACE_TYPE.SYSTEM_ALARM_OBJECT],
  ['ML', ACE_TYPE.SYSTEM_MANDATORY_LABEL],
  ['SP', ACE_TYPE.SYSTEM_SCOPED_POLICY_ID],
  ['TL', ACE_TYPE.SYSTEM_PROCESS_TRUST_LABEL],
];
const OBJECT_ACE_TYPES = new Set<number>([0x05, 0x06, 0x07, 0x08]);

/** ACE flags in bit order, which is also the order Windows writes them (e.g. "OICIID"). */
const ACE_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['OI', 0x01],
  ['CI', 0x02],
  ['NP', 0x04],
  ['IO', 0x08],
  ['ID', 0x10],
  ['CR', 0x20],
  ['SA', 0x40],
  ['FA', 0x80],
];

/** Whole-mask aliases, tried first (file and registry rights). KX equals KR, so KR is written. */
const EXACT_RIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['FA', 0x001f01ff],
  ['FR', 0x00120089],
  ['FW', 0x00120116],
  ['FX', 0x001200a0],
  ['KA', 0x000f003f],
  ['KR', 0x00020019],
  ['KW', 0x00020006],
  ['KX', 0x00020019],
];

/**
 * Single-bit aliases (directory-service, standard and generic rights) in ascending bit order,
 * the order Windows writes them (e.g. `sc sdshow` prints "CCLCSWRPWPDTLOCRRC", Get-Acl "GXGR").
 */
const BIT_RIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['CC', 0x00000001],
  ['DC', 0x00000002],
  ['LC', 0x00000004],
  ['SW', 0x00000008],
  ['RP', 0x00000010],
  ['WP', 0x00000020],
  ['DT', 0x00000040],
  ['LO', 0x00000080],
  ['CR', 0x00000100],
  ['SD', 0x00010000],
  ['RC', 0x00020000],
  ['WD', 0x00040000],
  ['WO', 0x00080000],
  ['GA', 0x10000000],
  ['GX', 0x20000000],
  ['GW', 0x40000000],
  ['GR', 0x80000000],
];

/** Mandatory-label policy bits (ML ACEs). */
const LABEL_RIGHTS: ReadonlyArray<readonly [string, number]> = [
  ['NW', 0x1],
  ['NR', 0x2],
  ['NX', 0x4],
];

function unsupported(message: string): WcError {
  return new WcError('Unsupported', message);
}

// ---- render --------------------------------------------------------------------------------

function formatRights(mask: number, type: number): string {
  if (mask === 0) return '';
  // trust-label masks are not file rights: keep them numeric
  if (type === ACE_TYPE.SYSTEM_PROCESS_TRUST_LABEL) return `0x${(mask >>> 0).toString(16)}`;
  const bitTable = type === ACE_TYPE.SYSTEM_MANDATORY_LABEL ? LABEL_RIGHTS : BIT_RIGHTS;
  if (type !== ACE_TYPE.SYSTEM_MANDATORY_LABEL) {
    const exact = EXACT_RIGHTS.find(([, v]) => v === mask);
    if (exact) return exact[0];
  }
  let rest = mask >>> 0;
  let out = '';
  for (const [name, bit] of bitTable) {
    if ((rest & bit) >>> 0) {
      out += name;
      rest = (rest & ~bit) >>> 0;
    }
  }
  return rest === 0 ? out : `0x${(mask >>> 0).toString(16)}`;
}

function formatAce(ace: Ace): string {
  const type = ACE_TYPES.find(([, v]) => v === ace.type);
  if (!type) throw unsupported(`ACE type ${ace.type} has no SDDL form supported here`);
  if (ace.applicationData?.length) throw unsupported(`ACE of type ${type[0]} carries application data, which SDDL cannot show here`);
  let flags = '';
  let rest = ace.flags;
  for (const [name, bit] of ACE_FLAGS) {
    if (rest & bit) {
      flags += name;
      rest &= ~bit;
    }
  }
  if (rest) throw unsupported(`ACE flags 0x${ace.flags.toString(16)} have no SDDL form`);
  return `(${type[0]};${flags};${formatRights(ace.mask, ace.type)};${ace.objectType ?? ''};${ace.inheritedObjectType ?? ''};${sidToSddl(ace.sid)})`;
}

function formatAcl(acl: Acl | null, control: number, protectedBit: number, reqBit: number, autoBit: number): string {
  let flags = '';
  if (control & protectedBit) flags += 'P';
  if (control & reqBit) flags += 'AR';
  if (control & autoBit) flags += 'AI';
  if (acl === null) return `${flags}NO_ACCESS_CONTROL`;
  return flags + acl.aces.map(formatAce).join('');
}

/**
 * Renders a descriptor as SDDL in Windows' order (O, G, D, S). Control bits SDDL cannot say
 * (defaulted, RM control) are left out. Callback or resource-attribute ACEs → Unsupported.
 */
export function formatSddl(sd: SecurityDescriptor): string {
  let s = '';
  if (sd.owner) s += `O:${sidToSddl(sd.owner)}`;
  if (sd.group) s += `G:${sidToSddl(sd.group)}`;
  if (sd.dacl !== undefined) {
    s += `D:${formatAcl(sd.dacl, sd.control, SD_CONTROL.DACL_PROTECTED, SD_CONTROL.DACL_AUTO_INHERIT_REQ, SD_CONTROL.DACL_AUTO_INHERITED)}`;
  }
  if (sd.sacl !== undefined) {
    s += `S:${formatAcl(sd.sacl, sd.control, SD_CONTROL.SACL_PROTECTED, SD_CONTROL.SACL_AUTO_INHERIT_REQ, SD_CONTROL.SACL_AUTO_INHERITED)}`;
  }
  return s;
}

/** Self-relative descriptor bytes → SDDL (Corrupt on bad bytes, Unsupported on inexpressible ACEs). */
export function sdToSddl(bytes: Uint8Array): string {
  return formatSddl(parseSecurityDescriptor(bytes));
}

// ---- parse ---------------------------------------------------------------------------------

class SddlReader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw invalidArgument(`SDDL: ${message} at offset ${at}: ${this.text}`, { offset: at });
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
  /** Case-insensitive, like the rest of the grammar here. */
  take(s: string): boolean {
    if (this.text.slice(this.pos, this.pos + s.length).toUpperCase() !== s) return false;
    this.pos += s.length;
    return true;
  }
}

function parseSid(r: SddlReader, text: string, at: number): Sid {
  const sid = parseSddlSid(text);
  if (!sid) r.fail(`'${text}' is not a SID or a known SID alias`, at);
  return sid;
}

/** Owner/group: "S-1-..." runs until the next section; an alias is two letters. */
function readSidToken(r: SddlReader): Sid {
  const at = r.pos;
  const m = /^S-\d+-(0x[0-9A-Fa-f]{12}|\d+)(-\d+)*/i.exec(r.text.slice(r.pos)) ?? /^[A-Za-z]{2}/.exec(r.text.slice(r.pos));
  if (!m) r.fail('expected a SID', at);
  r.pos += m[0].length;
  return parseSid(r, m[0], at);
}

function parseRights(r: SddlReader, text: string, at: number): number {
  if (text === '') return 0;
  if (/^0x[0-9a-f]{1,8}$/i.test(text)) return parseInt(text.slice(2), 16) >>> 0;
  if (/^\d{1,10}$/.test(text)) {
    const n = Number(text);
    if (n <= 0xffffffff) return n;
  }
  const upper = text.toUpperCase();
  const exact = EXACT_RIGHTS.find(([name]) => name === upper);
  if (exact) return exact[1];
  if (upper.length % 2 !== 0) r.fail(`'${text}' is not an access mask`, at);
  let mask = 0;
  for (let i = 0; i < upper.length; i += 2) {
    const code = upper.slice(i, i + 2);
    const v = [...BIT_RIGHTS, ...LABEL_RIGHTS, ...EXACT_RIGHTS].find(([name]) => name === code)?.[1];
    if (v === undefined) r.fail(`unknown access right '${code}'`, at + i);
    mask = (mask | v) >>> 0;
  }
  return mask;
}

function parseAceString(r: SddlReader): Ace {
  const open = r.pos;
  r.pos++; // '('
  const close = r.text.indexOf(')', r.pos);
  if (close < 0) r.fail('ACE has no closing parenthesis', open);
  const body = r.text.slice(r.pos, close);
  const fields = body.split(';');
  if (fields.length !== 6) r.fail(`ACE has ${fields.length} fields, expected 6 (conditional and resource-attribute ACEs are not supported)`, open);
  const starts: number[] = [];
  let p = r.pos;
  for (const f of fields) {
    starts.push(p);
    p += f.length + 1;
  }
  const [typeText, flagText, rightsText, objText, inhText, sidText] = fields as [string, string, string, string, string, string];
  const type = ACE_TYPES.find(([name]) => name === typeText.toUpperCase())?.[1];
  if (type === undefined) r.fail(`unknown or unsupported ACE type '${typeText}'`, starts[0]);
  let flags = 0;
  const fu = flagText.toUpperCase();
  if (fu.length % 2 !== 0) r.fail(`'${flagText}' is not a list of ACE flags`, starts[1]);
  for (let i = 0; i < fu.length; i += 2) {
    const bit = ACE_FLAGS.find(([name]) => name === fu.slice(i, i + 2))?.[1];
    if (bit === undefined) r.fail(`unknown ACE flag '${fu.slice(i, i + 2)}'`, starts[1]! + i);
    flags |= bit;
  }
  const ace: Ace = { type, flags, mask: parseRights(r, rightsText, starts[2]!), sid: parseSid(r, sidText, starts[5]!) };
  if (objText || inhText) {
    if (!OBJECT_ACE_TYPES.has(type)) r.fail(`ACE type '${typeText}' cannot have object GUIDs`, starts[3]);
    if (objText) {
      if (!isGuidString(objText)) r.fail(`'${objText}' is not a GUID`, starts[3]);
      ace.objectType = objText.toLowerCase();
    }
    if (inhText) {
      if (!isGuidString(inhText)) r.fail(`'${inhText}' is not a GUID`, starts[4]);
      ace.inheritedObjectType = inhText.toLowerCase();
    }
  }
  r.pos = close + 1;
  return ace;
}

function parseAclSection(r: SddlReader, protectedBit: number, reqBit: number, autoBit: number): { acl: Acl | null; control: number } {
  let control = 0;
  let isNull = false;
  for (;;) {
    if (r.take('NO_ACCESS_CONTROL')) isNull = true;
    else if (r.take('P')) control |= protectedBit;
    else if (r.take('AR')) control |= reqBit;
    else if (r.take('AI')) control |= autoBit;
    else break;
  }
  const aces: Ace[] = [];
  while (r.peek('(')) aces.push(parseAceString(r));
  if (isNull && aces.length) r.fail('NO_ACCESS_CONTROL cannot be followed by ACEs');
  if (isNull) return { acl: null, control };
  const revision = aces.some((a) => OBJECT_ACE_TYPES.has(a.type)) ? ACL_REVISION_DS : ACL_REVISION;
  return { acl: { revision, aces }, control };
}

/** Parses SDDL into a descriptor (whitespace is ignored). Bad text → InvalidArgument with data.offset. */
export function parseSddl(sddl: string): SecurityDescriptor {
  const r = new SddlReader(sddl.replace(/\s+/g, ''));
  const sd: SecurityDescriptor = { control: SD_CONTROL.SELF_RELATIVE, rmControl: 0 };
  const seen = new Set<string>();
  while (!r.done()) {
    const at = r.pos;
    const section = r.text.slice(r.pos, r.pos + 2).toUpperCase();
    if (!['O:', 'G:', 'D:', 'S:'].includes(section)) r.fail('expected O:, G:, D: or S:');
    if (seen.has(section)) r.fail(`${section} appears twice`, at);
    seen.add(section);
    r.pos += 2;
    if (section === 'O:') sd.owner = readSidToken(r);
    else if (section === 'G:') sd.group = readSidToken(r);
    else if (section === 'D:') {
      const { acl, control } = parseAclSection(r, SD_CONTROL.DACL_PROTECTED, SD_CONTROL.DACL_AUTO_INHERIT_REQ, SD_CONTROL.DACL_AUTO_INHERITED);
      sd.dacl = acl;
      sd.control |= control | SD_CONTROL.DACL_PRESENT;
    } else {
      const { acl, control } = parseAclSection(r, SD_CONTROL.SACL_PROTECTED, SD_CONTROL.SACL_AUTO_INHERIT_REQ, SD_CONTROL.SACL_AUTO_INHERITED);
      sd.sacl = acl;
      sd.control |= control | SD_CONTROL.SACL_PRESENT;
    }
  }
  return sd;
}

/** SDDL → self-relative descriptor bytes, ready for MSWINDOWS.rawsd or BACKUP_SECURITY_DATA. */
export function sddlToSd(sddl: string): Uint8Array {
  return encodeSecurityDescriptor(parseSddl(sddl));
}
