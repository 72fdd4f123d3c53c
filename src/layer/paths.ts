// Layer path safety: the one place that decides whether an entry name may be written.
// Entry paths are layer-relative with '/' separators (src/formats/entry.ts). Anything that could
// reach outside the layer folder, or that Windows would read differently from Linux, is refused
// before a byte is written. The tar codec has its own checks; the integrator may point
// checkLayerPath at the shared one, so keep every caller going through this function.

import { invalidArgument } from '../errors.js';

/** Longest path Windows accepts below a \\?\ root, in UTF-16 code units. */
const MAX_PATH_UNITS = 32_000;

/**
 * Throws InvalidArgument naming the entry when `path` is not a safe layer path: empty,
 * absolute ('/x', UNC '//s/x'), a drive letter or any ':' (ADS names travel separately),
 * a backslash (a separator on Windows), '.' or '..' components, empty components ('a//b',
 * trailing '/'), NUL or other control characters, or longer than Windows allows.
 */
export function checkLayerPath(path: string, what = 'entry'): void {
  const bad = (why: string): never => {
    throw invalidArgument(`unsafe ${what} name '${printable(path)}': ${why}`, { entry: path });
  };
  if (typeof path !== 'string' || path.length === 0) bad('the name is empty');
  if (path.length > MAX_PATH_UNITS) bad(`longer than ${MAX_PATH_UNITS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f]/.test(path)) bad('it contains a control character');
  if (path.startsWith('/')) bad('absolute paths are not allowed');
  if (path.includes('\\')) bad('backslashes are not allowed (use /)');
  if (path.includes(':')) bad(/^[A-Za-z]:/.test(path) ? 'drive letters are not allowed' : "':' is not allowed in a path");
  for (const part of path.split('/')) {
    if (part === '') bad('empty path component');
    if (part === '.' || part === '..') bad(`'${part}' components are not allowed`);
  }
}

/** Throws InvalidArgument when `name` is not a usable alternate data stream name. */
export function checkStreamName(path: string, name: string): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || /[\x00-\x1f:/\\]/.test(name)) {
    throw invalidArgument(`invalid alternate stream name '${printable(String(name))}' on ${path}`, { entry: `${path}:${name}` });
  }
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
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
