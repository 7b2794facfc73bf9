import type { AudienceLease, AudienceLocks } from './audience-lock';
import { type Batch, type BatchReport, BatchSender, batchReport, type Journal, type RunLabel } from './batch-sender';
import type { EmailEncoding } from './email';
import { ExportError, type ErrorCode, toExportError } from './errors';
import type { PathParser } from './field-path';
import { assertRemovalAllowed, assertSomeAddressUsable } from './guards';
import { identifierForm } from './identifiers';
import { type RetryHooks, type RetryPolicy, type RetryResult, type RetryWait, withRetry } from './retry';
import { SegmentIntake } from './segment-intake';
import type { SegmentMembers } from './segment-members';
import { DigestSet } from './digest-set';
import type { AudienceKey, LoadedState, SyncStateStore } from './sync-state';
import type { AudienceRef, AudienceSnapshot, PlatformAdapter, PlatformLimits, ReplaceStrategy, SyncMode } from './types';

export type { BatchReport } from './batch-sender';

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
   * The segment: an intake the caller fills as its parts arrive (hashed on arrival, see
   * segment-intake.ts), or one payload in a holder the engine empties once it has taken it.
   */
  readonly input: SegmentIntake | { payload?: unknown };
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
  /** Batches formed so far, and whether that is all of them (the segment is all read). */
  readonly onPlan?: (batches: number, final: boolean) => void;
  /** The error the summary reports, as raised (with its `params` for a sentence in another language). */
  readonly onError?: (error: ExportError) => void;
  readonly now?: () => number;
}

/**
 * One segment export, platform-neutral: read and hash the segment as it arrives, guard it, compare
 * with the durable state, and send batches as soon as they are full — adds while the rest is still
 * arriving, removals only once the whole segment is known and the removal guard passed — with
 * retries and bounded concurrency; keep only what the platform confirmed, and report. Never
 * throws: every outcome is a summary.
 */
