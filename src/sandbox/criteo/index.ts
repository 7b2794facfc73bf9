/** The Criteo platform module: registers its routes and exposes the test-facing CriteoSandbox. */
import {
  CRITEO_EMPTY_STATISTICS,
  CRITEO_MATCH_RATE_SCALES,
  CRITEO_NULL_SEARCH_ENTRIES,
  oneOf,
  type CriteoEmptyStatistics,
  type CriteoMatchRateScale,
  type CriteoNullSearchEntry,
} from '../options';
import { membersOf, type PlatformContext, type SandboxPlatform } from '../platform';
import type { Router } from '../router';
import { createCriteoContext, defaultSettings, effectiveCallsPerMinute, FIXTURE_SUBJECT, zeroCalls, type CriteoCalls, type DuplicateNameMode } from './context';
import { registerControlRoutes } from './control';
import { criteoFaults } from './envelope';
import { normaliseIdentifier } from './identifiers';
import { registerOAuthRoutes } from './oauth-routes';
import { registerApiRoutes } from './routes';
import { toRecord, type CriteoSegmentRecord } from './store';

export type { CriteoCalls, DuplicateNameMode } from './context';
export type { CriteoSegmentRecord, CriteoSegmentType } from './store';
export { CRITEO_SANDBOX } from './fixtures';

export interface CriteoSandbox {
  /** Segments in creation order, optionally of one advertiser. */
  segments(advertiserId?: string): ReadonlyArray<CriteoSegmentRecord>;
  /**
   * The live set of stored identifiers; throws for an unknown segment. Stored as Criteo matches them: a
   * plain email as sha256(lowercase(trim)) hex, a 32/64-hex digest lowercased as is.
   */
  members(segmentId: string): ReadonlySet<string>;
  /** Seeding for tests (no HTTP, no quota). Throws for an unknown advertiser, a taken name or an invalid member. */
  createSegment(input: { advertiserId: string; name: string; members?: Iterable<string>; type?: 'ContactList' | 'Retargeting'; description?: string }): CriteoSegmentRecord;
  /** How create answers a duplicate name: 400 + errors (default) or 200 + warnings. */
  setDuplicateNameMode(mode: DuplicateNameMode): void;
  /** The next create of `name` first finds it created "by someone else", then answers name-must-be-unique. */
  injectDuplicateNameRace(name: string): void;
  /** These versions answer 410 Gone (replaces the list; default 2025-01/-04/-07/-10). */
  setRetiredVersions(versions: ReadonlyArray<string>): void;
  /**
   * Calls per sliding minute per app. A number applies even with the rateLimit option off; undefined
   * restores the default (250 when rateLimit is on, none when it is off).
   */
  setCallsPerMinute(limit: number | undefined): void;
  /** Statistics' matchRate as a 0-1 fraction ('fraction', the default) or a 0-100 percentage ('percent'). */
  setMatchRateScale(scale: CriteoMatchRateScale): void;
  /**
   * Searches that could list it include one extra entry (first, counted in meta.totalItems) whose `id`,
   * `attributes` or `attributes.name` is null, as the spec allows; 'off' (default) adds none.
   */
  setNullSearchEntry(mode: CriteoNullSearchEntry): void;
  /** Statistics of a contact list without identifiers: zeros (default), `{"data":null}` or `{"data":{…,"attributes":null}}`. */
  setEmptyStatistics(mode: CriteoEmptyStatistics): void;
  /** The current answer-shape settings (a copy); reset() goes back to the SandboxOptions' values. */
  shapes(): Readonly<{ duplicateNameMode: DuplicateNameMode; matchRate: CriteoMatchRateScale; nullSearchEntry: CriteoNullSearchEntry; emptyStatistics: CriteoEmptyStatistics }>;
  /** Every access token issued so far now answers 401 authorization-token-expired. */
  expireAccessTokens(): void;
  /** The token endpoint now answers 400 invalid_grant for every refresh token issued so far. */
  revokeRefreshTokens(): void;
  /** Undoes revokeRefreshTokens: the refresh tokens it revoked work again. */
  restoreRefreshTokens(): void;
  /** A one-time code for the fixture user; bound to `redirectUri` when given. */
  issueAuthorizationCode(redirectUri?: string): string;
  readonly calls: Readonly<CriteoCalls>;
}

