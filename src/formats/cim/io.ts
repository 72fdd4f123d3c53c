// What the CIM codec needs from the outside world, and nothing more: random-access reads of the
// files of one image directory, and append-only files plus whole small files for writing. The
// file placement policy (temporary names, renames, where the directory is) lives in src/cim/.

export interface RandomAccessSource {
  /** The file's length in bytes. */
  readonly size: number;
  /** Reads exactly `length` bytes at `position`, or fewer only at the end of the file. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Opens the files of one image directory by bare name (`x.cim`, `region_<guid>_0`, …). */
export interface CimFileResolver {
  open(name: string): Promise<RandomAccessSource>;
  exists(name: string): Promise<boolean>;
}

/** An append-only file that can be cut back (used to drop a data object found to be a duplicate). */
export interface AppendSink {
  readonly length: number;
  /** Appends; the bytes must not be changed until the promise settles. */
  append(bytes: Uint8Array): Promise<void>;
  /**
   * Appends `views` without copying them: they must stay unchanged until the promise settles.
   * Writes happen in call order; the length grows at once.
   */
  appendViews(views: readonly Uint8Array[]): Promise<void>;
  truncate(length: number): Promise<void>;
  /** Flushes and closes; the file stays invisible until CimOutput.commit. */
  finish(): Promise<void>;
}

export interface AppendFileOptions {
  /** Nearly all of the image's bytes, written once and not read back soon (the data region). */
  bulk?: boolean;
}

/** Where a writer puts a new image's files; nothing is visible under its final name before commit. */
export interface CimOutput extends CimFileResolver {
  createAppendFile(name: string, options?: AppendFileOptions): Promise<AppendSink>;
  writeFile(name: string, bytes: Uint8Array): Promise<void>;
  /** Makes every created file visible under its name; `lastName` (the .cim) is published last. */
  commit(lastName: string): Promise<void>;
  /** Removes everything created so far. */
  abort(): Promise<void>;
}
