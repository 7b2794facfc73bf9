/**
 * The sandbox's fake Meta credentials and ad accounts. Public by design: printed by the CLI, used by
 * tests, the benchmark and the demo. None of them works against the real Graph API.
 */
export const META_SANDBOX = {
  /** A system-user token that never expires (`debug_token` type SYSTEM_USER, expires_at 0). */
  accessToken: 'sandbox-meta-system-user-token',
  appId: '100000000000001',
  appSecret: 'sandbox-meta-app-secret',
  apiVersion: 'v26.0',
  /** The system user behind the fixture token and every sign-in. */
  systemUserId: '200000000000001',
  /** The ad account the fixture user may manage, Custom Audience terms accepted. */
  adAccountId: '1000000001',
  /** An ad account the user manages whose terms nobody accepted: uploads answer 200/1870090. */
  noTermsAdAccountId: '1000000002',
  /** An ad account the token's user is not assigned to: every call on it answers 100/33. */
  otherAdAccountId: '1000000009',
  /** The oldest version the sandbox serves; older ones answer 2635 (deprecated). */
  oldestVersion: 25,
  /**
   * The versions routed (literal path segments, so the Graph API's `/{version}/{node}` patterns never
   * take another platform's or the control routes' paths); others answer the sandbox's 404.
   */
  routedVersions: Array.from({ length: 13 }, (_, i) => `v${18 + i}.0`) as readonly string[],
  /** Customer-file audiences per ad account (reference §2). */
  maxAudiences: 500,
  /** Rows per /users or /usersreplace request (reference §3). */
  maxRows: 10_000,
  /** Lifetime of a long-lived user token from the exchange (reference §1: `expires_in` 5183944). */
  longLivedSeconds: 5_183_944,
  /** Lifetime of the short-lived user token of a code exchange. */
  shortLivedSeconds: 3_600,
  /** Replace sessions end this long after their first batch (reference §4). */
  replaceWindowMs: 90 * 60 * 1000,
  scope: 'ads_management,business_management',
} as const;
