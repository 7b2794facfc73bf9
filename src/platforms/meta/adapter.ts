import { randomInt } from 'node:crypto';
import { ExportError } from '../../core/errors';
import { SingleFlight } from '../../core/single-flight';
import type { AudienceRef, AudienceSnapshot, BatchAction, BatchOutcome, CallContext, PlatformAdapter, PlatformLimits, SegmentTarget, WireBatch } from '../../core/types';
import type { MetaClient } from './client';
import { termsLink } from './errors';
import type { Audience } from './schemas';

export interface MetaAudienceSettings {
  /** Digits, with or without `act_`. */
  readonly adAccountId: string;
  /** Empty = find or create by name. */
  readonly audienceId?: string;
  /** Empty = the segment's name. */
  readonly audienceName?: string;
  readonly customerFileSource?: string;
}

/** 10,000 rows per `/users` or `/usersreplace` request (reference §3). */
export const META_LIMITS: PlatformLimits = { maxBatchSize: 10_000, concurrency: 4, defaultMaxProfiles: 1_000_000 };

/** `operation_status` of an audience a replace is running on: the number, or the Guide's word (reference §9 #10). */
const REPLACE_RUNNING = new Set(['414', 'replace_in_progress']);

/** Find-or-create in flight in this process, so two exports of one segment make one audience. */
const resolving = new SingleFlight<AudienceRef>();

type Edge = 'add' | 'remove' | 'replace';

/** One upload session of this run (one per direction, and the replace). */
interface OpenSession {
  readonly id: number;
  readonly edge: Edge;
  readonly audienceId: string;
  /** Sequence numbers handed out so far; a retried batch keeps its own. */
  issued: number;
  readonly seqOf: WeakMap<WireBatch, number>;
}

/**
 * Meta customer-list Custom Audiences behind the engine's calls. An adapter serves one run (the node
 * opens one per run): it holds the run's upload sessions. Add and remove each get a session; a replace
 * is one `usersreplace` session whose first batch (`batch_seq=1`, the engine's replace batch, sent
 * alone) wipes the audience and whose later batches are the run's adds. The engine sends each
 * action's last batch alone once the others have settled (`CallContext.last`): it carries
 * `last_batch_flag` and closes its session. A run stopped half-way leaves its sessions to Meta's
 * 90-minute timeout.
 */
export class MetaAdapter implements PlatformAdapter {
  private termsChecked = false;
  private readonly sessions = new Map<Edge, OpenSession>();

  constructor(
    private readonly client: MetaClient,
    private readonly settings: MetaAudienceSettings,
  ) {}

  accountKey(): string {
    return this.settings.adAccountId.replace(/^act_/, '');
  }

  knownAudience(): { id: string; accountKey: string } | undefined {
    return this.settings.audienceId ? { id: this.settings.audienceId, accountKey: this.accountKey() } : undefined;
  }

  async resolveAudience(target: SegmentTarget): Promise<AudienceRef> {
    await this.assertTermsAccepted();
    const name = this.settings.audienceName || target.segmentName;
    if (this.settings.audienceId) return { id: this.settings.audienceId, name, accountKey: this.accountKey() };
    return resolving.run(`${this.accountKey()}\n${name}`, () => this.findOrCreate(name));
  }

  async sendBatch(audience: AudienceRef, action: BatchAction, identifiers: WireBatch, context: CallContext = {}): Promise<BatchOutcome> {
    const replacing = this.sessions.get('replace');
    // The adds of a replace run belong to its replace session; a replace batch starts it.
    const edge: Edge = action === 'replace' || (action === 'add' && replacing) ? 'replace' : action;
    if (action === 'replace') {
      if (identifiers.length === 0) throw new ExportError('rejected', 'Meta replaces an audience with a list: an empty segment cannot replace it (use mirror mode to empty it)', { retryable: false });
      if (!replacing) await this.assertNoReplaceRunning(audience.id);
    }
    const session = this.sessionFor(edge, audience.id, action === 'replace');
    const seq = session.seqOf.get(identifiers) ?? ++session.issued;
    session.seqOf.set(identifiers, seq);
    // The engine flags the run's last batch of an action once the others have settled: it closes the session.
    const last = context.last === true;
    const sent = await this.client.upload(audience.id, edge, identifiers, { session_id: session.id, batch_seq: seq, last_batch_flag: last }, context.signal);
    if (last) this.sessions.delete(edge);
    const rejected = Math.min(identifiers.length, sent.invalid);
    return { accepted: identifiers.length - rejected, rejected };
  }

