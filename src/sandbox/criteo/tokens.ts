/**
 * Criteo's token rules on top of the shared TokenRegistry (reference §1):
 *  - client_credentials: an access token and `refresh_token: null`;
 *  - refresh_token: always answers with a *new* refresh token ("persist the new refresh_token from every
 *    token response"); the one used stays valid unless the rotateRefreshTokens option is on (whether
 *    Criteo invalidates it is an open question, §8.7).
 * The registry issues tokens only through a grant, so both are minted through a one-time code that never
 * leaves this module (the refresh token minted for client credentials is discarded). The shared file is
 * left as is on purpose; an `issue(subject, withRefresh)` there would make this simpler.
 */
import { TokenRegistry, type AccessCheck, type GrantResult, type IssuedTokens, type TokenSubject } from '../oauth';

export interface CriteoIssued {
  readonly accessToken: string;
  readonly expiresIn: number;
  readonly refreshToken: string | null;
}

export type CriteoGrant = { readonly ok: true; readonly tokens: CriteoIssued } | { readonly ok: false; readonly description: string };

export class CriteoTokens {
  private readonly registry: TokenRegistry;

  constructor(
    ttlSeconds: number,
    private readonly rotate: boolean,
  ) {
    this.registry = new TokenRegistry({ ttlSeconds, rotateRefreshTokens: rotate });
  }

  seedRefreshToken(token: string, subject: TokenSubject): void {
    this.registry.seedRefreshToken(token, subject);
  }

  clientCredentials(subject: TokenSubject): CriteoGrant {
    const minted = this.mint(subject);
    return minted.ok ? { ok: true, tokens: { accessToken: minted.tokens.accessToken, expiresIn: minted.tokens.expiresIn, refreshToken: null } } : minted;
  }

  exchangeCode(code: string, clientId: string, redirectUri: string | undefined): CriteoGrant {
    return plain(this.registry.exchangeCode(code, clientId, redirectUri));
  }

  refresh(refreshToken: string, clientId: string): CriteoGrant {
    const first = this.registry.refresh(refreshToken, clientId);
    if (!first.ok || this.rotate) return plain(first); // rotating: the registry already returned a new one
    const check = this.registry.verifyAccessToken(first.tokens.accessToken);
    if (!check.ok) return plain(first);
    return plain(this.mint(check.subject)); // the first access token is simply never handed out
  }

  issueCode(subject: TokenSubject, redirectUri?: string): string {
    return this.registry.issueCode(subject, redirectUri);
  }

  verifyAccessToken(token: string): AccessCheck {
    return this.registry.verifyAccessToken(token);
  }

  expireAccessTokens(): void {
    this.registry.expireAccessTokens();
  }

  revokeRefreshTokens(): void {
    this.registry.revokeRefreshTokens();
  }

  restoreRefreshTokens(): void {
    this.registry.restoreRefreshTokens();
  }

  reset(): void {
    this.registry.reset();
  }

  private mint(subject: TokenSubject): GrantResult {
    return this.registry.exchangeCode(this.registry.issueCode(subject), subject.clientId, undefined);
  }
}

function plain(result: GrantResult): CriteoGrant {
  if (!result.ok) return result;
  const t: IssuedTokens = result.tokens;
  return { ok: true, tokens: { accessToken: t.accessToken, expiresIn: t.expiresIn, refreshToken: t.refreshToken } };
}
