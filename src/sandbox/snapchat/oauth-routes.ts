/**
 * Snapchat's OAuth endpoints (reference §1): the consent page with an Allow button, and the token
 * endpoint for authorization_code and refresh_token grants. Error bodies follow RFC 6749, which is
 * the reference's assumption.
 */
import { isFormBody, oauthError, readClientCredentials, type GrantResult } from '../oauth';
import { hostileText } from '../hostile';
import { consentPage, errorPage, isHttpUrl, withParams } from '../authorize-page';
import { escapeHtml, json, redirect } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import { FIXTURE_SUBJECT, type SnapContext } from './context';
import { SNAPCHAT_SANDBOX } from './fixtures';

export function registerOAuthRoutes(router: Router, snap: SnapContext): void {
  const errors = snap.envelope.faults;
  router.add({ method: 'POST', pattern: SNAPCHAT_SANDBOX.paths.token, kind: 'auth', errors, handler: tokenEndpoint(snap) });
  router.add({ method: 'GET', pattern: SNAPCHAT_SANDBOX.paths.authorize, kind: 'auth', errors, handler: authorizePage });
  router.add({ method: 'POST', pattern: SNAPCHAT_SANDBOX.paths.authorize, kind: 'auth', errors, handler: consentDecision(snap) });
}

function tokenEndpoint(snap: SnapContext): Handler {
  return (ctx) => {
    snap.calls.token += 1;
    if (!isFormBody(ctx.headers['content-type'])) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const authorization = ctx.headers.authorization;
    const creds = readClientCredentials(form, authorization);
    const challenge: Record<string, string> = authorization ? { 'www-authenticate': 'Basic realm="snapchat-sandbox"' } : {};
    if ('error' in creds) return oauthError(401, 'invalid_client', creds.error, challenge);
    if (creds.clientId !== SNAPCHAT_SANDBOX.clientId || creds.clientSecret !== SNAPCHAT_SANDBOX.clientSecret) {
      return oauthError(401, 'invalid_client', 'Client authentication failed', challenge);
    }

    let result: GrantResult;
    const grantType = form.get('grant_type');
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return oauthError(400, 'invalid_request', 'refresh_token is required');
      result = snap.tokens.refresh(refreshToken, creds.clientId);
    } else if (grantType === 'authorization_code') {
      const code = form.get('code');
      if (!code) return oauthError(400, 'invalid_request', 'code is required');
      result = snap.tokens.exchangeCode(code, creds.clientId, form.get('redirect_uri') ?? undefined);
    } else if (grantType === null) {
      return oauthError(400, 'invalid_request', 'grant_type is required');
    } else {
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    if (!result.ok) return oauthError(400, 'invalid_grant', result.description);
    const t = result.tokens;
    return json(
      200,
      { access_token: t.accessToken, token_type: 'Bearer', expires_in: t.expiresIn, refresh_token: t.refreshToken, scope: t.scope },
      { 'cache-control': 'no-store' },
    );
  };
}

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly scope: string | undefined;
}

/**
 * RFC 6749 §4.1.2.1: a bad client or redirect URI is shown to the user (never redirected to);
 * other problems go back to the client as `error=` on its redirect URI.
 */
function readAuthorize(params: URLSearchParams): AuthorizeRequest | { readonly page: string } {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (!clientId) return { page: 'client_id is missing.' };
  if (clientId !== SNAPCHAT_SANDBOX.clientId) return { page: 'Unknown client_id.' };
  if (!redirectUri) return { page: 'redirect_uri is missing.' };
  if (!isHttpUrl(redirectUri)) return { page: 'redirect_uri must be an absolute http(s) URL.' };
  return { clientId, redirectUri, state: params.get('state') ?? undefined, scope: params.get('scope') ?? undefined };
}

function authorizePage(ctx: RequestContext): Reply {
  const request = readAuthorize(ctx.query);
  if ('page' in request) return errorPage(request.page);
  if (ctx.query.get('response_type') !== 'code') return redirectError(request, 'unsupported_response_type');
  if (!hasMarketingScope(request.scope)) return redirectError(request, 'invalid_scope');
  return consentPage({
    title: 'Snapchat sandbox — authorize',
    heading: `Sandbox — allow ${request.clientId} to manage ads?`,
    explanationHtml: `This is the local Snapchat sandbox. Allowing grants scope <code>${escapeHtml(request.scope ?? '')}</code> for the sandbox user.`,
    action: SNAPCHAT_SANDBOX.paths.authorize,
    fields: { client_id: request.clientId, redirect_uri: request.redirectUri, state: request.state, scope: request.scope },
  });
}

function consentDecision(snap: SnapContext): Handler {
  return (ctx) => {
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const request = readAuthorize(form);
    if ('page' in request) return errorPage(request.page);
    if (form.get('decision') !== 'allow') return redirectError(request, 'access_denied');
    if (!hasMarketingScope(request.scope)) return redirectError(request, 'invalid_scope');
    const code = snap.tokens.issueCode(FIXTURE_SUBJECT, request.redirectUri);
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  };
}

function hasMarketingScope(scope: string | undefined): boolean {
  return (scope ?? '').split(/[\s,]+/).includes(SNAPCHAT_SANDBOX.scope);
}

function redirectError(request: AuthorizeRequest, error: string): Reply {
  return redirect(withParams(request.redirectUri, { error: hostileText(error), state: request.state }));
}



