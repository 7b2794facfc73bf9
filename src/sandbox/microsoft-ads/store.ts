/**
 * In-memory Microsoft Advertising state: customers and their accounts, and CustomerList audiences with
 * their member hashes. Applies "complete" at once (the real service matches asynchronously over ~48 h),
 * so tests can assert on membership.
 */

export type AudienceScope = 'Account' | 'Customer';

/** An audience as the test API shows it. */
export interface MsAudienceRecord {
  readonly id: string;
  readonly name: string;
  readonly type: 'CustomerList';
  readonly scope: AudienceScope;
  /** The account id (Account scope) or the customer id (Customer scope). */
  readonly parentId: string;
  readonly membershipDuration: number;
  readonly description?: string;
}

export interface MsAccount {
  readonly id: string;
  readonly customerId: string;
}

interface AudienceState {
  readonly id: string;
  readonly customerId: string;
  readonly scope: AudienceScope;
  readonly parentId: string;
  name: string;
  description: string | undefined;
  membershipDuration: number;
  /** Mutated in place (never replaced) so sets handed out by members() stay live. */
  readonly members: Set<string>;
}

export type Audience = Readonly<Omit<AudienceState, 'members'>> & { readonly members: ReadonlySet<string> };

export const DEFAULT_MEMBERSHIP_DURATION = 30;
/** Reference §3: 1–390 days or -1 (no expiry); [D-LIMITS] says 180 (§10 Q5) — the wider range is accepted. */
export const MEMBERSHIP_DURATION = { min: 1, max: 390, noExpiry: -1 } as const;
export const MAX_NAME_LENGTH = 128;
export const MAX_DESCRIPTION_LENGTH = 1024;
/** Below this many members the sizes read null, as the real ones do until ≥300 people match (reference §4). */
export const SIZE_VISIBLE_MINIMUM = 300;

export interface NewAudience {
  readonly customerId: string;
  readonly scope: AudienceScope;
  readonly parentId: string;
  readonly name: string;
  readonly description?: string;
  readonly membershipDuration?: number;
}

export class MsStore {
  private readonly accounts = new Map<string, MsAccount>();
  private readonly audiences = new Map<string, AudienceState>();
  /**
   * Ids above 2^53 that are all odd, so none survives a round trip through a JS number (doubles above 2^53
   * are even): a client that parses ids as numbers fails every time, not every other time. Never reused,
   * even across reset(), so stale ids stay unknown.
   */
  private nextId = 9007199254740993n;

  constructor(private readonly fixtureAccounts: ReadonlyArray<MsAccount>) {
    this.reset();
  }

  reset(): void {
    this.accounts.clear();
    this.audiences.clear();
    for (const account of this.fixtureAccounts) this.accounts.set(account.id, account);
  }

  account(id: string): MsAccount | undefined {
    return this.accounts.get(id);
  }

  audience(id: string): Audience | undefined {
    return this.audiences.get(id);
  }

  /** Account-scoped lists of this account plus the customer-scoped lists of its customer (what QueryByIds sees). */
  isVisibleFrom(audience: Audience, accountId: string): boolean {
    const account = this.accounts.get(accountId);
    if (!account || audience.customerId !== account.customerId) return false;
    return audience.scope === 'Customer' || audience.parentId === accountId;
  }

  visibleFrom(accountId: string): Audience[] {
    return [...this.audiences.values()].filter((a) => this.isVisibleFrom(a, accountId));
  }

  all(accountId?: string): Audience[] {
    return accountId === undefined ? [...this.audiences.values()] : this.visibleFrom(accountId);
  }

  /**
   * Whether `name` clashes with an audience that would be visible next to one of this scope (reference §10
   * Q11: the uniqueness scope is undocumented). Account scope: the account's lists and the customer's;
   * Customer scope: every list of the customer. Case-insensitive — the stricter guess.
   */
  nameTaken(name: string, customerId: string, scope: AudienceScope, parentId: string, exceptId?: string): boolean {
    const wanted = name.toLowerCase();
    for (const a of this.audiences.values()) {
      if (a.id === exceptId || a.customerId !== customerId || a.name.toLowerCase() !== wanted) continue;
      if (scope === 'Customer' || a.scope === 'Customer' || a.parentId === parentId) return true;
    }
    return false;
  }

  /** Caller validates; the id is a decimal string. */
  create(input: NewAudience): Audience {
    const state: AudienceState = {
      id: String(this.nextId),
      customerId: input.customerId,
      scope: input.scope,
      parentId: input.parentId,
      name: input.name,
      description: input.description,
      membershipDuration: input.membershipDuration ?? DEFAULT_MEMBERSHIP_DURATION,
      members: new Set(),
    };
    this.nextId += 2n;
    this.audiences.set(state.id, state);
    return state;
  }

  update(id: string, changes: { name?: string; description?: string; membershipDuration?: number }): Audience {
    const state = this.mustGet(id);
    if (changes.name !== undefined) state.name = changes.name;
    if (changes.description !== undefined) state.description = changes.description;
    if (changes.membershipDuration !== undefined) state.membershipDuration = changes.membershipDuration;
    return state;
  }

  delete(id: string): boolean {
    return this.audiences.delete(id);
  }

  /** Items are pre-validated hashes. Replace wipes the list first: only this call's items remain. */
  apply(id: string, action: 'Add' | 'Remove' | 'Replace', items: ReadonlyArray<string>): void {
    const members = this.mustGet(id).members;
    if (action === 'Replace') members.clear();
    if (action === 'Remove') for (const item of items) members.delete(item);
    else for (const item of items) members.add(item);
  }

  addMembers(id: string, hashes: Iterable<string>): void {
    const members = this.mustGet(id).members;
    for (const h of hashes) members.add(h);
  }

  private mustGet(id: string): AudienceState {
    const state = this.audiences.get(id);
    if (!state) throw new Error(`unknown audience ${id}`);
    return state;
  }
}

export function toRecord(a: Audience): MsAudienceRecord {
  const record = { id: a.id, name: a.name, type: 'CustomerList' as const, scope: a.scope, parentId: a.parentId, membershipDuration: a.membershipDuration };
  return a.description === undefined ? record : { ...record, description: a.description };
}

export function isValidMembershipDuration(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    (value === MEMBERSHIP_DURATION.noExpiry || (value >= MEMBERSHIP_DURATION.min && value <= MEMBERSHIP_DURATION.max))
  );
}

export function isValidName(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= MAX_NAME_LENGTH;
}
