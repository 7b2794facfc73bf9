import { ExportError } from '../../core/errors';
import { SingleFlight } from '../../core/single-flight';
import type { AudienceRef, AudienceSnapshot, BatchAction, BatchOutcome, CallContext, PlatformAdapter, PlatformLimits, SegmentTarget, WireBatch } from '../../core/types';
import type { CriteoClient } from './client';

export interface CriteoAudienceSettings {
  /** Optional: narrows the search; needed to create a segment. */
  readonly advertiserId?: string;
  /** Empty = the segment's name. */
  readonly audienceName?: string;
  /** Empty = find or create by name. */
  readonly audienceId?: string;
}

/** 50,000 identifiers per PATCH (reference §5). */
export const CRITEO_LIMITS: PlatformLimits = { maxBatchSize: 50_000, concurrency: 4, defaultMaxProfiles: 1_000_000 };

/** Find-or-create in flight in this process, so two exports of one segment make one audience. */
const resolving = new SingleFlight<AudienceRef>();

/** Criteo contact-list segments behind the engine's calls: PATCH add/remove, replace = DELETE then add. */
export class CriteoAdapter implements PlatformAdapter {

  constructor(
    private readonly client: CriteoClient,
    private readonly settings: CriteoAudienceSettings,
  ) {}

  accountKey(): string {
    return this.settings.advertiserId || 'portfolio';
  }

  knownAudience(): { id: string; accountKey: string } | undefined {
    return this.settings.audienceId ? { id: this.settings.audienceId, accountKey: this.accountKey() } : undefined;
  }

  resolveAudience(target: SegmentTarget): Promise<AudienceRef> {
    const name = this.settings.audienceName || target.segmentName;
    if (this.settings.audienceId) return Promise.resolve({ id: this.settings.audienceId, name, accountKey: this.accountKey() });
    const key = `${this.accountKey()}\n${name}`;
    return resolving.run(key, () => this.findOrCreate(name));
  }

  async sendBatch(audience: AudienceRef, action: BatchAction, identifiers: WireBatch, context: CallContext = {}): Promise<BatchOutcome> {
    if (action === 'replace') throw new ExportError('internal', 'Criteo replaces by wiping first; a replace batch is not expected');
    const { valid, invalid } = await this.client.amendContactList(audience.id, action, identifiers, context.signal);
    return { accepted: valid, rejected: invalid };
  }

  clearAudience(audience: AudienceRef, context: CallContext = {}): Promise<void> {
    return this.client.wipeContactList(audience.id, context.signal);
  }

  async readAudience(audience: AudienceRef): Promise<AudienceSnapshot | undefined> {
    const stats = await this.client.statistics(audience.id);
    const approximateSize = stats.matches ?? stats.identifiers;
    if (approximateSize === undefined && stats.matchRate === undefined) return undefined;
    return { approximateSize, matchRate: stats.matchRate };
  }

  private async findOrCreate(name: string): Promise<AudienceRef> {
    const existing = await this.findByName(name);
    if (existing) return existing;
    const advertiserId = this.settings.advertiserId;
    if (!advertiserId) throw new ExportError('invalid_config', `No Criteo contact list is named "${name}", and creating one needs the advertiser ID`);
    const created = await this.client.createContactList(advertiserId, name);
    if (created !== 'duplicate') return { id: created.id, name, accountKey: this.accountKey() };
    // name-must-be-unique: created meanwhile by another run or a person: search again.
    const raced = await this.findByName(name);
    if (raced) return raced;
    throw new ExportError('rejected', `Criteo says a segment named "${name}" exists but its search does not list it as a contact list`);
  }

  private async findByName(name: string): Promise<AudienceRef | undefined> {
    const segments = await this.client.searchContactLists(this.settings.advertiserId || undefined);
    const found = segments.find((s) => s.name === name);
    return found ? { id: found.id, name: found.name, accountKey: this.accountKey() } : undefined;
  }
}
