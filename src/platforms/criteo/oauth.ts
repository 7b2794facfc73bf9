import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus, parseJson, retryAfterMs, send } from '../../core/http';
import { redact } from '../../core/redact';
import type { TokenGrant } from '../../core/token-manager';
import { TokenErrorSchema, TokenResponseSchema } from './schemas';

export type CriteoGrantType = 'client_credentials' | 'authorization_code';

export interface CriteoOAuthSettings {
  readonly authBaseUrl: string;
  readonly grantType: CriteoGrantType;
  readonly clientId: string;
  readonly clientSecret: string;
}

/**
 * A Criteo access token (15 minutes): client credentials, or the refresh grant for apps that were
 * authorised by an advertiser (authorization code). Criteo may return a new refresh token each time.
 */
export async function requestCriteoToken(http: AxiosInstance, settings: CriteoOAuthSettings, refreshToken: string | undefined): Promise<TokenGrant> {
  let grant: Record<string, string>;
  if (settings.grantType === 'client_credentials') grant = { grant_type: 'client_credentials' };
  else if (refreshToken) grant = { grant_type: 'refresh_token', refresh_token: refreshToken };
  else throw new ExportError('reauth_required', 'The Criteo connection uses the authorization-code grant but has no refresh token: authenticate the connection first');

  const form = new URLSearchParams({ ...grant, client_id: settings.clientId, client_secret: settings.clientSecret });
  const response = await send(http, {
    method: 'POST',
    url: `${settings.authBaseUrl.replace(/\/+$/, '')}/oauth2/token`,
    data: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  });
  const body = parseJson(response.data);
  if (response.status >= 200 && response.status < 300) {
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new ExportError('auth_failed', 'Criteo answered the token request without a usable access token');
    return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in, refreshToken: parsed.data.refresh_token ?? undefined, scope: parsed.data.scope };
  }
  const error = TokenErrorSchema.safeParse(body);
  const reason = error.success ? redact(`${error.data.error}${error.data.error_description ? `: ${error.data.error_description}` : ''}`) : `HTTP ${response.status}`;
  if (error.success && error.data.error === 'invalid_grant') {
    throw new ExportError('reauth_required', `Criteo refused the refresh token (${reason}): authenticate the connection again`, { httpStatus: response.status, platformCode: 'invalid_grant' });
  }
  if (response.status === 429 || response.status >= 500) {
    throw new ExportError(errorCodeForStatus(response.status), `Criteo's token endpoint is unavailable (${reason})`, { httpStatus: response.status, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  }
  throw new ExportError('auth_failed', `Criteo refused the connection's client credentials (${reason})`, { httpStatus: response.status, platformCode: error.success ? error.data.error : undefined });
}
