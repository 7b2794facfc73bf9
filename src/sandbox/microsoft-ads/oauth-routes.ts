/**
 * Microsoft identity platform endpoints (reference §1): `/{tenant}/oauth2/v2.0/authorize` (a consent page
 * with an Allow button) and `/{tenant}/oauth2/v2.0/token` (authorization_code and refresh_token grants).
 * Errors use the AAD body: error, error_description ("AADSTS…: …"), error_codes, timestamp, trace_id,
 * correlation_id, error_uri. Microsoft returns a new refresh token on every refresh; the old one stays
 * valid unless the rotateRefreshTokens option is on.
 */
import { randomUUID } from 'node:crypto';
import { isFormBody, readClientCredentials, type GrantResult } from '../oauth';
import { hostileText } from '../hostile';
import { consentPage, errorPage, isHttpUrl, withParams } from '../authorize-page';
import { escapeHtml, json, redirect } from '../reply';
import type { FaultReplies, Handler, Reply, RequestContext, Router } from '../router';
import { FIXTURE_SUBJECT, type MsContext } from './context';
import { MICROSOFT_ADS_SANDBOX } from './fixtures';

const TOKEN_PATH = '/:tenant/oauth2/v2.0/token';
const AUTHORIZE_PATH = '/:tenant/oauth2/v2.0/authorize';

export function registerOAuthRoutes(router: Router, ms: MsContext): void {
  router.add({ method: 'POST', pattern: TOKEN_PATH, kind: 'auth', errors: AAD_FAULTS, handler: tokenEndpoint(ms) });
  router.add({ method: 'GET', pattern: AUTHORIZE_PATH, kind: 'auth', errors: AAD_FAULTS, handler: authorizePage });
  router.add({ method: 'POST', pattern: AUTHORIZE_PATH, kind: 'auth', errors: AAD_FAULTS, handler: consentDecision(ms) });
}

/** `common`, `organizations`, `consumers`, a tenant GUID or a verified domain; anything else is an unknown tenant. */
function isTenant(tenant: string): boolean {
  return (
    tenant === 'common' ||
    tenant === 'organizations' ||
    tenant === 'consumers' ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tenant) ||
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(tenant)
  );
}

export function aadError(status: number, error: string, aadsts: number, description: string, headers: Record<string, string> = {}): Reply {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return json(
    status,
    {
      error: hostileText(error),
      error_description: hostileText(`AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`),
      error_codes: [aadsts],
      timestamp: hostileText(timestamp),
      trace_id: hostileText(traceId),
      correlation_id: hostileText(correlationId),
      error_uri: hostileText(`https://login.microsoftonline.com/error?code=${aadsts}`),
    },
    { 'cache-control': 'no-store', 'x-ms-request-id': traceId, ...headers },
  );
}

/** Injected faults on the token endpoint look like AAD's own: 429/5xx JSON with temporarily_unavailable / server_error. */
const AAD_FAULTS: FaultReplies = {
  faultReply: (status, retryAfterSeconds) => {
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    if (status === 429) return aadError(429, 'temporarily_unavailable', 50196, 'The server temporarily blocked the request because of too many requests.', headers);
    if (status >= 500) return aadError(status, 'server_error', 90033, 'A transient error has occurred. Please try again.', headers);
    if (status === 401) return aadError(401, 'invalid_client', 7000215, 'Invalid client secret provided.', headers);
    return aadError(status, 'invalid_request', 90014, 'Injected fault.', headers);
  },
};

/** A requested scope is usable when it names msads.manage on the production, sandbox or legacy sandbox host. */
const MSADS_SCOPE = /^https:\/\/(?:ads|si\.ads|api\.ads)\.microsoft\.com\/msads\.manage$/;

function parseScope(scope: string | null): { resource: string[]; offline: boolean } {
  const parts = (scope ?? '').split(/\s+/).filter((s) => s.length > 0);
  return { resource: parts.filter((s) => MSADS_SCOPE.test(s)), offline: parts.includes('offline_access') };
}

