/** Ad accounts, customer-list audiences and their upload sessions, as the Meta sandbox keeps them. */
import { META_SANDBOX } from './fixtures';

export interface MetaAccount {
  readonly id: string;
  readonly name: string;
  tosAccepted: boolean;
  /** Whether the fixture system user is assigned to the account (otherwise 100/33). */
  readonly assigned: boolean;
}

/** The payload form an audience was first filled with: `(#2650)` when a later upload uses the other (reference §3). */
export type DataSource = 'HASHES' | 'MULTI_HASHES';

export interface UploadSessionState {
  readonly id: string;
  readonly edge: 'users' | 'replace';
  readonly startedAt: number;
  received: number;
  invalid: number;
  finished: boolean;
  batches: number;
}

export interface MetaAudience {
  readonly id: string;
  readonly adAccountId: string;
  name: string;
  readonly subtype: string;
  readonly customerFileSource: string;
  readonly description: string;
  readonly createdAt: number;
  members: Set<string>;
  dataSource?: DataSource;
  /** An open replace: the members it will hold once its last batch arrives. */
  replace?: { readonly session: UploadSessionState; readonly members: Set<string> };
  /** Upload sessions by id (users and replace). */
  readonly sessions: Map<string, UploadSessionState>;
  /** 415 after a replace that failed (timed out). */
  lastReplaceFailed: boolean;
}

export interface MetaAudienceRecord {
  readonly id: string;
  readonly adAccountId: string;
  readonly name: string;
  readonly subtype: string;
  readonly customerFileSource: string;
  readonly size: number;
  readonly replacing: boolean;
}

export function toRecord(audience: MetaAudience): MetaAudienceRecord {
  return {
    id: audience.id,
    adAccountId: audience.adAccountId,
    name: audience.name,
    subtype: audience.subtype,
    customerFileSource: audience.customerFileSource,
    size: audience.members.size,
    replacing: Boolean(audience.replace && !audience.replace.session.finished),
  };
}

function fixtureAccounts(): MetaAccount[] {
  return [
    { id: META_SANDBOX.adAccountId, name: 'Sandbox Ad Account', tosAccepted: true, assigned: true },
    { id: META_SANDBOX.noTermsAdAccountId, name: 'Sandbox Ad Account without terms', tosAccepted: false, assigned: true },
    { id: META_SANDBOX.otherAdAccountId, name: 'Someone else\'s ad account', tosAccepted: true, assigned: false },
  ];
}

export class MetaStore {
  private accounts = new Map<string, MetaAccount>();
  private audiences = new Map<string, MetaAudience>();
  private nextId = 23_850_000_000_000;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.accounts = new Map(fixtureAccounts().map((account) => [account.id, account]));
    this.audiences.clear();
    this.nextId = 23_850_000_000_000;
  }

  account(id: string): MetaAccount | undefined {
    return this.accounts.get(id.replace(/^act_/, ''));
  }

  audience(id: string): MetaAudience | undefined {
    return this.audiences.get(id);
  }

  /** The account's audiences, oldest first (the listing's order). */
  all(adAccountId?: string): MetaAudience[] {
    return [...this.audiences.values()].filter((audience) => adAccountId === undefined || audience.adAccountId === adAccountId.replace(/^act_/, ''));
  }

  create(input: { adAccountId: string; name: string; subtype?: string; customerFileSource?: string; description?: string }): MetaAudience {
    const audience: MetaAudience = {
      id: String(this.nextId++),
      adAccountId: input.adAccountId.replace(/^act_/, ''),
      name: input.name,
      subtype: input.subtype ?? 'CUSTOM',
      customerFileSource: input.customerFileSource ?? 'USER_PROVIDED_ONLY',
      description: input.description ?? '',
      createdAt: Date.now(),
      members: new Set(),
      sessions: new Map(),
      lastReplaceFailed: false,
    };
    this.audiences.set(audience.id, audience);
    return audience;
  }

  delete(id: string): boolean {
    return this.audiences.delete(id);
  }
}
