// Names and numbers of the Windows layer tar conventions (spec 1.1-1.5), shared by the
// decoder, the encoder and the listing.

/** PAX record keys written and read by go-winio (spec 1.3). */
export const KEY = {
  fileattr: 'MSWINDOWS.fileattr',
  rawsd: 'MSWINDOWS.rawsd',
  sd: 'MSWINDOWS.sd',
  mountpoint: 'MSWINDOWS.mountpoint',
  xattrPrefix: 'MSWINDOWS.xattr.',
  creationtime: 'LIBARCHIVE.creationtime',
} as const;

/** POSIX mode type bits go-winio sets (no permission bits, spec 1.5). */
export const MODE = {
  DIR: 0o040000,
  REG: 0o100000,
  SYMLINK: 0o120000,
  /** Hard-link entries written by hcsshim's exporter. */
  LINK: 0o644,
} as const;

export const WHITEOUT_PREFIX = '.wh.';

/** Top-level areas of a layer tar (spec 1.1); prefix tests are case-sensitive like hcsshim's. */
export const AREAS = ['Files', 'Hives', 'UtilityVM'] as const;
export type Area = (typeof AREAS)[number];

export function areaOf(path: string): Area | undefined {
  for (const a of AREAS) if (path === a || path.startsWith(`${a}/`)) return a;
  return undefined;
}

/** Byte-order comparison of UTF-8 strings (Go's sort.Strings), for PAX keys and EA names. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// Spec section 8 points that are not the tar codec's to decide, and where they land:
//  8.9, 8.11-8.13, 8.15  legacy/base layer writers and the layer store (src/layer, src/store).
//  8.10  areaOf() above compares case-sensitively, like hcsshim's prefix tests; the validator
//        (paths.ts) still treats names differing only in case as duplicates, as NTFS would.
//  8.16  validateEntries({ requireParents: true }) enforces explicit parent directories for
//        writers that create entries with create-new semantics; the decoder does not require it.
