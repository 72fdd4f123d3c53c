// Path safety for layer entries in the tar codec: the rules are src/formats/paths.ts (shared
// with the layer writers); here they become "unsafe <what> path" errors and the validator stage
// (duplicates, stream order, hard-link targets, parents). Checked before anything is written.

import { invalidArgument, WcError } from '../../errors.js';
import type { Entry } from '../entry.js';
import { layerPathProblem, printableName as printable, streamNameProblem } from '../paths.js';

export { layerPathProblem, streamNameProblem } from '../paths.js';

/** Throws InvalidArgument naming the entry when `path` is not a safe layer path. */
export function checkLayerPath(path: string, what = 'entry'): void {
  const problem = layerPathProblem(path);
  if (problem) throw invalidArgument(`unsafe ${what} path '${printable(path)}': ${problem}`, { path: printable(path) });
}

/** Case-insensitive key: NTFS compares names case-insensitively, so `a` and `A` collide. */
function key(path: string): string {
  return path.toUpperCase();
}

export interface ValidateOptions {
  /** Require every parent directory to appear before its children (hcsshim's import needs this). */
  requireParents?: boolean;
}

/**
 * The checks of the validator stage, one entry at a time, for code that runs its own loop:
 * unsafe paths, duplicates, an ADS that does not follow its file, a hard link to an entry not
 * seen yet (or to a directory), and, on request, a missing parent directory.
 */
export class EntryValidator {
  private readonly seen = new Map<string, 'file' | 'directory'>();
  private lastMain: string | undefined; // the file or directory the next ADS may belong to
  private streamsOfLast: Set<string> | undefined; // made when the first stream comes: most files have none

  constructor(private readonly options: ValidateOptions = {}) {}

  /** Throws InvalidArgument naming the entry; otherwise records it. */
  check(e: Entry): void {
    checkLayerPath(e.path, e.kind);
    const k = key(e.path);
    switch (e.kind) {
      case 'file':
      case 'directory':
      case 'link': {
        if (this.seen.has(k)) throw new WcError('InvalidArgument', `duplicate entry '${e.path}' (names differing only in case collide on Windows)`, { path: e.path });
        if (this.options.requireParents) {
          const slash = e.path.lastIndexOf('/');
          if (slash > 0 && this.seen.get(key(e.path.slice(0, slash))) !== 'directory') {
            throw new WcError('InvalidArgument', `entry '${e.path}' comes before its parent directory '${e.path.slice(0, slash)}'`, { path: e.path });
          }
        }
        if (e.kind === 'link') {
          checkLayerPath(e.target, 'hard link target');
          const target = this.seen.get(key(e.target));
          if (!target) throw new WcError('InvalidArgument', `hard link '${e.path}' points to '${e.target}', which is not an earlier entry`, { path: e.path, target: e.target });
          if (target === 'directory') throw new WcError('InvalidArgument', `hard link '${e.path}' points to the directory '${e.target}'`, { path: e.path, target: e.target });
          this.seen.set(k, 'file');
          this.lastMain = undefined;
        } else {
          this.seen.set(k, e.kind);
          this.lastMain = e.path;
          this.streamsOfLast = undefined;
        }
        break;
      }
      case 'stream': {
        const problem = streamNameProblem(e.name);
        if (problem) throw new WcError('InvalidArgument', `alternate data stream '${e.path}:${e.name}': ${problem}`, { path: e.path });
        if (this.lastMain !== e.path) {
          throw new WcError('InvalidArgument', `alternate data stream '${e.path}:${e.name}' does not follow its file '${e.path}'`, { path: e.path });
        }
        const sk = key(e.name);
        this.streamsOfLast ??= new Set();
        if (this.streamsOfLast.has(sk)) throw new WcError('InvalidArgument', `duplicate alternate data stream '${e.path}:${e.name}'`, { path: e.path });
        this.streamsOfLast.add(sk);
        break;
      }
      case 'whiteout':
        this.lastMain = undefined;
        break;
    }
  }
}

/**
 * A validator stage over an entry stream: passes entries through unchanged and throws (before
 * yielding the bad entry) on anything EntryValidator refuses.
 */
export async function* validateEntries(entries: AsyncIterable<Entry>, options: ValidateOptions = {}): AsyncGenerator<Entry> {
  const validator = new EntryValidator(options);
  for await (const e of entries) {
    validator.check(e);
    yield e;
  }
}
