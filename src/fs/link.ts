import { constants as fsConstants } from 'node:fs';
import { copyFile, link } from 'node:fs/promises';

/**
 * Hard link, or a copy where the file system cannot link (another device, no link support,
 * too many links). The target must not exist. Throws Node errors; callers name the path.
 */
export async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw e;
    await copyFile(from, to, fsConstants.COPYFILE_EXCL);
  }
}
