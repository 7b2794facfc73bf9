/**
 * In-memory Snapchat state: ad accounts (who owns them) and Customer List segments with their member
 * hashes. Reads are deterministic — uploads "complete" at once — so tests can assert on them.
 */

export type UploadStatus = 'NO_UPLOAD' | 'PROCESSING' | 'COMPLETE';
export type TargetableStatus = 'NOT_READY' | 'TOO_FEW_USERS' | 'READY';
export type SegmentStatus = 'PENDING' | 'ACTIVE';

/** A segment as the API shows it (reference §3). */
export interface SnapSegmentRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly ad_account_id: string;
  readonly organization_id: string;
  readonly source_type: 'FIRST_PARTY';
  readonly retention_in_days: number;
  /** PENDING when created (as the docs' create sample has it), ACTIVE after its first upload. */
  readonly status: SegmentStatus;
  readonly upload_status: UploadStatus;
  readonly targetable_status: TargetableStatus;
  readonly approximate_number_users: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface AdAccount {
  readonly id: string;
  readonly organizationId: string;
  readonly ownerUserId: string;
}

interface SegmentState {
  readonly id: string;
  readonly adAccountId: string;
  readonly organizationId: string;
  readonly createdAt: string;
  name: string;
  description: string;
  retentionDays: number;
  updatedAt: string;
  uploaded: boolean;
  /** Mutated in place (never replaced) so sets handed out by members() stay live. */
  readonly members: Set<string>;
}

export type Segment = Readonly<Omit<SegmentState, 'members'>> & { readonly members: ReadonlySet<string> };

/** Snapchat's documented cap on custom audiences per ad account. */
export const MAX_SEGMENTS_PER_ACCOUNT = 1000;
/** Below this many matched users a list cannot be targeted (vendor docs, reference §6). */
export const TARGETABLE_MINIMUM = 1000;
export const DEFAULT_RETENTION_DAYS = 9999;

export interface NewSegment {
  readonly adAccountId: string;
  readonly name: string;
  readonly description?: string;
  readonly retentionDays?: number;
}

export class SnapStore {
  private readonly accounts = new Map<string, AdAccount>();
  private readonly segments = new Map<string, SegmentState>();
  /** Numeric-string ids like the real ones; never reused, even across reset(), so stale ids stay unknown. */
  private nextId = 5677923948298240n;

  constructor(private readonly fixtureAccounts: ReadonlyArray<AdAccount>) {
    this.reset();
  }

  reset(): void {
    this.accounts.clear();
    this.segments.clear();
    for (const account of this.fixtureAccounts) this.accounts.set(account.id, account);
  }

  account(id: string): AdAccount | undefined {
    return this.accounts.get(id);
  }

  segment(id: string): Segment | undefined {
    return this.segments.get(id);
  }

  countIn(adAccountId: string): number {
    let n = 0;
    for (const s of this.segments.values()) if (s.adAccountId === adAccountId) n += 1;
    return n;
  }

  /** Caller checks the account exists and has room. */
  create(input: NewSegment): Segment {
    const account = this.accounts.get(input.adAccountId);
    if (!account) throw new Error(`unknown ad account ${input.adAccountId}`);
    const now = new Date().toISOString();
    const state: SegmentState = {
      id: String(this.nextId++),
      adAccountId: account.id,
      organizationId: account.organizationId,
      createdAt: now,
      updatedAt: now,
      name: input.name,
      description: input.description ?? '',
      retentionDays: input.retentionDays ?? DEFAULT_RETENTION_DAYS,
      uploaded: false,
      members: new Set(),
    };
    this.segments.set(state.id, state);
    return state;
  }

  update(id: string, changes: { name?: string; description?: string }): Segment {
    const state = this.mustGet(id);
    if (changes.name !== undefined) state.name = changes.name;
    if (changes.description !== undefined) state.description = changes.description;
    state.updatedAt = new Date().toISOString();
    return state;
  }

  delete(id: string): boolean {
    return this.segments.delete(id);
  }

  /** One page in creation order, after the segment id `afterId` (the cursor). */
  page(adAccountId: string, afterId: string | undefined, limit: number): { items: Segment[]; more: boolean } {
    const items: Segment[] = [];
    for (const s of this.segments.values()) {
      if (s.adAccountId !== adAccountId) continue;
      if (afterId !== undefined && compareIds(s.id, afterId) <= 0) continue;
      if (items.length === limit) return { items, more: true };
      items.push(s);
    }
    return { items, more: false };
  }

  all(adAccountId?: string): Segment[] {
    return [...this.segments.values()].filter((s) => adAccountId === undefined || s.adAccountId === adAccountId);
  }

  /** Rows are pre-validated single-hash rows; adding a member twice or removing an absent one is a no-op. */
  applyRows(id: string, rows: ReadonlyArray<ReadonlyArray<string>>, op: 'add' | 'remove'): void {
    const state = this.mustGet(id);
    const members = state.members;
    if (op === 'add') for (let i = 0; i < rows.length; i++) members.add(rows[i][0]);
    else for (let i = 0; i < rows.length; i++) members.delete(rows[i][0]);
    state.uploaded = true;
    state.updatedAt = new Date().toISOString();
  }

  addMembers(id: string, hashes: Iterable<string>): void {
    const state = this.mustGet(id);
    for (const h of hashes) state.members.add(h);
    state.uploaded = state.members.size > 0 || state.uploaded;
  }

  clearMembers(id: string): Segment {
    const state = this.mustGet(id);
    state.members.clear();
    state.updatedAt = new Date().toISOString();
    return state;
  }

  private mustGet(id: string): SegmentState {
    const state = this.segments.get(id);
    if (!state) throw new Error(`unknown segment ${id}`);
    return state;
  }
}

export function toRecord(s: Segment): SnapSegmentRecord {
  const size = s.members.size;
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    ad_account_id: s.adAccountId,
    organization_id: s.organizationId,
    source_type: 'FIRST_PARTY',
    retention_in_days: s.retentionDays,
    status: s.uploaded ? 'ACTIVE' : 'PENDING',
    upload_status: s.uploaded ? 'COMPLETE' : 'NO_UPLOAD',
    targetable_status: size >= TARGETABLE_MINIMUM ? 'READY' : 'TOO_FEW_USERS',
    // Snapchat reports 0 until a list is big enough to show a size.
    approximate_number_users: size >= TARGETABLE_MINIMUM ? size : 0,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

/** Numeric-string order without BigInt parsing: shorter is smaller, then lexicographic. */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
