// Hive export to a file (staged under a temporary name, renamed on success) or to a writable
// stream such as stdout. Kept apart from operations.ts so that `wclayer hive export` loads only
// the reader and the exporter (merge, writer and validation are start-up time it does not need).

import type { Writable } from 'node:stream';
import { exportJsonChunks, exportRegChunks } from '../formats/regf/export.js';
import { requireKey } from '../formats/regf/query.js';
import type { Hive, RegKey } from '../formats/regf/reader.js';
import { withHiveFile, type OpenHiveFileOptions } from './files.js';
import { writeFileAtomic } from '../fs/stage.js';
import type { TaskOptions } from '../task.js';

export interface ExportOptions extends OpenHiveFileOptions, TaskOptions {
  format?: 'json' | 'reg';
  key?: string;
  /** .reg only: what the root is called, e.g. HKEY_LOCAL_MACHINE\SYSTEM. */
  prefix?: string;
  /** .reg only: 'utf16le' (regedit's own, with BOM; default) or 'utf8'. */
  encoding?: 'utf16le' | 'utf8';
  overwrite?: boolean;
}

/** The export's text chunks: JSON, or .reg with a BOM first when it is to be UTF-16LE. */
function* exportChunks(hive: Hive, from: RegKey, options: ExportOptions): Generator<string> {
  const task: TaskOptions = {};
  if (options.signal) task.signal = options.signal;
  if (options.onProgress) task.onProgress = options.onProgress;
  if ((options.format ?? 'json') === 'json') return yield* exportJsonChunks(hive, from, task);
  if (textEncoding(options) === 'utf16le') yield '\ufeff';
  yield* exportRegChunks(hive, from, { ...task, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) });
}

function textEncoding(options: ExportOptions): 'utf8' | 'utf16le' {
  return options.format === 'reg' ? (options.encoding ?? 'utf16le') : 'utf8';
}

export async function exportHiveFile(path: string, output: string, options: ExportOptions = {}): Promise<{ output: string; bytes: number; format: string }> {
  const format = options.format ?? 'json';
  return withHiveFile(path, options, async (hive) => {
    const from = await requireKey(hive, options.key ?? '');
    const bytes = await writeFileAtomic(output, exportChunks(hive, from, options), { overwrite: options.overwrite ?? false, encoding: textEncoding(options) });
    return { output, bytes, format };
  });
}

/** The same export written to a stream (the CLI's `-` for stdout), with back-pressure. */
export async function exportHiveToStream(path: string, out: Writable, options: ExportOptions = {}): Promise<{ bytes: number; format: string }> {
  const format = options.format ?? 'json';
  return withHiveFile(path, options, async (hive) => {
    const from = await requireKey(hive, options.key ?? '');
    const encoding = textEncoding(options);
    let bytes = 0;
    for (const chunk of exportChunks(hive, from, options)) {
      const b = Buffer.from(chunk, encoding);
      bytes += b.length;
      if (!out.write(b)) await new Promise((resolve) => out.once('drain', resolve));
    }
    return { bytes, format };
  });
}
