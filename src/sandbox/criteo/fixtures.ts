/**
 * The sandbox's fake Criteo credentials, advertisers and API versions. Public by design: printed by
 * the CLI, used by tests, the benchmark and the demo. None of them works against the real Criteo.
 */
export const CRITEO_SANDBOX = {
  clientId: 'sandbox-criteo-client',
  clientSecret: 'sandbox-criteo-secret',
  /** An authorization-code refresh token for the fixture user (client-credentials apps need none). */
  refreshToken: 'sandbox-criteo-refresh-token',
  /** The advertiser in the portfolio of every token the sandbox issues. */
  advertiserId: '10001',
  /** An advertiser that exists but is not in the token's portfolio: 403 access-control on every use. */
  otherAdvertiserId: '20002',
  /** Current stable version (reference §2). */
  apiVersion: '2026-07',
  /** Versions that answer (reference §2: the spec repo as of 2026-08). `experimental` is not simulated. */
  supportedVersions: ['2026-01', '2026-07', '2027-01', 'preview'],
  /** Removed from the spec on 2026-07-27/30: 410 Gone by default (setRetiredVersions changes it). */
  retiredVersions: ['2025-01', '2025-04', '2025-07', '2025-10'],
  /** The user behind the fixture refresh token and every authorization code. */
  userId: 'sandbox-criteo-user',
  /**
   * What GET /{v}/marketing-solutions/me reports: the spec's ApplicationSummaryModel (no `data.id`;
   * applicationId and organizationId are int32).
   */
  application: { applicationId: 4242, name: 'Criteo sandbox app', organizationId: 3001, description: 'Local sandbox application', criteoService: 'MarketingSolutions' },
  /** Reference §1: 15 minutes. SandboxOptions.tokenTtlSeconds overrides it. */
  tokenTtlSeconds: 900,
  /** Reference §5: client-credentials apps get 250 calls/min. */
  callsPerMinute: 250,
  /** Reference §5 (RudderStack, Tealium): identifiers per contact-list PATCH. */
  maxIdentifiersPerRequest: 50_000,
  /** Deterministic share of stored identifiers reported as matched by the statistics endpoint (floor). */
  matchRate: 0.6,
  /**
   * The id of the extra search entry of the nullSearchEntry setting (`attributes` or `name` null). Below
   * every store id, so it names no segment: any use of it answers 404 audience-invalid.
   */
  nullEntryId: '700000',
  paths: {
    token: '/oauth2/token',
    /** The consent page CR-OAS names (`authorizationUrl: https://api.criteo.com/oauth2`). */
    authorize: '/oauth2',
    /** The same consent page where Criteo's guide sends it (`https://consent.criteo.com/request`). */
    consent: '/request',
    /** The API prefix for the default version; other versions replace the first segment. */
    api: '/2026-07/marketing-solutions',
  },
} as const;

export const OTHER_USER_ID = 'someone-else';
