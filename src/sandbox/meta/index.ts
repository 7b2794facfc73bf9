/** The Meta platform module: registers its routes and exposes the test-facing MetaSandbox. */
import { membersOf, type PlatformContext, type SandboxPlatform, withRoutes } from '../platform';
import type { Router } from '../router';
import { createMetaContext, defaultSwitches, fixtureTokens, type MetaCalls, type MetaSwitches, zeroCalls } from './context';
import { registerControlRoutes } from './control';
import { META_SANDBOX } from './fixtures';
import { issueCode, registerOAuthRoutes } from './oauth-routes';
import { registerApiRoutes } from './routes';
import { type MetaAudienceRecord, toRecord } from './store';

export type { MetaCalls, MetaSwitches } from './context';
export type { MetaAudienceRecord } from './store';
export { META_SANDBOX } from './fixtures';

export interface MetaSandbox {
  /** The live set of hashes in an audience; throws for an unknown one. */
  members(audienceId: string): ReadonlySet<string>;
  audiences(adAccountId?: string): ReadonlyArray<MetaAudienceRecord>;
  /** Seeding for tests (no HTTP, no throttle); `members` are taken as given. */
  createAudience(input: { adAccountId: string; name: string; members?: Iterable<string>; subtype?: string }): MetaAudienceRecord;
  /** A person accepted (true) or withdrew (false) the Custom Audience terms of an ad account. */
  setTermsAccepted(adAccountId: string, accepted: boolean): void;
  /** The next `count` API calls answer this throttle code, the usage header saying `minutes` to wait. */
  throttleNext(spec?: { code?: number; subcode?: number; minutes?: number; count?: number }): void;
  /** The next `count` API calls (whose path includes `pathIncludes`) answer this Graph error. */
  failNext(spec: { code: number; subcode?: number; message?: string; status?: number; pathIncludes?: string; count?: number }): void;
  /** Every token issued so far answers 190/463 (expired). */
  expireAccessTokens(): void;
  /** Every token issued so far answers 190/460 (revoked: password changed). */
  revokeAccessTokens(): void;
  /** The fixture token expires at this epoch second (0 = never), for the 14-day warning. */
  setTokenExpiry(expiresAt: number): void;
  /** A one-time code of the login dialog; bound to `redirectUri` when given. */
  issueAuthorizationCode(redirectUri?: string): string;
  /** The replace window (90 minutes), shortened by tests. */
  setReplaceWindowMs(ms: number): void;
  /** Some switches (answer shapes, Require App Secret); reset() goes back to the defaults. */
  setSwitches(switches: Partial<MetaSwitches>): void;
  switches(): Readonly<MetaSwitches>;
  readonly calls: Readonly<MetaCalls>;
}

export function registerMeta(router: Router, shared: PlatformContext): SandboxPlatform<MetaSandbox> {
  // OAuth first: the API's `/:version/:node` patterns must not take its paths.
  const meta = withRoutes(router, createMetaContext(shared.options), registerOAuthRoutes, registerApiRoutes, registerControlRoutes);

  const api: MetaSandbox = {
    members: (audienceId) => membersOf(meta.store.audience(audienceId), 'meta', audienceId),
    audiences: (adAccountId) => meta.store.all(adAccountId).map(toRecord),
    createAudience(input) {
      if (!meta.store.account(input.adAccountId)) throw new Error(`meta sandbox: unknown ad account ${input.adAccountId}`);
      const audience = meta.store.create({ adAccountId: input.adAccountId, name: input.name, subtype: input.subtype });
      if (input.members) for (const member of input.members) audience.members.add(member);
      return toRecord(audience);
    },
    setTermsAccepted(adAccountId, accepted) {
      const account = meta.store.account(adAccountId);
      if (!account) throw new Error(`meta sandbox: unknown ad account ${adAccountId}`);
      account.tosAccepted = accepted;
    },
    throttleNext(spec = {}) {
      meta.pending.throttles.push({ code: spec.code ?? 80003, subcode: spec.subcode ?? (spec.code === undefined ? 2446079 : undefined), minutes: spec.minutes ?? 1, remaining: spec.count ?? 1 });
    },
    failNext(spec) {
      meta.pending.faults.push({ code: spec.code, subcode: spec.subcode, message: spec.message ?? 'An unknown error occurred', status: spec.status ?? 400, pathIncludes: spec.pathIncludes, remaining: spec.count ?? 1 });
    },
    expireAccessTokens() {
      for (const token of meta.tokens.values()) token.invalid = 463;
    },
    revokeAccessTokens() {
      for (const token of meta.tokens.values()) token.invalid = 460;
    },
    setTokenExpiry(expiresAt) {
      const token = meta.tokens.get(META_SANDBOX.accessToken);
      if (token) token.expiresAt = expiresAt;
    },
    issueAuthorizationCode: (redirectUri) => issueCode(meta, redirectUri),
    setReplaceWindowMs(ms) {
      meta.replaceWindowMs = ms;
    },
    setSwitches(switches) {
      Object.assign(meta.switches, switches);
    },
    switches: () => ({ ...meta.switches }),
    calls: meta.calls,
  };

  return {
    name: 'meta',
    api,
    reset() {
      meta.store.reset();
      meta.tokens.clear();
      for (const [token, subject] of fixtureTokens()) meta.tokens.set(token, subject);
      meta.codes.clear();
      meta.perAccount.clear();
      meta.pending.throttles.length = 0;
      meta.pending.faults.length = 0;
      meta.replaceWindowMs = META_SANDBOX.replaceWindowMs;
      Object.assign(meta.switches, defaultSwitches());
      Object.assign(meta.calls, zeroCalls()); // in place: api.calls is the same object
    },
  };
}
