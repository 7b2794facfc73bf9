/**
 * Meta's sign-in (reference §1): the login dialog `/{v}/dialog/oauth` (a consent page here) and
 * `/{v}/oauth/access_token`, which redeems a code for a short-lived user token and exchanges a user
 * token for a long-lived one (`grant_type=fb_exchange_token`). There is no refresh grant. Errors use
 * the Graph envelope, not RFC 6749's.
 */
import { randomBytes } from 'node:crypto';
import { consentPage, errorPage, isHttpUrl, withParams } from '../authorize-page';
import { hostileText } from '../hostile';
import { json, redirect } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import { issueUserToken, type MetaContext } from './context';
import { graphError, metaFaults } from './envelope';
import { META_SANDBOX } from './fixtures';
import { readParams } from './routes';

const CODE_TTL_MS = 10 * 60 * 1000;

export function registerOAuthRoutes(router: Router, meta: MetaContext): void {
  const errors = metaFaults();
  for (const version of META_SANDBOX.routedVersions) {
    router.add({ method: 'GET', pattern: `/${version}/dialog/oauth`, kind: 'auth', errors, handler: dialog });
    router.add({ method: 'POST', pattern: `/${version}/dialog/oauth`, kind: 'auth', errors, handler: decision(meta) });
    for (const method of ['GET', 'POST']) router.add({ method, pattern: `/${version}/oauth/access_token`, kind: 'auth', errors, handler: tokenEndpoint(meta) });
  }
}

/** A code for the fixture user, as the dialog's Allow makes one (also the control route's). */
export function issueCode(meta: MetaContext, redirectUri?: string): string {
  const code = `AQsandbox${randomBytes(16).toString('hex')}`;
  meta.codes.set(code, { redirectUri, expiresAt: Date.now() + CODE_TTL_MS });
  return code;
}

interface DialogRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string | undefined;
}

function readDialog(params: URLSearchParams): DialogRequest | { readonly page: string } {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  if (!clientId) return { page: 'client_id is missing.' };
  if (clientId !== META_SANDBOX.appId) return { page: 'Invalid App ID: the provided app ID does not look like a valid app ID.' };
  if (!redirectUri || !isHttpUrl(redirectUri)) return { page: 'redirect_uri must be an absolute http(s) URL.' };
  return { clientId, redirectUri, state: params.get('state') ?? undefined };
}

function dialog(ctx: RequestContext): Reply {
  const request = readDialog(ctx.query);
  if ('page' in request) return errorPage(request.page, 'Meta sandbox — login error', 'Login error');
  const scope = ctx.query.get('scope') ?? '';
  return consentPage({
    title: 'Meta sandbox — log in',
    heading: `Sandbox — allow app ${request.clientId} to manage your ads (${scope || 'no permissions asked'})?`,
    explanationHtml: `This is the local Meta sandbox. Allowing gives the app a token of the sandbox system user for ad account act_${META_SANDBOX.adAccountId}.`,
    action: ctx.path,
    fields: { client_id: request.clientId, redirect_uri: request.redirectUri, state: request.state },
    allowLabel: 'Continue',
    denyLabel: 'Cancel',
  });
}

function decision(meta: MetaContext): Handler {
  return (ctx) => {
    const form = new URLSearchParams(ctx.body.toString('utf8'));
    const request = readDialog(form);
    if ('page' in request) return errorPage(request.page, 'Meta sandbox — login error', 'Login error');
    if (form.get('decision') !== 'allow') {
      return redirect(withParams(request.redirectUri, { error: hostileText('access_denied'), error_reason: 'user_denied', state: request.state }));
    }
    return redirect(withParams(request.redirectUri, { code: issueCode(meta, request.redirectUri), state: request.state }));
  };
}

function tokenEndpoint(meta: MetaContext): Handler {
  return (ctx) => {
    meta.calls.token += 1;
    const params = readParams(ctx) ?? {};
    const text = (name: string): string | undefined => (typeof params[name] === 'string' ? params[name] : undefined);
    if (text('client_id') !== META_SANDBOX.appId) return graphError(400, { code: 101, message: 'Error validating application. Invalid application ID.' });
    if (text('client_secret') !== META_SANDBOX.appSecret) return graphError(400, { code: 1, message: 'Error validating client secret.' });
    if (text('grant_type') === 'fb_exchange_token') {
      const old = meta.tokens.get(text('fb_exchange_token') ?? '');
      const now = Math.floor(Date.now() / 1000);
      if (!old || old.invalid || (old.expiresAt > 0 && old.expiresAt <= now)) return graphError(400, { code: 190, subcode: 463, message: 'Error validating access token: Session has expired.' });
      const token = issueUserToken(meta, META_SANDBOX.longLivedSeconds);
      return json(200, { access_token: token, token_type: 'bearer', expires_in: META_SANDBOX.longLivedSeconds });
    }
    const code = text('code');
    const issued = code ? meta.codes.get(code) : undefined;
    if (!code || !issued || issued.expiresAt < Date.now()) return graphError(400, { code: 100, subcode: 36007, message: 'Invalid verification code format.', type: 'OAuthException' });
    if (issued.redirectUri !== undefined && issued.redirectUri !== text('redirect_uri')) {
      return graphError(400, { code: 100, subcode: 36008, message: 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request' });
    }
    meta.codes.delete(code);
    const token = issueUserToken(meta, META_SANDBOX.shortLivedSeconds);
    return json(200, { access_token: token, token_type: 'bearer', expires_in: META_SANDBOX.shortLivedSeconds });
  };
}
