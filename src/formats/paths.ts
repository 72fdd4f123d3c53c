// Layer path safety rules, the single source for every codec and writer: a layer path must stay
// inside the layer whatever OS later creates it (spec 6.1). Pure: the callers turn a problem
// into their own error (the tar codec: "unsafe <what> path"; the layer writers: "unsafe <what>
// name", naming the entry).
//
// A LayerPath is relative, '/'-separated, with no empty, '.' or '..' component. Rejected:
// absolute paths (`/x`), drive letters (`C:x`), UNC and device prefixes (`//server`, `\\?\`),
// backslashes (a separator on Windows, so `a\..\..\x` would escape; spec 8.17), NUL and control
// characters, and the characters Windows forbids in names (`: * ? " < > |`; a ':' in a tar
// name is only legal as an ADS suffix, which the decoder has already split off).

/** Longest path a relative NT open accepts, in UTF-16 code units (spec 6.1). */
export const MAX_LAYER_PATH_UNITS = 32766;
export const MAX_COMPONENT_UNITS = 255;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\\:*?"<>|]/;
/** Character codes below 0x80 a component may hold: not FORBIDDEN, not '/' (the separator). */
const PLAIN_CHAR = new Uint8Array(128).fill(1);
for (let c = 0; c < 0x20; c++) PLAIN_CHAR[c] = 0;
for (const c of '\\:*?"<>|/') PLAIN_CHAR[c.charCodeAt(0)] = 0;

/**
 * '/'-separated non-empty components, none '.' or '..', without a FORBIDDEN character; every
 * code unit from 0x80 up is allowed. One loop over the characters: a regular expression doing
 * the same costs several times more, and every entry of every layer passes here.
 */
function isPlainPath(path: string): boolean {
  const n = path.length;
  let start = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? path.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const len = i - start;
      if (len === 0) return false;
      if (path.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e))) return false;
      start = i + 1;
    } else if (c < 0x80 && PLAIN_CHAR[c] === 0) return false;
  }
  return true;
}

/**
 * Why `path` is unsafe, or undefined if it is a valid layer path. `maxUnits` lets a writer that
 * places the path below a folder of its own keep room for that folder's name.
 */
export function layerPathProblem(path: string, maxUnits = MAX_LAYER_PATH_UNITS): string | undefined {
  // One pass for the usual case, a short path of plain components; the checks below find (and
  // word) the problem otherwise.
  if (typeof path === 'string' && path.length <= MAX_COMPONENT_UNITS && path.length <= maxUnits && isPlainPath(path)) return undefined;
  return layerPathProblemByRule(path, maxUnits);
}

/** layerPathProblem without its one-pass shortcut: each rule in turn (exported so tests can compare both). */
export function layerPathProblemByRule(path: string, maxUnits = MAX_LAYER_PATH_UNITS): string | undefined {
  if (typeof path !== 'string' || path === '') return 'the path is empty';
  if (path.includes('\0')) return 'the path contains a NUL character';
  if (path.startsWith('\\\\') || path.startsWith('//')) return 'the path has a UNC or device prefix';
  if (path.startsWith('/')) return 'the path is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'the path starts with a drive letter';
  if (path.length > maxUnits) return `the path is longer than ${maxUnits} characters`;
  for (const part of path.split('/')) {
    if (part === '') return 'the path has an empty component (a doubled or trailing /)';
    if (part === '.' || part === '..') return `the path has a '${part}' component`;
    if (part.length > MAX_COMPONENT_UNITS) return `a path component is longer than ${MAX_COMPONENT_UNITS} characters`;
    const bad = FORBIDDEN.exec(part);
    if (bad) {
      const c = bad[0];
      const shown = c === '\\' ? 'a backslash' : c.charCodeAt(0) < 0x20 ? `control character 0x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : `'${c}'`;
      return `the path contains ${shown}`;
    }
  }
  return undefined;
}

/** Stream names: no separators, ':' or control characters, at most 255 characters. */
export function streamNameProblem(name: string): string | undefined {
  if (typeof name !== 'string' || name === '') return 'the stream name is empty';
  if (name.length > MAX_COMPONENT_UNITS) return `the stream name is longer than ${MAX_COMPONENT_UNITS} characters`;
  if (name.includes('/') || FORBIDDEN.test(name)) return 'the stream name contains a separator, ":" or a forbidden character';
  return undefined;
}

/** A name for an error message: control characters escaped, at most 300 characters. */
export function printableName(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 300);
}
