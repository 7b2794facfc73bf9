/**
 * The sandbox's fake Snapchat credentials and accounts. Public by design: printed by the CLI,
 * used by tests, the benchmark and the demo. None of them works against the real Snapchat.
 */
export const SNAPCHAT_SANDBOX = {
  clientId: 'sandbox-snap-client',
  clientSecret: 'sandbox-snap-secret',
  refreshToken: 'sandbox-snap-refresh-token',
  /** An ad account the fixture user manages. */
  adAccountId: '8f3c8a5e-52b1-4c3e-9d0a-5a1b2c3d4e5f',
  /** An ad account that exists but belongs to someone else: every call on it answers 403 E3002. */
  otherAdAccountId: '1d2e3f40-0000-4aaa-8bbb-0c0ffee0babe',
  organizationId: '4c1a7b2e-9d3f-4e8a-b5c6-7d8e9f0a1b2c',
  /** The Snapchat user behind the fixture refresh token and every authorization code. */
  userId: 'sandbox-snap-user',
  /** What GET /v1/me reports as the user's display name. */
  displayName: 'Sandbox Marketer',
  /** What GET /v1/me reports as the user's email (the documented answer has one; the package must never show it). */
  email: 'sandbox.marketer@example.com',
  scope: 'snapchat-marketing-api',
  /** Any absolute http(s) redirect_uri is accepted at authorize (a real app has exactly one). */
  redirectUriAny: true,
  paths: {
    authorize: '/login/oauth2/authorize',
    token: '/login/oauth2/access_token',
    api: '/v1',
  },
} as const;

export const OTHER_USER_ID = 'someone-else';
