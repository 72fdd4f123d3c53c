// Files opened with backup semantics, read and written as Win32 backup streams (BackupRead and
// BackupWrite, layer-format.md 2.1), the way go-winio's OpenForBackup, BackupFileReader and
// BackupFileWriter do. BackupRead/BackupWrite are called synchronously one chunk at a time
// (GetLastError is per thread) and the loop yields to the event loop between chunks.

import { win32 as winPath } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { WcError, type ErrorData } from '../../errors.js';
import { throwIfCancelled } from '../../task.js';
import type {
  BackupFile,
  BackupReadOptions,
  BackupStreamWriter,
  BackupWriteOptions,
  CreateDisposition,
  FileBasicInfo,
  OpenForBackupOptions,
} from '../types.js';
import { boolCall, pointerValue } from './call.js';
import { errorFromWin32 } from './errors.js';
import { koffi } from './koffi.js';
import type { NativeLibraries, NativeTable } from './library.js';
import { win32Types } from './types.js';

export const GENERIC_READ = 0x80000000;
export const GENERIC_WRITE = 0x40000000;
export const WRITE_DAC = 0x00040000;
export const WRITE_OWNER = 0x00080000;
export const ACCESS_SYSTEM_SECURITY = 0x01000000;
export const FILE_SHARE_READ = 0x1;
export const FILE_FLAG_BACKUP_SEMANTICS = 0x02000000;
export const FILE_FLAG_OPEN_REPARSE_POINT = 0x00200000;

const DISPOSITIONS: Record<CreateDisposition, number> = {
  createNew: 1,
  createAlways: 2,
  openExisting: 3,
  openAlways: 4,
  truncateExisting: 5,
};

/** FILE_INFO_BY_HANDLE_CLASS FileBasicInfo. */
const FILE_BASIC_INFO_CLASS = 0;
const INVALID_HANDLE_VALUE = 0xffffffffffffffffn;
const DEFAULT_CHUNK = 256 * 1024;

export function accessMask(access: OpenForBackupOptions['access']): number {
  if (access === 'read') return GENERIC_READ;
  if (access === 'readWrite') return (GENERIC_READ | GENERIC_WRITE) >>> 0;
  if (access === 'restore') return (GENERIC_READ | GENERIC_WRITE | WRITE_DAC | WRITE_OWNER | ACCESS_SYSTEM_SECURITY) >>> 0;
  return access >>> 0;
}

/**
 * The `\\?\` form of an absolute path (hcsshim internal/longpath), so CreateFileW is not held
 * to MAX_PATH: layer trees easily pass 260 characters. That form skips Win32 normalisation, so
 * the path is normalised first (slashes, `.` and `..`). Relative and device paths pass unchanged.
 */
export function longPath(path: string): string {
  if (path.startsWith('\\\\?\\') || path.startsWith('\\\\.\\')) return path;
  const p = winPath.normalize(path);
  if (/^[A-Za-z]:\\/.test(p)) return `\\\\?\\${p}`;
  if (p.startsWith('\\\\')) return `\\\\?\\UNC\\${p.slice(2)}`;
  return path;
}

export async function openForBackup(libs: NativeLibraries, path: string, options: OpenForBackupOptions): Promise<BackupFile> {
  const kernel32 = libs.get('kernel32');
  const handle = kernel32.CreateFileW!(
    longPath(path),
    accessMask(options.access),
    options.share ?? FILE_SHARE_READ,
    null,
    DISPOSITIONS[options.disposition ?? 'openExisting'],
    FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT,
    null,
  );
  const h = pointerValue(handle);
  if (h === 0n || h === INVALID_HANDLE_VALUE) throw errorFromWin32(kernel32.GetLastError!(), 'CreateFileW', { path });
  return new Win32BackupFile(kernel32, path, handle);
}

/** One BackupRead or BackupWrite context; aborting frees it (bAbort = TRUE). */
interface BackupContext {
  abort(): void;
}

class Win32BackupFile implements BackupFile {
  private closed = false;
  private readonly contexts = new Set<BackupContext>();

  constructor(
    private readonly kernel32: NativeTable,
    readonly path: string,
    private readonly handle: unknown,
  ) {}

  private get data(): ErrorData {
    return { path: this.path };
  }

  private checkOpen(operation: string): void {
    if (this.closed) throw new WcError('FailedPrecondition', `${operation} ${this.path}: the file is closed`, { ...this.data, operation });
  }

