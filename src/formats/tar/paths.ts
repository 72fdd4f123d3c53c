// Path safety for layer entries, shared by every writer: a layer path must stay inside the
// layer whatever OS later creates it. Checked before anything is written (spec 6.1).
//
// A LayerPath is relative, '/'-separated, with no empty, '.' or '..' component. Rejected:
// absolute paths (`/x`), drive letters (`C:x`), UNC and device prefixes (`//server`, `\\?\`),
// backslashes (a separator on Windows, so `a\..\..\x` would escape; spec 8.17), NUL and control
// characters, and the characters Windows forbids in names (`: * ? " < > |`; a ':' in a tar
// name is only legal as an ADS suffix, which the decoder has already split off).

import { invalidArgument, WcError } from '../../errors.js';
import type { Entry } from '../entry.js';

/** Longest path a relative NT open accepts, in UTF-16 code units (spec 6.1). */
const MAX_PATH_UNITS = 32766;
const MAX_COMPONENT_UNITS = 255;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\\:*?"<>|]/;

/** Why `path` is unsafe, or undefined if it is a valid layer path. */
export function layerPathProblem(path: string): string | undefined {
  if (path === '') return 'the path is empty';
  if (path.includes('\0')) return 'the path contains a NUL character';
  if (path.startsWith('\\\\') || path.startsWith('//')) return 'the path has a UNC or device prefix';
  if (path.startsWith('/')) return 'the path is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'the path starts with a drive letter';
  if (path.length > MAX_PATH_UNITS) return `the path is longer than ${MAX_PATH_UNITS} characters`;
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

/** Throws InvalidArgument naming the entry when `path` is not a safe layer path. */
export function checkLayerPath(path: string, what = 'entry'): void {
  const problem = layerPathProblem(path);
  if (problem) throw invalidArgument(`unsafe ${what} path '${printable(path)}': ${problem}`, { path: printable(path) });
}

/** Stream names: no separators, ':' or control characters, at most 255 characters. */
export function streamNameProblem(name: string): string | undefined {
  if (name === '') return 'the stream name is empty';
  if (name.length > MAX_COMPONENT_UNITS) return `the stream name is longer than ${MAX_COMPONENT_UNITS} characters`;
  if (name.includes('/') || FORBIDDEN.test(name)) return 'the stream name contains a separator, ":" or a forbidden character';
  return undefined;
}

function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 300);
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
  private streamsOfLast = new Set<string>();

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
          this.streamsOfLast = new Set();
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
