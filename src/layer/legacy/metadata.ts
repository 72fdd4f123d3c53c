// Writing and reading .wclayer/metadata.jsonl (format in format.ts): an append-only log written
// as entries arrive, sealed at close; read back as a stream of records, never whole in memory.

import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { corrupt, fromNodeError } from '../../errors.js';
import { writeFileAtomic } from '../../fs/stage.js';
import { FORMAT_NAME, FORMAT_VERSION, META_DIR, META_FILE, parseHeader, parseRecord, type Header, type LayerKind, type MetaRecord, type Seal } from './format.js';

const FLUSH_AT = 256 * 1024;

/** The metadata log of a layer being written. Records are numbered from 0 in append order. */
export class MetadataLog {
  private buf: string[] = [];
  private bufLen = 0;
  private count = 0;
  /** Records to leave out, or to replace in place, when the log is sealed. */
  private readonly dropped = new Set<number>();
  private readonly replaced = new Map<number, string>();

  private constructor(
    private readonly file: string,
    private fh: FileHandle | undefined,
  ) {}

  static async create(layerDir: string, kind: LayerKind, parents: readonly string[]): Promise<MetadataLog> {
    const file = join(layerDir, META_DIR, META_FILE);
    const fh = await open(file, 'wx');
    const log = new MetadataLog(file, fh);
    const header: Header = { wclayer: FORMAT_NAME, version: FORMAT_VERSION, kind, parents: [...parents] };
    log.push(JSON.stringify(header));
    return log;
  }

  /** Appends a record; returns its number. */
  async append(record: MetaRecord): Promise<number> {
    this.push(JSON.stringify(record));
    if (this.bufLen >= FLUSH_AT) await this.flush();
    return this.count++;
  }

  drop(index: number): void {
    this.dropped.add(index);
  }

  replace(index: number, record: MetaRecord): void {
    this.replaced.set(index, JSON.stringify(record));
  }

  /** Writes the seal (after applying drops and replacements) and closes the file. */
  async seal(bytes: number): Promise<void> {
    if (this.dropped.size === 0 && this.replaced.size === 0) {
      const seal: Seal = { end: true, records: this.count, bytes };
      this.push(JSON.stringify(seal));
      await this.flush();
      await this.close();
      return;
    }
    await this.flush();
    await this.close();
    // Rewrite once, streaming, leaving out dropped records and putting replacements in place.
    const { dropped, replaced, file } = this;
    async function* rewritten(): AsyncGenerator<string> {
      const lines = readLines(createReadStream(file));
      let n = -1;
      let kept = 0;
      let chunk: string[] = [];
      let chunkLen = 0;
      for await (const line of lines) {
        const index = n++;
        if (index >= 0) {
          if (dropped.has(index)) continue;
          const text = replaced.get(index) ?? line;
          chunk.push(text);
          chunkLen += text.length;
          kept++;
        } else {
          chunk.push(line);
        }
        if (chunkLen >= FLUSH_AT) {
          yield chunk.join('\n') + '\n';
          chunk = [];
          chunkLen = 0;
        }
      }
      const seal: Seal = { end: true, records: kept, bytes };
      chunk.push(JSON.stringify(seal));
      yield chunk.join('\n') + '\n';
    }
    await writeFileAtomic(file, rewritten(), { overwrite: true });
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  private push(line: string): void {
    this.buf.push(line);
    this.bufLen += line.length + 1;
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const text = this.buf.join('\n') + '\n';
    this.buf = [];
    this.bufLen = 0;
    await this.fh!.write(text);
  }
}

export interface MetadataReader {
  header: Header;
  records: AsyncGenerator<MetaRecord>;
  /** Releases the file (also done when the records run out or fail). */
  close(): void;
}

/**
 * Opens a layer's metadata: checks the header, then streams the records. The generator throws
 * Corrupt if the log has no seal (an unfinished write) or the seal's count disagrees.
 */
export async function readMetadata(layerDir: string): Promise<MetadataReader> {
  const file = join(layerDir, META_DIR, META_FILE);
  const input = createReadStream(file);
  try {
    await new Promise<void>((resolve, reject) => {
      input.once('open', () => resolve());
      input.once('error', reject);
    });
  } catch (e) {
    input.destroy();
    const err = fromNodeError(e, file);
    if (err.code === 'NotFound') throw corrupt(`${layerDir} is not a wclayer legacy layer: ${META_DIR}/${META_FILE} is missing`, { path: layerDir });
    throw err;
  }
  const lines = readLines(input);
  const first = await lines.next();
  if (first.done) {
    input.destroy();
    throw corrupt(`${file}: empty metadata file`, { path: file });
  }
  const header = parseHeader(first.value, file);
  async function* records(): AsyncGenerator<MetaRecord> {
    let lineNo = 1;
    let count = 0;
    try {
      for (;;) {
        const next = await lines.next();
        if (next.done) throw corrupt(`${file}: metadata is not sealed (the layer write did not finish)`, { path: file });
        lineNo++;
        const r = parseRecord(next.value, `${file} line ${lineNo}`);
        if ('end' in r) {
          if (r.records !== count) throw corrupt(`${file}: seal counts ${r.records} records, found ${count}`, { path: file });
          const extra = await lines.next();
          if (!extra.done) throw corrupt(`${file} line ${lineNo + 1}: data after the seal`, { path: file });
          return;
        }
        count++;
        yield r;
      }
    } finally {
      input.destroy();
    }
  }
  return { header, records: records(), close: () => input.destroy() };
}

/** Lines of a stream, pulled one chunk at a time (back-pressure; never the whole file in memory). */
export async function* readLines(input: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of input) {
    const text = rest + decoder.write(chunk);
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const line of parts) yield line;
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}
