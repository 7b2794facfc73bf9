import { ExportError, type ErrorCode } from './errors';
import type { IdentifierForm } from './identifiers';
import { type RetryHooks, type RetryPolicy, type RetryResult, withRetry } from './retry';
import type { JournalOperation } from './state-journal';
import type { AudienceRef, BatchAction, PlatformAdapter } from './types';

/** Output 1 of an export node: one per batch, as each finishes (DESIGN §3). */
export interface BatchReport {
  platform: string;
  runId: string;
  segment: string;
  audienceId: string | null;
  action: BatchAction;
  batch: number;
  /** Batches of the run: final once the segment is all read; while it still arrives, those formed so far. */
  batches: number;
  identifiers: number;
  accepted: number;
  rejected: number;
  status: 'ok' | 'partial' | 'failed' | 'dry-run';
  attempts: number;
  durationMs: number;
  error?: { code: ErrorCode; message: string };
}

/** Which run a report belongs to. */
export interface RunLabel {
  readonly platform: string;
  readonly runId: string;
  readonly segment: string;
  readonly audienceId: string | null;
}

/** One request's worth of identifiers (in the engine's form). Adds name the fresh entries they cover. */
export interface Batch {
  readonly action: BatchAction;
  readonly identifiers: readonly string[];
  readonly from?: number;
  readonly to?: number;
  /** The run's last batch of its action, sent once the others have settled (see CallContext.last). */
  readonly last?: boolean;
}

/** A batch's report as it starts: which run, segment and audience, which batch of how many, nothing accepted yet. */
export function batchReport(run: RunLabel, action: BatchAction, identifiers: number, index: number, total: number, status: BatchReport['status']): BatchReport {
  const { platform, runId, segment, audienceId } = run;
  return { platform, runId, segment, audienceId, action, batch: index + 1, batches: total, identifiers, accepted: 0, rejected: 0, status, attempts: 0, durationMs: 0 };
}

/** Errors after which sending more batches cannot succeed: stop and say why. */
const FATAL: ReadonlySet<ErrorCode> = new Set([
  'consent_required',
  'approval_required',
  'reauth_required',
  'auth_failed',
  'auth_expired',
  'forbidden',
  'not_found',
  'terms_not_accepted',
  'api_version_retired',
]);

export type Journal = (operation: JournalOperation, identifiers: readonly string[]) => Promise<void>;

export interface SenderOptions {
  readonly adapter: PlatformAdapter;
  readonly audience: AudienceRef;
  readonly label: RunLabel;
  readonly form: IdentifierForm;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  readonly hooks: Omit<RetryHooks, 'signal'>;
  /** The node closing: no new batch starts. */
  readonly signal?: AbortSignal;
  readonly journal: Journal;
  readonly onBatch?: (report: BatchReport) => void;
}

/** What a run's batches did, as the platform confirmed it. */
export interface Tally {
  added: number;
  removed: number;
  rejected: number;
  ok: number;
  failed: number;
}

/**
 * Sends a run's batches as they are formed, at most `concurrency` at a time, with retries; records
 * what the platform confirmed (journal first, then the run's tally) and stops for good after an
 * error nothing can follow (a refused token, a missing audience) or when the node closes. `submit`
 * waits for a free lane, so a segment read faster than it can be sent is held as identifiers, not
 * as requests.
 */
