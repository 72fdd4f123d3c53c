// Positioned writes of several views at once: what the CIM files' append sinks (buffered and
// direct) hand to the file system.

import type { FileHandle } from 'node:fs/promises';

const IOV_MAX = 1024;

/** Writes every byte of `views` at `position`: writev in groups, then plain writes after a short one. */
export async function writeViews(fh: FileHandle, views: readonly Uint8Array[], position: number): Promise<void> {
  for (let i = 0; i < views.length; i += IOV_MAX) {
    const group = views.slice(i, i + IOV_MAX);
    let want = 0;
    for (const v of group) want += v.length;
    let { bytesWritten: done } = await fh.writev(group, position);
    position += done;
    if (done === want) continue;
    for (const v of group) {
      if (done >= v.length) {
        done -= v.length;
        continue;
      }
      let k = done;
      done = 0;
      while (k < v.length) {
        const { bytesWritten } = await fh.write(v, k, v.length - k, position);
        if (bytesWritten === 0) throw new Error(`the file system took no bytes at offset ${position}`);
        k += bytesWritten;
        position += bytesWritten;
      }
    }
  }
}
