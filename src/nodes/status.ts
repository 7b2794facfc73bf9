import type { ErrorCode } from '../core/errors';
import type { ExportSummary } from '../core/export-run';
import type { RetryWait } from '../core/retry';
import { runtimeLocale, translationValues } from './locale';
import type { NodeRedApi, NodeStatus, RuntimeNode } from './red-types';

/** What an export node is doing, for its status and the editor's sidebar. */
export interface LiveProgress {
  readonly state: 'idle' | 'receiving' | 'preparing' | 'busy' | 'sending' | 'waiting';
  /** Batches finished (confirmed or failed) of `total`; never goes back within a run. */
  readonly sent: number;
  readonly total: number;
  /** Runs waiting behind the one in progress. */
  readonly queued: number;
  /** When waiting: seconds until the next attempt, and why. */
  readonly waitSeconds?: number;
  readonly waitCode?: ErrorCode;
  /** The status text as the node shows it. */
  readonly text: string;
}

/** Progress statuses are redrawn at most this often: a 500-batch run would otherwise flood the editor. */
const REDRAW_MS = 250;

/**
 * The one place an export node's status is decided. Statuses are words in the runtime's language
 * (catalogue `audience-export.status`, ≤ 20 characters), numbers written its way. Progress counts
 * finished batches, so it never goes back; a wait says how long and why; a run queued behind the
 * one in progress is counted, and when it starts it leaves the last result in view until it has
 * something of its own to show.
 */
export class ExportStatus {
  private readonly locale: string;
  private run?: { sent: number; total: number; final: boolean; fromQueue: boolean; drawnOnce: boolean };
  private queued = 0;
  private lastDrawAt = 0;
  private waitUntil = 0;

  constructor(
    private readonly RED: NodeRedApi,
    private readonly node: RuntimeNode,
    private readonly onChange: (progress: LiveProgress) => void = () => undefined,
  ) {
    this.locale = runtimeLocale(RED);
  }

  private t(key: string, values?: Record<string, string | number>): string {
    return this.RED._(`audience-export.status.${key}`, translationValues(this.locale, values));
  }

  private draw(status: NodeStatus, progress: Omit<LiveProgress, 'text' | 'queued'>): void {
    this.node.status(status);
    this.lastDrawAt = Date.now();
    this.onChange({ ...progress, queued: this.queued, text: status.text ?? '' });
  }

  /** Parts of a sequence arrive; shown only while no run is in progress (its progress matters more). */
  receiving(parts: number): void {
    if (this.run || Date.now() - this.lastDrawAt < REDRAW_MS) return;
    this.draw({ fill: 'blue', shape: 'ring', text: this.t('receiving', { parts, count: parts }) }, { state: 'receiving', sent: 0, total: 0 });
  }

  /** How many runs wait behind the one in progress. */
  setQueued(count: number): void {
    this.queued = count;
    if (this.run?.drawnOnce) this.drawProgress(true);
  }

  /** A run begins. One that waited in the queue keeps the previous result in view until it sends. */
  started(fromQueue: boolean): void {
    this.run = { sent: 0, total: 0, final: false, fromQueue, drawnOnce: false };
    this.waitUntil = 0;
    if (!fromQueue) this.drawWorking('preparing');
  }

  /** The audience is busy with another run (this node's or another's): this run waits for it. */
  busy(): void {
    this.drawWorking('busy');
  }

  /**
   * Batches formed: `total` of them, all of them once `final` (the segment is all read). While it
   * still arrives the status counts what was sent, without a total it cannot know yet.
   */
  planned(total: number, final = true): void {
    const run = this.run;
    if (!run) return;
    const news = final !== run.final || (final && total !== run.total);
    run.total = Math.max(run.total, total);
    run.final = final;
    if (total > 0 && (!run.fromQueue || run.drawnOnce)) this.drawProgress(news);
  }

