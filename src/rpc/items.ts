// Streaming results. A method that yields many objects (tar entries, hive keys, image items)
// sends them as `$/items` notifications {token, items: [...]} to the `itemToken` the client
// passed, in batches, instead of one huge response: the client can emit each object as it comes
// (Windows PowerShell's ConvertFrom-Json chokes on multi-megabyte documents), and waiting for
// each batch's write gives back-pressure. The final response then carries only a summary.

import type { MessageConnection, ProgressToken } from 'vscode-jsonrpc/node';

export const ITEMS_NOTIFICATION = '$/items';

export class ItemSink {
  private batch: unknown[] = [];
  private count = 0;
  private lastFlush = Date.now();

  constructor(
    private readonly connection: MessageConnection,
    private readonly token: ProgressToken | undefined,
    private readonly maxBatch = 256,
    private readonly maxDelayMs = 50,
  ) {}

  /** True when the client asked for streamed items. */
  get active(): boolean {
    return this.token !== undefined;
  }

  /** Items sent so far. */
  get sent(): number {
    return this.count;
  }

  /**
   * Adds an item; a promise (to wait for, as back-pressure) only when the batch was sent: a
   * promise per item would cost a listing more than building the item.
   */
  push(item: unknown): Promise<void> | undefined {
    if (this.token === undefined) return undefined;
    this.batch.push(item);
    this.count++;
    if (this.batch.length >= this.maxBatch || Date.now() - this.lastFlush >= this.maxDelayMs) return this.flush();
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.token === undefined || this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    this.lastFlush = Date.now();
    await this.connection.sendNotification(ITEMS_NOTIFICATION, { token: this.token, items });
  }
}
