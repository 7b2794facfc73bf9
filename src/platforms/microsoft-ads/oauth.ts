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
  return `${settings.authBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(settings.tenant || 'common')}/oauth2/v2.0/token`;
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
