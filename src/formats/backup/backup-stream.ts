// The Win32 backup stream (the bytes of BackupRead/BackupWrite): a sequence of streams, each a
// 20-byte WIN32_STREAM_ID header, a UTF-16LE name of NameSize bytes, for sparse blocks an 8-byte
// file offset, then the payload. No padding anywhere. Spec: layer-format.md 2.1-2.3.
//
// Both directions are incremental: the decoder takes chunks of any size and hands back headers
// and payload slices (never copying or holding a payload), the encoder turns a sequence of
// streams into chunks, passing data through as it arrives.

import { corrupt, invalidArgument } from '../../errors.js';
import { throwIfCancelled, type TaskOptions } from '../../task.js';
import { BACKUP_STREAM_ID, isKnownStreamId, streamIdName } from './stream-ids.js';
import { decodeUtf16le, encodeUtf16le } from './utf16.js';

export const BACKUP_HEADER_SIZE = 20;
const SPARSE_OFFSET_SIZE = 8;
/** Largest name accepted: a UNICODE_STRING holds at most 65534 bytes. */
export const MAX_STREAM_NAME_BYTES = 65534;

export interface BackupStreamHeader {
  /** Stream kind, BACKUP_STREAM_ID.* (1-10). */
  id: number;
  /** STREAM_ATTRIBUTE.* bits. */
  attributes: number;
  /** Payload bytes after the header (for a sparse block: its data, not counting the 8-byte offset). */
  size: number;
  /** UTF-16 stream name as stored, e.g. ":Zone.Identifier:$DATA"; '' when there is none. */
  name: string;
  /** BACKUP_SPARSE_BLOCK only: where the block's data lies in the file. */
  sparseOffset?: number;
}

export type BackupStreamEvent =
  /** A new stream starts; `offset` is where its header starts in the input. */
  | { type: 'header'; header: BackupStreamHeader; offset: number }
  /** A slice of the current stream's payload (a view into the input chunk, not a copy). */
  | { type: 'data'; chunk: Uint8Array; offset: number };

/** One stream with its whole payload in memory: for small metadata streams and tests. */
export interface BackupStream {
  header: BackupStreamHeader;
  data: Uint8Array;
}

/** A stream to encode; data may arrive as chunks (a Readable is an AsyncIterable of Buffers). */
export interface BackupStreamInput extends BackupStreamHeader {
  data?: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

type Phase = 'header' | 'name' | 'sparse' | 'payload';

/**
 * Incremental decoder. Feed chunks with write(); each call returns the events those bytes
 * complete. Call end() at the end of input: it throws Corrupt if the input stops inside a stream.
 */
export class BackupStreamDecoder {
  private phase: Phase = 'header';
  /** Bytes of the input consumed so far (the offset of the next byte). */
  private pos = 0;
  /** Holds a partial header, name or sparse offset (never payload). */
  private pending = new Uint8Array(BACKUP_HEADER_SIZE);
  private pendingLen = 0;
  private need = BACKUP_HEADER_SIZE;
  private headerOffset = 0;
  private current: BackupStreamHeader | undefined;
  /** Payload bytes still to come for the current stream. */
  private remaining = 0;
  private nameSize = 0;

  /** Offset of the next input byte. */
  get offset(): number {
    return this.pos;
  }

