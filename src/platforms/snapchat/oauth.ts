import { joinUrl } from '../../core/http';
import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { requestTokenGrant } from '../../core/oauth-token';
import type { TokenGrant } from '../../core/token-manager';

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

function requestToken(http: AxiosInstance, settings: SnapchatOAuthSettings, grant: Record<string, string>): Promise<TokenGrant> {
  const url = joinUrl(settings.authBaseUrl, SNAPCHAT_TOKEN_PATH);
  return requestTokenGrant(http, 'Snapchat', url, { ...grant, client_id: settings.clientId, client_secret: settings.clientSecret });
}


/** The consent page the user signs in on (response_type=code, the Marketing API scope). */
export function snapchatAuthorizeUrl(authBaseUrl: string, params: { clientId: string; redirectUri: string; state: string }): string {
  const query = new URLSearchParams({ client_id: params.clientId, redirect_uri: params.redirectUri, response_type: 'code', scope: SNAPCHAT_SCOPE, state: params.state });
  return joinUrl(authBaseUrl, `${SNAPCHAT_AUTHORIZE_PATH}?${query.toString()}`);
}
