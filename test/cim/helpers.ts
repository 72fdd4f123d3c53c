// Shared helpers for the CIM tests: temporary directories, FileInfo builders, collecting a tree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileInfo } from '../../src/formats/entry.js';
import type { CimImage } from '../../src/formats/cim/reader.js';

export function tempDir(tag: string): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `wclayer-cim-${tag}-`));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

export function fileInfo(over: Partial<FileInfo> = {}): FileInfo {
  return { attributes: 0x20, creationTime: 132469312249553355n, lastAccessTime: 132469312249553356n, lastWriteTime: 132469312249553357n, changeTime: 132469312249553358n, ...over };
}

export function dirInfo(over: Partial<FileInfo> = {}): FileInfo {
  return fileInfo({ attributes: 0x10, ...over });
}

export async function readAll(img: CimImage, id: number, stream?: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of img.createReadStream(id, stream === undefined ? {} : { streamName: stream })) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

export const isLong = process.env.WCLAYER_FUZZ === 'long';
