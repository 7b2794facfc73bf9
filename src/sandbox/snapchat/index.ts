/** The Snapchat platform module: registers its routes and exposes the test-facing SnapchatSandbox. */
import { membersOf, type PlatformContext, type SandboxPlatform, withRoutes } from '../platform';
import type { Router } from '../router';
import { createSnapContext, defaultSwitches, FIXTURE_SUBJECT, zeroCalls, type SnapchatCalls, type SnapchatSwitches } from './context';
import { registerControlRoutes } from './control';
import { registerOAuthRoutes } from './oauth-routes';
import { registerApiRoutes } from './routes';
import { toRecord, type SnapSegmentRecord } from './store';

export type { SnapchatCalls, SnapchatSwitches } from './context';
export type { SnapSegmentRecord } from './store';
export { SNAPCHAT_SANDBOX } from './fixtures';

export interface SnapchatSandbox {
  /** The live set of hashes in a segment; throws for an unknown segment. */
  members(segmentId: string): ReadonlySet<string>;
  segments(adAccountId?: string): ReadonlyArray<SnapSegmentRecord>;
  /** Seeding for tests (no HTTP, no rate limit); `members` are taken as given. */
  createSegment(input: { adAccountId: string; name: string; members?: Iterable<string>; retentionDays?: number; description?: string }): SnapSegmentRecord;
  /**
   * The next `count` (default 1) segment create/update or users add/remove calls that pass validation
   * answer HTTP 200 with every item `sub_request_status: ERROR` and a `sub_request_error_reason`; nothing is applied.
   */
  failNextSubRequests(count?: number): void;
  /** Every access token issued so far now answers 401 (plain-text `unauthorized`). */
  expireAccessTokens(): void;
  /** The token endpoint now answers 400 invalid_grant for every refresh token issued so far. */
  revokeRefreshTokens(): void;
  /** Undoes revokeRefreshTokens: the refresh tokens it revoked work again. */
  restoreRefreshTokens(): void;
  /** A one-time code for the fixture user; bound to `redirectUri` when given, else any redirect_uri is accepted. */
  issueAuthorizationCode(redirectUri?: string): string;
  /**
   * `GET /v1/me` with the old `request_status`/`request_id` envelope (true) or as documented, `{"me":{…}}`
   * only (false, the default unless SandboxOptions.snapchatMeEnvelope). reset() goes back to the option.
   */
  setMeEnvelope(on: boolean): void;
  /** The current switches (a copy). */
  switches(): Readonly<SnapchatSwitches>;
  readonly calls: Readonly<SnapchatCalls>;
}

export function registerSnapchat(router: Router, shared: PlatformContext): SandboxPlatform<SnapchatSandbox> {
  const snap = withRoutes(router, createSnapContext(shared.options), registerOAuthRoutes, registerApiRoutes, registerControlRoutes);

  const api: SnapchatSandbox = {
    members: (segmentId) => membersOf(snap.store.segment(segmentId), 'snapchat', segmentId),
    segments: (adAccountId) => snap.store.all(adAccountId).map(toRecord),
    createSegment(input) {
      if (!snap.store.account(input.adAccountId)) throw new Error(`snapchat sandbox: unknown ad account ${input.adAccountId}`);
      const segment = snap.store.create({ adAccountId: input.adAccountId, name: input.name, description: input.description, retentionDays: input.retentionDays });
      if (input.members) snap.store.addMembers(segment.id, input.members);
      return toRecord(segment);
    },
    failNextSubRequests(count = 1) {
      if (!(Number.isInteger(count) && count >= 1)) throw new RangeError('count must be a positive integer');
      snap.pending.subRequestErrors += count;
    },
    expireAccessTokens: () => snap.tokens.expireAccessTokens(),
    revokeRefreshTokens: () => snap.tokens.revokeRefreshTokens(),
    restoreRefreshTokens: () => snap.tokens.restoreRefreshTokens(),
    issueAuthorizationCode: (redirectUri) => snap.tokens.issueCode(FIXTURE_SUBJECT, redirectUri),
    setMeEnvelope(on) {
      snap.switches.meEnvelope = on;
    },
    switches: () => ({ ...snap.switches }),
    calls: snap.calls,
  };

  return {
    name: 'snapchat',
    api,
    reset() {
      snap.store.reset();
      snap.tokens.reset();
      snap.perToken.clear();
      snap.perApp.clear();
      snap.pending.subRequestErrors = 0;
      Object.assign(snap.switches, defaultSwitches(snap.options));
      Object.assign(snap.calls, zeroCalls()); // in place: api.calls is the same object
    },
  };
}
