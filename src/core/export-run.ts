import type { AudienceLease, AudienceLocks } from './audience-lock';
import type { EmailEncoding } from './email';
import { ExportError, type ErrorCode, toExportError } from './errors';
import type { PathParser } from './field-path';
import { assertRemovalAllowed, assertSomeAddressUsable } from './guards';
import { type IdentifierForm, identifierForm } from './identifiers';
import { countLeaving, planSync, type SyncPlan } from './plan';
import { runPool } from './pool';
import { type RetryHooks, type RetryPolicy, type RetryResult, type RetryWait, withRetry } from './retry';
import { readSegmentYielding, type SegmentIdentifiers } from './segment-reader';
import type { JournalOperation } from './state-journal';
import type { AudienceKey, LoadedState, SyncStateStore } from './sync-state';
import type { AudienceRef, AudienceSnapshot, BatchAction, PlatformAdapter, PlatformLimits, ReplaceStrategy, SyncMode } from './types';

/** Output 1 of an export node: one per batch, as each finishes (DESIGN §3). */
export interface BatchReport {
  platform: string;
  runId: string;
  segment: string;
  audienceId: string | null;
  action: BatchAction;
  batch: number;
  batches: number;
  identifiers: number;
  accepted: number;
  rejected: number;
  status: 'ok' | 'partial' | 'failed' | 'dry-run';
  attempts: number;
  durationMs: number;
  error?: { code: ErrorCode; message: string };
}

/** Output 2 of an export node: one per segment export (DESIGN §3). */
export interface ExportSummary {
  platform: string;
  runId: string;
  segment: string;
  audienceId: string | null;
  audienceName: string | null;
  mode: SyncMode;
  dryRun: boolean;
  status: 'completed' | 'completed-with-errors' | 'failed' | 'skipped';
  profiles: number;
  invalid: number;
  optedOut: number;
  duplicates: number;
  added: number;
  removed: number;
  unchanged: number;
  rejected: number;
  batches: { total: number; ok: number; failed: number };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  audience?: AudienceSnapshot;
  /** What a run refused by a guard would have done (it sent nothing). */
  planned?: PlannedCounts;
  error?: { code: ErrorCode; message: string };
}

export interface PlannedCounts {
  added: number;
  removed: number;
  unchanged: number;
}

export interface EnginePlatform {
  readonly id: string;
  readonly limits: PlatformLimits;
  readonly replaceStrategy: ReplaceStrategy;
}