  /** A batch finished; `total` is the run's batch count as known when it did. */
  batchDone(total: number): void {
    const run = this.run;
    if (!run) return;
    run.sent++;
    run.total = Math.max(run.total, total);
    if (Date.now() < this.waitUntil && run.sent < run.total) return; // the wait's words stay until it is over
    this.drawProgress(run.final && run.sent === run.total);
  }

  /** A call failed and is retried after `wait`: say how long, and whether the platform asked for it. */
  retrying(wait: RetryWait): void {
    const seconds = Math.max(1, Math.round(wait.ms / 1000));
    this.waitUntil = Date.now() + wait.ms;
    const key = wait.code === 'rate_limited' ? 'rateLimited' : 'retrying';
    if (this.run) this.run.drawnOnce = true;
    this.draw({ fill: 'yellow', shape: 'ring', text: this.t(key, { seconds }) }, { state: 'waiting', sent: this.run?.sent ?? 0, total: this.run?.total ?? 0, waitSeconds: seconds, waitCode: wait.code });
  }

  invalidConfig(): void {
    this.draw({ fill: 'red', shape: 'ring', text: this.t('invalidConfig') }, { state: 'idle', sent: 0, total: 0 });
  }

  /** The final word of a run: what it did, or what stopped it, in words. */
  finished(summary: ExportSummary): void {
    const run = this.run;
    this.run = undefined;
    const progress = { state: 'idle' as const, sent: run?.sent ?? 0, total: summary.batches.total };
    const counts = { added: summary.added, removed: summary.removed };
    if (summary.dryRun && summary.status === 'completed') return this.draw({ fill: 'blue', shape: 'dot', text: this.t('dryRun', counts) }, progress);
    switch (summary.status) {
      case 'completed':
        // Completed, but some profiles had no usable address or were refused: worth a look, not a green light.
        return this.draw({ fill: summary.invalid > 0 || summary.rejected > 0 ? 'yellow' : 'green', shape: 'dot', text: this.t('completed', counts) }, progress);
      case 'completed-with-errors':
        return this.draw({ fill: 'yellow', shape: 'ring', text: this.t('partial', { failed: summary.batches.failed, total: summary.batches.total }) }, progress);
      case 'skipped':
        return this.draw({ fill: 'grey', shape: 'ring', text: summary.error ? this.failure(summary.error.code) : this.t('skipped') }, progress);
      case 'failed':
        return this.draw({ fill: 'red', shape: 'ring', text: this.failure(summary.error?.code ?? 'internal') }, progress);
    }
  }

  /** A failure in words, for the code (`sign in again`, `no email found`). */
  failure(code: ErrorCode): string {
    return this.t(`failure.${code}`);
  }

  clear(): void {
    this.node.status({});
  }

  private drawWorking(key: 'preparing' | 'busy'): void {
    if (this.run) this.run.drawnOnce = true;
    this.draw({ fill: 'blue', shape: 'ring', text: this.t(key) }, { state: key, sent: this.run?.sent ?? 0, total: this.run?.total ?? 0 });
  }

  private drawProgress(force: boolean): void {
    const run = this.run;
    if (!run || (!force && Date.now() - this.lastDrawAt < REDRAW_MS)) return;
    run.drawnOnce = true;
    const values = { sent: run.sent, total: run.total, queued: this.queued };
    if (run.total === 0) {
      // Not planned yet: still preparing, with the queue said.
      const key = this.queued > 0 ? 'preparingQueued' : 'preparing';
      return this.draw({ fill: 'blue', shape: 'ring', text: this.t(key, values) }, { state: 'preparing', sent: 0, total: 0 });
    }
    if (!run.final) {
      // Sending while the segment is still read: the total is not known yet.
      return this.draw({ fill: 'blue', shape: 'ring', text: this.t('streaming', values) }, { state: 'sending', sent: run.sent, total: 0 });
    }
    this.draw({ fill: 'blue', shape: 'ring', text: this.t(this.queued > 0 ? 'progressQueued' : 'progress', values) }, { state: 'sending', sent: run.sent, total: run.total });
  }
}
