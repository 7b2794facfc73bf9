/** Everything the Meta route modules share: options, store, tokens, switches, rate buckets, one-shot faults, counters. */
import { randomBytes } from 'node:crypto';
import type { ResolvedSandboxOptions } from '../options';
import { KeyedBuckets } from '../rate-limit';
import { META_SANDBOX } from './fixtures';
import { MetaStore } from './store';

/** Requests that got past faults, auth and throttling, by endpoint (token: every oauth/access_token call). */
export interface MetaCalls {
  token: number;
  debugToken: number;
  adAccount: number;
  audiencesList: number;
  audiencesCreate: number;
  audienceGet: number;
  usersAdd: number;
  usersRemove: number;
  usersReplace: number;
}

/** Where the sources disagree on Meta's answers (reference §9): which reading the sandbox plays. */
export interface MetaSwitches {
  /** The app has "Require App Secret" on: calls without a correct `appsecret_proof` answer code 100. A wrong proof is refused either way. */
  requireAppSecret: boolean;
  /** HTTP status of throttle errors (4/17/613/80003): 400 as commonly seen, 429 or 500 as peers' fixtures show. */
  throttleStatus: number;
  /** HTTP status of token errors (190): 400 by default, 401 or 403 elsewhere. */
  authErrorStatus: number;
  /** The usage header's name: `X-Business-Use-Case-Usage` (default) or the older `X-Business-Use-Case`. */
  usageHeader: 'X-Business-Use-Case-Usage' | 'X-Business-Use-Case';
  /** The ToS refusal: `200/1870090` (Guide) or `100/1487390` (a fixture). */
  tosError: '200/1870090' | '100/1487390';
  /** Session ids and counts in upload answers as numeric strings (sessions reference) rather than numbers. */
  numbersAsStrings: boolean;
  /** `usersreplace` answers `account_id` (Guide) instead of `audience_id` (reference). */
  replaceAccountId: boolean;
  /** `invalid_entry_samples` as an array of strings instead of a map. */
  samplesAsArray: boolean;
  /** `operation_status` during a replace as the Guide's words (`replace_in_progress`) instead of 414. */
  operationStatusWords: boolean;
}

export interface ThrottleSpec {
  readonly code: number;
  readonly subcode?: number;
  /** `estimated_time_to_regain_access` in the usage header, minutes; 0 = header without a wait. */
  readonly minutes: number;
  remaining: number;
}

export interface GraphFaultSpec {
  readonly code: number;
  readonly subcode?: number;
  readonly message: string;
  readonly status: number;
  /** Only requests whose path includes this. */
  readonly pathIncludes?: string;
  remaining: number;
}

export interface MetaToken {
  readonly type: 'SYSTEM_USER' | 'USER';
  readonly userId: string;
  readonly issuedAt: number;
  /** Epoch seconds; 0 = never. */
  expiresAt: number;
  /** 190 subcode it answers with once invalid: 463 expired, 460 password changed / revoked. */
  invalid?: 460 | 463;
}

export interface MetaContext {
  readonly options: ResolvedSandboxOptions;
  readonly switches: MetaSwitches;
  readonly store: MetaStore;
  readonly tokens: Map<string, MetaToken>;
  readonly codes: Map<string, { readonly redirectUri?: string; readonly expiresAt: number }>;
  /** Custom Audience BUC per ad account (reference §6): 5000 calls per rolling hour at the Limited tier. */
  readonly perAccount: KeyedBuckets;
  readonly pending: { throttles: ThrottleSpec[]; faults: GraphFaultSpec[] };
  /** Replace window, shortened by tests. */
  replaceWindowMs: number;
  readonly calls: MetaCalls;
}

export function createMetaContext(options: ResolvedSandboxOptions): MetaContext {
  return {
    options,
    switches: defaultSwitches(),
    store: new MetaStore(),
    tokens: fixtureTokens(),
    codes: new Map(),
    perAccount: new KeyedBuckets({ ratePerSecond: 5000 / 3600, burst: 5000 }),
    pending: { throttles: [], faults: [] },
    replaceWindowMs: META_SANDBOX.replaceWindowMs,
    calls: zeroCalls(),
  };
}

export function fixtureTokens(): Map<string, MetaToken> {
  return new Map([[META_SANDBOX.accessToken, { type: 'SYSTEM_USER', userId: META_SANDBOX.systemUserId, issuedAt: Math.floor(Date.now() / 1000), expiresAt: 0 }]]);
}

/** A user token of the sign-in (short-lived from the code, long-lived from the exchange). */
export function issueUserToken(meta: MetaContext, lifetimeSeconds: number): string {
  const token = `EAAsandbox${randomBytes(24).toString('hex')}`;
  const now = Math.floor(Date.now() / 1000);
  meta.tokens.set(token, { type: 'USER', userId: META_SANDBOX.systemUserId, issuedAt: now, expiresAt: now + lifetimeSeconds });
  return token;
}

export function defaultSwitches(): MetaSwitches {
  return {
    requireAppSecret: false,
    throttleStatus: 400,
    authErrorStatus: 400,
    usageHeader: 'X-Business-Use-Case-Usage',
    tosError: '200/1870090',
    numbersAsStrings: false,
    replaceAccountId: false,
    samplesAsArray: false,
    operationStatusWords: false,
  };
}

export function zeroCalls(): MetaCalls {
  return { token: 0, debugToken: 0, adAccount: 0, audiencesList: 0, audiencesCreate: 0, audienceGet: 0, usersAdd: 0, usersRemove: 0, usersReplace: 0 };
}
