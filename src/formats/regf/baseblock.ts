// The 4096-byte base block (file header): fields, checksum, dirty state, and building one.

import { corrupt } from '../../errors.js';
import { decodeUtf16le as decodeUtf16 } from '../backup/utf16.js';

export const BASE_BLOCK_SIZE = 4096;
/** Cell offsets count from the end of the base block. */
export const BINS_START = 4096;
export const NIL = 0xffffffff;

/** Base-block flag: the hive supports layered keys (differencing hive). */
export const HIVE_FLAG_LAYERED = 0x2;

export interface BaseBlock {
  primarySequence: number;
  secondarySequence: number;
  /** FILETIME of the last write (often 0 since Windows 8.1). */
  lastWritten: bigint;
  majorVersion: number;
  minorVersion: number;
  /** 0 primary, 1/2 old-format log, 6 new-format log. */
  fileType: number;
  fileFormat: number;
  rootCellOffset: number;
  binsSize: number;
  clusteringFactor: number;
  /** Debugging aid: the tail of the hive's path when it was written. */
  fileName: string;
  flags: number;
  checksum: number;
  /** The checksum matches the first 508 bytes. */
  checksumValid: boolean;
}

/** XOR of the 127 dwords before the checksum, with Windows' two substitutions (0 → 1, −1 → −2). */
export function baseBlockChecksum(b: Uint8Array): number {
  const dv = new DataView(b.buffer, b.byteOffset, 508);
  let x = 0;
  for (let i = 0; i < 508; i += 4) x ^= dv.getUint32(i, true);
  x >>>= 0;
  if (x === 0xffffffff) return 0xfffffffe;
  if (x === 0) return 1;
  return x;
}

export function parseBaseBlock(b: Uint8Array, where = 'hive'): BaseBlock {
  if (b.length < 512) throw corrupt(`${where}: file too short for a base block (${b.length} bytes)`, { offset: 0 });
  if (b[0] !== 0x72 || b[1] !== 0x65 || b[2] !== 0x67 || b[3] !== 0x66) {
    throw corrupt(`${where}: not a registry hive (no 'regf' signature at offset 0)`, { offset: 0 });
  }
  const dv = new DataView(b.buffer, b.byteOffset, 512);
  const checksum = dv.getUint32(508, true);
  let nameEnd = 48;
  while (nameEnd < 112 && (b[nameEnd] !== 0 || b[nameEnd + 1] !== 0)) nameEnd += 2;
  return {
    primarySequence: dv.getUint32(4, true),
    secondarySequence: dv.getUint32(8, true),
    lastWritten: dv.getBigUint64(12, true),
    majorVersion: dv.getUint32(20, true),
    minorVersion: dv.getUint32(24, true),
    fileType: dv.getUint32(28, true),
    fileFormat: dv.getUint32(32, true),
    rootCellOffset: dv.getUint32(36, true),
    binsSize: dv.getUint32(40, true),
    clusteringFactor: dv.getUint32(44, true),
    fileName: decodeUtf16(b.subarray(48, nameEnd)),
    flags: dv.getUint32(144, true),
    checksum,
    checksumValid: baseBlockChecksum(b) === checksum,
  };
}

/** Checks what a primary file's header must satisfy before any cell is read. */
export function checkPrimaryHeader(h: BaseBlock, fileSize: number, where = 'hive'): void {
  if (h.majorVersion !== 1 || h.minorVersion < 3 || h.minorVersion > 6) {
    throw corrupt(`${where}: unsupported hive version ${h.majorVersion}.${h.minorVersion}`, { offset: 20 });
  }
  if (h.fileFormat !== 1) throw corrupt(`${where}: unknown file format ${h.fileFormat}`, { offset: 32 });
  if (h.binsSize === 0 || h.binsSize % 4096 !== 0) {
    throw corrupt(`${where}: hive bins data size 0x${h.binsSize.toString(16)} is not a positive multiple of 4096`, { offset: 40 });
  }
  if (BINS_START + h.binsSize > fileSize) {
    throw corrupt(`${where}: hive bins data (0x${h.binsSize.toString(16)} bytes) runs past the end of the file (${fileSize} bytes)`, { offset: 40 });
  }
  if (h.rootCellOffset >= h.binsSize) {
    throw corrupt(`${where}: root cell offset 0x${h.rootCellOffset.toString(16)} is outside the hive bins`, { offset: 36 });
  }
}

export interface BaseBlockInit {
  sequence?: number;
  lastWritten?: bigint;
  minorVersion: number;
  rootCellOffset: number;
  binsSize: number;
  fileName?: string;
  flags?: number;
}

/** A fresh, clean primary base block (file type 0, both sequence numbers equal, checksummed). */
export function buildBaseBlock(init: BaseBlockInit): Uint8Array {
  const b = new Uint8Array(BASE_BLOCK_SIZE);
  const dv = new DataView(b.buffer);
  b.set([0x72, 0x65, 0x67, 0x66], 0);
  const seq = init.sequence ?? 1;
  dv.setUint32(4, seq, true);
  dv.setUint32(8, seq, true);
  dv.setBigUint64(12, init.lastWritten ?? 0n, true);
  dv.setUint32(20, 1, true);
  dv.setUint32(24, init.minorVersion, true);
  dv.setUint32(28, 0, true);
  dv.setUint32(32, 1, true);
  dv.setUint32(36, init.rootCellOffset, true);
  dv.setUint32(40, init.binsSize, true);
  dv.setUint32(44, 1, true);
  // The file name field holds the last 31 characters of the path plus a NUL.
  const name = (init.fileName ?? '').slice(-31);
  for (let i = 0; i < name.length; i++) dv.setUint16(48 + 2 * i, name.charCodeAt(i), true);
  dv.setUint32(144, init.flags ?? 0, true);
  dv.setUint32(508, baseBlockChecksum(b), true);
  return b;
}

/** Rewrites the checksum of a base block in place. */
export function resealBaseBlock(b: Uint8Array): void {
  new DataView(b.buffer, b.byteOffset, 512).setUint32(508, baseBlockChecksum(b), true);
}
