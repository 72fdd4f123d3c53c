// REPARSE_DATA_BUFFER (spec 2.6): decode any buffer (symbolic link, mount point, or any other
// tag kept as raw bytes) with every length and offset checked, and encode symbolic-link and
// mount-point buffers exactly as go-winio's EncodeReparsePoint does.

import { corrupt, WcError } from '../../errors.js';

export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
export const SYMLINK_FLAG_RELATIVE = 0x1;

export type ReparsePoint =
  | {
      kind: 'symlink';
      tag: number;
      /** The print name (what go-winio returns as the target and tar carries as linkname). */
      target: string;
      /** The NT path (`\??\C:\x`) or, for relative links, the relative path. */
      substituteName: string;
      relative: boolean;
    }
  | { kind: 'mountPoint'; tag: number; target: string; substituteName: string }
  | { kind: 'other'; tag: number; data: Uint8Array };

export function reparseTag(buf: Uint8Array): number {
  if (buf.length < 8) throw corrupt(`reparse buffer of ${buf.length} bytes is shorter than its 8-byte header`, { offset: 0 });
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(0, true);
}

export function decodeReparsePoint(buf: Uint8Array): ReparsePoint {
  const tag = reparseTag(buf);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dataLength = view.getUint16(4, true);
  if (8 + dataLength > buf.length) {
    throw corrupt(`reparse buffer: ReparseDataLength ${dataLength} runs past the ${buf.length}-byte buffer`, { offset: 4 });
  }
  if (tag !== IO_REPARSE_TAG_SYMLINK && tag !== IO_REPARSE_TAG_MOUNT_POINT) {
    return { kind: 'other', tag, data: buf.slice() };
  }
  const isLink = tag === IO_REPARSE_TAG_SYMLINK;
  const pathBufferStart = isLink ? 20 : 16;
  const end = 8 + dataLength;
  if (end < pathBufferStart) throw corrupt(`reparse buffer: ReparseDataLength ${dataLength} is too short for a ${isLink ? 'symbolic link' : 'mount point'}`, { offset: 4 });
  const subOff = view.getUint16(8, true);
  const subLen = view.getUint16(10, true);
  const printOff = view.getUint16(12, true);
  const printLen = view.getUint16(14, true);
  const flags = isLink ? view.getUint32(16, true) : 0;
  const name = (off: number, len: number, field: string, fieldOffset: number): string => {
    if (off % 2 !== 0 || len % 2 !== 0) throw corrupt(`reparse buffer: ${field} offset ${off} / length ${len} not a whole number of UTF-16 units`, { offset: fieldOffset });
    const start = pathBufferStart + off;
    if (start + len > end) throw corrupt(`reparse buffer: ${field} (offset ${off}, length ${len}) runs past the path buffer`, { offset: fieldOffset });
    return Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('utf16le');
  };
  const substituteName = name(subOff, subLen, 'SubstituteName', 8);
  let target = name(printOff, printLen, 'PrintName', 12);
  // Decision: go-winio returns the print name even when empty; some tools write only the
  // substitute name, so fall back to it (in Win32 form) to keep a usable link target.
  if (target === '' && substituteName !== '') target = ntToWin32Path(substituteName);
  if (isLink) return { kind: 'symlink', tag, target, substituteName, relative: (flags & SYMLINK_FLAG_RELATIVE) !== 0 };
  return { kind: 'mountPoint', tag, target, substituteName };
}

/** The link target of a symlink or mount point; any other tag fails like go-winio's DecodeReparsePoint. */
export function reparseTarget(buf: Uint8Array): { target: string; isMountPoint: boolean } {
  const rp = decodeReparsePoint(buf);
  if (rp.kind === 'other') throw new WcError('Unsupported', `unsupported reparse point ${rp.tag.toString(16)}`, { tag: rp.tag });
  return { target: rp.target, isMountPoint: rp.kind === 'mountPoint' };
}

function ntToWin32Path(nt: string): string {
  if (nt.startsWith('\\??\\UNC\\')) return `\\\\${nt.slice(8)}`;
  if (nt.startsWith('\\??\\')) return nt.slice(4);
  return nt;
}

/**
 * go-winio EncodeReparsePoint: substitute name `\??\`-prefixed for `\\?\`, UNC and drive-letter
 * targets, the target itself (and the relative flag for symlinks) otherwise; PathBuffer is
 * substitute name + NUL, print name + NUL in UTF-16LE.
 */
export function encodeReparsePoint(target: string, isMountPoint: boolean): Uint8Array {
  let substitute: string;
  let relative = false;
  if (target.startsWith('\\\\?\\')) substitute = `\\??\\${target.slice(4)}`;
  else if (target.startsWith('\\\\')) substitute = `\\??\\UNC\\${target.slice(2)}`;
  else if (target.length >= 2 && /^[A-Za-z]$/.test(target[0]!) && target[1] === ':') substitute = `\\??\\${target}`;
  else {
    substitute = target;
    relative = true;
  }
  const sub = Buffer.from(substitute, 'utf16le');
  const print = Buffer.from(target, 'utf16le');
  const pathBufferStart = isMountPoint ? 16 : 20;
  const pathBytes = sub.length + 2 + print.length + 2;
  const dataLength = pathBufferStart - 8 + pathBytes;
  if (dataLength > 0xffff) throw new WcError('InvalidArgument', `reparse target is too long (${target.length} characters)`, { target });
  const out = Buffer.alloc(8 + dataLength);
  out.writeUInt32LE(isMountPoint ? IO_REPARSE_TAG_MOUNT_POINT : IO_REPARSE_TAG_SYMLINK, 0);
  out.writeUInt16LE(dataLength, 4);
  out.writeUInt16LE(0, 8);
  out.writeUInt16LE(sub.length, 10);
  out.writeUInt16LE(sub.length + 2, 12);
  out.writeUInt16LE(print.length, 14);
  if (!isMountPoint) out.writeUInt32LE(relative ? SYMLINK_FLAG_RELATIVE : 0, 16);
  sub.copy(out, pathBufferStart);
  print.copy(out, pathBufferStart + sub.length + 2);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
