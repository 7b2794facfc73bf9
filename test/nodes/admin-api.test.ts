import assert from 'node:assert/strict';
import { heldSecretCount } from '../../src/core/redact';
import { tokenStoreFor } from '../../src/nodes/connection-node';
import { MAX_PENDING_PER_USER, PendingSignIns, SIGN_IN_TTL_MS } from '../../src/nodes/sign-in';
import { CRITEO_SANDBOX, MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import {
  criteoCredentials,
  criteoFlow,
  helper,
  loadFlow,
  microsoftCredentials,
  microsoftFlow,
  profiles,
  snapchatCredentials,
  snapchatFlow,
  useSandboxRuntime,
} from './harness';

/**
 * The admin endpoints in the test helper's runtime (its needsPermission lets everything through:
 * permissions are tested in test/permissions.test.ts), talking to the sandbox over real HTTP.
 */
const REDIRECT_URI = 'http://127.0.0.1:1880/audience-export/auth/callback';

interface Credentials {
  get(id: string): Record<string, string | undefined> | undefined;
}
const credentialStore = (): Credentials => (helper as unknown as { credentials: Credentials }).credentials;

/** Everything the endpoints answered, for the no-secret check. */
const answered: string[] = [];

async function adminPost(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const response = await helper.request().post(path).send(body as object).set('Content-Type', 'application/json');
  answered.push(response.text);
  return { status: response.status, body: response.body as Record<string, unknown>, text: response.text };
}

async function adminGet(path: string): Promise<{ status: number; body: unknown; text: string }> {
  const response = await helper.request().get(path);
  answered.push(response.text);
  return { status: response.status, body: response.body as unknown, text: response.text };
}

/** The user's part: open the sandbox's consent page, press Allow, read the redirect's code and state. */
async function allow(authorizeUrl: string): Promise<{ code: string; state: string }> {
  const page = await fetch(authorizeUrl);
  assert.equal(page.status, 200, await page.clone().text());
  const html = await page.text();
  assert.match(html, /id="allow"/);
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  const form = new URLSearchParams({ decision: 'allow' });
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(match[1], match[2].replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
  const decision = await fetch(new URL(action, authorizeUrl), { method: 'POST', body: form, redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(decision.status, 302);
  const location = new URL(decision.headers.get('location') ?? '');
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
  return { code: location.searchParams.get('code') ?? '', state: location.searchParams.get('state') ?? '' };
}

describe('admin endpoints: sign-in, test connection, audiences, approvals', function () {
  let sandbox: Sandbox;
  /** A connection as its dialog posts it: type, scope, consent and the hosts as typed (the sandbox). */
  const dialog = (type: string, extra: Record<string, unknown> = {}) => ({ type, scope: 'administrators', consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, ...extra });
  /** Refresh tokens the sign-ins stored: no answer may hold one. */
  const issuedTokens: string[] = [];

  useSandboxRuntime({ recordBodies: true }, { set: (started) => (sandbox = started), get: () => sandbox });

  after(() => {
    // No answer ever carried a secret or a token.
    const secrets = [SNAPCHAT_SANDBOX.clientSecret, SNAPCHAT_SANDBOX.refreshToken, MICROSOFT_ADS_SANDBOX.clientSecret, MICROSOFT_ADS_SANDBOX.refreshToken, CRITEO_SANDBOX.clientSecret, CRITEO_SANDBOX.refreshToken, 'wrong-secret-123'];
    const all = answered.join('\n');
    for (const secret of [...secrets, ...issuedTokens]) assert.ok(!all.includes(secret), 'a response held a secret or a token');
    assert.ok(!/access_token|refresh_token/.test(all));
  });

  it('Snapchat: start → consent page → callback stores the refresh token, and the next export uses it', async () => {
    const { run } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials({ refreshToken: '' }));
    const unsigned = await run({ payload: profiles(5), segment: 'Before sign-in' });
    assert.equal(unsigned.error?.code, 'reauth_required', 'no refresh token yet');
    const start = await adminPost('/audience-export/auth/conn/start', { ...dialog('snapchat-connection'), clientId: SNAPCHAT_SANDBOX.clientId, redirectUri: REDIRECT_URI });
    assert.equal(start.status, 200, start.text);
    const url = new URL(String(start.body.authorizeUrl));
    assert.equal(`${url.origin}${url.pathname}`, `${sandbox.url}/login/oauth2/authorize`);
    assert.equal(url.searchParams.get('client_id'), SNAPCHAT_SANDBOX.clientId);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT_URI);
    assert.equal(url.searchParams.get('scope'), 'snapchat-marketing-api');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('state'), start.body.state);
    assert.ok(String(start.body.state).length >= 32);

    const { code, state } = await allow(url.toString());
    assert.equal(state, start.body.state);
    const callback = await adminGet(`/audience-export/auth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
    assert.equal(callback.status, 200);
    assert.match(callback.text, /Authenticated — you can close this window/);
    assert.match(callback.text, /postMessage\(\{"type":"audience-export-auth","connectionId":"conn","ok":true\}, location\.origin\)/);
    assert.ok(!callback.text.includes(code), 'the page does not echo the code');

    const stored = credentialStore().get('conn') ?? {};
    assert.ok(stored.refreshToken && stored.refreshToken !== SNAPCHAT_SANDBOX.refreshToken, 'a new refresh token is stored');
    assert.equal(stored.clientSecret, SNAPCHAT_SANDBOX.clientSecret, 'the stored secret is kept');
    issuedTokens.push(stored.refreshToken);

    // The state is used up.
    const replay = await adminGet(`/audience-export/auth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
    assert.equal(replay.status, 400);

    sandbox.recorder.clear();
    const summary = await run({ payload: profiles(5), segment: 'After sign-in' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    // The sandbox does not record token bodies; the connection had no other refresh token to use.
    const tokenCalls = sandbox.recorder.requests.filter((r) => r.path.startsWith('/login/oauth2/access_token'));
    assert.deepEqual(tokenCalls.map((r) => r.status), [200], 'the export refreshed once, with the new token');
  });

  it('a wrong or unknown state is refused with 400 and stores nothing', async () => {
    await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const before = JSON.stringify(credentialStore().get('conn'));
    const start = await adminPost('/audience-export/auth/conn/start', { ...dialog('snapchat-connection'), clientId: SNAPCHAT_SANDBOX.clientId, redirectUri: REDIRECT_URI });
    const { code } = await allow(String(start.body.authorizeUrl));
    const wrong = await adminGet(`/audience-export/auth/callback?code=${encodeURIComponent(code)}&state=not-the-state`);
    assert.equal(wrong.status, 400);
    assert.match(wrong.text, /"ok":false/);
    const pasted = await adminPost('/audience-export/auth/conn/code', { code, state: 'not-the-state' });
    assert.equal(pasted.status, 400);
    assert.equal((pasted.body.error as { code: string }).code, 'invalid_input');
    // The state of another connection does not work for this one either.
    const other = await adminPost('/audience-export/auth/other/code', { code, state: start.body.state });
    assert.equal(other.status, 400);
    assert.equal(JSON.stringify(credentialStore().get('conn')), before);
  });

  it('a sign-in expires after ten minutes and is used once', () => {
    let now = 0;
    const pending = new PendingSignIns(() => now);
    const signIn = { connectionId: 'c', user: 'alice', type: 't', scope: 'administrators' as const, settings: {}, hosts: [], clientId: 'id', clientSecret: 's', clientPosted: false, redirectUri: REDIRECT_URI };
    const state = pending.create(signIn);
    assert.equal(pending.take(state, 'bob'), undefined, 'another user cannot use it');
    now = SIGN_IN_TTL_MS + 1;
    assert.equal(pending.take(state), undefined, 'expired');
    now = 0;
    const second = pending.create(signIn);
    assert.ok(pending.take(second, 'alice'));
    assert.equal(pending.take(second, 'alice'), undefined, 'used once');
  });

  it('pending sign-ins are capped per user (one user cannot evict another\'s) and let go of their secrets when they end', () => {
    const pending = new PendingSignIns();
    const before = heldSecretCount();
    const signIn = (user: string, i: number) => ({ connectionId: 'c', user, type: 't', scope: 'administrators' as const, settings: {}, hosts: [], clientId: 'id', clientSecret: `secret-of-${user}-${i}`, clientPosted: true, redirectUri: REDIRECT_URI });
    const alice = pending.create(signIn('alice', 0));
    for (let i = 0; i < 1000; i++) pending.create(signIn('mallory', i));
    assert.equal(pending.size, 1 + MAX_PENDING_PER_USER);
    assert.ok(pending.peek(alice), 'alice\'s sign-in survives mallory\'s thousand');
    assert.equal(heldSecretCount(), before + 1 + MAX_PENDING_PER_USER, 'only the pending ones are held for masking');
    assert.ok(pending.take(alice, 'alice'));
    assert.equal(heldSecretCount(), before + MAX_PENDING_PER_USER);
  });

  it('keeps rotated refresh tokens in collision-free files (conn/1 and conn_1 once shared one)', () => {
    const RED = { settings: { audienceExportDir: '/tmp/ax' } } as unknown as Parameters<typeof tokenStoreFor>[0];
    const credentials = { clientSecret: 'secret-value', refreshToken: 'refresh-value' };
    const fileOf = (id: string) => (tokenStoreFor(RED, id, credentials, ['https://a.example']) as unknown as { document: { file: string } }).document.file;
    assert.notEqual(fileOf('conn/1'), fileOf('conn_1'));
    assert.equal(fileOf('conn/1'), fileOf('conn/1'));
    assert.ok(fileOf('../../etc/passwd').startsWith('/tmp/ax/tokens/'));
  });

  it('paste-the-code fallback: Microsoft, with the client id and secret posted, on a connection not yet deployed', async () => {
    await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    const start = await adminPost('/audience-export/auth/new-ms/start', {
      ...dialog('microsoft-ads-connection'),
      scope: 'contributors',
      clientId: MICROSOFT_ADS_SANDBOX.clientId,
      clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret,
      tenant: 'common',
      environment: 'sandbox',
      redirectUri: REDIRECT_URI,
    });
    assert.equal(start.status, 200, start.text);
    const url = new URL(String(start.body.authorizeUrl));
    assert.equal(url.pathname, '/common/oauth2/v2.0/authorize');
    assert.equal(url.searchParams.get('scope'), MICROSOFT_ADS_SANDBOX.sandboxScope);
    assert.equal(url.searchParams.get('client_id'), MICROSOFT_ADS_SANDBOX.clientId);
    const { code, state } = await allow(url.toString());
    const pasted = await adminPost('/audience-export/auth/new-ms/code', { code, state });
    assert.equal(pasted.status, 200, pasted.text);
    assert.deepEqual(pasted.body, { ok: true });
    const stored = credentialStore().get('new-ms') ?? {};
    assert.equal(stored.clientId, MICROSOFT_ADS_SANDBOX.clientId);
    assert.equal(stored.clientSecret, MICROSOFT_ADS_SANDBOX.clientSecret);
    assert.ok(stored.refreshToken);
    issuedTokens.push(stored.refreshToken);
  });

  it('Criteo: sign-in only for the authorization-code grant, on the consent page set apart from the token host', async () => {
    await loadFlow(criteoFlow(sandbox, {}, { grantType: 'authorization_code' }), criteoCredentials());
    // Criteo's guide names consent.criteo.com/request, its OpenAPI file api.criteo.com/oauth2: the sandbox plays both.
    for (const page of ['/request', '/oauth2']) {
      const start = await adminPost('/audience-export/auth/conn/start', { ...dialog('criteo-connection'), grantType: 'authorization_code', apiVersion: CRITEO_SANDBOX.apiVersion, authorizeUrl: `${sandbox.url}${page}`, redirectUri: REDIRECT_URI });
      assert.equal(start.status, 200, start.text);
      const url = new URL(String(start.body.authorizeUrl));
      assert.equal(url.pathname, page);
      assert.equal(url.searchParams.get('response_type'), 'code');
      assert.equal(url.searchParams.get('scope'), null);
      const { code, state } = await allow(url.toString());
      const callback = await adminGet(`/audience-export/auth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
      assert.equal(callback.status, 200, callback.text);
      const stored = credentialStore().get('conn') ?? {};
      assert.ok(stored.refreshToken && stored.refreshToken !== CRITEO_SANDBOX.refreshToken);
      issuedTokens.push(stored.refreshToken);
    }
    const defaults = await adminPost('/audience-export/auth/conn/start', { ...dialog('criteo-connection'), grantType: 'authorization_code', apiVersion: CRITEO_SANDBOX.apiVersion, redirectUri: REDIRECT_URI });
    assert.equal(new URL(String(defaults.body.authorizeUrl)).origin + new URL(String(defaults.body.authorizeUrl)).pathname, 'https://consent.criteo.com/request', 'the default is the page Criteo\'s guide names');

    const clientCredentials = await adminPost('/audience-export/auth/cc/start', { ...dialog('criteo-connection'), grantType: 'client_credentials', clientId: 'x', clientSecret: 'y', redirectUri: REDIRECT_URI });
    assert.equal(clientCredentials.status, 400);
  });

  it('test connection: who it is authenticated as, or the platform error without the secret', async () => {
    await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const ok = await adminPost('/audience-export/test/conn', {});
    assert.deepEqual(ok.body, { ok: true, identity: `Sandbox Marketer (organization ${SNAPCHAT_SANDBOX.organizationId})` });
    await helper.unload();

    await loadFlow(snapchatFlow(sandbox), snapchatCredentials({ clientSecret: 'wrong-secret-123' }));
    const refused = await adminPost('/audience-export/test/conn', {});
    assert.equal(refused.status, 200);
    assert.equal(refused.body.ok, false);
    assert.equal((refused.body.error as { code: string }).code, 'auth_failed');
    assert.match((refused.body.error as { message: string }).message, /Snapchat refused/);
    await helper.unload();

    await loadFlow(criteoFlow(sandbox), criteoCredentials());
    const criteo = await adminPost('/audience-export/test/conn', {});
    assert.deepEqual(criteo.body, { ok: true, identity: `${CRITEO_SANDBOX.application.name} (organization ${CRITEO_SANDBOX.application.organizationId})` });
    await helper.unload();

    await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    const microsoft = await adminPost('/audience-export/test/conn', {});
    assert.equal(microsoft.body.ok, true, microsoft.text);
    assert.match(String(microsoft.body.identity), /msads\.manage/);
  });

  it('audiences: the account\'s audiences for the picker', async () => {
    await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const created = sandbox.snapchat.createSegment({ adAccountId: SNAPCHAT_SANDBOX.adAccountId, name: 'VIP' });
    const picker = (id: string, connection: Record<string, unknown>, query: Record<string, unknown>) => adminPost(`/audience-export/audiences/${id}`, { connection, query });
    const list = await picker('conn', dialog('snapchat-connection'), { adAccountId: SNAPCHAT_SANDBOX.adAccountId });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body, [{ id: created.id, name: 'VIP' }]);
    const missing = await picker('conn', dialog('snapchat-connection'), {});
    assert.equal(missing.status, 400);
    const forbidden = await picker('conn', dialog('snapchat-connection'), { adAccountId: SNAPCHAT_SANDBOX.otherAdAccountId });
    assert.equal(forbidden.status, 502);
    assert.equal((forbidden.body as { error: { code: string } }).error.code, 'forbidden');
    const unknown = await picker('nope', dialog('snapchat-connection'), { adAccountId: SNAPCHAT_SANDBOX.adAccountId });
    assert.equal(unknown.status, 502, 'a connection with no secrets cannot list anything');
    await helper.unload();

    await loadFlow(criteoFlow(sandbox), criteoCredentials());
    const segment = sandbox.criteo.createSegment({ advertiserId: CRITEO_SANDBOX.advertiserId, name: 'Loyal' });
    const criteo = await picker('conn', dialog('criteo-connection', { grantType: 'client_credentials', apiVersion: CRITEO_SANDBOX.apiVersion }), { advertiserId: CRITEO_SANDBOX.advertiserId });
    assert.equal(criteo.status, 200, criteo.text);
    assert.deepEqual(criteo.body, [{ id: segment.id, name: 'Loyal' }]);
  });

  it('approvals: stored by fingerprint; a changed configuration is unapproved again', async () => {
    const flow = snapchatFlow(sandbox);
    await loadFlow(flow, snapchatCredentials());
    const exporter = flow.find((n) => n.id === 'exp') ?? { id: 'exp', type: '' };
    const before = await adminGet('/audience-export/approvals/exp');
    assert.deepEqual(before.body, { approved: false, required: false });
    const connectionConfig = flow.find((n) => n.id === 'conn');
    const approved = await adminPost('/audience-export/approvals/exp', { ...exporter, connectionConfig });
    assert.equal(approved.status, 200, approved.text);
    const after = await adminGet('/audience-export/approvals/exp');
    assert.deepEqual(after.body, { approved: true, required: false });
    const edited = await adminPost('/audience-export/approvals/exp', { ...exporter, mode: 'add', connectionConfig });
    assert.notEqual(edited.body.fingerprint, approved.body.fingerprint);
    assert.deepEqual((await adminGet('/audience-export/approvals/exp')).body, { approved: false, required: false });
    assert.deepEqual((await adminGet(`/audience-export/approvals/exp?fingerprint=${String(edited.body.fingerprint)}`)).body, { approved: true, required: false });
    const wrongNode = await adminPost('/audience-export/approvals/other', { ...exporter, connectionConfig });
    assert.equal(wrongNode.status, 400);
  });
});
