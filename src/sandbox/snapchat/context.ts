/** Everything the Snapchat route modules share: options, store, tokens, rate-limit buckets, counters. */
import { TokenRegistry } from '../oauth';
import type { ResolvedSandboxOptions } from '../options';
import { KeyedBuckets } from '../rate-limit';
import { SnapEnvelope } from './envelope';
import { OTHER_USER_ID, SNAPCHAT_SANDBOX } from './fixtures';
import { SnapStore } from './store';

/** Requests that got past faults, auth and rate limiting, by endpoint (token: every token-endpoint call). */
export interface SnapchatCalls {
  token: number;
  me: number;
  usersPost: number;
  usersDelete: number;
  allUsersDelete: number;
  segmentsCreate: number;
  segmentsList: number;
  segmentsGet: number;
  segmentsUpdate: number;
  segmentsDelete: number;
}

/** Where the sources disagree on Snapchat's answers: which one the sandbox plays. */
export interface SnapchatSwitches {
  /**
   * `GET /v1/me` wraps `me` in `request_status`/`request_id` (the sandbox's old answer). Off (default): the
   * documented `{"me":{…}}` of SN-DOC Ads-API/user, with no request_status.
   */
  meEnvelope: boolean;
}

export interface SnapContext {
  readonly options: ResolvedSandboxOptions;
  readonly switches: SnapchatSwitches;
  readonly store: SnapStore;
  readonly tokens: TokenRegistry;
  readonly envelope: SnapEnvelope;
  /** Reference §6: an access token averages 10 requests/s, the app 20 requests/s. */
  readonly perToken: KeyedBuckets;
  readonly perApp: KeyedBuckets;
  /** One-shot behaviours: how many segment/users writes answer 200 with failed sub-requests. */
  readonly pending: { subRequestErrors: number };
  readonly calls: SnapchatCalls;
}

export const FIXTURE_SUBJECT = {
  clientId: SNAPCHAT_SANDBOX.clientId,
  userId: SNAPCHAT_SANDBOX.userId,
  scope: SNAPCHAT_SANDBOX.scope,
} as const;

export function createSnapContext(options: ResolvedSandboxOptions): SnapContext {
  const tokens = new TokenRegistry({
    ttlSeconds: options.tokenTtlSeconds,
    rotateRefreshTokens: options.rotateRefreshTokens,
    accessPrefix: '0.',
  });
  tokens.seedRefreshToken(SNAPCHAT_SANDBOX.refreshToken, FIXTURE_SUBJECT);
  return {
    options,
    switches: defaultSwitches(options),
    store: new SnapStore([
      { id: SNAPCHAT_SANDBOX.adAccountId, organizationId: SNAPCHAT_SANDBOX.organizationId, ownerUserId: SNAPCHAT_SANDBOX.userId },
      { id: SNAPCHAT_SANDBOX.otherAdAccountId, organizationId: 'f0e1d2c3-0000-4000-8000-000000000000', ownerUserId: OTHER_USER_ID },
    ]),
    tokens,
    envelope: new SnapEnvelope(options.statusCase),
    perToken: new KeyedBuckets({ ratePerSecond: 10, burst: 10 }),
    perApp: new KeyedBuckets({ ratePerSecond: 20, burst: 20 }),
    pending: { subRequestErrors: 0 },
    calls: zeroCalls(),
  };
}

export function defaultSwitches(options: ResolvedSandboxOptions): SnapchatSwitches {
  return { meEnvelope: options.snapchatMeEnvelope };
}

export function zeroCalls(): SnapchatCalls {
  return {
    token: 0,
    me: 0,
    usersPost: 0,
    usersDelete: 0,
    allUsersDelete: 0,
    segmentsCreate: 0,
    segmentsList: 0,
    segmentsGet: 0,
    segmentsUpdate: 0,
    segmentsDelete: 0,
  };
}
