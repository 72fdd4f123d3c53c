// Opening and creating CimFS images on disk: the thin file layer over src/formats/cim.

import { basename, dirname, resolve } from 'node:path';
import { promises as fs } from 'node:fs';
import { WcError, fromNodeError } from '../errors.js';
import { CimImage, type CimOpenOptions } from '../formats/cim/reader.js';
import { CimWriter, type CimWriterOptions } from '../formats/cim/writer.js';
import { FsDirectory, FsImageOutput } from './fs-files.js';

/** Opens `path` (a `.cim` file); region files of the image and its parents come from its directory. */
export async function openCimImage(path: string, options: CimOpenOptions = {}): Promise<CimImage> {
  const full = resolve(path);
  try {
    const st = await fs.stat(full);
    if (!st.isFile()) throw new WcError('FailedPrecondition', `${path} is not a file`, { path });
  } catch (e) {
    throw fromNodeError(e, path);
  }
  return CimImage.open(new FsDirectory(dirname(full)), basename(full), options);
}

export interface CreateCimImageOptions extends Omit<CimWriterOptions, 'parent'> {
  /** The parent image: a `.cim` name (or path) in the same directory. */
  parent?: string;
}

/**
 * Starts image `name` in `dir` (like CimCreateImage); with `parent`, a fork of that image.
 * Nothing appears in `dir` under a final name until commit().
 */
export async function createCimImage(dir: string, name: string, options: CreateCimImageOptions = {}): Promise<CimWriter> {
  const full = resolve(dir);
  if (name.includes('/') || name.includes('\\')) throw new WcError('InvalidArgument', `image name ${name} must be a bare file name`, { path: name });
  const { parent, ...rest } = options;
  let parentName: string | undefined;
  if (parent !== undefined) {
    parentName = basename(parent);
    if (parent !== parentName && resolve(dirname(resolve(full, parent))) !== full) {
      throw new WcError('InvalidArgument', `parent image ${parent} must be in the same directory as the new image (${full})`, { path: parent });
    }
  }
  return CimWriter.create(new FsImageOutput(full), name, { ...rest, ...(parentName ? { parent: parentName } : {}) });
}
