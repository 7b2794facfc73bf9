import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus, parseJson, retryAfterMs, send } from '../../core/http';
import { redact } from '../../core/redact';
import type { TokenGrant } from '../../core/token-manager';
import { TokenErrorSchema, TokenResponseSchema } from './schemas';

export const SNAPCHAT_TOKEN_PATH = '/login/oauth2/access_token';
export const SNAPCHAT_AUTHORIZE_PATH = '/login/oauth2/authorize';
export const SNAPCHAT_SCOPE = 'snapchat-marketing-api';

export interface SnapchatOAuthSettings {
  readonly authBaseUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Refresh-token grant (form body, as the Marketing API's own examples send it). */
export function refreshSnapchatToken(http: AxiosInstance, settings: SnapchatOAuthSettings, refreshToken: string | undefined): Promise<TokenGrant> {
  if (!refreshToken) {
    return Promise.reject(new ExportError('reauth_required', 'The Snapchat connection has no refresh token: authenticate the connection first'));
  }
  return requestToken(http, settings, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** Authorization-code grant, for the editor's sign-in. */
export function exchangeSnapchatCode(http: AxiosInstance, settings: SnapchatOAuthSettings, code: string, redirectUri: string): Promise<TokenGrant> {
  return requestToken(http, settings, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
}

async function requestToken(http: AxiosInstance, settings: SnapchatOAuthSettings, grant: Record<string, string>): Promise<TokenGrant> {
  const form = new URLSearchParams({ ...grant, client_id: settings.clientId, client_secret: settings.clientSecret });
  const response = await send(http, {
    method: 'POST',
    url: `${trimSlash(settings.authBaseUrl)}${SNAPCHAT_TOKEN_PATH}`,
    data: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  });
  const body = parseJson(response.data);
  if (response.status >= 200 && response.status < 300) {
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new ExportError('auth_failed', 'Snapchat answered the token request without a usable access token');
    return {
      accessToken: parsed.data.access_token,
      expiresInSeconds: parsed.data.expires_in,
      refreshToken: parsed.data.refresh_token,
      scope: parsed.data.scope,
    };
  }
  const error = TokenErrorSchema.safeParse(body);
  const reason = error.success ? redact(`${error.data.error}${error.data.error_description ? `: ${error.data.error_description}` : ''}`) : `HTTP ${response.status}`;
  if (error.success && error.data.error === 'invalid_grant') {
    throw new ExportError('reauth_required', `Snapchat refused the refresh token (${reason}): authenticate the connection again`, { httpStatus: response.status, platformCode: 'invalid_grant' });
  }
  if (response.status === 429 || response.status >= 500) {
    const code = errorCodeForStatus(response.status);
    throw new ExportError(code, `Snapchat's token endpoint is unavailable (${reason})`, { httpStatus: response.status, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  }
  throw new ExportError('auth_failed', `Snapchat refused the connection's client credentials (${reason})`, { httpStatus: response.status, platformCode: error.success ? error.data.error : undefined });
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
