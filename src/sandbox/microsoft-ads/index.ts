/** The Microsoft Advertising platform module: registers its routes and exposes the test-facing MicrosoftAdsSandbox. */
import { MS_FAULT_ENVELOPES, oneOf, type MsFaultEnvelope } from '../options';
import { membersOf, type PlatformContext, type SandboxPlatform, withRoutes } from '../platform';
import type { Router } from '../router';
import { createMsContext, FIXTURE_SUBJECT, resetMsContext, type MicrosoftAdsCalls, type MicrosoftAdsSwitches } from './context';
import { registerControlRoutes } from './control';
import { registerOAuthRoutes } from './oauth-routes';
import { registerApiRoutes } from './routes';
import { isValidMembershipDuration, isValidName, toRecord, type MsAudienceRecord } from './store';

export type { MicrosoftAdsCalls, MicrosoftAdsSwitches } from './context';
export type { MsAudienceRecord } from './store';
export { MICROSOFT_ADS_SANDBOX } from './fixtures';

export interface MicrosoftAdsSandbox {
  /** CustomerLists visible from an account (its own plus customer-scoped ones), or all of them. */
  audiences(accountId?: string): ReadonlyArray<MsAudienceRecord>;
  /** The live set of hashes in an audience; throws for an unknown audience. */
  members(audienceId: string): ReadonlySet<string>;
  /** Seeding for tests (no HTTP, no throttling): an Account-scoped list; `members` are taken as given. Throws on a duplicate name. */
  createAudience(input: { accountId: string; name: string; members?: Iterable<string>; membershipDuration?: number; description?: string }): { id: string; name: string };
  /** Customer Match terms accepted in the web UI (default true). When false, Apply without AcceptCustomerMatchTerm:true fails with the terms error. */
  setTermsAccepted(accepted: boolean): void;
  /** 8003 CustomerListTermsAndConditionsNotAccepted (default) or 3913 TermsAndConditionsNotAccepted (reference §5). */
  setTermsErrorCode(code: 8003 | 3913): void;
  /** When on and terms are not accepted, AddAudiences of a CustomerList answers the terms error as a PartialError (default off). */
  setTermsRequiredForCreate(required: boolean): void;
  /** Calls per sliding 60 s window per customer; over it → 117 CallRateExceeded. undefined = unlimited. */
  setCallRateLimit(perMinute: number | undefined): void;
  /** HTTP status that carries 117 (default 429; reference §10 Q1). */
  setThrottleStatus(status: 429 | 400): void;
  /** The next `count` API calls (default 1) that pass auth answer 117 and apply nothing. */
  throttleNext(count?: number): void;
  /** The next AddAudiences of this name finds it created "by someone else" a moment earlier: 4853 with a null id slot. */
  injectDuplicateNameRace(name: string): void;
  /** Write int64 ids (AudienceIds, Id, ParentId) as bare JSON numbers instead of strings. */
  setIdsAsNumbers(on: boolean): void;
  /** Write every error Code as a string ("117") instead of a number. */
  setCodesAsStrings(on: boolean): void;
  /** Write SearchSize / AudienceNetworkSize as JSON numbers instead of the documented strings ("1234"). */
  setSizesAsNumbers(on: boolean): void;
  /** 'bare' (default): the ApplicationFault body itself; 'wrapped': every fault as `{"ApplicationFault": {…}}`. */
  setFaultEnvelope(mode: MsFaultEnvelope): void;
  /** Every access token issued so far now answers 401 AdApiFaultDetail 109 AuthenticationTokenExpired. */
  expireAccessTokens(): void;
  /** The token endpoint now answers 400 invalid_grant (AADSTS70000) for every refresh token issued so far. */
  revokeRefreshTokens(): void;
  /** Undoes revokeRefreshTokens: the refresh tokens it revoked work again. */
  restoreRefreshTokens(): void;
  /** A one-time code for the fixture user; bound to `redirectUri` when given, else any redirect_uri is accepted. */
  issueAuthorizationCode(redirectUri?: string): string;
  /** The raw `scope` parameter of the last token request that got past client authentication (undefined before any, and after reset). */
  readonly lastTokenScope: string | undefined;
  /** The current switches (a copy). */
  switches(): Readonly<MicrosoftAdsSwitches>;
  readonly calls: Readonly<MicrosoftAdsCalls>;
}

