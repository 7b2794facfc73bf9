import type { AxiosInstance } from 'axios';
import { createHttpClient } from './http';
import type { CredentialField, PlatformSession, SessionContext } from './platform';
import { holdSecrets } from './redact';
import { type RefreshTokenStore, type TokenGrant, TokenManager } from './token-manager';

/** The OAuth application every connection signs in with, and what guards its tokens. */
export interface OAuthAppSettings {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken?: string;
  /** Where a rotated refresh token is kept across restarts. */
  readonly tokenStore?: RefreshTokenStore;
  /** Throws when nothing may be sent (consent, host pins, a closed connection): checked before every token request. */
  readonly assertAllowed?: () => void | Promise<void>;
  readonly http?: AxiosInstance;
}

export interface TokenSessionOptions {
  /** Every secret the session sends besides the client secret (a developer token…): masked in any text while the session lives. */
  readonly moreSecrets?: readonly string[];
  /** The platform's token request: a refresh grant, or client credentials when there is no refresh token. */
  requestToken(http: AxiosInstance, refreshToken: string | undefined): Promise<TokenGrant>;
  /** Lifetime assumed when the platform states none. */
  readonly lifetimeSeconds: number;
  /** False for a grant without refresh tokens (Criteo's client credentials): the stored and configured ones are ignored. */
  readonly usesRefreshToken?: boolean;
}

/**
 * What every platform connection holds: one HTTP client (keep-alive), its tokens, and its secrets
 * held for masking until it is closed. A platform's connection adds its API client.
 */
export abstract class TokenSession implements PlatformSession {
  readonly tokens: TokenManager;
  protected readonly http: AxiosInstance;
  private readonly releaseSecrets: () => void;

  protected constructor(settings: OAuthAppSettings, options: TokenSessionOptions) {
    const http = settings.http ?? createHttpClient();
    const usesRefreshToken = options.usesRefreshToken ?? true;
    this.http = http;
    this.releaseSecrets = holdSecrets([settings.clientSecret, ...(options.moreSecrets ?? [])]);
    this.tokens = new TokenManager({
      requestToken: (refreshToken) => options.requestToken(http, refreshToken),
      refreshToken: usesRefreshToken ? settings.refreshToken : undefined,
      store: usesRefreshToken ? settings.tokenStore : undefined,
      assertAllowed: settings.assertAllowed,
      defaultLifetimeSeconds: options.lifetimeSeconds,
    });
  }

  /** The connection is done with: its secrets and tokens are no longer held for masking. */
  close(): void {
    this.tokens.close();
    this.releaseSecrets();
  }
}

/** The credentials of an OAuth application as most platforms take them: its id and secret, and a refresh token from a sign-in. */
export const OAUTH_APP_CREDENTIALS: readonly CredentialField[] = [
  { name: 'clientId', secret: false, icon: 'id-card-o' },
  { name: 'clientSecret', secret: true, icon: 'lock' },
  { name: 'refreshToken', secret: true, icon: 'refresh' },
];

/** A session context's OAuth application, as a TokenSession takes it. */
export function oauthAppOf(context: Pick<SessionContext<unknown>, 'credentials' | 'assertAllowed' | 'tokenStore'>): OAuthAppSettings {
  const { credentials, assertAllowed, tokenStore } = context;
  return { clientId: credentials.clientId ?? '', clientSecret: credentials.clientSecret ?? '', refreshToken: credentials.refreshToken, tokenStore, assertAllowed };
}
