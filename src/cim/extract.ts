// Copies an image's tree (or a subtree) out to a directory. The files appear under a temporary
// name beside the destination and are renamed into place only when everything was written.
// What a plain directory cannot hold is counted, not faked: alternate streams, SDs, EAs and
// reparse points are left out (use a layer export for those). Hard links stay hard links.

import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { corrupt, fromNodeError, WcError } from '../errors.js';
import type { CimImage } from '../formats/cim/reader.js';
import { invalidNameReason } from '../formats/cim/names.js';
import { filetimeToUnixMs } from '../formats/backup/filetime.js';
import { throwIfCancelled, type TaskOptions } from '../task.js';

export interface ExtractResult {
  destination: string;
  files: number;
  directories: number;
  hardLinks: number;
  bytes: number;
  /** Alternate data streams not written (a plain directory has no place for them). */
  streamsSkipped: number;
  reparsePointsSkipped: number;
}

function toDate(ft: bigint): Date | undefined {
  const ms = ft > 0n ? filetimeToUnixMs(ft) : undefined;
  return ms === undefined ? undefined : new Date(ms);
}

export async function extractImage(img: CimImage, destination: string, itemPath = '', options: TaskOptions = {}): Promise<ExtractResult> {
  const dest = resolve(destination);
  if (await fs.lstat(dest).then(() => true, () => false)) throw new WcError('AlreadyExists', `destination ${dest} already exists`, { path: dest });
  const tmp = join(dirname(dest), `.${basename(dest)}.tmp-${randomBytes(6).toString('hex')}`);
  const result: ExtractResult = { destination: dest, files: 0, directories: 0, hardLinks: 0, bytes: 0, streamsSkipped: 0, reparsePointsSkipped: 0 };
  const rootId = await img.lookup(itemPath);
  const rootStat = await img.stat(rootId);
  if (!rootStat.isDirectory) throw new WcError('FailedPrecondition', `${itemPath} is a file; extract takes a directory (use cat for one file)`, { path: itemPath });
  try {
    await fs.mkdir(tmp);
    const written = new Map<number, string>();
    const dirTimes: { path: string; atime: Date; mtime: Date }[] = [];
    for await (const w of img.walk(rootId, '', '/')) {
      throwIfCancelled(options.signal, 'extracting the image');
      for (const part of w.path.split('/')) {
        const why = invalidNameReason(part);
        if (why) throw corrupt(`${img.cimName}: entry name ${JSON.stringify(part)} in ${w.path}: ${why}`, { path: w.path });
      }
      const out = join(tmp, ...w.path.split('/'));
      const prior = written.get(w.fileId);
      if (prior !== undefined) {
        await fs.link(prior, out);
        result.hardLinks++;
        continue;
      }
      const st = await img.stat(w.fileId);
      result.streamsSkipped += st.alternateStreams.length;
      if (st.info.reparseData) result.reparsePointsSkipped++;
      const mtime = toDate(st.info.lastWriteTime);
      const atime = toDate(st.info.lastAccessTime) ?? mtime;
      if (st.isDirectory) {
        await fs.mkdir(out);
        result.directories++;
        if (mtime) dirTimes.push({ path: out, atime: atime!, mtime });
        continue;
      }
      const source = img.createReadStream(w.fileId);
      const sink = createWriteStream(out, { flags: 'wx' });
      if (options.signal) await pipeline(source, sink, { signal: options.signal });
      else await pipeline(source, sink);
      if (mtime) await fs.utimes(out, atime!, mtime);
      written.set(w.fileId, out);
      result.files++;
      result.bytes += st.size;
      options.onProgress?.({ entriesDone: result.files + result.directories, bytesDone: result.bytes, message: w.path });
    }
    // Directory times last, deepest first, since writing inside a directory changes its mtime.
    for (const d of dirTimes.reverse()) await fs.utimes(d.path, d.atime, d.mtime);
    await fs.rename(tmp, dest);
    return result;
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (e instanceof WcError) throw e;
    throw fromNodeError(e, dest);
  }
}
