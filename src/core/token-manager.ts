import { ExportError, toExportError } from './errors';
import { forgetSecret, registerSecret } from './redact';

/** What a platform's token endpoint answered, in the engine's words. */
export interface TokenGrant {
  readonly accessToken: string;
  readonly expiresInSeconds?: number;
  /** Present when the platform rotates refresh tokens (or repeats the current one). */
  readonly refreshToken?: string;
  readonly scope?: string;
}

export interface AccessToken {
  readonly value: string;
  /** Increases with every refresh; a 401 names the generation it saw so only stale tokens are refreshed. */
  readonly generation: number;
  /** The scope the platform granted, when it said. */
  readonly scope?: string;
}

/** Keeps a rotated refresh token across restarts (Node-RED does not persist run-time credential changes). */
export interface RefreshTokenStore {
  load(): Promise<string | undefined>;
  save(refreshToken: string): Promise<void>;
}

export interface TokenManagerOptions {
  /** Ask the platform for an access token (refresh grant, or client credentials when there is no refresh token). */
  readonly requestToken: (refreshToken: string | undefined) => Promise<TokenGrant>;
  /** The refresh token from the connection's credentials. */
  readonly refreshToken?: string;
  readonly store?: RefreshTokenStore;
  /** Refresh this long before the stated expiry. */
  readonly skewMs?: number;
  /** Lifetime assumed when the platform states none. */
  readonly defaultLifetimeSeconds?: number;
  /** Throws when the connection may not be used (consent gate): checked before every token request. */
  readonly assertAllowed?: () => void;
  readonly now?: () => number;
}

/**
 * Access tokens in memory, refreshed before expiry and when the platform refuses one, once per
 * failure however many batches saw it (single flight).
 */
export class TokenManager {
  private current?: { token: AccessToken; refreshAt: number };
  private inflight?: Promise<AccessToken>;
  private generation = 0;
  private refreshToken?: string;
  private storeLoaded = false;
  private readonly recentAccessTokens: string[] = [];
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.refreshToken = options.refreshToken;
    this.now = options.now ?? Date.now;
    registerSecret(options.refreshToken);
  }

  async get(): Promise<AccessToken> {
    this.options.assertAllowed?.();
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The platform refused the token of `generation`: forget it unless a newer one is already here. */
  invalidate(generation?: number): void {
    if (this.current && (generation === undefined || generation >= this.current.token.generation)) this.current = undefined;
  }

  private async refresh(): Promise<AccessToken> {
    if (!this.storeLoaded && this.options.store) {
      this.storeLoaded = true;
      const rotated = await this.options.store.load().catch(() => undefined);
      if (rotated) {
        this.refreshToken = rotated;
        registerSecret(rotated);
      }
    }
    let grant: TokenGrant;
    try {
      grant = await this.options.requestToken(this.refreshToken);
    } catch (thrown) {
      throw toExportError(thrown);
    }
    if (!grant.accessToken) throw new ExportError('auth_failed', 'The token endpoint answered without an access token');
    registerSecret(grant.accessToken);
    // A long-lived connection refreshes every 15–60 minutes: mask the last two access tokens (a late
    // error may still echo the previous one), not every token ever issued (redact scans them all).
    this.recentAccessTokens.push(grant.accessToken);
    while (this.recentAccessTokens.length > 2) forgetSecret(this.recentAccessTokens.shift());
    if (grant.refreshToken && grant.refreshToken !== this.refreshToken) {
      this.refreshToken = grant.refreshToken;
      registerSecret(grant.refreshToken);
      await this.options.store?.save(grant.refreshToken);
    }
    const lifetimeMs = (grant.expiresInSeconds ?? this.options.defaultLifetimeSeconds ?? 3600) * 1000;
    // Refresh ahead of expiry by the skew, but never so early that a short-lived token is refreshed on every call.
    const skew = Math.min(this.options.skewMs ?? 60_000, lifetimeMs / 4);
    const token: AccessToken = { value: grant.accessToken, generation: ++this.generation, scope: grant.scope };
    this.current = { token, refreshAt: this.now() + lifetimeMs - skew };
    return token;
  }
}