function tokenEndpoint(ms: MsContext): Handler {
  return (ctx) => {
    ms.calls.token += 1;
    if (!isTenant(ctx.params.tenant)) {
      return aadError(400, 'invalid_request', 90002, `Tenant '${ctx.params.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    if (!isFormBody(ctx.headers['content-type'])) {
      return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const grantType = form.get('grant_type');
    if (!grantType) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");

    const creds = readClientCredentials(form, ctx.headers.authorization);
    if ('error' in creds) {
      const hasClientId = form.get('client_id') !== null || /^Basic\s/i.test(ctx.headers.authorization ?? '');
      if (!hasClientId) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
      return aadError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    if (creds.clientId !== MICROSOFT_ADS_SANDBOX.clientId) {
      // Real AAD answers an unknown application with 400 unauthorized_client, not 401.
      return aadError(400, 'unauthorized_client', 700016, `Application with identifier '${creds.clientId}' was not found in the directory '${ctx.params.tenant}'.`);
    }
    if (creds.clientSecret !== MICROSOFT_ADS_SANDBOX.clientSecret) {
      return aadError(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${creds.clientId}'.`);
    }

    const rawScope = form.get('scope');
    ms.observed.lastTokenScope = rawScope ?? undefined;
    if (rawScope === null || rawScope.trim() === '') {
      return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    }
    const scope = parseScope(rawScope);
    if (scope.resource.length === 0) {
      // ads.manage and bingads.manage are retired (reference §1, MFA): only msads.manage is accepted.
      return aadError(400, 'invalid_scope', 70011, "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.");
    }

    let result: GrantResult;
    let returnRefreshToken = true;
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token');
      if (!refreshToken) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.");
      result = refresh(ms, refreshToken, creds.clientId);
    } else if (grantType === 'authorization_code') {
      const code = form.get('code');
      if (!code) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.");
      const redirectUri = form.get('redirect_uri');
      if (!redirectUri) return aadError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'redirect_uri'.");
      result = ms.tokens.exchangeCode(code, creds.clientId, redirectUri);
      // No refresh token unless offline_access was consented (BingAds-dotNet-SDK #132; reference §1).
      if (result.ok) returnRefreshToken = parseScope(result.tokens.scope).offline;
    } else {
      return aadError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
    }
    if (!result.ok) return aadError(400, 'invalid_grant', 70000, `The provided value for the input parameter is not valid or has expired. ${result.description}.`);

    const t = result.tokens;
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: scope.resource.join(' '),
      expires_in: t.expiresIn,
      ext_expires_in: t.expiresIn,
      access_token: t.accessToken,
    };
    if (returnRefreshToken) body.refresh_token = t.refreshToken;
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache', 'x-ms-request-id': randomUUID() });
  };
}

/**
 * Microsoft rotates refresh tokens: every refresh answers a new one. With rotateRefreshTokens the registry
 * invalidates the one used; without it the old one must stay valid, which the shared registry has no call
 * for — so a fresh refresh token is minted through a one-time code for the same (fixture) subject.
 */
function refresh(ms: MsContext, refreshToken: string, clientId: string): GrantResult {
  const checked = ms.tokens.refresh(refreshToken, clientId);
  if (!checked.ok || ms.options.rotateRefreshTokens) return checked;
  const code = ms.tokens.issueCode(FIXTURE_SUBJECT);
  return ms.tokens.exchangeCode(code, clientId, undefined);
}

interface AuthorizeRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
  readonly scope: string | undefined;
}

/** A bad client or redirect URI is shown to the user (never redirected to); other problems go back as `error=`. */
function readAuthorize(tenant: string, params: URLSearchParams): AuthorizeRequest | { readonly page: string } {
  if (!isTenant(tenant)) return { page: `AADSTS90002: Tenant '${tenant}' not found.` };
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (!clientId) return { page: "AADSTS900144: The request body must contain the following parameter: 'client_id'." };
  if (clientId !== MICROSOFT_ADS_SANDBOX.clientId) return { page: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.` };
  if (!redirectUri) return { page: "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'." };
  if (!isHttpUrl(redirectUri)) return { page: 'AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.' };
  return { clientId, redirectUri, state: params.get('state') ?? undefined, scope: params.get('scope') ?? undefined };
}

function authorizePage(ctx: RequestContext): Reply {
  const request = readAuthorize(ctx.params.tenant, ctx.query);
  if ('page' in request) return msErrorPage(request.page);
  if (ctx.query.get('response_type') !== 'code') return redirectError(request, 'unsupported_response_type', 'AADSTS70005: response_type must be code.');
  if (parseScope(request.scope ?? null).resource.length === 0) return redirectError(request, 'invalid_scope', 'AADSTS70011: The provided value for the input parameter scope is not valid.');
  return consentPage({
    title: 'Microsoft sandbox — permissions requested',
    heading: `Sandbox — let ${request.clientId} access Microsoft Advertising?`,
    explanationHtml: `This is the local Microsoft Advertising sandbox. Accepting grants <code>${escapeHtml(request.scope ?? '')}</code> for the sandbox user.`,
    action: ctx.path,
    fields: { client_id: request.clientId, redirect_uri: request.redirectUri, state: request.state, scope: request.scope },
    allowLabel: 'Accept',
    denyLabel: 'Cancel',
  });
}

function consentDecision(ms: MsContext): Handler {
  return (ctx) => {
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const request = readAuthorize(ctx.params.tenant, form);
    if ('page' in request) return msErrorPage(request.page);
    if (form.get('decision') !== 'allow') return redirectError(request, 'access_denied', 'AADSTS65004: User declined to consent to access the app.');
    if (parseScope(request.scope ?? null).resource.length === 0) return redirectError(request, 'invalid_scope', 'AADSTS70011: The provided value for the input parameter scope is not valid.');
    const code = ms.tokens.issueCode({ ...FIXTURE_SUBJECT, scope: request.scope ?? '' }, request.redirectUri);
    return redirect(withParams(request.redirectUri, { code, state: request.state }));
  };
}

function redirectError(request: AuthorizeRequest, error: string, description: string): Reply {
  return redirect(withParams(request.redirectUri, { error: hostileText(error), error_description: hostileText(description), state: request.state }));
}

/** Microsoft's own wording for an authorize request it cannot redirect back. */
function msErrorPage(message: string): Reply {
  return errorPage(message, 'Sign in error', 'Sorry, but we’re having trouble signing you in.');
}


