/**
 * In-memory Criteo state: advertisers (whose portfolio they are in) and audience segments with their
 * contact-list members. Reads are deterministic — amendments apply at once — so tests can assert on them.
 */
import { hostileName } from '../hostile';

/** Segment types of the create/search API; only ContactList has a contact list. */
export type CriteoSegmentType = 'ContactList' | 'Retargeting' | 'InMarket' | 'Location' | 'Lookalike' | 'Prospecting';

/** The create body's configuration key for each type ("set exactly one", reference §4). */
export const SEGMENT_CONFIG_KEYS: Readonly<Record<string, CriteoSegmentType>> = {
  contactList: 'ContactList',
  retargeting: 'Retargeting',
  inMarket: 'InMarket',
  location: 'Location',
  lookalike: 'Lookalike',
  prospecting: 'Prospecting',
};

/** What the test-facing API returns. */
export interface CriteoSegmentRecord {
  readonly id: string;
  readonly name: string;
  readonly advertiserId: string;
  readonly type: CriteoSegmentType;
  readonly description: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Advertiser {
  readonly id: string;
  /** The user whose tokens have this advertiser in their portfolio. */
  readonly ownerUserId: string;
}

interface SegmentState {
  readonly id: string;
  readonly advertiserId: string;
  readonly type: CriteoSegmentType;
  readonly createdAt: string;
  /** The non-contact-list configuration object as created (echoed back). */
  readonly config: Record<string, unknown>;
  name: string;
  description: string | null;
  updatedAt: string;
  /** Mutated in place (never replaced) so sets handed out by members() stay live. */
  readonly members: Set<string>;
}

export type Segment = Readonly<Omit<SegmentState, 'members'>> & { readonly members: ReadonlySet<string> };

export interface NewSegment {
  readonly advertiserId: string;
  readonly name: string;
  readonly type?: CriteoSegmentType;
  readonly description?: string | null;
  readonly config?: Record<string, unknown>;
}

export class CriteoStore {
  private readonly advertisers = new Map<string, Advertiser>();
  private readonly segments = new Map<string, SegmentState>();
  /** int32-looking ids (the spec says format int32); never reused, even across reset(). */
  private nextId = 700_001;

  constructor(private readonly fixtureAdvertisers: ReadonlyArray<Advertiser>) {
    this.reset();
  }

  reset(): void {
    this.advertisers.clear();
    this.segments.clear();
    for (const a of this.fixtureAdvertisers) this.advertisers.set(a.id, a);
  }

  advertiser(id: string): Advertiser | undefined {
    return this.advertisers.get(id);
  }

  /** Advertiser ids in a user's portfolio. */
  portfolio(userId: string): Set<string> {
    const ids = new Set<string>();
    for (const a of this.advertisers.values()) if (a.ownerUserId === userId) ids.add(a.id);
    return ids;
  }

  segment(id: string): Segment | undefined {
    return this.segments.get(id);
  }

  /** ASSUMPTION: uniqueness is per advertiser, exact and case-sensitive (the real rule is undocumented). */
  findByName(advertiserId: string, name: string): Segment | undefined {
    for (const s of this.segments.values()) if (s.advertiserId === advertiserId && s.name === name) return s;
    return undefined;
  }

  /** Caller checks the advertiser exists and the name is free. */
  create(input: NewSegment): Segment {
    if (!this.advertisers.has(input.advertiserId)) throw new Error(`unknown advertiser ${input.advertiserId}`);
    const now = new Date().toISOString();
    const state: SegmentState = {
      id: String(this.nextId++),
      advertiserId: input.advertiserId,
      type: input.type ?? 'ContactList',
      createdAt: now,
      updatedAt: now,
      config: input.config ?? {},
      name: input.name,
      description: input.description ?? null,
      members: new Set(),
    };
    this.segments.set(state.id, state);
    return state;
  }

  /** In creation order. */
  all(filter: { advertiserIds?: ReadonlySet<string>; ids?: ReadonlySet<string>; types?: ReadonlySet<string> } = {}): Segment[] {
    const out: Segment[] = [];
    for (const s of this.segments.values()) {
      if (filter.advertiserIds && !filter.advertiserIds.has(s.advertiserId)) continue;
      if (filter.ids && !filter.ids.has(s.id)) continue;
      if (filter.types && !filter.types.has(s.type)) continue;
      out.push(s);
    }
    return out;
  }

  /** `values` are already normalised; adding a present member or removing an absent one is a no-op. */
  amend(id: string, op: 'add' | 'remove', values: ReadonlyArray<string>): void {
    const state = this.mustGet(id);
    const members = state.members;
    if (op === 'add') for (let i = 0; i < values.length; i++) members.add(values[i]);
    else for (let i = 0; i < values.length; i++) members.delete(values[i]);
    state.updatedAt = new Date().toISOString();
  }

  wipe(id: string): void {
    const state = this.mustGet(id);
    state.members.clear();
    state.updatedAt = new Date().toISOString();
  }

  private mustGet(id: string): SegmentState {
    const state = this.segments.get(id);
    if (!state) throw new Error(`unknown segment ${id}`);
    return state;
  }
}

export function toRecord(s: Segment): CriteoSegmentRecord {
  return { id: s.id, name: s.name, advertiserId: s.advertiserId, type: s.type, description: s.description, createdAt: s.createdAt, updatedAt: s.updatedAt };
}

/** The AudienceSegment resource of create and search answers (reference §4); the name is hostile when hostile names are on. */
export function toResource(s: Segment): Record<string, unknown> {
  const configKey = Object.keys(SEGMENT_CONFIG_KEYS).find((k) => SEGMENT_CONFIG_KEYS[k] === s.type) ?? 'contactList';
  return {
    id: s.id,
    type: 'AudienceSegment',
    attributes: {
      advertiserId: s.advertiserId,
      name: hostileName(s.name),
      description: s.description,
      type: s.type,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
      [configKey]: s.type === 'ContactList' ? { isReadOnly: false } : s.config,
    },
  };
}
