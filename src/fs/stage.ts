// Writing a file through a temporary name in the target's folder, renamed over the target once
// everything is written and synced (the brief's rule for anything that writes files). One
// implementation for hive exports, .reg/.json output and the legacy layer's metadata rewrite.

import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fromNodeError, WcError } from '../errors.js';

/** A fresh hidden name beside `target`: `.<name>.<random>.tmp`. */
export function temporarySibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export interface StageOptions {
  overwrite?: boolean;
  /**
   * Sync the file before the rename (default true), so a crash leaves the old file or the new
   * one whole. false where the folder around it is not synced either (a layer just written):
   * there the sync buys nothing and waits for the file system to commit everything else dirty.
   */
  sync?: boolean;
}

/**
 * Creates a file through a temporary name in the target's folder: `fill` writes it (through the
 * open handle), then it is synced and renamed over the target; on failure the temporary file is
 * removed. AlreadyExists when the target exists and `overwrite` is not set.
 */
export async function stageFile<T>(target: string, fill: (fh: FileHandle) => Promise<T>, options: StageOptions = {}): Promise<T> {
  if (!options.overwrite && (await stat(target).catch(() => undefined))) {
    throw new WcError('AlreadyExists', `'${target}' already exists (pass overwrite to replace it)`, { path: target });
  }
  const temp = temporarySibling(target);
  let fh: FileHandle | undefined;
  try {
    fh = await open(temp, 'wx');
  } catch (e) {
    throw fromNodeError(e, temp);
  }
  try {
    const result = await fill(fh);
    if (options.sync !== false) await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(temp, target);
    return result;
  } catch (e) {
    if (fh) await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw fromNodeError(e, target);
  }
}

/**
 * Writes a file by streaming chunks to a temporary name in the target's folder and renaming it
 * over the target when everything was written; on failure the temporary file is removed.
 */
export async function writeFileAtomic(
  target: string,
  chunks: Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: StageOptions & { encoding?: 'utf8' | 'utf16le' } = {},
): Promise<number> {
  return stageFile(
    target,
    async (fh) => {
      let written = 0;
      const write = async (c: Uint8Array | string): Promise<void> => {
        const b = typeof c === 'string' ? Buffer.from(c, options.encoding ?? 'utf8') : c;
        let done = 0;
        while (done < b.length) done += (await fh.write(b, done, b.length - done)).bytesWritten;
        written += b.length;
      };
      if (chunks instanceof Uint8Array) await write(chunks);
      else for await (const c of chunks as AsyncIterable<Uint8Array | string>) await write(c);
      return written;
    },
    options,
  );
}
