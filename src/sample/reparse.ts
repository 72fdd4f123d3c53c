// The few REPARSE_DATA_BUFFERs the sample generator needs (symbolic links and mount points),
// laid out as in layer-format.md 2.6. This is a stand-in so src/sample/ does not depend on
// src/formats/backup/reparse.ts, which is being written at the same time: the integrator
// replaces these calls with that module's encoder (and the tests then compare the two).

const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
const SYMLINK_FLAG_RELATIVE = 1;

function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

/** NT substitute name of a Windows target: \\?\x → \??\x, \\server\share → \??\UNC\..., C:\ → \??\C:\, else relative. */
function substituteName(target: string): { name: string; relative: boolean } {
  if (target.startsWith('\\\\?\\')) return { name: `\\??\\${target.slice(4)}`, relative: false };
  if (target.startsWith('\\\\')) return { name: `\\??\\UNC\\${target.slice(2)}`, relative: false };
  if (/^[A-Za-z]:/.test(target)) return { name: `\\??\\${target}`, relative: false };
  return { name: target, relative: true };
}

function build(target: string, mountPoint: boolean): Uint8Array {
  const { name, relative } = substituteName(target);
  const sub = utf16(`${name}\0`);
  const print = utf16(`${target}\0`);
  const fixed = mountPoint ? 8 : 12;
  const out = Buffer.alloc(8 + fixed + sub.length + print.length);
  out.writeUInt32LE(mountPoint ? IO_REPARSE_TAG_MOUNT_POINT : IO_REPARSE_TAG_SYMLINK, 0);
  out.writeUInt16LE(fixed + sub.length + print.length, 4);
  out.writeUInt16LE(0, 8);
  out.writeUInt16LE(sub.length - 2, 10);
  out.writeUInt16LE(sub.length, 12);
  out.writeUInt16LE(print.length - 2, 14);
  if (!mountPoint) out.writeUInt32LE(relative ? SYMLINK_FLAG_RELATIVE : 0, 16);
  sub.copy(out, 8 + fixed);
  print.copy(out, 8 + fixed + sub.length);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

export function sampleSymlinkReparse(target: string): Uint8Array {
  return build(target, false);
}

export function sampleMountPointReparse(target: string): Uint8Array {
  return build(target, true);
}
