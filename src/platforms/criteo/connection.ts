import type { AxiosInstance } from 'axios';
import { createHttpClient } from '../../core/http';
import { RateLimiter } from '../../core/rate-limiter';
import { holdSecrets } from '../../core/redact';
import { type RefreshTokenStore, TokenManager } from '../../core/token-manager';
import { CriteoAdapter, type CriteoAudienceSettings } from './adapter';
import { CriteoClient } from './client';
import { type CriteoGrantType, requestCriteoToken } from './oauth';

export const CRITEO_DEFAULTS = {
  authBaseUrl: 'https://api.criteo.com',
  apiBaseUrl: 'https://api.criteo.com',
  apiVersion: '2026-07',
  /** The consent page of the authorization-code sign-in, per Criteo's guide (reference: criteo.md). */
  authorizeUrl: 'https://consent.criteo.com/request',
} as const;

/** The consent page Criteo's OpenAPI file names instead: selectable, since the sources disagree. */
export const CRITEO_OPENAPI_AUTHORIZE_URL = 'https://api.criteo.com/oauth2';

/** Calls per minute (reference §5): 250 per app with client credentials, 10 per account with authorization code. */
const CALLS_PER_MINUTE: Record<CriteoGrantType, number> = { client_credentials: 250, authorization_code: 10 };

export interface CriteoConnectionSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
  readonly grantType: CriteoGrantType;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken?: string;
  readonly tokenStore?: RefreshTokenStore;
  readonly assertAllowed?: () => void;
  readonly http?: AxiosInstance;
}

/** One Criteo connection: 15-minute tokens refreshed as needed, the minute budget, the API client. */
export class CriteoConnection {
  readonly tokens: TokenManager;
  readonly client: CriteoClient;
  private readonly releaseSecrets: () => void;

  constructor(settings: CriteoConnectionSettings) {
    const http = settings.http ?? createHttpClient();
    this.releaseSecrets = holdSecrets([settings.clientSecret]);
    this.tokens = new TokenManager({
      requestToken: (refreshToken) => requestCriteoToken(http, settings, refreshToken),
      refreshToken: settings.grantType === 'authorization_code' ? settings.refreshToken : undefined,
      store: settings.grantType === 'authorization_code' ? settings.tokenStore : undefined,
      assertAllowed: settings.assertAllowed,
      defaultLifetimeSeconds: 900,
    });
    const perSecond = (CALLS_PER_MINUTE[settings.grantType] * 0.95) / 60;
    this.client = new CriteoClient({
      http,
      apiBaseUrl: settings.apiBaseUrl,
      apiVersion: settings.apiVersion,
      token: () => this.tokens.get(),
      // A burst of a tenth of the minute's budget, then an even pace a little under the limit.
      limiter: new RateLimiter(perSecond, Math.max(1, Math.floor(CALLS_PER_MINUTE[settings.grantType] / 10))),
    });
  }

  /** The connection is done with: its secrets and tokens are no longer held for masking. */
  close(): void {
    this.tokens.close();
    this.releaseSecrets();
  }

  adapter(settings: CriteoAudienceSettings): CriteoAdapter {
    return new CriteoAdapter(this.client, settings);
  }
}
