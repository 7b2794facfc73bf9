import { wholeBatch } from '../../core/wire-batch';
import { SingleFlight } from '../../core/single-flight';
import type { AudienceRef, AudienceSnapshot, BatchAction, BatchOutcome, CallContext, PlatformAdapter, PlatformLimits, SegmentTarget, WireBatch } from '../../core/types';
import type { AccountHeaders, MicrosoftAdsClient } from './client';

export interface MicrosoftAdsAudienceSettings {
  readonly customerId: string;
  readonly accountId: string;
  /** Days a member stays in the list (1–390, or -1 = no expiry). */
  readonly membershipDuration: number;
  /** Send AcceptCustomerMatchTerm: true with every Apply call. */
  readonly acceptTerms: boolean;
}

/** 1,000 items per Apply call (reference §0); a few calls in flight; the per-export guard of DESIGN §1. */
export const MICROSOFT_ADS_LIMITS: PlatformLimits = { maxBatchSize: 1_000, concurrency: 8, defaultMaxProfiles: 500_000 };

const APPLY_ACTION = { add: 'Add', remove: 'Remove', replace: 'Replace' } as const;

/** Find-or-create in flight in this process, so two exports of one segment make one audience. */
const resolving = new SingleFlight<AudienceRef>();

/**
 * Microsoft Customer Match behind the engine's calls: one CustomerList per segment, named after it
 * and created when missing. Microsoft cannot list members, so `replace` is its own Apply action on
 * the first batch (the engine sends it alone, first) and the rest are adds.
 */
export class MicrosoftAdsAdapter implements PlatformAdapter {
  private readonly account: AccountHeaders;

  constructor(
    private readonly client: MicrosoftAdsClient,
    private readonly settings: MicrosoftAdsAudienceSettings,
  ) {
    this.account = { customerId: settings.customerId, accountId: settings.accountId };
  }

  accountKey(): string {
    return `${this.settings.customerId}/${this.settings.accountId}`;
  }

  knownAudience(): undefined {
    return undefined; // always found by the segment's name
  }

  resolveAudience(target: SegmentTarget): Promise<AudienceRef> {
    const key = `${this.accountKey()}\n${target.segmentName}`;
    return resolving.run(key, () => this.findOrCreate(target.segmentName));
  }

  async sendBatch(audience: AudienceRef, action: BatchAction, identifiers: WireBatch, context: CallContext = {}): Promise<BatchOutcome> {
    const rejected = await this.client.apply(this.account, { audienceId: audience.id, action: APPLY_ACTION[action], items: wholeBatch(identifiers), acceptTerms: this.settings.acceptTerms }, context.signal);
    return { accepted: identifiers.length - rejected, rejected };
  }

  async clearAudience(): Promise<void> {
    throw new Error('Microsoft replaces with its first Apply call; clearAudience is not used');
  }

  async readAudience(audience: AudienceRef): Promise<AudienceSnapshot | undefined> {
    const [found] = await this.client.queryAudiences(this.account, [audience.id]);
    if (!found) return undefined;
    // SearchSize stays null for up to 48 hours after an upload (reference §4).
    return found.SearchSize === null || found.SearchSize === undefined ? { status: 'processing' } : { approximateSize: found.SearchSize, status: 'ready' };
  }

  private async findOrCreate(name: string): Promise<AudienceRef> {
    const existing = await this.findByName(name);
    if (existing) return existing;
    const created = await this.client.addCustomerList(this.account, name, this.settings.membershipDuration);
    if (created !== 'duplicate') return { id: created.id, name, accountKey: this.accountKey() };
    // 4853: another export (or a person) created it between our query and our create: query again.
    const raced = await this.findByName(name);
    if (raced) return raced;
    throw new Error(`Microsoft reports a customer list named "${name}" exists but does not list it`);
  }

  private async findByName(name: string): Promise<AudienceRef | undefined> {
    const audiences = await this.client.queryAudiences(this.account, null);
    const found = audiences.find((a) => a.Name === name && (a.Type ?? 'CustomerList') === 'CustomerList');
    return found ? { id: found.Id, name: found.Name, accountKey: this.accountKey() } : undefined;
  }
}