export async function runExport(request: ExportRequest): Promise<ExportSummary> {
  const now = request.now ?? Date.now;
  const started = now();
  const summary = emptySummary({ ...request, platform: request.platform.id }, started);
  const intake = intakeOf(request);
  const finish = (status: ExportSummary['status'], error?: ExportError): ExportSummary => {
    // Whatever is still arriving is not needed any more: let it go.
    intake.discard();
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
    if (intake.knownProfiles !== undefined) {
      summary.profiles = intake.knownProfiles;
      const tooLarge = sizeRefusal(request, segmentName, intake.knownProfiles);
      if (tooLarge) return finish('skipped', tooLarge);
    }

    if (request.dryRun) {
      await intake.whole();
      const refusal = await dryRun(request, segmentName, summary, intake);
      if (refusal) return finish(refusal.code === 'segment_too_large' ? 'skipped' : 'failed', refusal);
      return finish('completed');
    }

    // A segment with no usable address, or a replace that could only wipe, is refused before
    // anything is looked up: a run that streams waits for its first usable identifier (at once,
    // normally), one that does not for the whole segment.
    const streams = mayStream(request, intake);
    while (!intake.settled && (!streams || intake.members.size === 0)) await intake.changed();
    if (intake.error) throw intake.error;
    if (intake.complete) {
      const early = refusalOnceRead(request, intake, summary);
      if (early) return finish(early.code === 'segment_too_large' ? 'skipped' : 'failed', early);
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
      const members = intake.members;
      await members.attach(loaded?.members, request.mode === 'mirror');
      // Each confirmed batch is journalled at once, so a run that dies is not sent again. A journal
      // that cannot be written costs only that: the state saved below still records the truth.
      const journal: Journal = (operation, identifiers) =>
        request.state.record(stateKey, operation, form.toStateKey ? identifiers.map(form.toStateKey) : identifiers, lease).catch(() => undefined);
      const sender = new BatchSender({
        adapter: request.adapter,
        audience,
        label: { ...runLabel(summary), audienceId: audience.id },
        form,
        concurrency: request.platform.limits.concurrency,
        retry: request.retry,
        hooks: { onAuthExpired: request.onAuthExpired, onWait: request.onRetryWait },
        signal: request.signal,
        journal,
        onBatch: request.onBatch,
      });

      let outcome: Awaited<ReturnType<typeof sendSegment>>;
      try {
        outcome = await sendSegment(request, intake, streams, members, sender, loaded, summary);
      } finally {
        // Also when the segment failed while streaming (a sequence broken or expired): what went out is told.
        Object.assign(summary, {
          added: sender.tally.added,
          removed: sender.tally.removed,
          rejected: sender.tally.rejected,
          batches: { total: sender.formed, ok: sender.tally.ok, failed: sender.tally.failed },
        });
      }
      const confirmed = nextState(loaded, members, sender, outcome.planned);
      if (confirmed && lease.held) await request.state.save(stateKey, confirmed.members, confirmed.size, lease);

      if (request.signal?.aborted) return finish('failed', stoppedError(summary));
      if (outcome.skipped) return finish('skipped', outcome.skipped);
      const snapshot = await withRetry(() => request.adapter.readAudience(audience), request.retry, retryHooks);
      if (snapshot.ok && snapshot.value) summary.audience = snapshot.value;

      if (outcome.refusal) return finish('failed', outcome.refusal);
      if (sender.fatal) return finish('failed', sender.fatal);
      const failed = summary.batches.failed > 0 || summary.rejected > 0;
      if (!failed) return finish('completed');
      const allFailed = summary.batches.total > 0 && summary.batches.ok === 0 && summary.added + summary.removed === 0;
      const error = new ExportError(
        sender.firstError?.code ?? 'rejected',
        `${summary.batches.failed} of ${summary.batches.total} batches failed, ${summary.rejected} identifiers rejected` +
          (sender.firstError ? `: ${sender.firstError.message}` : ''),
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

function intakeOf(request: ExportRequest): SegmentIntake {
  const { input } = request;
  if (input instanceof SegmentIntake) return input;
  const intake = SegmentIntake.ofPayload(input.payload, { emailField: request.emailField, consentField: request.consentField, encoding: request.encoding, parsePath: request.parsePath });
  // The engine holds the profiles now (until read): the caller's holder lets go of them.
  input.payload = undefined;
  return intake;
}

function runLabel(summary: ExportSummary): RunLabel {
  return { platform: summary.platform, runId: summary.runId, segment: summary.segment, audienceId: summary.audienceId };
}

/** `segment_too_large` when the segment holds more profiles than `maxProfiles` allows (0 = no limit). */
function sizeRefusal(request: ExportRequest, segmentName: string, profiles: number): ExportError | undefined {
  if (request.maxProfiles <= 0 || profiles <= request.maxProfiles) return undefined;
  return new ExportError(
    'segment_too_large',
    `Segment "${segmentName}" has ${profiles} profiles, more than maxProfiles (${request.maxProfiles}); nothing was sent`,
    { params: { profiles, max: request.maxProfiles } },
  );
}

/** How a run ended its sending: refused by a guard (with what it would have done), skipped, or as planned. */
interface SendOutcome {
  readonly refusal?: ExportError;
  readonly skipped?: ExportError;
  /** Whether the run meant to change anything (an empty first mirror still records an empty state). */
  readonly planned: boolean;
}

/**
 * When the run `streams`, adds leave while the segment arrives, as soon as a batch is full: in
 * mirror those the state does not hold, in add mode everyone, in replace once the wipe may go (the
 * removal guard is already satisfied by those seen, or off). The rest, and every removal, goes once
 * it is all read and the guards passed.
 */
async function sendSegment(request: ExportRequest, intake: SegmentIntake, streams: boolean, members: SegmentMembers, sender: BatchSender, loaded: LoadedState | undefined, summary: ExportSummary): Promise<SendOutcome> {
  const { mode, platform } = request;
  const size = platform.limits.maxBatchSize;
  let wiped = mode !== 'replace';
  const announce = (final: boolean): void => request.onPlan?.(Math.max(sender.formed, sender.planned), final);

  const sendAdds = async (final: boolean): Promise<void> => {
    if (!wiped) {
      if (!final && !replaceMayStart(request, members)) return;
      if (platform.replaceStrategy === 'clear-then-add') {
        await sender.clear();
      } else {
        const first = members.take(size, final);
        if (!first) return;
        announce(final);
        await sender.sendAlone({ action: 'replace', ...first, last: final && members.waiting === 0 });
        // Without the wipe, adding the rest would not make the audience equal to the segment.
        if (!sender.cleared) sender.halt(sender.firstError ?? new ExportError('aborted', 'The replace call failed; nothing more was sent'));
      }
      wiped = true;
    }
    for (let batch = members.take(size, final); batch; batch = members.take(size, final)) {
      if (final && members.waiting === 0) await sender.submitLast({ action: 'add', ...batch });
      else await sender.submit({ action: 'add', ...batch });
      announce(final);
    }
  };

  // Only while the segment is still arriving: one already whole is guarded before anything of it goes.
  while (!intake.settled) {
    if (streams) await sendAdds(false);
    if (intake.settled) break;
    await intake.changed();
  }
  if (!intake.complete) {
    // A broken or expired sequence, or the node closed: what went stays recorded, nothing more goes.
    await sender.drain();
    throw intake.error ?? new ExportError('aborted', 'The export stopped before its segment was read: its node was closed');
  }

  const early = refusalOnceRead(request, intake, summary);
  if (early?.code === 'segment_too_large') return { skipped: early, planned: false };
  if (early) throw early;

  const removals = mode === 'mirror' ? members.leavers(loaded ? !loaded.complete : false) : mode === 'remove' ? members.everyone() : [];
  summary.unchanged = mode === 'mirror' ? members.staying : 0;
  const refusal = guard(request, members, removals.length, sender);
  if (refusal) {
    await sender.drain();
    summary.planned = { added: members.freshCount, removed: mode === 'replace' ? leaving(members) : removals.length, unchanged: summary.unchanged };
    return { refusal, planned: false };
  }

  const emptyReplace = mode === 'replace' && members.size === 0 && platform.replaceStrategy === 'first-batch-replaces' && !sender.cleared;
  sender.plan(Math.ceil(members.waiting / size) + (emptyReplace ? 1 : 0) + Math.ceil(removals.length / size));
  announce(true);
  await sendAdds(true);
  // An empty replace (the guard is off): the wipe alone.
  if (emptyReplace) await sender.sendAlone({ action: 'replace', identifiers: [], last: true });
  for (let start = 0; start < removals.length; start += size) {
    const batch: Batch = { action: 'remove', identifiers: removals.slice(start, start + size) };
    if (start + size >= removals.length) await sender.submitLast(batch);
    else await sender.submit(batch);
  }
  await sender.drain();
  return { planned: members.size + removals.length > 0 };
}

/**
 * The checks a whole segment must pass before anything of it is sent, whatever the state says: some
 * usable address, a size within `maxProfiles` (a sequence's is known only now), and a replace with
 * someone to add. Counts go into the summary.
 */
function refusalOnceRead(request: ExportRequest, intake: SegmentIntake, summary: ExportSummary): ExportError | undefined {
  const { members, counts } = intake;
  members.finish();
  countsInto(summary, intake);
  try {
    assertSomeAddressUsable(counts, request.emailField, counts.fieldNames);
  } catch (thrown) {
    return toExportError(thrown);
  }
  if (intake.knownProfiles === undefined) {
    const tooLarge = sizeRefusal(request, summary.segment, counts.profiles);
    if (tooLarge) return tooLarge;
  }
  if (request.mode === 'replace' && members.size === 0) {
    try {
      assertRemovalAllowed({ mode: 'replace', maxRemovalPercent: request.maxRemovalPercent, delivered: undefined, removals: 0, members: 0 });
    } catch (thrown) {
      return toExportError(thrown);
    }
  }
  return undefined;
}

/**
 * Whether adds may leave while the segment arrives: not when a consent field is read (an opt-out
 * later in the segment must be able to hold back an earlier listing), not in remove mode, and not
 * for a sequence while `maxProfiles` needs its whole size.
 */
function mayStream(request: ExportRequest, intake: SegmentIntake): boolean {
  return request.mode !== 'remove' && !request.consentField && (request.maxProfiles <= 0 || intake.knownProfiles !== undefined);
}

/** While the segment still arrives, a replace may wipe only once those seen so far already satisfy the removal guard. */
function replaceMayStart(request: ExportRequest, members: SegmentMembers): boolean {
  try {
    assertRemovalAllowed({ mode: 'replace', maxRemovalPercent: request.maxRemovalPercent, delivered: members.delivered, removals: leaving(members), members: members.size });
    return true;
  } catch {
    return false;
  }
}

/** What a replace would wipe away of what this export delivered. */
function leaving(members: SegmentMembers): number {
  return (members.delivered ?? 0) - members.staying;
}

/**
 * The removal guard once the segment is all read (DESIGN §3): a refused run sends nothing more and
 * reports what it would have done. Undefined when the run may go ahead.
 */
function guard(request: ExportRequest, members: SegmentMembers, removals: number, sender?: BatchSender): ExportError | undefined {
  const removing = request.mode === 'replace' ? leaving(members) : removals;
  try {
    assertRemovalAllowed({ mode: request.mode, maxRemovalPercent: request.maxRemovalPercent, delivered: members.delivered, removals: removing, members: members.size, sentAlready: sender?.addsFormed ?? 0 });
    return undefined;
  } catch (thrown) {
    return toExportError(thrown);
  }
}

function countsInto(summary: ExportSummary, intake: SegmentIntake): void {
  const { profiles, invalid, optedOutCount, duplicates } = intake.counts;
  Object.assign(summary, { profiles, invalid, optedOut: optedOutCount, duplicates });
}

/** The same plan as a real run, from local state only: no request, no audience created, state untouched. Answers the guard's refusal, if any. */
async function dryRun(request: ExportRequest, segmentName: string, summary: ExportSummary, intake: SegmentIntake): Promise<ExportError | undefined> {
  const { adapter, platform, mode } = request;
  const members = intake.members;
  const early = refusalOnceRead(request, intake, summary);
  if (early) return early;
  const known = adapter.knownAudience({ segmentName });
  const accountKey = known?.accountKey ?? adapter.accountKey();
  const audienceId = known?.id ?? (await request.state.recallAudience(platform.id, accountKey, segmentName));
  summary.audienceId = audienceId ?? null;
  summary.audienceName = known || audienceId ? segmentName : null;
  const loaded = audienceId ? await request.state.load({ platform: platform.id, accountKey, audienceId }) : undefined;
  await members.attach(loaded?.members, mode === 'mirror');
  const removals = mode === 'mirror' ? members.leavers(loaded ? !loaded.complete : false).length : mode === 'remove' ? members.everyone().length : 0;
  const adds = mode === 'remove' ? 0 : members.waiting;
  const unchanged = mode === 'mirror' ? members.staying : 0;
  Object.assign(summary, { added: adds, removed: removals, unchanged });
  const refusal = guard(request, members, removals);
  if (refusal) {
    summary.planned = { added: adds, removed: mode === 'replace' ? leaving(members) : removals, unchanged };
    return refusal;
  }
  const size = platform.limits.maxBatchSize;
  const batches: Array<{ action: Batch['action']; identifiers: number }> = [];
  for (let start = 0; start < removals; start += size) batches.push({ action: 'remove', identifiers: Math.min(size, removals - start) });
  const replaces = mode === 'replace' && platform.replaceStrategy === 'first-batch-replaces';
  for (let start = 0; start < adds; start += size) batches.push({ action: replaces && start === 0 ? 'replace' : 'add', identifiers: Math.min(size, adds - start) });
  if (replaces && adds === 0) batches.push({ action: 'replace', identifiers: 0 });
  summary.batches.total = batches.length;
  batches.forEach((batch, index) => request.onBatch?.(batchReport(runLabel(summary), batch.action, batch.identifiers, index, batches.length, 'dry-run')));
  return undefined;
}

/**
 * The state after a run: what was there, less confirmed removals, plus confirmed additions. A wipe
 * (replace) starts from nothing. Undefined when nothing changed and nothing needs recording. When
 * every identifier of a first run was confirmed, the segment's own set is the state: saved as it
 * stands, not copied.
 */
function nextState(loaded: LoadedState | undefined, members: SegmentMembers, sender: BatchSender, planned: boolean): { members: Iterable<string>; size: number } | undefined {
  const previous = loaded?.members;
  const touched = sender.cleared || sender.confirmedAdds.length > 0 || sender.confirmedRemoves.length > 0;
  // A journal folded in at load is saved even when this run changed nothing, which ends it.
  if (!touched && !loaded?.journalled && (previous || planned)) return undefined;
  if (!previous || sender.cleared) {
    const fresh = members.freshAsState();
    if (fresh && sender.confirmedAddCount === fresh.size) return { members: fresh, size: fresh.size };
    const confirmed = new DigestSet(sender.confirmedAddCount);
    for (const [from, to] of sender.confirmedAdds) for (const key of members.keysBetween(from, to)) confirmed.add(key);
    return { members: confirmed, size: confirmed.size };
  }
  for (const batch of sender.confirmedRemoves) for (const id of batch) previous.delete(members.keyOf(id));
  for (const [from, to] of sender.confirmedAdds) for (const key of members.keysBetween(from, to)) previous.add(key);
  return { members: previous, size: previous.size };
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

