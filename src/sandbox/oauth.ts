/**
 * Shared OAuth2 bookkeeping: access tokens with a lifetime, refresh tokens (optionally rotated),
 * one-time authorization codes, and client authentication by form body or HTTP Basic. Platforms wrap
 * it in their own endpoint paths and response shapes (Snapchat, later Microsoft and Criteo).
 */
import { randomBytes } from 'node:crypto';
import { hostileText } from './hostile';
import { json } from './reply';
import type { Reply } from './router';

export interface TokenSubject {
  readonly clientId: string;
  /** The user who granted consent; platforms map it to the accounts it may manage. */
  readonly userId: string;
  readonly scope: string;
}

export interface IssuedTokens {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string;
  readonly scope: string;
}

export type GrantResult = { readonly ok: true; readonly tokens: IssuedTokens } | { readonly ok: false; readonly description: string };
export type AccessCheck =
  | { readonly ok: true; readonly subject: TokenSubject }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' };

export interface TokenRegistryOptions {
  readonly ttlSeconds: number;
  /** Each refresh returns a new refresh token and invalidates the one used. */
  readonly rotateRefreshTokens: boolean;
  /** Cosmetic prefix so tokens look like the platform's (Snapchat's start with "0."). */
  readonly accessPrefix?: string;
  readonly codeTtlSeconds?: number;
}

type RefreshState = 'active' | 'rotated' | 'revoked';

export class TokenRegistry {
  private readonly access = new Map<string, { subject: TokenSubject; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, { subject: TokenSubject; state: RefreshState; before?: RefreshState }>();
  private readonly codes = new Map<string, { subject: TokenSubject; redirectUri?: string; expiresAt: number; used: boolean }>();
  private readonly seeded: Array<readonly [string, TokenSubject]> = [];

  constructor(private readonly options: TokenRegistryOptions) {}

  /** A refresh token that exists from the start (the fixture) and comes back on reset(). */
  seedRefreshToken(token: string, subject: TokenSubject): void {
    this.seeded.push([token, subject]);
    this.refreshTokens.set(token, { subject, state: 'active' });
  }

  verifyAccessToken(token: string): AccessCheck {
    const entry = this.access.get(token);
    if (!entry) return { ok: false, reason: 'unknown' };
    if (Date.now() >= entry.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, subject: entry.subject };
  }

  refresh(refreshToken: string, clientId: string): GrantResult {
    const entry = this.refreshTokens.get(refreshToken);
    if (!entry) return { ok: false, description: 'Invalid refresh token' };
    if (entry.state === 'revoked') return { ok: false, description: 'Refresh token has been revoked' };
    if (entry.state === 'rotated') return { ok: false, description: 'Refresh token has already been used' };
    if (entry.subject.clientId !== clientId) return { ok: false, description: 'Refresh token was issued to another client' };
    let next = refreshToken;
    if (this.options.rotateRefreshTokens) {
      entry.state = 'rotated';
      next = this.newRefreshToken(entry.subject);
    }
    return { ok: true, tokens: this.issue(entry.subject, next) };
  }

  /** A one-time code; `redirectUri` undefined means the exchange may name any redirect URI. */
  issueCode(subject: TokenSubject, redirectUri?: string): string {
    const code = randomToken(24);
    const ttl = this.options.codeTtlSeconds ?? 600;
    this.codes.set(code, { subject, redirectUri, expiresAt: Date.now() + ttl * 1000, used: false });
    return code;
  }

  exchangeCode(code: string, clientId: string, redirectUri: string | undefined): GrantResult {
    const entry = this.codes.get(code);
    if (!entry) return { ok: false, description: 'Invalid authorization code' };
    if (entry.used) return { ok: false, description: 'Authorization code has already been used' };
    if (Date.now() >= entry.expiresAt) return { ok: false, description: 'Authorization code has expired' };
    if (entry.subject.clientId !== clientId) return { ok: false, description: 'Authorization code was issued to another client' };
    if (entry.redirectUri !== undefined && entry.redirectUri !== redirectUri) {
      return { ok: false, description: 'redirect_uri does not match the one used to authorize' };
    }
    entry.used = true;
    return { ok: true, tokens: this.issue(entry.subject, this.newRefreshToken(entry.subject)) };
  }

  /** Every access token issued so far now fails verification as expired. */
  expireAccessTokens(): void {
    for (const entry of this.access.values()) entry.expiresAt = 0;
  }

  /** Every refresh token issued so far is refused; tokens issued later work. */
  revokeRefreshTokens(): void {
    for (const entry of this.refreshTokens.values()) {
      if (entry.state !== 'revoked') entry.before = entry.state;
      entry.state = 'revoked';
    }
  }

  /** Undoes revokeRefreshTokens: each revoked refresh token gets back the state it had (active or rotated). */
  restoreRefreshTokens(): void {
    for (const entry of this.refreshTokens.values()) {
      if (entry.state === 'revoked' && entry.before) entry.state = entry.before;
      entry.before = undefined;
    }
  }

  reset(): void {
    this.access.clear();
    this.refreshTokens.clear();
    this.codes.clear();
    for (const [token, subject] of this.seeded) this.refreshTokens.set(token, { subject, state: 'active' });
  }

  private issue(subject: TokenSubject, refreshToken: string): IssuedTokens {
    const accessToken = (this.options.accessPrefix ?? '') + randomToken(32);
    this.access.set(accessToken, { subject, expiresAt: Date.now() + this.options.ttlSeconds * 1000 });
    return { accessToken, expiresIn: this.options.ttlSeconds, refreshToken, scope: subject.scope };
  }

  private newRefreshToken(subject: TokenSubject): string {
    const token = randomToken(32);
    this.refreshTokens.set(token, { subject, state: 'active' });
    return token;
  }
}

export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * Client authentication from the form body or an HTTP Basic header (RFC 6749 §2.3.1; which one the
 * platform wants is unconfirmed, so both are accepted). Returns an error text when they disagree or are absent.
 */
export function readClientCredentials(form: URLSearchParams, authorization: string | undefined): ClientCredentials | { readonly error: string } {
  const basic = authorization ? /^Basic\s+(\S+)$/i.exec(authorization) : null;
  const formId = form.get('client_id') ?? undefined;
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { error: 'Malformed Basic authorization header' };
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    if (formId !== undefined && formId !== clientId) return { error: 'client_id differs between header and body' };
    return { clientId, clientSecret };
  }
  const clientSecret = form.get('client_secret') ?? undefined;
  if (formId === undefined || clientSecret === undefined) return { error: 'Client authentication is missing' };
  return { clientId: formId, clientSecret };
}

/** RFC 6749 §5.2 `{error, error_description}`, never cached (Snapchat and Criteo; Microsoft has its own AAD body). */
export function oauthError(status: number, error: string, description: string, headers: Record<string, string> = {}): Reply {
  return json(status, { error: hostileText(error), error_description: hostileText(description) }, { 'cache-control': 'no-store', ...headers });
}

/** True when the request body is x-www-form-urlencoded (what every token endpoint here takes). */
export function isFormBody(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
