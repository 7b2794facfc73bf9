import { RateLimiter } from '../../core/rate-limiter';
import { type OAuthAppSettings, TokenSession } from '../../core/session';
import { SNAPCHAT_REQUESTS_PER_SECOND } from './adapter';
import { SnapchatClient } from './client';
import { refreshSnapchatToken } from './oauth';

export const SNAPCHAT_DEFAULTS = { authBaseUrl: 'https://accounts.snapchat.com', apiBaseUrl: 'https://adsapi.snapchat.com' } as const;

export interface SnapchatConnectionSettings extends OAuthAppSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
}

/** One Snapchat connection: its token, its rate budget (10 requests/s per token) and its API client. */
export class SnapchatConnection extends TokenSession {
  readonly client: SnapchatClient;

  constructor(settings: SnapchatConnectionSettings) {
    super(settings, { requestToken: (http, refreshToken) => refreshSnapchatToken(http, settings, refreshToken), lifetimeSeconds: 1800 });
    this.client = new SnapchatClient({
      http: this.http,
      apiBaseUrl: settings.apiBaseUrl,
      token: () => this.tokens.get(),
      // A tenth under the documented average keeps clear of the platform's own bucket.
      limiter: new RateLimiter(SNAPCHAT_REQUESTS_PER_SECOND * 0.9, SNAPCHAT_REQUESTS_PER_SECOND * 0.9),
    });
  }
}