export function registerMicrosoftAds(router: Router, shared: PlatformContext): SandboxPlatform<MicrosoftAdsSandbox> {
  const ms = withRoutes(router, createMsContext(shared.options), registerOAuthRoutes, registerApiRoutes, registerControlRoutes);

  const api: MicrosoftAdsSandbox = {
    audiences: (accountId) => ms.store.all(accountId).map(toRecord),
    members: (audienceId) => membersOf(ms.store.audience(audienceId), 'microsoft-ads', audienceId),
    createAudience(input) {
      const account = ms.store.account(input.accountId);
      if (!account) throw new Error(`microsoft-ads sandbox: unknown account ${input.accountId}`);
      if (!isValidName(input.name)) throw new Error('microsoft-ads sandbox: name must be 1..128 characters');
      if (input.membershipDuration !== undefined && !isValidMembershipDuration(input.membershipDuration)) {
        throw new Error('microsoft-ads sandbox: membershipDuration must be 1..390 or -1');
      }
      if (ms.store.nameTaken(input.name, account.customerId, 'Account', account.id)) {
        throw new Error(`microsoft-ads sandbox: an audience named ${input.name} already exists`);
      }
      const audience = ms.store.create({
        customerId: account.customerId,
        scope: 'Account',
        parentId: account.id,
        name: input.name,
        description: input.description,
        membershipDuration: input.membershipDuration,
      });
      if (input.members) ms.store.addMembers(audience.id, input.members);
      return { id: audience.id, name: audience.name };
    },
    setTermsAccepted(accepted) {
      ms.switches.termsAccepted = accepted;
    },
    setTermsErrorCode(code) {
      if (code !== 8003 && code !== 3913) throw new RangeError('terms error code must be 8003 or 3913');
      ms.switches.termsErrorCode = code;
    },
    setTermsRequiredForCreate(required) {
      ms.switches.termsRequiredForCreate = required;
    },
    setCallRateLimit(perMinute) {
      if (perMinute !== undefined && !(Number.isInteger(perMinute) && perMinute >= 0)) throw new RangeError('perMinute must be a non-negative integer');
      ms.switches.callRateLimit = perMinute;
    },
    setThrottleStatus(status) {
      if (status !== 429 && status !== 400) throw new RangeError('throttle status must be 429 or 400');
      ms.switches.throttleStatus = status;
    },
    throttleNext(count = 1) {
      if (!(Number.isInteger(count) && count >= 1)) throw new RangeError('count must be a positive integer');
      ms.pending.throttleNext += count;
    },
    injectDuplicateNameRace(name) {
      ms.pending.duplicateRaces.push(name);
    },
    setIdsAsNumbers(on) {
      ms.switches.idsAsNumbers = on;
    },
    setCodesAsStrings(on) {
      ms.switches.codesAsStrings = on;
    },
    setSizesAsNumbers(on) {
      ms.switches.sizesAsNumbers = on;
    },
    setFaultEnvelope(mode) {
      oneOf('fault envelope', mode, MS_FAULT_ENVELOPES);
      ms.switches.faultEnvelope = mode;
    },
    expireAccessTokens: () => ms.tokens.expireAccessTokens(),
    revokeRefreshTokens: () => ms.tokens.revokeRefreshTokens(),
    restoreRefreshTokens: () => ms.tokens.restoreRefreshTokens(),
    issueAuthorizationCode: (redirectUri) => ms.tokens.issueCode(FIXTURE_SUBJECT, redirectUri),
    get lastTokenScope() {
      return ms.observed.lastTokenScope;
    },
    switches: () => ({ ...ms.switches }),
    calls: ms.calls,
  };

  return { name: 'microsoft-ads', api, reset: () => resetMsContext(ms) };
}
