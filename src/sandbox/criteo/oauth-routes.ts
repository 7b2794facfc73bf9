/**
 * Criteo's OAuth endpoints (reference §1): the token endpoint (client_credentials, authorization_code,
 * refresh_token; form body, client credentials in the form or HTTP Basic) and a consent page for the
 * authorization-code flow. Token errors use RFC 6749's `{error, error_description}` (OAuthErrorModel);
 * the exact `error` strings are undocumented (§8.7).
 */
import { isFormBody, oauthError, readClientCredentials } from '../oauth';
import { hostileText } from '../hostile';
import { consentPage, errorPage, isHttpUrl, withParams } from '../authorize-page';
import { json, redirect } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import { FIXTURE_SUBJECT, type CriteoContext } from './context';
import { criteoFaults } from './envelope';
import type { CriteoGrant } from './tokens';
import { CRITEO_SANDBOX } from './fixtures';

export function registerOAuthRoutes(router: Router, criteo: CriteoContext, errors: ReturnType<typeof criteoFaults>): void {
  router.add({ method: 'POST', pattern: CRITEO_SANDBOX.paths.token, kind: 'auth', errors, handler: tokenEndpoint(criteo) });
  // One consent page at both places the sources name: /oauth2 (CR-OAS authorizationUrl) and /request
  // (CR-DOC consent-url-generation, consent.criteo.com/request). Each posts the decision back to itself.
  for (const path of [CRITEO_SANDBOX.paths.authorize, CRITEO_SANDBOX.paths.consent]) {
    router.add({ method: 'GET', pattern: path, kind: 'auth', errors, handler: authorizePage(path) });
    router.add({ method: 'POST', pattern: path, kind: 'auth', errors, handler: consentDecision(criteo) });
  }
}

function tokenEndpoint(criteo: CriteoContext): Handler {
  return (ctx) => {
    criteo.calls.token += 1;
    const form = isFormBody(ctx.headers['content-type']) ? new URLSearchParams(ctx.body.toString('utf8')) : undefined;
    const grantType = form?.get('grant_type') ?? null;
    if (grantType !== null) criteo.calls.tokenByGrant[grantType] = (criteo.calls.tokenByGrant[grantType] ?? 0) + 1;
    if (!form) return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');

    const authorization = ctx.headers.authorization;
    const creds = readClientCredentials(form, authorization);
    const challenge: Record<string, string> = authorization ? { 'www-authenticate': 'Basic realm="criteo-sandbox"' } : {};
    if ('error' in creds) return oauthError(401, 'invalid_client', creds.error, challenge);
    if (creds.clientId !== CRITEO_SANDBOX.clientId || creds.clientSecret !== CRITEO_SANDBOX.clientSecret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed', challenge);
    }

    let result: CriteoGrant;
    if (grantType === 'client_credentials') {
      result = criteo.tokens.clientCredentials(FIXTURE_SUBJECT);
    } else if (grantType === 'authorization_code') {
      const code = form.get('code');
      const redirectUri = form.get('redirect_uri');
      if (!code) return oauthError(400, 'invalid_request', 'code is required');
      if (!redirectUri) return oauthError(400, 'invalid_request', 'redirect_uri is required');
      result = criteo.tokens.exchangeCode(code, creds.clientId, redirectUri);
    } else if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is required');
      result = criteo.tokens.refresh(refreshToken, creds.clientId);
    } else if (grantType === null) {
      return oauthError(400, 'invalid_request', 'grant_type is required');
    } else {
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials, authorization_code or refresh_token');
    }
    if (!result.ok) return oauthError(400, 'invalid_grant', result.description);
    const t = result.tokens;
    return json(
      200,
      { access_token: t.accessToken, token_type: 'Bearer', expires_in: t.expiresIn, refresh_token: t.refreshToken },
      { 'cache-control': 'no-store' },
    );
  };
}

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
}

/** RFC 6749 §4.1.2.1: a bad client or redirect URI is shown to the user, other problems go back as `error=`. */
function readAuthorize(params: URLSearchParams): AuthorizeRequest | { readonly page: string } {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (!clientId) return { page: 'client_id is missing.' };
  if (clientId !== CRITEO_SANDBOX.clientId) return { page: 'Unknown client_id.' };
  if (!redirectUri) return { page: 'redirect_uri is missing.' };
  if (!isHttpUrl(redirectUri)) return { page: 'redirect_uri must be an absolute http(s) URL.' };
  return { clientId, redirectUri, state: params.get('state') ?? undefined };
}

/**
 * Criteo's authorization-code flow has no scopes (spec: `scopes: {}`), so none is asked for:
 * `?response_type=code&client_id&redirect_uri&state`.
 */
function authorizePage(action: string): Handler {
  return (ctx) => authorize(ctx, action);
}

function authorize(ctx: RequestContext, action: string): Reply {
  const request = readAuthorize(ctx.query);
  if ('page' in request) return errorPage(request.page);
  if (ctx.query.get('response_type') !== 'code') return redirectError(request, 'unsupported_response_type');
  return consentPage({
    title: 'Criteo sandbox — authorize',
    heading: `Sandbox — allow ${request.clientId} to access your Criteo advertisers?`,
    explanationHtml: `This is the local Criteo sandbox. Allowing gives the app the sandbox user's portfolio (advertiser ${CRITEO_SANDBOX.advertiserId}).`,
    action,
    fields: { client_id: request.clientId, redirect_uri: request.redirectUri, state: request.state },
  });
}

function consentDecision(criteo: CriteoContext): Handler {
  return (ctx) => {
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const request = readAuthorize(form);
    if ('page' in request) return errorPage(request.page);
    if (form.get('decision') !== 'allow') return redirectError(request, 'access_denied');
    const code = criteo.tokens.issueCode(FIXTURE_SUBJECT, request.redirectUri);
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  };
}

function redirectError(request: AuthorizeRequest, error: string): Reply {
  return redirect(withParams(request.redirectUri, { error: hostileText(error), state: request.state }));
}



