/**
 * The sandbox's fake Microsoft Advertising credentials, customer and accounts. Public by design: printed
 * by the CLI, used by tests, the benchmark and the demo. None of them works against the real Microsoft.
 * `developerToken` is the universal sandbox developer token Microsoft publishes (reference §1).
 */
export const MICROSOFT_ADS_SANDBOX = {
  clientId: 'sandbox-msads-client',
  clientSecret: 'sandbox-msads-secret',
  refreshToken: 'sandbox-msads-refresh-token',
  developerToken: 'BBD37VB98',
  /** The customer (`CustomerId` header) the fixture user manages. */
  customerId: '251000001',
  /** An account of that customer (`CustomerAccountId` header). */
  accountId: '151000001',
  /** An account that exists but belongs to another customer: every call naming it answers 106 UserIsNotAuthorized. */
  otherAccountId: '151000002',
  /** A second account of the fixture customer (account-scoped lists are not visible across accounts). */
  secondAccountId: '151000003',
  /** The customer that owns otherAccountId. */
  otherCustomerId: '251000002',
  tenant: 'common',
  /** The user behind the fixture refresh token and every authorization code. */
  userId: 'sandbox-msads-user',
  /** Production scope; the sandbox scope `https://si.ads.microsoft.com/msads.manage offline_access` works too. */
  scope: 'https://ads.microsoft.com/msads.manage offline_access',
  sandboxScope: 'https://si.ads.microsoft.com/msads.manage offline_access',
  /** Any absolute http(s) redirect_uri is accepted at authorize (a real app registers its own). */
  redirectUriAny: true,
  /** Paths the package appends to the sandbox URL (auth and API share the one base URL here). */
  paths: {
    authorize: '/common/oauth2/v2.0/authorize',
    token: '/common/oauth2/v2.0/token',
    api: '/CampaignManagement/v13',
  },
} as const;
