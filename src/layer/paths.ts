// Layer path safety for the layer writers and readers: the one place here that decides whether
// an entry name may be written. Entry paths are layer-relative with '/' separators
// (src/formats/entry.ts). The rules are src/formats/paths.ts, shared with the tar codec; this
// file keeps the writers' wording ("unsafe <what> name", data.entry) and one stricter limit.
//
// Reconciled with the tar rules when they were merged into one: the layer writers now also
// refuse the characters Windows forbids in names (`* ? " < > |`) and components longer than 255
// characters, as the tar codec did (Windows could not create them anyway). The path length
// limit stays 32000 here (not the tar codec's 32766) to leave room for the layer folder's own
// path below the \\?\ root.

import { invalidArgument } from '../errors.js';
import { layerPathProblem, printableName, streamNameProblem } from '../formats/paths.js';

/** Longest layer path the writers accept, in UTF-16 code units (the layer folder needs the rest). */
const MAX_PATH_UNITS = 32_000;

/**
 * Throws InvalidArgument naming the entry when `path` is not a safe layer path (see
 * src/formats/paths.ts): empty, absolute, UNC, a drive letter or any ':' (ADS names travel
 * separately), a backslash, '.' or '..' or empty components, control characters, characters
 * Windows forbids, or longer than Windows allows.
 */
export function checkLayerPath(path: string, what = 'entry'): void {
  const problem = layerPathProblem(path, MAX_PATH_UNITS);
  if (problem) throw invalidArgument(`unsafe ${what} name '${printableName(path)}': ${problem}`, { entry: path });
}

/** Throws InvalidArgument when `name` is not a usable alternate data stream name. */
export function checkStreamName(path: string, name: string): void {
  if (streamNameProblem(name)) {
    throw invalidArgument(`invalid alternate stream name '${printableName(String(name))}' on ${path}`, { entry: `${path}:${name}` });
  }
}

/** The parent folder of a layer path ('' for a top-level name). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

/** hcsshim's hasPathPrefix: case-sensitive, and the next character must be a separator. */
export function hasPathPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && path.length > prefix.length && path[prefix.length] === '/';
}
