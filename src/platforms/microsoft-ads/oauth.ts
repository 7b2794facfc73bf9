import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus, parseJson, retryAfterMs, send } from '../../core/http';
import { redact } from '../../core/redact';
import type { TokenGrant } from '../../core/token-manager';
import { TokenErrorSchema, TokenResponseSchema } from './schemas';

export type MicrosoftEnvironment = 'production' | 'sandbox';

export const MICROSOFT_SCOPES: Record<MicrosoftEnvironment, string> = {
  production: 'https://ads.microsoft.com/msads.manage offline_access',
  sandbox: 'https://si.ads.microsoft.com/msads.manage offline_access',
};

export interface MicrosoftOAuthSettings {
  readonly authBaseUrl: string;
  readonly tenant: string;
  readonly environment: MicrosoftEnvironment;
  readonly clientId: string;
  readonly clientSecret: string;
}

export function microsoftTokenUrl(settings: Pick<MicrosoftOAuthSettings, 'authBaseUrl' | 'tenant'>): string {
  return `${settings.authBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(settings.tenant || 'common')}/oauth2/v2.0/token`;
}

/** Refresh-token grant at the Microsoft identity platform. Microsoft rotates refresh tokens: the new one is returned. */
export async function refreshMicrosoftToken(http: AxiosInstance, settings: MicrosoftOAuthSettings, refreshToken: string | undefined): Promise<TokenGrant> {
  if (!refreshToken) throw new ExportError('reauth_required', 'The Microsoft Advertising connection has no refresh token: authenticate the connection first');
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: MICROSOFT_SCOPES[settings.environment],
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
  const response = await send(http, {
    method: 'POST',
    url: microsoftTokenUrl(settings),
    data: form.toString(),
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
  });
  const body = parseJson(response.data);
  if (response.status >= 200 && response.status < 300) {
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) throw new ExportError('auth_failed', 'Microsoft answered the token request without a usable access token');
    return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in, refreshToken: parsed.data.refresh_token, scope: parsed.data.scope };
  }
  const error = TokenErrorSchema.safeParse(body);
  // AADSTS descriptions are long and may echo ids: keep the first sentence, redacted.
  const reason = error.success ? redact(`${error.data.error}${error.data.error_description ? `: ${error.data.error_description.split(/\r?\n|\. /)[0]}` : ''}`) : `HTTP ${response.status}`;
  if (error.success && error.data.error === 'invalid_grant') {
    throw new ExportError('reauth_required', `Microsoft refused the refresh token (${reason}): authenticate the connection again`, { httpStatus: response.status, platformCode: 'invalid_grant' });
  }
  if (response.status === 429 || response.status >= 500) {
    throw new ExportError(errorCodeForStatus(response.status), `Microsoft's token endpoint is unavailable (${reason})`, { httpStatus: response.status, retryAfterMs: retryAfterMs(response.headers['retry-after']) });
  }
  throw new ExportError('auth_failed', `Microsoft refused the connection's client credentials (${reason})`, { httpStatus: response.status, platformCode: error.success ? error.data.error : undefined });
}
