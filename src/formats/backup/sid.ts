// Security identifiers: binary form (Revision u8, SubAuthorityCount u8, 48-bit big-endian
// IdentifierAuthority, SubAuthorityCount × u32 LE), string form S-1-<authority>-<sub>..., and
// the two-letter SDDL aliases of the well-known SIDs (MS-DTYP 2.4.2.4 "Well-Known SID
// Structures" and the "SID Strings" table of the SDDL documentation).

import { corrupt, invalidArgument } from '../../errors.js';

export interface Sid {
  /** Always 1. */
  revision: number;
  /** IdentifierAuthority, a 48-bit value. */
  authority: number;
  subAuthorities: number[];
}

export const SID_MAX_SUB_AUTHORITIES = 15;

export function sidLength(sid: Sid): number {
  return 8 + 4 * sid.subAuthorities.length;
}

/** Reads a SID at `offset` of `buf`, checking it fits within `end`. */
export function parseSid(buf: Uint8Array, offset: number, end: number = buf.length, what = 'SID'): Sid {
  if (offset < 0 || offset + 8 > end) {
    throw corrupt(`${what} at offset ${offset} does not fit (${end - offset} bytes available, 8 needed)`, { offset });
  }
  const revision = buf[offset]!;
  const count = buf[offset + 1]!;
  if (revision !== 1) throw corrupt(`${what} at offset ${offset} has revision ${revision}, expected 1`, { offset });
  if (count > SID_MAX_SUB_AUTHORITIES) {
    throw corrupt(`${what} at offset ${offset} has ${count} sub-authorities, at most ${SID_MAX_SUB_AUTHORITIES} allowed`, { offset: offset + 1 });
  }
  if (offset + 8 + 4 * count > end) {
    throw corrupt(`${what} at offset ${offset} with ${count} sub-authorities runs past the end (${end})`, { offset });
  }
  let authority = 0;
  for (let i = 0; i < 6; i++) authority = authority * 256 + buf[offset + 2 + i]!;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const subAuthorities: number[] = [];
  for (let i = 0; i < count; i++) subAuthorities.push(dv.getUint32(offset + 8 + 4 * i, true));
  return { revision, authority, subAuthorities };
}

export function writeSid(sid: Sid, out: Uint8Array, offset: number): number {
  out[offset] = sid.revision;
  out[offset + 1] = sid.subAuthorities.length;
  let a = sid.authority;
  for (let i = 5; i >= 0; i--) {
    out[offset + 2 + i] = a % 256;
    a = Math.floor(a / 256);
  }
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  sid.subAuthorities.forEach((s, i) => dv.setUint32(offset + 8 + 4 * i, s, true));
  return offset + sidLength(sid);
}

export function encodeSid(sid: Sid): Uint8Array {
  checkSid(sid);
  const out = new Uint8Array(sidLength(sid));
  writeSid(sid, out, 0);
  return out;
}

export function checkSid(sid: Sid): void {
  if (sid.revision !== 1) throw invalidArgument(`SID revision ${sid.revision} is not 1`);
  if (sid.subAuthorities.length > SID_MAX_SUB_AUTHORITIES) throw invalidArgument(`SID has more than ${SID_MAX_SUB_AUTHORITIES} sub-authorities`);
  if (!Number.isSafeInteger(sid.authority) || sid.authority < 0 || sid.authority >= 2 ** 48) throw invalidArgument(`SID authority ${sid.authority} is not 48-bit`);
  for (const s of sid.subAuthorities) if (!Number.isInteger(s) || s < 0 || s > 0xffffffff) throw invalidArgument(`SID sub-authority ${s} is not 32-bit`);
}

/** S-1-5-32-544; authorities of 2^32 and above in hex, as Windows writes them. */
export function sidToString(sid: Sid): string {
  const auth = sid.authority >= 2 ** 32 ? `0x${sid.authority.toString(16).toUpperCase().padStart(12, '0')}` : String(sid.authority);
  return ['S', sid.revision, auth, ...sid.subAuthorities].join('-');
}

