// Security descriptors the writer needs when the caller gives none: a self-relative descriptor
// owned by Administrators with SYSTEM and Administrators full control and Users read access,
// all inherited by subkeys (what Windows puts on most keys of a fresh system hive).

function sid(authority: number, ...subs: number[]): number[] {
  const out = [1, subs.length, 0, 0, 0, 0, 0, authority];
  for (const s of subs) out.push(s & 0xff, (s >>> 8) & 0xff, (s >>> 16) & 0xff, (s >>> 24) & 0xff);
  return out;
}

const KEY_ALL_ACCESS = 0xf003f;
const KEY_READ = 0x20019;
const CONTAINER_INHERIT = 0x02;

function ace(mask: number, who: number[]): number[] {
  const size = 8 + who.length;
  return [0, CONTAINER_INHERIT, size & 0xff, size >> 8, mask & 0xff, (mask >>> 8) & 0xff, (mask >>> 16) & 0xff, (mask >>> 24) & 0xff, ...who];
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

function build(): Uint8Array {
  const admins = sid(5, 32, 544);
  const system = sid(5, 18);
  const users = sid(5, 32, 545);
  const aces = [...ace(KEY_ALL_ACCESS, system), ...ace(KEY_ALL_ACCESS, admins), ...ace(KEY_READ, users)];
  const acl = [2, 0, (8 + aces.length) & 0xff, (8 + aces.length) >> 8, 3, 0, 0, 0, ...aces];
  const ownerAt = 20;
  const groupAt = ownerAt + admins.length;
  const daclAt = groupAt + system.length;
  // revision 1, control SE_SELF_RELATIVE | SE_DACL_PRESENT
  const head = [1, 0, 0x04, 0x80, ...u32(ownerAt), ...u32(groupAt), ...u32(0), ...u32(daclAt)];
  return Uint8Array.from([...head, ...admins, ...system, ...acl]);
}

export const DEFAULT_KEY_SECURITY: Uint8Array = build();
