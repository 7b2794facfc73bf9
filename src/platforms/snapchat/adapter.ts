import { ExportError } from '../../core/errors';
import { SingleFlight } from '../../core/single-flight';
import type { AudienceRef, AudienceSnapshot, BatchAction, BatchOutcome, CallContext, PlatformAdapter, PlatformLimits, SegmentTarget, WireBatch } from '../../core/types';
import type { SnapchatClient } from './client';

export interface SnapchatAudienceSettings {
  readonly adAccountId: string;
  /** Existing segment id; empty = find or create the segment by name in the ad account. */
  readonly audienceId?: string;
  readonly retentionDays: number;
}

export const SNAPCHAT_LIMITS: PlatformLimits = { maxBatchSize: 100_000, concurrency: 4, defaultMaxProfiles: 1_000_000 };
/** Per access token (reference §6); the limiter keeps a margin under it. */
export const SNAPCHAT_REQUESTS_PER_SECOND = 10;

/** Find-or-create in flight in this process, so two exports of one segment make one audience. */
const resolving = new SingleFlight<AudienceRef>();

/** Snapchat Customer Lists behind the engine's calls: add = POST, remove = DELETE, replace = all_users then add. */
export class SnapchatAdapter implements PlatformAdapter {

  constructor(
    private readonly client: SnapchatClient,
    private readonly settings: SnapchatAudienceSettings,
  ) {}

  accountKey(): string {
    return this.settings.adAccountId;
  }

  knownAudience(): { id: string; accountKey: string } | undefined {
    return this.settings.audienceId ? { id: this.settings.audienceId, accountKey: this.settings.adAccountId } : undefined;
  }

  async resolveAudience(target: SegmentTarget): Promise<AudienceRef> {
    const accountKey = this.settings.adAccountId;
    if (this.settings.audienceId) {
      const segment = await this.client.getSegment(this.settings.audienceId);
      return { id: segment.id, name: segment.name, accountKey };
    }
    const key = `${accountKey}\n${target.segmentName}`;
    return resolving.run(key, () => this.findOrCreate(target.segmentName));
  }

  async sendBatch(audience: AudienceRef, action: BatchAction, identifiers: WireBatch, context: CallContext = {}): Promise<BatchOutcome> {
    if (action === 'replace') throw new ExportError('internal', 'Snapchat replaces by clearing first; a replace batch is not expected');
    const accepted = Math.min(identifiers.length, await this.client.changeUsers(audience.id, action, identifiers, context.signal));
    return { accepted, rejected: identifiers.length - accepted };
  }

  clearAudience(audience: AudienceRef, context: CallContext = {}): Promise<void> {
    return this.client.removeAllUsers(audience.id, context.signal);
  }

  async readAudience(audience: AudienceRef): Promise<AudienceSnapshot> {
    const segment = await this.client.getSegment(audience.id);
    return { approximateSize: segment.approximate_number_users, status: segment.targetable_status ?? segment.status };
  }

  private async findOrCreate(name: string): Promise<AudienceRef> {
    const accountKey = this.settings.adAccountId;
    const existing = (await this.client.listSegments(accountKey)).filter((s) => s.name === name && (s.source_type ?? 'FIRST_PARTY') === 'FIRST_PARTY');
    // Snapchat allows duplicate names: keep to the oldest so every run lands in the same segment.
    existing.sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? '') || a.id.localeCompare(b.id));
    const found = existing[0] ?? (await this.client.createSegment(accountKey, name, this.settings.retentionDays));
    return { id: found.id, name: found.name, accountKey };
  }
}
