import { joinUrl } from '../../core/http';
import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { requestTokenGrant } from '../../core/oauth-token';
import type { TokenGrant } from '../../core/token-manager';

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
  return joinUrl(settings.authBaseUrl, `/${encodeURIComponent(settings.tenant || 'common')}/oauth2/v2.0/token`);
}

/** Refresh-token grant at the Microsoft identity platform. Microsoft rotates refresh tokens: the new one is returned. */
export function refreshMicrosoftToken(http: AxiosInstance, settings: MicrosoftOAuthSettings, refreshToken: string | undefined): Promise<TokenGrant> {
  if (!refreshToken) return Promise.reject(new ExportError('reauth_required', 'The Microsoft Advertising connection has no refresh token: authenticate the connection first'));
  return requestTokenGrant(http, 'Microsoft', microsoftTokenUrl(settings), {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    scope: MICROSOFT_SCOPES[settings.environment],
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
}

/** The identity platform's consent page (scope per environment, with offline_access for a refresh token). */
export function microsoftAuthorizeUrl(settings: Pick<MicrosoftOAuthSettings, 'authBaseUrl' | 'tenant' | 'environment'>, params: { clientId: string; redirectUri: string; state: string }): string {
  const query = new URLSearchParams({ client_id: params.clientId, response_type: 'code', redirect_uri: params.redirectUri, response_mode: 'query', scope: MICROSOFT_SCOPES[settings.environment], state: params.state });
  return joinUrl(settings.authBaseUrl, `/${encodeURIComponent(settings.tenant || 'common')}/oauth2/v2.0/authorize?${query.toString()}`);
}

/** Authorization-code grant, for the editor's sign-in. */
export function exchangeMicrosoftCode(http: AxiosInstance, settings: MicrosoftOAuthSettings, code: string, redirectUri: string): Promise<TokenGrant> {
  return requestTokenGrant(http, 'Microsoft', microsoftTokenUrl(settings), {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    scope: MICROSOFT_SCOPES[settings.environment],
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
}