export function registerCriteo(router: Router, shared: PlatformContext): SandboxPlatform<CriteoSandbox> {
  const criteo = createCriteoContext(shared.options);
  const errors = criteoFaults(() => effectiveCallsPerMinute(criteo) ?? 250);
  registerOAuthRoutes(router, criteo, errors);
  registerApiRoutes(router, criteo, errors);
  registerControlRoutes(router, criteo);

  const api: CriteoSandbox = {
    segments: (advertiserId) => criteo.store.all(advertiserId === undefined ? {} : { advertiserIds: new Set([advertiserId]) }).map(toRecord),
    members: (segmentId) => membersOf(criteo.store.segment(segmentId), 'criteo', segmentId),
    createSegment(input) {
      if (!criteo.store.advertiser(input.advertiserId)) throw new Error(`criteo sandbox: unknown advertiser ${input.advertiserId}`);
      if (criteo.store.findByName(input.advertiserId, input.name)) throw new Error(`criteo sandbox: name taken: ${input.name}`);
      const members: string[] = [];
      for (const m of input.members ?? []) {
        const normalised = normaliseIdentifier(m);
        if (normalised === undefined) throw new Error('criteo sandbox: a member is neither an email nor a 32/64-hex digest');
        members.push(normalised);
      }
      const segment = criteo.store.create({ advertiserId: input.advertiserId, name: input.name, type: input.type, description: input.description });
      if (members.length > 0) criteo.store.amend(segment.id, 'add', members);
      return toRecord(segment);
    },
    setDuplicateNameMode(mode) {
      if (mode !== '400' && mode !== '200-warning') throw new RangeError("mode must be '400' or '200-warning'");
      criteo.settings.duplicateNameMode = mode;
    },
    injectDuplicateNameRace: (name) => void criteo.settings.duplicateNameRaces.add(name),
    setRetiredVersions: (versions) => void (criteo.settings.retiredVersions = new Set(versions)),
    setCallsPerMinute(limit) {
      if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new RangeError('limit must be a non-negative integer');
      criteo.settings.callsPerMinute = limit;
    },
    setMatchRateScale(scale) {
      oneOf('match rate scale', scale, CRITEO_MATCH_RATE_SCALES);
      criteo.settings.matchRate = scale;
    },
    setNullSearchEntry(mode) {
      oneOf('null search entry', mode, CRITEO_NULL_SEARCH_ENTRIES);
      criteo.settings.nullSearchEntry = mode;
    },
    setEmptyStatistics(mode) {
      oneOf('empty statistics', mode, CRITEO_EMPTY_STATISTICS);
      criteo.settings.emptyStatistics = mode;
    },
    shapes: () => {
      const { duplicateNameMode, matchRate, nullSearchEntry, emptyStatistics } = criteo.settings;
      return { duplicateNameMode, matchRate, nullSearchEntry, emptyStatistics };
    },
    expireAccessTokens: () => criteo.tokens.expireAccessTokens(),
    revokeRefreshTokens: () => criteo.tokens.revokeRefreshTokens(),
    restoreRefreshTokens: () => criteo.tokens.restoreRefreshTokens(),
    issueAuthorizationCode: (redirectUri) => criteo.tokens.issueCode(FIXTURE_SUBJECT, redirectUri),
    calls: criteo.calls,
  };

  return {
    name: 'criteo',
    api,
    reset() {
      criteo.store.reset();
      criteo.tokens.reset();
      criteo.windows.clear();
      Object.assign(criteo.settings, defaultSettings(criteo.options));
      // In place: api.calls is the same object (tokenByGrant too).
      for (const key of Object.keys(criteo.calls.tokenByGrant)) delete criteo.calls.tokenByGrant[key];
      const { tokenByGrant: _keep, ...counters } = zeroCalls();
      Object.assign(criteo.calls, counters);
    },
  };
}