export interface ExportRequest {
  /** What the engine needs of the platform's definition: its id (for outputs and state), limits and replace strategy. */
  readonly platform: EnginePlatform;
  readonly adapter: PlatformAdapter;
  readonly runId: string;
  /** Undefined when the message named no segment. */
  readonly segmentName: string | undefined;
  /** Segment names this export takes; empty = every segment. Others are skipped, nothing sent. */
  readonly segments: readonly string[];
  /**
   * The segment's members (msg.payload), in a holder the engine empties once they are read and
   * hashed: from then on only the identifiers are kept, so a million profile objects can be
   * collected while the batches are sent.
   */
  readonly input: { payload?: unknown };
  readonly mode: SyncMode;
  readonly dryRun: boolean;
  /** Skip the whole segment when it holds more profiles than this; 0 = no guard. */
  readonly maxProfiles: number;
  /** A mirror or replace run that would remove more than this share of what was delivered sends nothing (100 = off). */
  readonly maxRemovalPercent: number;
  /** A key as it stands in the profiles, or a property expression (see field-path.ts). */
  readonly emailField: string;
  readonly consentField?: string;
  /** Node-RED's property-expression parser; dotted paths without it. */
  readonly parsePath?: PathParser;
  readonly encoding: EmailEncoding;
  readonly state: SyncStateStore;
  /** One run per audience: a run waits here for any other run of the same audience. */
  readonly locks: AudienceLocks;
  readonly retry: RetryPolicy;
  /**
   * Aborted when the node closes (deploy, disable, shutdown): no new batch starts; batches in flight
   * get `graceMs` to finish and be journalled, then the run lets go of its audience and writes nothing more.
   */
  readonly signal?: AbortSignal;
  readonly graceMs?: number;
  /** The audience is busy with another run: this one waits. */
  readonly onWaiting?: () => void;
  /** A call failed and is retried after a wait (a rate limit, an outage): how long, and why. */
  readonly onRetryWait?: (wait: RetryWait) => void;
  /** Throws when nothing may be sent (consent gate, approval); checked before any request. */
  readonly assertAllowed?: () => void | Promise<void>;
  /** Drop a refused access token so the retry gets a fresh one. */
  readonly onAuthExpired?: (error: ExportError) => void;
  readonly onBatch?: (report: BatchReport) => void;
  /** The plan is made: this many batches will be sent (before the first one is). */
  readonly onPlan?: (batches: number) => void;
  /** The error the summary reports, as raised (with its `params` for a sentence in another language). */
  readonly onError?: (error: ExportError) => void;
  readonly now?: () => number;
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

interface PlannedBatch {
  readonly action: BatchAction;
  readonly identifiers: readonly string[];
}

/**
 * One segment export, platform-neutral: read and hash the segment, guard its size, plan against
 * the durable state, send the batches with retries and bounded concurrency, keep only what the
 * platform confirmed, and report. Never throws: every outcome is a summary.
 */
export async function runExport(request: ExportRequest): Promise<ExportSummary> {
  const now = request.now ?? Date.now;
  const started = now();
  const summary = emptySummary({ ...request, platform: request.platform.id }, started);
  const finish = (status: ExportSummary['status'], error?: ExportError): ExportSummary => {
    const finished = now();
    summary.status = status;
    if (error) {
      summary.error = error.toJSON();
      request.onError?.(error);
    }
    summary.finishedAt = new Date(finished).toISOString();
    summary.durationMs = finished - started;
    return inReadingOrder(summary);
  };

  try {
    if (request.segmentName === undefined) {
      return finish('failed', new ExportError('invalid_input', 'msg.segment (or msg.topic) must name the segment: a string or { name, id }'));
    }
    if (request.segments.length > 0 && !request.segments.includes(request.segmentName)) return finish('skipped');
    const segmentName = request.segmentName;
    const received = profileCount(request.input);
    if (received !== undefined) summary.profiles = received;
    if (received !== undefined && request.maxProfiles > 0 && received > request.maxProfiles) {
      const error = new ExportError(
        'segment_too_large',
        `Segment "${segmentName}" has ${received} profiles, more than maxProfiles (${request.maxProfiles}); nothing was sent`,
        { params: { profiles: received, max: request.maxProfiles } },
      );
      return finish('skipped', error);
    }

    const segment = await consumeInput(request);
    Object.assign(summary, { profiles: segment.profiles, invalid: segment.invalid, optedOut: segment.optedOutCount, duplicates: segment.duplicates });
    assertSomeAddressUsable(segment, request.emailField, segment.fieldNames);
    // A replace that could only wipe is refused before anything is looked up (the state decides the rest).
    assertRemovalAllowed({ mode: request.mode, maxRemovalPercent: request.maxRemovalPercent, delivered: undefined, removals: 0, members: segment.members.size });

    if (request.dryRun) {
      const refusal = await dryRun(request, segmentName, summary, segment);
      return refusal ? finish('failed', refusal) : finish('completed');
    }

    await request.assertAllowed?.();
    throwIfStopped(request.signal);
    const retryHooks: RetryHooks = { onAuthExpired: request.onAuthExpired, onWait: request.onRetryWait, signal: request.signal };
    const resolved = await resolveAudience(request, segmentName, retryHooks);
    if (!resolved.ok) return finish('failed', resolved.error);
    const audience = resolved.value;
    summary.audienceId = audience.id;
    summary.audienceName = audience.name;

    const stateKey: AudienceKey = { platform: request.platform.id, accountKey: audience.accountKey, audienceId: audience.id };
    const lease = await request.locks.acquire(audienceLockKey(stateKey), { signal: request.signal, onWaiting: request.onWaiting });
    const grace = letGoAfterGrace(request, lease);
    try {
      await request.state.rememberAudience(request.platform.id, audience.accountKey, segmentName, audience.id);
      const loaded = await request.state.load(stateKey);
      const form = identifierForm(request.encoding);
      const plan = planSync({ ...segment, mode: request.mode, ...previousOf(loaded), replaceStrategy: request.platform.replaceStrategy, ...stateKeys(form) });
      const refusal = guard(request, plan, loaded, segment.members, form, summary);
      if (refusal) return finish('failed', refusal);
      // The plan holds every identifier still needed: let the sets' tables go before the sending
      // allocates its request bodies (for 1M profiles that is tens of MB of peak memory).
      segment.members.clear();
      segment.optedOut.clear();
      summary.unchanged = plan.unchanged;

      // Each confirmed batch is journalled at once, so a run that dies is not sent again. A journal
      // that cannot be written costs only that: the state saved below still records the truth.
      const journal: Journal = (operation, identifiers) =>
        request.state.record(stateKey, operation, form.toStateKey ? identifiers.map(form.toStateKey) : identifiers, lease).catch(() => undefined);
      const execution = await execute(request, audience, plan, summary, form, journal);
      const confirmed = nextState(loaded, plan, execution, form);
      if (confirmed && lease.held) await request.state.save(stateKey, confirmed.members, confirmed.size, lease);

      if (request.signal?.aborted) return finish('failed', stoppedError(summary));
      const snapshot = await withRetry(() => request.adapter.readAudience(audience), request.retry, retryHooks);
      if (snapshot.ok && snapshot.value) summary.audience = snapshot.value;

      if (execution.fatal) return finish('failed', execution.fatal);
      const failed = summary.batches.failed > 0 || summary.rejected > 0;
      if (!failed) return finish('completed');
      const allFailed = summary.batches.total > 0 && summary.batches.ok === 0 && summary.added + summary.removed === 0;
      const error = new ExportError(
        execution.firstError?.code ?? 'rejected',
        `${summary.batches.failed} of ${summary.batches.total} batches failed, ${summary.rejected} identifiers rejected` +
          (execution.firstError ? `: ${execution.firstError.message}` : ''),
      );
      return finish(allFailed ? 'failed' : 'completed-with-errors', error);
    } finally {
      grace.dispose();
      await lease.release();
    }
  } catch (thrown) {
    const error = toExportError(thrown);
    return finish('failed', request.signal?.aborted && error.code === 'aborted' ? stoppedError(summary) : error);
  }
}

/** The lock key of one audience: the same whichever node, connection or instance exports to it. */
function audienceLockKey(key: AudienceKey): string {
  return `audience\n${key.platform}\n${key.accountKey}\n${key.audienceId}`;
}

/**
 * Find or create the audience. When it is found by name, the look-up runs under a lock on that name,
 * so two runs (or instances) exporting one new segment create one audience, not two.
 */
async function resolveAudience(request: ExportRequest, segmentName: string, hooks: RetryHooks): Promise<RetryResult<AudienceRef>> {
  const { adapter, platform } = request;
  const lookUp = () => withRetry(() => adapter.resolveAudience({ segmentName }), request.retry, hooks);
  if (adapter.knownAudience({ segmentName })) return lookUp();
  const lease = await request.locks.acquire(`name\n${platform.id}\n${adapter.accountKey()}\n${segmentName}`, { signal: request.signal });
  try {
    return await lookUp();
  } finally {
    await lease.release();
  }
}

/**
 * The removal guard on a planned run (DESIGN §3): refused runs send nothing and report what they
 * would have done. Undefined when the run may go ahead.
 */
function guard(request: ExportRequest, plan: SyncPlan, loaded: LoadedState | undefined, members: ReadonlySet<string>, form: IdentifierForm, summary: ExportSummary): ExportError | undefined {
  const leaving = request.mode === 'replace' ? countLeaving(loaded?.members, members, form.toStateKey) : plan.removes.length;
  try {
    assertRemovalAllowed({ mode: request.mode, maxRemovalPercent: request.maxRemovalPercent, delivered: loaded?.members.size, removals: leaving, members: members.size });
    return undefined;
  } catch (thrown) {
    summary.planned = { added: plan.adds.length, removed: leaving, unchanged: plan.unchanged };
    return toExportError(thrown);
  }
}

/** After the node closed, in-flight batches get the grace time; then the run lets go of its audience (its writes are refused from then on). */
function letGoAfterGrace(request: ExportRequest, lease: AudienceLease): { dispose(): void } {
  const { signal } = request;
  if (!signal) return { dispose: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  const onStop = (): void => {
    timer = setTimeout(() => void lease.release(), request.graceMs ?? DEFAULT_GRACE_MS);
    timer.unref();
  };
  if (signal.aborted) onStop();
  else signal.addEventListener('abort', onStop, { once: true });
  return {
    dispose() {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
    },
  };
}

/** Node-RED gives a closing node 15 s: in-flight batches get 10 of them to finish and be journalled. */
export const DEFAULT_GRACE_MS = 10_000;

function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExportError('aborted', 'The export stopped before sending anything: its node was closed');
}

function stoppedError(summary: ExportSummary): ExportError {
  const { ok, total } = summary.batches;
  return new ExportError(
    'aborted',
    `The export stopped because its node was closed (a deploy, disable or shutdown): ${ok} of ${total} batches were sent and recorded; the next run continues from there`,
  );
}

function profileCount(input: { payload?: unknown }): number | undefined {
  return Array.isArray(input.payload) ? input.payload.length : undefined;
}

/** Read and hash the members, then let go of the profiles (no reference to them survives this call). */
async function consumeInput(request: ExportRequest): Promise<SegmentIdentifiers> {
  const segment = await readSegmentYielding(request.input.payload, { emailField: request.emailField, consentField: request.consentField, encoding: request.encoding, parsePath: request.parsePath });
  request.input.payload = undefined;
  return segment;
}

function previousOf(loaded: LoadedState | undefined): Pick<Parameters<typeof planSync>[0], 'previous' | 'previousIncomplete'> {
  return { previous: loaded?.members, previousIncomplete: loaded ? !loaded.complete : false };
}

/** Plain addresses are compared with the state (which holds digests) by their digest. */
function stateKeys(form: IdentifierForm): Pick<Parameters<typeof planSync>[0], 'stateKey' | 'fromStateKey'> {
  return { stateKey: form.toStateKey, fromStateKey: form.fromStateKey };
}

/**
 * The summary of an export refused before it could start (a msg.parts sequence that contradicted
 * itself or expired): nothing was sent.
 */
export function refusedSummary(base: SummaryBase, error: ExportError, now: number = Date.now()): ExportSummary {
  const summary = emptySummary(base, now);
  summary.status = 'failed';
  summary.error = error.toJSON();
  summary.finishedAt = summary.startedAt;
  return inReadingOrder(summary);
}

/**
 * The summary with its keys in the order a person reads it (Node-RED's Debug shows the first few
 * collapsed): what happened and the counts first, the audience, then the bookkeeping.
 */
function inReadingOrder(summary: ExportSummary): ExportSummary {
  const { status, error, segment, added, removed, unchanged, profiles, invalid, optedOut, duplicates, rejected, audienceName, audienceId, audience, mode, dryRun, batches, durationMs, startedAt, finishedAt, platform, runId, ...rest } = summary;
  return {
    status,
    ...(error ? { error } : {}),
    segment,
    added,
    removed,
    unchanged,
    profiles,
    invalid,
    optedOut,
    duplicates,
    rejected,
    audienceName,
    audienceId,
    ...(audience ? { audience } : {}),
    mode,
    dryRun,
    batches,
    durationMs,
    startedAt,
    finishedAt,
    platform,
    runId,
    ...rest,
  };
}

/** What every summary says of the run, whatever happened. */
export interface SummaryBase {
  readonly platform: string;
  readonly runId: string;
  readonly segmentName: string | undefined;
  readonly mode: SyncMode;
  readonly dryRun: boolean;
}

function emptySummary(request: SummaryBase, started: number): ExportSummary {
  return {
    platform: request.platform,
    runId: request.runId,
    segment: request.segmentName ?? '',
    audienceId: null,
    audienceName: null,
    mode: request.mode,
    dryRun: request.dryRun,
    status: 'completed',
    profiles: 0,
    invalid: 0,
    optedOut: 0,
    duplicates: 0,
    added: 0,
    removed: 0,
    unchanged: 0,
    rejected: 0,
    batches: { total: 0, ok: 0, failed: 0 },
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    durationMs: 0,
  };
}

/** The same plan as a real run, from local state only: no request, no audience created, state untouched. Answers the guard's refusal, if any. */
async function dryRun(request: ExportRequest, segmentName: string, summary: ExportSummary, segment: SegmentIdentifiers): Promise<ExportError | undefined> {
  const { adapter, platform } = request;
  const known = adapter.knownAudience({ segmentName: segmentName });
  const accountKey = known?.accountKey ?? adapter.accountKey();
  const audienceId = known?.id ?? (await request.state.recallAudience(platform.id, accountKey, segmentName));
  summary.audienceId = audienceId ?? null;
  summary.audienceName = known || audienceId ? segmentName : null;
  const loaded = audienceId ? await request.state.load({ platform: platform.id, accountKey, audienceId }) : undefined;
  const form = identifierForm(request.encoding);
  const plan = planSync({ ...segment, mode: request.mode, ...previousOf(loaded), replaceStrategy: platform.replaceStrategy, ...stateKeys(form) });
  const batches = batchPlan(plan, platform.limits.maxBatchSize);
  Object.assign(summary, { added: plan.adds.length, removed: plan.removes.length, unchanged: plan.unchanged });
  const refusal = guard(request, plan, loaded, segment.members, form, summary);
  if (refusal) return refusal;
  summary.batches.total = batches.length;
  batches.forEach((batch, index) => request.onBatch?.(batchReport(summary, batch, index, batches.length, 'dry-run')));
  return undefined;
}

/** A batch's report as it starts: which run, segment and audience, which batch of how many, nothing accepted yet. */
function batchReport(run: Pick<ExportSummary, 'platform' | 'runId' | 'segment' | 'audienceId'>, batch: PlannedBatch, index: number, total: number, status: BatchReport['status']): BatchReport {
  const { platform, runId, segment, audienceId } = run;
  return { platform, runId, segment, audienceId, action: batch.action, batch: index + 1, batches: total, identifiers: batch.identifiers.length, accepted: 0, rejected: 0, status, attempts: 0, durationMs: 0 };
}

/** Removes first, then adds; a replace-style first batch goes alone so its wipe precedes every add. */
function batchPlan(plan: SyncPlan, size: number): PlannedBatch[] {
  const batches: PlannedBatch[] = [];
  for (let i = 0; i < plan.removes.length; i += size) batches.push({ action: 'remove', identifiers: plan.removes.slice(i, i + size) });
  for (let i = 0; i < plan.adds.length; i += size) {
    const action: BatchAction = plan.firstBatchReplaces && i === 0 ? 'replace' : 'add';
    batches.push({ action, identifiers: plan.adds.slice(i, i + size) });
  }
  if (plan.firstBatchReplaces && plan.adds.length === 0) batches.push({ action: 'replace', identifiers: [] });
  return batches;
}

type Journal = (operation: JournalOperation, identifiers: readonly string[]) => Promise<void>;

interface Execution {
  cleared: boolean;
  readonly confirmedAdds: (readonly string[])[];
  readonly confirmedRemoves: (readonly string[])[];
  fatal?: ExportError;
  firstError?: ExportError;
}

async function execute(request: ExportRequest, audience: AudienceRef, plan: SyncPlan, summary: ExportSummary, form: IdentifierForm, journal: Journal): Promise<Execution> {
  const { adapter, platform } = request;
  const execution: Execution = { cleared: false, confirmedAdds: [], confirmedRemoves: [] };
  const batches = batchPlan(plan, platform.limits.maxBatchSize);
  summary.batches.total = batches.length;
  request.onPlan?.(batches.length);
  const abort = new AbortController();
  // Either an error after which nothing can succeed, or the node closing, stops new batches.
  const stop = request.signal ? AbortSignal.any([abort.signal, request.signal]) : abort.signal;
  const hooks: RetryHooks = { onAuthExpired: request.onAuthExpired, onWait: request.onRetryWait, signal: stop };
  const context = { signal: stop };

  const fail = (error: ExportError): void => {
    execution.firstError ??= error;
    if (FATAL.has(error.code) && !execution.fatal) {
      execution.fatal = error;
      abort.abort();
    }
  };

  if (plan.clearFirst && !stop.aborted) {
    const cleared = await withRetry(() => adapter.clearAudience(audience, context), request.retry, hooks);
    if (cleared.ok) {
      execution.cleared = true;
      await journal('replace', []);
    } else {
      // Adding onto an audience that was not wiped would not be a replace: send nothing more.
      fail(cleared.error);
      execution.fatal ??= cleared.error;
      abort.abort();
    }
  }

  const sendOne = async (batch: PlannedBatch, index: number): Promise<void> => {
    const started = Date.now();
    // The wire form (hex) is made only while each request body streams.
    const result: RetryResult<{ accepted: number; rejected: number }> = stop.aborted
      ? { ok: false, error: abortedError(execution.fatal), attempts: 0 }
      : await withRetry(() => adapter.sendBatch(audience, batch.action, form.toWire(batch.identifiers), context), request.retry, hooks);
    const report = { ...batchReport({ ...summary, audienceId: audience.id }, batch, index, batches.length, 'failed'), attempts: result.attempts, durationMs: Date.now() - started };
    if (result.ok) {
      const { accepted, rejected } = result.value;
      Object.assign(report, { accepted, rejected, status: rejected === 0 ? 'ok' : accepted > 0 ? 'partial' : 'failed' });
      (batch.action === 'remove' ? execution.confirmedRemoves : execution.confirmedAdds).push(batch.identifiers);
      await journal(batch.action, batch.identifiers);
      if (batch.action === 'replace') execution.cleared = true;
      if (batch.action === 'remove') summary.removed += accepted;
      else summary.added += accepted;
      summary.rejected += rejected;
    } else {
      report.error = result.error.toJSON();
      fail(result.error);
    }
    if (report.status === 'failed') summary.batches.failed++;
    else summary.batches.ok++;
    request.onBatch?.(report);
  };

  // Aborted batches still pass through sendOne so each gets its output-1 report.
  const [first, ...rest] = batches;
  if (first && plan.firstBatchReplaces && first.action === 'replace') {
    await sendOne(first, 0);
    if (!execution.cleared) {
      // Without the wipe, adding the rest would not make the audience equal to the segment.
      execution.fatal ??= execution.firstError ?? new ExportError('aborted', 'The replace call failed; nothing more was sent');
      abort.abort();
    }
    await runPool(rest, platform.limits.concurrency, (batch, index) => sendOne(batch, index + 1));
  } else {
    await runPool(batches, platform.limits.concurrency, sendOne);
  }
  return execution;
}

function abortedError(cause: ExportError | undefined): ExportError {
  if (!cause) return new ExportError('aborted', 'Not sent: the export stopped because its node was closed');
  return new ExportError('aborted', `Not sent: the export stopped after an earlier error (${cause.code})`);
}

/**
 * The state after a run: what was there, less confirmed removals, plus confirmed additions.
 * A wipe (replace) starts from nothing. Undefined when nothing changed and nothing needs recording.
 * Without earlier state the confirmed batches are the state: they are streamed to disk as they are
 * (batches are disjoint), not copied into a second set of a million identifiers.
 */
function nextState(loaded: LoadedState | undefined, plan: SyncPlan, execution: Execution, form: IdentifierForm): { members: Iterable<string>; size: number } | undefined {
  const previous = loaded?.members;
  const key = form.toStateKey ?? ((identifier: string) => identifier);
  const touched = execution.cleared || execution.confirmedAdds.length > 0 || execution.confirmedRemoves.length > 0;
  // A journal folded in at load is saved even when this run changed nothing, which ends it.
  if (!touched && !loaded?.journalled && (previous || plan.adds.length + plan.removes.length > 0)) return undefined;
  if (!previous || execution.cleared) {
    const adds = execution.confirmedAdds;
    return { members: keysOf(adds, key), size: adds.reduce((sum, batch) => sum + batch.length, 0) };
  }
  for (const batch of execution.confirmedRemoves) for (const id of batch) previous.delete(key(id));
  for (const batch of execution.confirmedAdds) for (const id of batch) previous.add(key(id));
  return { members: previous, size: previous.size };
}

function* keysOf(batches: ReadonlyArray<readonly string[]>, key: (identifier: string) => string): Generator<string> {
  for (const batch of batches) for (const identifier of batch) yield key(identifier);
}
