/** Everything the Criteo route modules share: options, store, tokens, quota windows, settings, counters. */
import type { CriteoEmptyStatistics, CriteoMatchRateScale, CriteoNullSearchEntry, ResolvedSandboxOptions } from '../options';
import { CRITEO_SANDBOX, OTHER_USER_ID } from './fixtures';
import { SlidingWindows } from './rate-limit';
import { CriteoStore } from './store';
import { CriteoTokens } from './tokens';

/** Requests that got past versioning, faults, auth and the quota, by endpoint (token: every token-endpoint call). */
export interface CriteoCalls {
  token: number;
  /** Token-endpoint calls by the grant_type sent (any value, valid or not). */
  tokenByGrant: Record<string, number>;
  search: number;
  create: number;
  patchAdd: number;
  patchRemove: number;
  wipe: number;
  statistics: number;
  me: number;
}

/** How create words a duplicate name (reference §4 and §8.4: both have been seen). */
export type DuplicateNameMode = '400' | '200-warning';

export interface CriteoSettings {
  duplicateNameMode: DuplicateNameMode;
  retiredVersions: Set<string>;
  /** undefined: the default (250/min when the rateLimit option is on, none when it is off). */
  callsPerMinute: number | undefined;
  /** Names whose next create first loses a race against "someone else". */
  duplicateNameRaces: Set<string>;
  /** Statistics' matchRate as a 0-1 fraction (default) or a 0-100 percentage (the spec: "Percentage of matched identifiers"). */
  matchRate: CriteoMatchRateScale;
  /** Searches add one entry whose id, attributes or attributes.name is null (all nullable in the spec); 'off' by default. */
  nullSearchEntry: CriteoNullSearchEntry;
  /** Statistics of a contact list without identifiers: zeros (default), `data: null` or `data.attributes: null`. */
  emptyStatistics: CriteoEmptyStatistics;
}

export interface CriteoContext {
  readonly options: ResolvedSandboxOptions;
  readonly store: CriteoStore;
  readonly tokens: CriteoTokens;
  readonly windows: SlidingWindows;
  readonly settings: CriteoSettings;
  readonly calls: CriteoCalls;
}

export const FIXTURE_SUBJECT = { clientId: CRITEO_SANDBOX.clientId, userId: CRITEO_SANDBOX.userId, scope: '' } as const;

export function createCriteoContext(options: ResolvedSandboxOptions): CriteoContext {
  const tokens = new CriteoTokens(options.explicitTokenTtlSeconds ?? CRITEO_SANDBOX.tokenTtlSeconds, options.rotateRefreshTokens);
  tokens.seedRefreshToken(CRITEO_SANDBOX.refreshToken, FIXTURE_SUBJECT);
  return {
    options,
    store: new CriteoStore([
      { id: CRITEO_SANDBOX.advertiserId, ownerUserId: CRITEO_SANDBOX.userId },
      { id: CRITEO_SANDBOX.otherAdvertiserId, ownerUserId: OTHER_USER_ID },
    ]),
    tokens,
    windows: new SlidingWindows(),
    settings: defaultSettings(options),
    calls: zeroCalls(),
  };
}

export function defaultSettings(options: ResolvedSandboxOptions): CriteoSettings {
  return {
    duplicateNameMode: '400',
    retiredVersions: new Set(CRITEO_SANDBOX.retiredVersions),
    callsPerMinute: undefined,
    duplicateNameRaces: new Set(),
    matchRate: options.criteoMatchRate,
    nullSearchEntry: options.criteoNullSearchEntry,
    emptyStatistics: options.criteoEmptyStatistics,
  };
}

/** The quota in force, or undefined for none. An explicit setCallsPerMinute applies even with rateLimit off. */
export function effectiveCallsPerMinute(criteo: CriteoContext): number | undefined {
  if (criteo.settings.callsPerMinute !== undefined) return criteo.settings.callsPerMinute;
  return criteo.options.rateLimit ? CRITEO_SANDBOX.callsPerMinute : undefined;
}

export function zeroCalls(): CriteoCalls {
  return { token: 0, tokenByGrant: {}, search: 0, create: 0, patchAdd: 0, patchRemove: 0, wipe: 0, statistics: 0, me: 0 };
}