  write(chunk: Uint8Array): BackupStreamEvent[] {
    const events: BackupStreamEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'payload') {
        const n = Math.min(this.remaining, chunk.length - i);
        events.push({ type: 'data', chunk: chunk.subarray(i, i + n), offset: this.pos });
        i += n;
        this.pos += n;
        this.remaining -= n;
        if (this.remaining === 0) this.startHeader();
        continue;
      }
      const n = Math.min(this.need - this.pendingLen, chunk.length - i);
      this.pending.set(chunk.subarray(i, i + n), this.pendingLen);
      this.pendingLen += n;
      i += n;
      this.pos += n;
      if (this.pendingLen === this.need) {
        const ev = this.completePart();
        if (ev) events.push(ev);
      }
    }
    return events;
  }

  /** True when the input so far ends exactly between streams. */
  get atBoundary(): boolean {
    return this.phase === 'header' && this.pendingLen === 0;
  }

  end(): void {
    if (this.atBoundary) return;
    const what =
      this.phase === 'header'
        ? `a stream header (${this.pendingLen} of ${BACKUP_HEADER_SIZE} bytes)`
        : this.phase === 'name'
          ? `a stream name (${this.pendingLen} of ${this.nameSize} bytes)`
          : this.phase === 'sparse'
            ? 'a sparse block offset'
            : `the payload of ${streamIdName(this.current!.id)} (${this.remaining} bytes missing)`;
    throw corrupt(`backup stream ends inside ${what} at offset ${this.pos}`, {
      offset: this.pos,
      streamOffset: this.headerOffset,
    });
  }

  private startHeader(): void {
    this.phase = 'header';
    this.need = BACKUP_HEADER_SIZE;
    this.pendingLen = 0;
    this.headerOffset = this.pos;
    this.current = undefined;
  }

  private fail(message: string, fieldOffset: number): never {
    const offset = this.headerOffset + fieldOffset;
    throw corrupt(`backup stream: ${message} (stream header at offset ${this.headerOffset})`, {
      offset,
      streamOffset: this.headerOffset,
    });
  }

  /** Called when `need` bytes of the current part are in `pending`. */
  private completePart(): BackupStreamEvent | undefined {
    const p = this.pending;
    const dv = new DataView(p.buffer, p.byteOffset, this.pendingLen);
    if (this.phase === 'header') {
      const id = dv.getUint32(0, true);
      const attributes = dv.getUint32(4, true);
      const size = dv.getBigUint64(8, true);
      const nameSize = dv.getUint32(16, true);
      if (!isKnownStreamId(id)) this.fail(`unknown stream id ${id}`, 0);
      if (size > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`stream size ${size} is too large`, 8);
      if (nameSize % 2 !== 0) this.fail(`stream name size ${nameSize} is odd (names are UTF-16)`, 16);
      if (nameSize > MAX_STREAM_NAME_BYTES) this.fail(`stream name size ${nameSize} is larger than ${MAX_STREAM_NAME_BYTES}`, 16);
      let payload = Number(size);
      if (id === BACKUP_STREAM_ID.SPARSE_BLOCK) {
        if (payload < SPARSE_OFFSET_SIZE) this.fail(`sparse block size ${payload} is smaller than its 8-byte offset`, 8);
        payload -= SPARSE_OFFSET_SIZE;
      }
      this.current = { id, attributes, size: payload, name: '' };
      this.remaining = payload;
      this.nameSize = nameSize;
      return this.afterHeaderPart('name', nameSize);
    }
    if (this.phase === 'name') {
      const name = decodeUtf16le(p.subarray(0, this.nameSize));
      // Like BackupRead consumers, the name ends at its first NUL if it has one.
      const nul = name.indexOf('\0');
      this.current!.name = nul >= 0 ? name.slice(0, nul) : name;
      return this.afterHeaderPart('sparse', 0);
    }
    // sparse offset
    const off = dv.getBigInt64(0, true);
    if (off < 0n || off > BigInt(Number.MAX_SAFE_INTEGER)) {
      this.fail(`sparse block offset ${off} is out of range`, BACKUP_HEADER_SIZE + this.nameSize);
    }
    this.current!.sparseOffset = Number(off);
    return this.emitHeader();
  }

  /** Moves to the next header part, skipping empty ones; emits the header once all are read. */
  private afterHeaderPart(next: 'name' | 'sparse', nameSize: number): BackupStreamEvent | undefined {
    if (next === 'name' && nameSize > 0) {
      this.setPart('name', nameSize);
      return undefined;
    }
    if (this.current!.id === BACKUP_STREAM_ID.SPARSE_BLOCK) {
      this.setPart('sparse', SPARSE_OFFSET_SIZE);
      return undefined;
    }
    return this.emitHeader();
  }

  private setPart(phase: Phase, need: number): void {
    this.phase = phase;
    this.need = need;
    this.pendingLen = 0;
    if (this.pending.length < need) this.pending = new Uint8Array(need);
  }

  private emitHeader(): BackupStreamEvent {
    const ev: BackupStreamEvent = { type: 'header', header: this.current!, offset: this.headerOffset };
    if (this.remaining > 0) {
      this.phase = 'payload';
      this.pendingLen = 0;
    } else {
      this.startHeader();
    }
    if (this.pending.length > 64) this.pending = new Uint8Array(BACKUP_HEADER_SIZE);
    return ev;
  }
}

/** Decodes a backup stream arriving in chunks; yields headers and payload slices in order. */
export async function* decodeBackupStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: TaskOptions = {},
): AsyncGenerator<BackupStreamEvent> {
  const decoder = new BackupStreamDecoder();
  for await (const chunk of source) {
    throwIfCancelled(options.signal, 'decoding the backup stream');
    for (const ev of decoder.write(chunk)) yield ev;
  }
  decoder.end();
}

/** Decodes a whole backup stream held in memory (metadata-sized inputs and tests). */
export function decodeBackupStreamBuffer(bytes: Uint8Array): BackupStream[] {
  const decoder = new BackupStreamDecoder();
  const out: BackupStream[] = [];
  for (const ev of decoder.write(bytes)) {
    if (ev.type === 'header') out.push({ header: ev.header, data: new Uint8Array(0) });
    else out[out.length - 1]!.data = ev.chunk; // one input chunk: one payload slice per stream
  }
  decoder.end();
  return out;
}