export class BatchSender {
  readonly tally: Tally = { added: 0, removed: 0, rejected: 0, ok: 0, failed: 0 };
  /** Batches formed so far (sent, in flight or failed). */
  formed = 0;
  /** Identifiers in the add (and replace) batches formed so far. */
  addsFormed = 0;
  /** The run's batch count once the segment is all read and the rest is planned. */
  private total?: number;
  cleared = false;
  /** Fresh entries whose add the platform confirmed, as [from, to) ranges. */
  readonly confirmedAdds: Array<readonly [number, number]> = [];
  /** Identifiers in those ranges. */
  confirmedAddCount = 0;
  readonly confirmedRemoves: (readonly string[])[] = [];
  fatal?: ExportError;
  firstError?: ExportError;
  private readonly abort = new AbortController();
  readonly stop: AbortSignal;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: SenderOptions) {
    this.stop = options.signal ? AbortSignal.any([this.abort.signal, options.signal]) : this.abort.signal;
  }

  get stopped(): boolean {
    return this.stop.aborted;
  }

  /** The last batch of its action: once every batch in flight has settled. */
  async submitLast(batch: Batch): Promise<void> {
    await this.drain();
    await this.submit({ ...batch, last: true });
  }

  /** Start `batch` once a lane is free (resolves when it has started, not when it is done). */
  async submit(batch: Batch): Promise<void> {
    while (this.inFlight.size >= Math.max(1, this.options.concurrency)) await Promise.race(this.inFlight);
    const index = this.formed++;
    if (batch.action !== 'remove') this.addsFormed += batch.identifiers.length;
    const sending = this.sendOne(batch, index).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  /** Send `batch` with nothing else in flight, and wait for it (a replace call precedes every add). */
  async sendAlone(batch: Batch): Promise<void> {
    await this.drain();
    await this.submit(batch);
    await this.drain();
  }

  /** Wipe the audience (`clear-then-add`): nothing more is sent if it fails. */
  async clear(): Promise<void> {
    await this.drain();
    if (this.stopped) return;
    const { adapter, audience, retry } = this.options;
    const cleared = await withRetry(() => adapter.clearAudience(audience, { signal: this.stop }), retry, this.hooks());
    if (cleared.ok) {
      this.cleared = true;
      await this.options.journal('replace', []);
    } else {
      // Adding onto an audience that was not wiped would not be a replace: send nothing more.
      this.fail(cleared.error);
      this.halt(cleared.error);
    }
  }

  /** Batches planned in all, once known (0 before). */
  get planned(): number {
    return this.total ?? 0;
  }

  /** The segment is all read: `more` batches are still to be formed. Reports count them from now on. */
  plan(more: number): number {
    this.total = this.formed + more;
    return this.total;
  }

  /** Every batch started has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Stop sending: after an error nothing can follow, or a step that must succeed did not. */
  halt(error: ExportError): void {
    this.fatal ??= error;
    this.abort.abort();
  }

  private hooks(): RetryHooks {
    return { ...this.options.hooks, signal: this.stop };
  }

  private fail(error: ExportError): void {
    this.firstError ??= error;
    if (FATAL.has(error.code)) this.halt(error);
  }

  private async sendOne(batch: Batch, index: number): Promise<void> {
    const { adapter, audience, form, retry, label } = this.options;
    const started = Date.now();
    // The wire form (hex) is made only while each request body streams.
    const result: RetryResult<{ accepted: number; rejected: number }> = this.stopped
      ? { ok: false, error: abortedError(this.fatal), attempts: 0 }
      : await withRetry(() => adapter.sendBatch(audience, batch.action, form.toWire(batch.identifiers), { signal: this.stop, last: batch.last }), retry, this.hooks());
    const report = { ...batchReport(label, batch.action, batch.identifiers.length, index, 0, 'failed'), attempts: result.attempts, durationMs: Date.now() - started };
    if (result.ok) {
      const { accepted, rejected } = result.value;
      Object.assign(report, { accepted, rejected, status: rejected === 0 ? 'ok' : accepted > 0 ? 'partial' : 'failed' });
      if (batch.action === 'remove') this.confirmedRemoves.push(batch.identifiers);
      else {
        this.confirmedAdds.push([batch.from ?? 0, batch.to ?? 0]);
        this.confirmedAddCount += batch.identifiers.length;
      }
      await this.options.journal(batch.action, batch.identifiers);
      if (batch.action === 'replace') this.cleared = true;
      if (batch.action === 'remove') this.tally.removed += accepted;
      else this.tally.added += accepted;
      this.tally.rejected += rejected;
    } else {
      report.error = result.error.toJSON();
      this.fail(result.error);
    }
    if (report.status === 'failed') this.tally.failed++;
    else this.tally.ok++;
    // The total as known when the batch finished: final once the segment is all read.
    report.batches = Math.max(this.formed, this.total ?? 0);
    this.options.onBatch?.(report);
  }
}

function abortedError(cause: ExportError | undefined): ExportError {
  if (!cause) return new ExportError('aborted', 'Not sent: the export stopped because its node was closed');
  return new ExportError('aborted', `Not sent: the export stopped after an earlier error (${cause.code})`);
}
