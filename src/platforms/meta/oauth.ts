import type { AxiosInstance } from 'axios';
import { ExportError } from '../../core/errors';
import { joinUrl, parseJson, send } from '../../core/http';
import type { TokenGrant } from '../../core/token-manager';
import { graphError } from './errors';
import { TokenSchema } from './schemas';

/** The permissions an export needs (reference §1): manage the ad account's audiences, see the business's assets. */
export const META_SCOPES = ['ads_management', 'business_management'] as const;

export interface MetaOAuthSettings {
  readonly authBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
}

/** The login dialog: `{authBaseUrl}/{v}/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code`. */
export function metaAuthorizeUrl(settings: MetaOAuthSettings, params: { clientId: string; redirectUri: string; state: string }): string {
  const url = new URL(joinUrl(settings.authBaseUrl, `/${encodeURIComponent(settings.apiVersion)}/dialog/oauth`));
  const query = { client_id: params.clientId, redirect_uri: params.redirectUri, state: params.state, scope: META_SCOPES.join(','), response_type: 'code' };
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url.toString();
}

/**
 * The sign-in: the code for a short-lived user token, then that token for a long-lived one (~60 days,
 * `fb_exchange_token`). What is kept is the long-lived token; Meta has no refresh token.
 */
export async function exchangeMetaCode(http: AxiosInstance, settings: MetaOAuthSettings, client: { clientId: string; clientSecret: string }, code: string, redirectUri: string): Promise<TokenGrant> {
  const short = await tokenCall(http, settings, { client_id: client.clientId, client_secret: client.clientSecret, redirect_uri: redirectUri, code });
  const long = await tokenCall(http, settings, { grant_type: 'fb_exchange_token', client_id: client.clientId, client_secret: client.clientSecret, fb_exchange_token: short.accessToken });
  return long;
}

async function tokenCall(http: AxiosInstance, settings: MetaOAuthSettings, params: Record<string, string>): Promise<TokenGrant> {
  const url = joinUrl(settings.apiBaseUrl, `/${encodeURIComponent(settings.apiVersion)}/oauth/access_token`);
  // A POST with a form body keeps the secret and the code out of the URL (Graph accepts either).
  const response = await send(http, { method: 'POST', url, data: new URLSearchParams(params).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' } });
  const body = parseJson(response.data);
  if (response.status < 200 || response.status >= 300 || (typeof body === 'object' && body !== null && 'error' in body)) {
    const error = graphError(response, body, { apiVersion: settings.apiVersion });
    // A refused code or app secret: the sign-in failed, whatever class the code has.
    if (error.code === 'rejected' || error.code === 'forbidden' || error.code === 'reauth_required') throw new ExportError('auth_failed', `Meta refused the sign-in (${error.message})`, { httpStatus: error.httpStatus, platformCode: error.platformCode });
    throw error;
  }
  const parsed = TokenSchema.safeParse(body);
  if (!parsed.success) throw new ExportError('auth_failed', 'Meta answered the token request without a usable access token');
  return { accessToken: parsed.data.access_token, expiresInSeconds: parsed.data.expires_in ?? undefined };
}
