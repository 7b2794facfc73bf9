import type { ExportSummary } from '../core/export-run';
import type { NodeRedApi, NodeStatus, RuntimeNode } from './red-types';

/** The one place an export node's status is decided: progress (throttled) and the final word. */
export class ExportStatus {
  private lastProgressAt = 0;

  constructor(
    private readonly RED: NodeRedApi,
    private readonly node: RuntimeNode,
  ) {}

  private t(key: string, values?: Record<string, string | number>): string {
    return this.RED._(`audience-export.status.${key}`, values);
  }

  set(status: NodeStatus): void {
    this.node.status(status);
  }

  /** While parts arrive (one message each: 200,000 for a CSV file read a line at a time), a few times a second. */
  gathering(sequences: number): void {
    const now = Date.now();
    if (now - this.lastProgressAt < 250) return;
    this.lastProgressAt = now;
    this.working('gathering', { sequences });
  }

  working(key: 'gathering' | 'preparing' | 'waiting', values?: Record<string, string | number>): void {
    this.set({ fill: 'blue', shape: 'ring', text: this.t(key, values) });
  }

  /** `3/10 batches`, at most a few times a second however many batches finish. */
  progress(done: number, total: number): void {
    const now = Date.now();
    if (done < total && now - this.lastProgressAt < 250) return;
    this.lastProgressAt = now;
    this.set({ fill: 'blue', shape: 'ring', text: this.t('progress', { done, total }) });
  }

  invalidConfig(): void {
    this.set({ fill: 'red', shape: 'ring', text: this.t('invalidConfig') });
  }

  finished(summary: ExportSummary): void {
    const counts = { added: summary.added, removed: summary.removed, failed: summary.batches.failed };
    if (summary.dryRun && summary.status === 'completed') return this.set({ fill: 'blue', shape: 'dot', text: this.t('dryRun', counts) });
    switch (summary.status) {
      case 'completed':
        // Completed, but some profiles had no usable address: worth a look, not a green light.
        return this.set({ fill: summary.invalid > 0 || summary.rejected > 0 ? 'yellow' : 'green', shape: 'dot', text: this.t('completed', counts) });
      case 'completed-with-errors':
        return this.set({ fill: 'yellow', shape: 'ring', text: this.t('partial', counts) });
      case 'skipped':
        return this.set({ fill: 'grey', shape: 'ring', text: this.t(summary.error?.code === 'segment_too_large' ? 'tooLarge' : 'skipped') });
      case 'failed':
        return this.set({ fill: 'red', shape: 'ring', text: this.failure(summary.error?.code ?? 'internal') });
    }
  }

  /** Failures with a status of their own; the others read `failed: <code>`. */
  private failure(code: string): string {
    switch (code) {
      case 'reauth_required':
        return this.t('reauthenticate');
      case 'consent_required':
        return this.t('consentRequired');
      case 'approval_required':
        return this.t('approvalRequired');
      case 'no_valid_emails':
        return this.t('noValidEmails');
      case 'removal_guard':
        return this.t('removalGuard');
      case 'sequence_timeout':
        return this.t('sequenceTimeout');
      case 'aborted':
        return this.t('stopped');
      case 'secrets_required':
        return this.t('secretsRequired');
      default:
        return this.t('failed', { code });
    }
  }

  clear(): void {
    this.set({});
  }
}