/** Parses "S-1-5-18" (case-insensitive 'S'); returns undefined when the text is not a SID string. */
export function parseSidString(text: string): Sid | undefined {
  const m = /^S-(\d+)-(0x[0-9a-f]{1,12}|\d{1,15})((?:-\d{1,10})*)$/i.exec(text);
  if (!m) return undefined;
  const revision = Number(m[1]);
  const authority = Number(m[2]);
  const subs = m[3] ? m[3].slice(1).split('-').map(Number) : [];
  if (revision !== 1 || authority >= 2 ** 48 || subs.length > SID_MAX_SUB_AUTHORITIES || subs.some((s) => s > 0xffffffff)) return undefined;
  return { revision, authority, subAuthorities: subs };
}

/**
 * SDDL aliases for SIDs that need no domain. Domain-relative aliases (DA, DU, LA, ...) are not
 * listed: without the machine's domain SID they cannot be turned into SIDs.
 */
export const SID_ALIASES: Readonly<Record<string, string>> = {
  AA: 'S-1-5-32-579', // access control assistance operators
  AC: 'S-1-15-2-1', // all application packages
  AN: 'S-1-5-7', // anonymous logon
  AO: 'S-1-5-32-548', // account operators
  AS: 'S-1-18-1', // authentication authority asserted identity
  AU: 'S-1-5-11', // authenticated users
  BA: 'S-1-5-32-544', // built-in administrators
  BG: 'S-1-5-32-546', // built-in guests
  BO: 'S-1-5-32-551', // backup operators
  BU: 'S-1-5-32-545', // built-in users
  CD: 'S-1-5-32-574', // certificate service DCOM access
  CG: 'S-1-3-1', // creator group
  CO: 'S-1-3-0', // creator owner
  CY: 'S-1-5-32-569', // cryptographic operators
  ED: 'S-1-5-9', // enterprise domain controllers
  ER: 'S-1-5-32-573', // event log readers
  ES: 'S-1-5-32-576', // RDS endpoint servers
  HA: 'S-1-5-32-578', // Hyper-V administrators
  HI: 'S-1-16-12288', // high integrity level
  IS: 'S-1-5-32-568', // IIS_IUSRS
  IU: 'S-1-5-4', // interactive
  LS: 'S-1-5-19', // local service
  LU: 'S-1-5-32-559', // performance log users
  LW: 'S-1-16-4096', // low integrity level
  ME: 'S-1-16-8192', // medium integrity level
  MP: 'S-1-16-8448', // medium-plus integrity level
  MS: 'S-1-5-32-577', // RDS management servers
  MU: 'S-1-5-32-558', // performance monitor users
  NO: 'S-1-5-32-556', // network configuration operators
  NS: 'S-1-5-20', // network service
  NU: 'S-1-5-2', // network logon users
  OW: 'S-1-3-4', // owner rights
  PO: 'S-1-5-32-550', // printer operators
  PS: 'S-1-5-10', // principal self
  PU: 'S-1-5-32-547', // power users
  RA: 'S-1-5-32-575', // RDS remote access servers
  RC: 'S-1-5-12', // restricted code
  RD: 'S-1-5-32-555', // remote desktop users
  RE: 'S-1-5-32-552', // replicator
  RM: 'S-1-5-32-580', // remote management users
  RU: 'S-1-5-32-554', // pre-Windows 2000 compatible access
  SI: 'S-1-16-16384', // system integrity level
  SO: 'S-1-5-32-549', // server operators
  SS: 'S-1-18-2', // service asserted identity
  SU: 'S-1-5-6', // service logon users
  SY: 'S-1-5-18', // local system
  UD: 'S-1-5-84-0-0-0-0-0', // user-mode drivers
  WD: 'S-1-1-0', // everyone
  WR: 'S-1-5-33', // write restricted code
};

const aliasBySid = new Map(Object.entries(SID_ALIASES).map(([alias, sid]) => [sid, alias]));

/** The SDDL form of a SID: its alias if it has one, else S-1-.... */
export function sidToSddl(sid: Sid): string {
  const s = sidToString(sid);
  return aliasBySid.get(s) ?? s;
}

/** Parses an SDDL SID: an alias (BA, SY ...) or S-1-...; undefined if neither. */
export function parseSddlSid(text: string): Sid | undefined {
  const full = SID_ALIASES[text.toUpperCase()];
  return parseSidString(full ?? text);
}