  clearAudience(): Promise<void> {
    // The replace strategy is first-batch-replaces: `usersreplace` wipes with its first batch.
    return Promise.reject(new ExportError('internal', 'Meta replaces through usersreplace; a separate wipe is not expected'));
  }

  /** The audience's size range and delivery status. */
  async readAudience(audience: AudienceRef): Promise<AudienceSnapshot | undefined> {
    return snapshotOf(await this.client.audience(audience.id));
  }

  private sessionFor(edge: Edge, audienceId: string, fresh: boolean): OpenSession {
    const existing = this.sessions.get(edge);
    if (existing && !fresh) return existing;
    // Unique within the ad account, a positive integer below 2^53 (JavaScript numbers, reference §9 #1).
    const session: OpenSession = { id: randomInt(1, 2 ** 47) * 64 + randomInt(0, 64), edge, audienceId, issued: 0, seqOf: new WeakMap() };
    this.sessions.set(edge, session);
    return session;
  }

  /** The terms are checked once a run, before anything is looked up, created or uploaded. */
  private async assertTermsAccepted(): Promise<void> {
    if (this.termsChecked) return;
    const account = await this.client.adAccount(this.settings.adAccountId);
    if (!account.tosAccepted) {
      const link = termsLink(this.settings.adAccountId.replace(/^act_/, ''));
      throw new ExportError('terms_not_accepted', `The Custom Audience terms are not accepted for ad account ${this.accountKey()}: a person of the business must accept them at ${link}`, {
        retryable: false,
        params: { link },
      });
    }
    this.termsChecked = true;
  }

  private async assertNoReplaceRunning(audienceId: string): Promise<void> {
    const audience = await this.client.audience(audienceId);
    const code = audience.operation_status?.code;
    if (code !== undefined && code !== null && REPLACE_RUNNING.has(String(code).toLowerCase())) {
      throw new ExportError('rejected', 'Another replace is running on this Meta audience: try again when it has finished (it ends at most 90 minutes after it began)', { retryable: false, platformCode: '414' });
    }
  }

  private async findOrCreate(name: string): Promise<AudienceRef> {
    const matches = (await this.client.listAudiences(this.settings.adAccountId)).filter((audience) => audience.name === name && (audience.subtype ?? 'CUSTOM') === 'CUSTOM');
    if (matches.length > 1) {
      throw new ExportError('invalid_config', `Several Meta customer-list audiences are named "${name}": set the audience ID in the export node`, { retryable: false });
    }
    const [found] = matches;
    if (found) return { id: found.id, name, accountKey: this.accountKey() };
    const id = await this.client.createAudience(this.settings.adAccountId, name, this.settings.customerFileSource || 'USER_PROVIDED_ONLY');
    return { id, name, accountKey: this.accountKey() };
  }
}

/** `delivery_status` in a word: 200 ready, 300 too small to deliver, 400+ unusable; a replace in progress says so. */
function snapshotOf(audience: Audience): AudienceSnapshot | undefined {
  const lower = audience.approximate_count_lower_bound ?? undefined;
  const upper = audience.approximate_count_upper_bound ?? undefined;
  const usable = (n: number | undefined): n is number => n !== undefined && n >= 0;
  const operation = String(audience.operation_status?.code ?? '').toLowerCase();
  const delivery = Number(audience.delivery_status?.code);
  let status: string | undefined;
  if (REPLACE_RUNNING.has(operation)) status = 'replace-in-progress';
  else if (delivery === 200) status = 'ready';
  else if (delivery === 300) status = 'too-small';
  else if (delivery >= 400) status = 'unusable';
  const range = usable(lower) && usable(upper) ? { approximateSizeRange: { lower, upper } } : {};
  // "At least": the lower bound when Meta gives one.
  const approximateSize = usable(lower) ? lower : usable(upper) ? upper : undefined;
  if (approximateSize === undefined && status === undefined) return undefined;
  return { ...(approximateSize !== undefined ? { approximateSize } : {}), ...range, ...(status ? { status } : {}) };
}
