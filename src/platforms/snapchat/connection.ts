import type { AxiosInstance } from 'axios';
import { createHttpClient } from '../../core/http';
import { RateLimiter } from '../../core/rate-limiter';
import { holdSecrets } from '../../core/redact';
import { type RefreshTokenStore, TokenManager } from '../../core/token-manager';
import { SNAPCHAT_REQUESTS_PER_SECOND, SnapchatAdapter, type SnapchatAudienceSettings } from './adapter';
import { SnapchatClient } from './client';
import { refreshSnapchatToken } from './oauth';

export const SNAPCHAT_DEFAULTS = { authBaseUrl: 'https://accounts.snapchat.com', apiBaseUrl: 'https://adsapi.snapchat.com' } as const;

export interface SnapchatConnectionSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken?: string;
  /** Where a rotated refresh token is kept across restarts. */
  readonly tokenStore?: RefreshTokenStore;
  /** Consent gate: throws when nothing may be sent. Checked before every token request. */
  readonly assertAllowed?: () => void;
  readonly http?: AxiosInstance;
}

/** One Snapchat connection: its token, its rate budget (10 requests/s per token) and its API client. */
export class SnapchatConnection {
  readonly tokens: TokenManager;
  readonly client: SnapchatClient;
  private readonly releaseSecrets: () => void;

  constructor(settings: SnapchatConnectionSettings) {
    const http = settings.http ?? createHttpClient();
    this.releaseSecrets = holdSecrets([settings.clientSecret]);
    this.tokens = new TokenManager({
      requestToken: (refreshToken) => refreshSnapchatToken(http, settings, refreshToken),
      refreshToken: settings.refreshToken,
      store: settings.tokenStore,
      assertAllowed: settings.assertAllowed,
      defaultLifetimeSeconds: 1800,
    });
    this.client = new SnapchatClient({
      http,
      apiBaseUrl: settings.apiBaseUrl,
      token: () => this.tokens.get(),
      // A tenth under the documented average keeps clear of the platform's own bucket.
      limiter: new RateLimiter(SNAPCHAT_REQUESTS_PER_SECOND * 0.9, SNAPCHAT_REQUESTS_PER_SECOND * 0.9),
    });
  }

  /** The connection is done with: its secrets and tokens are no longer held for masking. */
  close(): void {
    this.tokens.close();
    this.releaseSecrets();
  }

  adapter(settings: SnapchatAudienceSettings): SnapchatAdapter {
    return new SnapchatAdapter(this.client, settings);
  }
}
