// What every long-running library function accepts: a way to be cancelled and a way to tell how
// far it got. The RPC layer turns these into $/cancelRequest and $/progress, the CLI into Ctrl+C
// handling and a status line; library code knows neither.

import { cancelled } from './errors.js';

export interface Progress {
  /** What is being worked on now (an entry name, a phase). */
  message?: string;
  bytesDone?: number;
  bytesTotal?: number;
  entriesDone?: number;
  entriesTotal?: number;
}

export interface TaskOptions {
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/** Throws a Cancelled WcError when the signal has fired. Call between entries and blocks. */
export function throwIfCancelled(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw cancelled(what ? `${what} was cancelled` : undefined);
}

/** Percentage from a progress value when a total is known, else undefined. */
export function percentOf(p: Progress): number | undefined {
  if (p.bytesTotal && p.bytesDone !== undefined) return Math.min(100, Math.floor((p.bytesDone / p.bytesTotal) * 100));
  if (p.entriesTotal && p.entriesDone !== undefined) return Math.min(100, Math.floor((p.entriesDone / p.entriesTotal) * 100));
  return undefined;
}
