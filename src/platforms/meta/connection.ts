import { ExportError } from '../../core/errors';
import { RateLimiter } from '../../core/rate-limiter';
import { type OAuthAppSettings, TokenSession } from '../../core/session';
import { MetaClient } from './client';

export const META_DEFAULTS = {
  apiVersion: 'v26.0',
  /** The login dialog (`/{v}/dialog/oauth`). */
  authBaseUrl: 'https://www.facebook.com',
  apiBaseUrl: 'https://graph.facebook.com',
} as const;

/**
 * Custom Audience calls per ad account and hour (reference §6): 5000 + 40 × active audiences at the
 * Limited tier. The connection paces itself a little under 5000 per hour after a burst of 250 (a
 * 2.5-million-profile export), and otherwise follows the throttle codes and the usage header.
 */
const CALLS_PER_HOUR = 5000;
const BURST = 250;

export interface MetaConnectionSettings extends Pick<OAuthAppSettings, 'assertAllowed'> {
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
  /** A system-user or long-lived token (Meta has no refresh grant). */
  readonly accessToken?: string;
  readonly appId?: string;
  /** Optional: `appsecret_proof` on every call. */
  readonly appSecret?: string;
}

/**
 * One Meta connection: the configured token (never rotated: Meta has no refresh grant, and renewing
 * a 60-day token is a person's decision), the app secret's proof, the pace, the API client.
 */
export class MetaConnection extends TokenSession {
  readonly client: MetaClient;

  constructor(settings: MetaConnectionSettings) {
    const accessToken = settings.accessToken ?? '';
    super(
      { clientId: settings.appId ?? '', clientSecret: settings.appSecret ?? '', assertAllowed: settings.assertAllowed },
      {
        moreSecrets: [accessToken],
        usesRefreshToken: false,
        // "Requesting" a token hands out the configured one: there is nothing to exchange it for.
        requestToken: () =>
          accessToken
            ? Promise.resolve({ accessToken })
            : Promise.reject(new ExportError('reauth_required', 'The Meta connection has no access token: paste a system-user token or sign in')),
        lifetimeSeconds: 24 * 3600,
      },
    );
    this.client = new MetaClient({
      http: this.http,
      apiBaseUrl: settings.apiBaseUrl,
      apiVersion: settings.apiVersion,
      token: () => this.tokens.get(),
      appId: settings.appId || undefined,
      appSecret: settings.appSecret || undefined,
      limiter: new RateLimiter((CALLS_PER_HOUR * 0.95) / 3600, BURST),
    });
  }
}
