// $/progress for one request, in LSP WorkDoneProgress shape (begin, report, end). Reports are
// throttled so a fast loop cannot flood the pipe; begin and end are always sent.

import { ProgressType, type MessageConnection, type ProgressToken } from 'vscode-jsonrpc/node';
import { percentOf, type Progress } from '../task.js';

export interface WorkDoneProgressValue extends Progress {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  percentage?: number;
}

const progressType = new ProgressType<WorkDoneProgressValue>();

export class ProgressReporter {
  private last = 0;
  private begun = false;
  private ended = false;

  constructor(
    private readonly connection: MessageConnection,
    private readonly token: ProgressToken | undefined,
    private readonly title: string,
    private readonly minIntervalMs = 100,
  ) {}

  get active(): boolean {
    return this.token !== undefined;
  }

  private send(value: WorkDoneProgressValue): void {
    if (this.token === undefined) return;
    // Progress is advisory: a client that went away must not fail the work itself.
    this.connection.sendProgress(progressType, this.token, value).catch(() => undefined);
  }

  begin(p: Progress = {}): void {
    if (this.begun) return;
    this.begun = true;
    this.last = Date.now();
    this.send({ kind: 'begin', title: this.title, ...p, percentage: percentOf(p) ?? 0 });
  }

  /** A callback suitable for TaskOptions.onProgress. */
  readonly report = (p: Progress): void => {
    if (!this.begun) this.begin();
    if (this.ended) return;
    const now = Date.now();
    if (now - this.last < this.minIntervalMs) return;
    this.last = now;
    this.send({ kind: 'report', ...p, percentage: percentOf(p) });
  };

  end(p: Progress = {}): void {
    if (!this.begun || this.ended) return;
    this.ended = true;
    this.send({ kind: 'end', ...p });
  }
}