  async getBasicInfo(): Promise<FileBasicInfo> {
    this.checkOpen('GetFileInformationByHandleEx');
    const { FILE_BASIC_INFO } = win32Types();
    const buf = Buffer.alloc(FILE_BASIC_INFO.size);
    const k32 = this.kernel32;
    boolCall(k32, k32.GetFileInformationByHandleEx!, 'GetFileInformationByHandleEx', this.data, this.handle, FILE_BASIC_INFO_CLASS, buf, buf.length);
    return basicInfoFromStruct(koffi().decode(buf, FILE_BASIC_INFO));
  }

  async setBasicInfo(info: FileBasicInfo): Promise<void> {
    this.checkOpen('SetFileInformationByHandle');
    const { FILE_BASIC_INFO } = win32Types();
    const buf = Buffer.alloc(FILE_BASIC_INFO.size);
    koffi().encode(buf, FILE_BASIC_INFO, basicInfoToStruct(info));
    const k32 = this.kernel32;
    boolCall(k32, k32.SetFileInformationByHandle!, 'SetFileInformationByHandle', this.data, this.handle, FILE_BASIC_INFO_CLASS, buf, buf.length);
  }

  async *readBackupStream(options: BackupReadOptions = {}): AsyncIterable<Uint8Array> {
    this.checkOpen('BackupRead');
    const k32 = this.kernel32;
    const security = options.includeSecurity === false ? 0 : 1;
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 0x7fffffff) {
      throw new WcError('InvalidArgument', `BackupRead chunk size must be a positive integer, got ${chunkSize}`, this.data);
    }
    const ctx: unknown[] = [null];
    const context = this.track(() => k32.BackupRead!(this.handle, null, 0, [0], 1, 0, ctx), ctx);
    let done = 0;
    try {
      for (;;) {
        throwIfCancelled(options.signal, `BackupRead of ${this.path}`);
        this.checkOpen('BackupRead');
        const buf = Buffer.allocUnsafe(chunkSize);
        const read = [0];
        boolCall(k32, k32.BackupRead!, 'BackupRead', this.data, this.handle, buf, chunkSize, read, 0, security, ctx);
        const n = read[0]!;
        if (n === 0) return;
        done += n;
        options.onProgress?.({ message: this.path, bytesDone: done });
        yield buf.subarray(0, n);
        await nextTurn();
      }
    } finally {
      this.untrack(context);
    }
  }

  createBackupWriter(options: BackupWriteOptions = {}): BackupStreamWriter {
    this.checkOpen('BackupWrite');
    const k32 = this.kernel32;
    const security = options.includeSecurity === false ? 0 : 1;
    const ctx: unknown[] = [null];
    const context = this.track(() => k32.BackupWrite!(this.handle, null, 0, [0], 1, 0, ctx), ctx);
    let closed = false;
    return {
      write: async (chunk: Uint8Array) => {
        if (closed) throw new WcError('FailedPrecondition', `BackupWrite ${this.path}: the writer is closed`, { ...this.data, operation: 'BackupWrite' });
        this.checkOpen('BackupWrite');
        if (chunk.length === 0) return;
        const written = [0];
        boolCall(k32, k32.BackupWrite!, 'BackupWrite', this.data, this.handle, chunk, chunk.length, written, 0, security, ctx);
        if (written[0] !== chunk.length) {
          throw new WcError('Internal', `BackupWrite ${this.path} wrote ${written[0]} of ${chunk.length} bytes`, { ...this.data, operation: 'BackupWrite' });
        }
      },
      close: async () => {
        if (closed) return;
        closed = true;
        this.untrack(context);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const c of [...this.contexts]) this.untrack(c);
    this.closed = true;
    boolCall(this.kernel32, this.kernel32.CloseHandle!, 'CloseHandle', this.data, this.handle);
  }

  /** Remembers a context so close() can free it; abort runs only if the OS allocated one. */
  private track(abort: () => void, ctx: unknown[]): BackupContext {
    const c = {
      abort: () => {
        if (pointerValue(ctx[0]) === 0n) return;
        abort();
        ctx[0] = null;
      },
    };
    this.contexts.add(c);
    return c;
  }

  private untrack(c: BackupContext): void {
    if (!this.contexts.delete(c)) return;
    c.abort();
  }
}

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as number);
}

export function basicInfoFromStruct(s: Record<string, unknown>): FileBasicInfo {
  return {
    creationTime: big(s.CreationTime),
    lastAccessTime: big(s.LastAccessTime),
    lastWriteTime: big(s.LastWriteTime),
    changeTime: big(s.ChangeTime),
    attributes: Number(s.FileAttributes),
  };
}

export function basicInfoToStruct(info: FileBasicInfo): Record<string, unknown> {
  return {
    CreationTime: info.creationTime,
    LastAccessTime: info.lastAccessTime,
    LastWriteTime: info.lastWriteTime,
    ChangeTime: info.changeTime,
    FileAttributes: info.attributes >>> 0,
  };
}
