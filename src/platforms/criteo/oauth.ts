import { joinUrl } from '../../core/http';
import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { requestTokenGrant } from '../../core/oauth-token';
import type { TokenGrant } from '../../core/token-manager';

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
export function requestCriteoToken(http: AxiosInstance, settings: CriteoOAuthSettings, refreshToken: string | undefined): Promise<TokenGrant> {
  let grant: Record<string, string>;
  if (settings.grantType === 'client_credentials') grant = { grant_type: 'client_credentials' };
  else if (refreshToken) grant = { grant_type: 'refresh_token', refresh_token: refreshToken };
  else return Promise.reject(new ExportError('reauth_required', 'The Criteo connection uses the authorization-code grant but has no refresh token: authenticate the connection first'));

  return requestTokenGrant(http, 'Criteo', joinUrl(settings.authBaseUrl, '/oauth2/token'), { ...grant, client_id: settings.clientId, client_secret: settings.clientSecret });
}

/**
 * Criteo's consent page for the authorization-code grant (no scopes). It is its own setting: Criteo's
 * guide and its OpenAPI file name different pages, and neither is the token endpoint's host.
 */
export function criteoAuthorizeUrl(authorizeUrl: string, params: { clientId: string; redirectUri: string; state: string }): string {
  const url = new URL(authorizeUrl);
  for (const [name, value] of Object.entries({ response_type: 'code', client_id: params.clientId, redirect_uri: params.redirectUri, state: params.state })) url.searchParams.set(name, value);
  return url.toString();
}

/** Authorization-code grant, for the editor's sign-in. */
export function exchangeCriteoCode(http: AxiosInstance, settings: Pick<CriteoOAuthSettings, 'authBaseUrl' | 'clientId' | 'clientSecret'>, code: string, redirectUri: string): Promise<TokenGrant> {
  return requestTokenGrant(http, 'Criteo', joinUrl(settings.authBaseUrl, '/oauth2/token'), {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
  });
}
