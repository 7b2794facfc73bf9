import { ExportError, toExportError } from './errors';
import { holdSecrets } from './redact';

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
  /** Throws when the connection may not be used (consent gate, host pins): checked before every token is handed out. */
  readonly assertAllowed?: () => void | Promise<void>;
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
  /** Releases of the secrets held for masking: the refresh token(s) and the last two access tokens. */
  private readonly releases: Array<() => void> = [];
  private readonly accessTokenReleases: Array<() => void> = [];
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.refreshToken = options.refreshToken;
    this.now = options.now ?? Date.now;
    this.releases.push(holdSecrets([options.refreshToken]));
  }

  async get(): Promise<AccessToken> {
    await this.options.assertAllowed?.();
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The connection closed: its tokens are forgotten and no longer masked (they are no longer used either). */
  close(): void {
    this.current = undefined;
    for (const release of [...this.releases, ...this.accessTokenReleases]) release();
    this.releases.length = 0;
    this.accessTokenReleases.length = 0;
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
        this.releases.push(holdSecrets([rotated]));
      }
    }
    let grant: TokenGrant;
    try {
      grant = await this.options.requestToken(this.refreshToken);
    } catch (thrown) {
      throw toExportError(thrown);
    }
    if (!grant.accessToken) throw new ExportError('auth_failed', 'The token endpoint answered without an access token');
    // A long-lived connection refreshes every 15–60 minutes: mask the last two access tokens (a late
    // error may still echo the previous one), not every token ever issued (redact scans them all).
    this.accessTokenReleases.push(holdSecrets([grant.accessToken]));
    while (this.accessTokenReleases.length > 2) this.accessTokenReleases.shift()?.();
    if (grant.refreshToken && grant.refreshToken !== this.refreshToken) {
      this.refreshToken = grant.refreshToken;
      this.releases.push(holdSecrets([grant.refreshToken]));
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
