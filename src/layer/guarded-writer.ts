// What every LayerWriter implementation shares: one call at a time, and the first error (or an
// abort) ends the writer and removes everything it staged. Implementations supply the do*
// steps and cleanUp; this class owns the state machine so both writers behave alike.

import { WcError, fromNodeError, invalidArgument, isWcError } from '../errors.js';
import type { FileInfo, LayerPath } from '../formats/entry.js';
import { throwIfCancelled } from '../task.js';
import type { LayerWriter } from './writer.js';

export abstract class GuardedLayerWriter implements LayerWriter {
  private state: 'open' | 'busy' | 'closed' | 'failed' = 'open';
  private failure: unknown;

  constructor(readonly layerPath: string) {}

  protected abstract doAdd(path: LayerPath, info: FileInfo, size: number | undefined): Promise<void>;
  protected abstract doAddLink(path: LayerPath, target: LayerPath): Promise<void>;
  protected abstract doAddStream(path: LayerPath, name: string, size: number | undefined): Promise<void>;
  protected abstract doRemove(path: LayerPath): Promise<void>;
  protected abstract doWrite(chunk: Uint8Array): Promise<void>;
  /** Finishes the layer and moves it to layerPath. */
  protected abstract doClose(): Promise<void>;
  /** Releases handles and removes what was staged; must not throw. */
  protected abstract cleanUp(): Promise<void>;
  /** A signal checked before every call, when the writer was given one. */
  protected get signal(): AbortSignal | undefined {
    return undefined;
  }

  add(path: LayerPath, info: FileInfo, size?: number): Promise<void> {
    return this.run(() => this.doAdd(path, info, size));
  }

  addLink(path: LayerPath, target: LayerPath): Promise<void> {
    return this.run(() => this.doAddLink(path, target));
  }

  addAlternateStream(path: LayerPath, name: string, size?: number): Promise<void> {
    return this.run(() => this.doAddStream(path, name, size));
  }

  remove(path: LayerPath): Promise<void> {
    return this.run(() => this.doRemove(path));
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.run(() => this.doWrite(chunk));
  }

  close(): Promise<void> {
    return this.run(async () => {
      await this.doClose();
      this.state = 'closed';
    });
  }

  async abort(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state !== 'failed') this.failure = new WcError('Cancelled', `writing layer ${this.layerPath} was aborted`, { path: this.layerPath });
    this.state = 'failed';
    await this.cleanUp();
  }

  private async run(op: () => Promise<void>): Promise<void> {
    if (this.state === 'busy') throw new WcError('FailedPrecondition', `layer writer for ${this.layerPath} is already busy: await each call before the next`, { path: this.layerPath });
    if (this.state === 'closed') throw new WcError('FailedPrecondition', `layer writer for ${this.layerPath} is closed`, { path: this.layerPath });
    if (this.state === 'failed') {
      const why = this.failure instanceof Error ? this.failure.message : String(this.failure);
      throw new WcError('FailedPrecondition', `layer writer for ${this.layerPath} failed earlier: ${why}`, { path: this.layerPath });
    }
    this.state = 'busy';
    try {
      throwIfCancelled(this.signal, `writing layer ${this.layerPath}`);
      await op();
      if (this.state === 'busy') this.state = 'open';
    } catch (e) {
      this.state = 'failed';
      this.failure = e;
      await this.cleanUp();
      throw isWcError(e) ? e : fromNodeError(e);
    }
  }
}

/** Refuses FileInfo a caller built wrongly (attributes not a uint32, times not 64-bit FILETIMEs). */
export function checkFileInfo(path: string, info: FileInfo): void {
  const ok =
    info !== null &&
    typeof info === 'object' &&
    Number.isInteger(info.attributes) &&
    info.attributes >= 0 &&
    info.attributes <= 0xffffffff &&
    [info.creationTime, info.lastAccessTime, info.lastWriteTime, info.changeTime].every((t) => typeof t === 'bigint' && t >= -(2n ** 63n) && t < 2n ** 63n);
  if (!ok) throw invalidArgument(`bad file information for ${path}: attributes must be a uint32 and the four times 64-bit FILETIME bigints`, { entry: path });
}
