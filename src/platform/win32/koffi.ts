// koffi, required on first use rather than imported: the backend must start (and the portable
// platform work) even where koffi's native package is missing, and nothing Windows-specific
// should happen at import time.

import { createRequire } from 'node:module';

export type Koffi = typeof import('koffi');
export type TypeObject = import('koffi').TypeObject;

let cached: Koffi | undefined;

export function koffi(): Koffi {
  cached ??= createRequire(import.meta.url)('koffi') as Koffi;
  return cached;
}
