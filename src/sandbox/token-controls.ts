import type { TokenRegistry, TokenSubject } from './oauth';
import { json, parseJson } from './reply';
import type { Handler } from './router';

type Control = (method: string, pattern: string, handler: Handler) => void;

/**
 * The token controls every platform's `/_sandbox/<platform>/` offers: expire the access tokens,
 * revoke the refresh tokens, and issue an authorization code for `subject`. An optional JSON body
 * `{"redirect_uri": "…"}` binds the code to that redirect URI, as the consent page would.
 */
export function registerTokenControls(control: Control, tokens: Pick<TokenRegistry, 'expireAccessTokens' | 'revokeRefreshTokens' | 'issueCode'>, subject: TokenSubject): void {
  control('POST', '/expire-access-tokens', () => {
    tokens.expireAccessTokens();
    return json(200, { ok: true });
  });
  control('POST', '/revoke-refresh-tokens', () => {
    tokens.revokeRefreshTokens();
    return json(200, { ok: true });
  });
  control('POST', '/authorization-codes', (ctx) => {
    const body = ctx.body.length ? parseJson(ctx.body) : { ok: true as const, value: {} };
    const value = body.ok ? body.value : undefined;
    const redirectUri = typeof value === 'object' && value !== null && 'redirect_uri' in value ? value.redirect_uri : undefined;
    if (!body.ok || (redirectUri !== undefined && typeof redirectUri !== 'string')) return json(400, { error: 'expected {"redirect_uri"?: string}' });
    return json(200, { code: tokens.issueCode(subject, redirectUri) });
  });
}