function checkHeader(h: BackupStreamHeader): void {
  if (!isKnownStreamId(h.id)) throw invalidArgument(`unknown backup stream id ${h.id}`);
  if (!Number.isInteger(h.attributes) || h.attributes < 0 || h.attributes > 0xffffffff) {
    throw invalidArgument(`stream attributes ${h.attributes} are not a 32-bit value`);
  }
  if (!Number.isSafeInteger(h.size) || h.size < 0) throw invalidArgument(`stream size ${h.size} is not a byte count`);
  if (h.name.length * 2 > MAX_STREAM_NAME_BYTES) throw invalidArgument(`stream name is longer than ${MAX_STREAM_NAME_BYTES / 2} characters`);
  if (h.name.includes('\0')) throw invalidArgument('stream name contains NUL');
  const sparse = h.id === BACKUP_STREAM_ID.SPARSE_BLOCK;
  if (sparse !== (h.sparseOffset !== undefined)) {
    throw invalidArgument(sparse ? 'a sparse block needs sparseOffset' : 'only a sparse block has sparseOffset');
  }
  if (sparse && (!Number.isSafeInteger(h.sparseOffset) || h.sparseOffset! < 0)) {
    throw invalidArgument(`sparse block offset ${h.sparseOffset} is not a byte offset`);
  }
}

/** The bytes that precede a stream's payload: header, name and (sparse blocks) offset. */
export function encodeBackupStreamHeader(h: BackupStreamHeader): Uint8Array {
  checkHeader(h);
  const name = encodeUtf16le(h.name);
  const sparse = h.id === BACKUP_STREAM_ID.SPARSE_BLOCK;
  const out = new Uint8Array(BACKUP_HEADER_SIZE + name.length + (sparse ? SPARSE_OFFSET_SIZE : 0));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, h.id, true);
  dv.setUint32(4, h.attributes, true);
  dv.setBigUint64(8, BigInt(h.size + (sparse ? SPARSE_OFFSET_SIZE : 0)), true);
  dv.setUint32(16, name.length, true);
  out.set(name, BACKUP_HEADER_SIZE);
  if (sparse) dv.setBigInt64(BACKUP_HEADER_SIZE + name.length, BigInt(h.sparseOffset!), true);
  return out;
}

/**
 * Incremental encoder that checks payload lengths against the headers: header() starts a
 * stream, data() passes payload through, end() finishes. Like BackupWrite's callers expect,
 * a short payload is "missing N bytes" and a long one "too many bytes by N".
 */
export class BackupStreamEncoder {
  private remaining = 0;
  private current: BackupStreamHeader | undefined;

  header(h: BackupStreamHeader): Uint8Array {
    this.checkComplete();
    const bytes = encodeBackupStreamHeader(h);
    this.current = h;
    this.remaining = h.size;
    return bytes;
  }

  data(chunk: Uint8Array): Uint8Array {
    if (!this.current) throw invalidArgument('backup stream data before any stream header');
    if (chunk.length > this.remaining) {
      throw invalidArgument(`${streamIdName(this.current.id)}: too many bytes by ${chunk.length - this.remaining}`);
    }
    this.remaining -= chunk.length;
    return chunk;
  }

  end(): void {
    this.checkComplete();
    this.current = undefined;
  }

  private checkComplete(): void {
    if (this.current && this.remaining > 0) {
      throw invalidArgument(`${streamIdName(this.current.id)}: missing ${this.remaining} bytes`);
    }
  }
}

/** Encodes streams into backup-stream chunks; data is passed through, never gathered. */
export async function* encodeBackupStream(
  streams: Iterable<BackupStreamInput> | AsyncIterable<BackupStreamInput>,
  options: TaskOptions = {},
): AsyncGenerator<Uint8Array> {
  const enc = new BackupStreamEncoder();
  for await (const s of streams) {
    throwIfCancelled(options.signal, 'encoding the backup stream');
    const { data, ...header } = s;
    yield enc.header(header);
    if (data === undefined) continue;
    if (data instanceof Uint8Array) {
      if (data.length) yield enc.data(data);
      continue;
    }
    for await (const c of data) if (c.length) yield enc.data(c);
  }
  enc.end();
}

/** Encodes streams held in memory into one buffer (metadata-sized streams and tests). */
export function encodeBackupStreamBuffer(streams: Iterable<BackupStream>): Uint8Array {
  const enc = new BackupStreamEncoder();
  const parts: Uint8Array[] = [];
  for (const s of streams) {
    parts.push(enc.header(s.header));
    parts.push(enc.data(s.data));
  }
  enc.end();
  return concat(parts);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
