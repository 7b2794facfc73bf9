import { RateLimiter } from '../../core/rate-limiter';
import { type OAuthAppSettings, TokenSession } from '../../core/session';
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

export interface CriteoConnectionSettings extends OAuthAppSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
  readonly grantType: CriteoGrantType;
}

/** One Criteo connection: 15-minute tokens refreshed as needed, the minute budget, the API client. */
export class CriteoConnection extends TokenSession {
  readonly client: CriteoClient;

  constructor(settings: CriteoConnectionSettings) {
    super(settings, {
      requestToken: (http, refreshToken) => requestCriteoToken(http, settings, refreshToken),
      lifetimeSeconds: 900,
      usesRefreshToken: settings.grantType === 'authorization_code',
    });
    const perMinute = CALLS_PER_MINUTE[settings.grantType];
    this.client = new CriteoClient({
      http: this.http,
      apiBaseUrl: settings.apiBaseUrl,
      apiVersion: settings.apiVersion,
      token: () => this.tokens.get(),
      // A burst of a tenth of the minute's budget, then an even pace a little under the limit.
      limiter: new RateLimiter((perMinute * 0.95) / 60, Math.max(1, Math.floor(perMinute / 10))),
    });
  }
}
