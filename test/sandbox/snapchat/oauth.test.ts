import should from 'should';
import { startSandbox, type Sandbox } from '../../../src/sandbox';
import { accessToken, http, obj, SNAP, tokenRequest, type ErrorEnvelope, type TokenBody } from '../helpers';

const refreshForm = (refreshToken: string = SNAP.refreshToken): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: SNAP.clientId,
  client_secret: SNAP.clientSecret,
});
const segmentsPath = `/v1/adaccounts/${SNAP.adAccountId}/segments`;

describe('sandbox: Snapchat OAuth', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ recordBodies: true });
  });
  after(() => sb.close());
  beforeEach(() => sb.reset());

  describe('token endpoint', () => {
    it('refresh_token grant returns a Bearer token that the API accepts, and keeps the refresh token when not rotating', async () => {
      const res = await tokenRequest(sb, refreshForm());
      res.status.should.equal(200);
      const body = res.json as TokenBody;
      body.token_type.should.equal('Bearer');
      body.expires_in.should.equal(1800);
      body.scope.should.equal('snapchat-marketing-api');
      body.refresh_token.should.equal(SNAP.refreshToken);
      body.access_token.should.startWith('0.');
      should(res.headers.get('cache-control')).equal('no-store');
      (await http(sb, 'GET', segmentsPath, { token: body.access_token })).status.should.equal(200);
      // Not rotating: the same refresh token works again.
      (await tokenRequest(sb, refreshForm())).status.should.equal(200);
      sb.snapchat.calls.token.should.equal(2);
    });

    it('accepts client credentials in an HTTP Basic header instead of the form', async () => {
      const basic = Buffer.from(`${SNAP.clientId}:${SNAP.clientSecret}`).toString('base64');
      const res = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: SNAP.refreshToken }, { authorization: `Basic ${basic}` });
      res.status.should.equal(200);
      const wrong = Buffer.from(`${SNAP.clientId}:nope`).toString('base64');
      const bad = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: SNAP.refreshToken }, { authorization: `Basic ${wrong}` });
      bad.status.should.equal(401);
      should(obj(bad.json).error).equal('invalid_client');
      should(bad.headers.get('www-authenticate')).startWith('Basic');
    });

    it('answers 401 invalid_client for a wrong secret, an unknown client or no credentials', async () => {
      const forms: Array<Record<string, string>> = [
        { ...refreshForm(), client_secret: 'wrong' },
        { ...refreshForm(), client_id: 'someone' },
        { grant_type: 'refresh_token', refresh_token: SNAP.refreshToken },
      ];
      for (const form of forms) {
        const res = await tokenRequest(sb, form);
        res.status.should.equal(401);
        should(obj(res.json).error).equal('invalid_client');
        should(obj(res.json).error_description).be.a.String();
      }
    });

    it('answers 400 invalid_grant for an unknown refresh token, with an error_description', async () => {
      const res = await tokenRequest(sb, refreshForm('not-a-token'));
      res.status.should.equal(400);
      obj(res.json).should.have.properties({ error: 'invalid_grant' });
      should(obj(res.json).error_description).be.a.String().and.not.empty();
    });

    it('refuses other grant types and non-form bodies', async () => {
      const grant = await tokenRequest(sb, { ...refreshForm(), grant_type: 'password' });
      grant.status.should.equal(400);
      should(obj(grant.json).error).equal('unsupported_grant_type');
      const jsonBody = await http(sb, 'POST', SNAP.paths.token, { body: refreshForm() });
      jsonBody.status.should.equal(400);
      should(obj(jsonBody.json).error).equal('invalid_request');
    });

    it('revokeRefreshTokens makes existing refresh tokens invalid_grant; reset restores the fixture', async () => {
      sb.snapchat.revokeRefreshTokens();
      const res = await tokenRequest(sb, refreshForm());
      res.status.should.equal(400);
      should(obj(res.json).error).equal('invalid_grant');
      sb.reset();
      (await tokenRequest(sb, refreshForm())).status.should.equal(200);
    });

    it('never records token-endpoint bodies (they carry secrets), even with recordBodies', async () => {
      await tokenRequest(sb, refreshForm());
      const entry = sb.recorder.requests.find((r) => r.path === SNAP.paths.token);
      should(entry).be.ok();
      should(entry?.body).be.undefined();
      entry?.bodyBytes.should.be.above(0);
    });
  });

  describe('refresh-token rotation', () => {
    let rotating: Sandbox;
    before(async () => {
      rotating = await startSandbox({ rotateRefreshTokens: true, tokenTtlSeconds: 3600 });
    });
    after(() => rotating.close());

    it('returns a new refresh token each refresh and invalidates the one used', async () => {
      const first = (await tokenRequest(rotating, refreshForm())).json as TokenBody;
      first.expires_in.should.equal(3600);
      first.refresh_token.should.not.equal(SNAP.refreshToken);
      const reused = await tokenRequest(rotating, refreshForm());
      reused.status.should.equal(400);
      should(obj(reused.json).error).equal('invalid_grant');
      const second = await tokenRequest(rotating, refreshForm(first.refresh_token));
      second.status.should.equal(200);
      (second.json as TokenBody).refresh_token.should.not.equal(first.refresh_token);
    });
  });

  describe('authorization code', () => {
    const redirectUri = 'http://127.0.0.1:1880/audience-export/snapchat/callback';

    it('consent page → Allow → redirect with code and state → one-time exchange', async () => {
      const query = new URLSearchParams({ client_id: SNAP.clientId, redirect_uri: redirectUri, response_type: 'code', scope: SNAP.scope, state: 'xyz 1' });
      const page = await http(sb, 'GET', `${SNAP.paths.authorize}?${query}`);
      page.status.should.equal(200);
      should(page.headers.get('content-type')).startWith('text/html');
      page.text.should.containEql('id="allow"');
      page.text.should.containEql(`allow ${SNAP.clientId} to manage ads?`);

      const form = new URLSearchParams({ client_id: SNAP.clientId, redirect_uri: redirectUri, state: 'xyz 1', scope: SNAP.scope, decision: 'allow' });
      const allow = await http(sb, 'POST', SNAP.paths.authorize, {
        rawBody: form.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      allow.status.should.equal(302);
      const location = new URL(allow.headers.get('location') ?? '');
      `${location.origin}${location.pathname}`.should.equal(redirectUri);
      should(location.searchParams.get('state')).equal('xyz 1');
      const code = location.searchParams.get('code') ?? '';
      code.should.not.be.empty();

      const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: SNAP.clientId, client_secret: SNAP.clientSecret };
      const wrongRedirect = await tokenRequest(sb, { ...exchange, redirect_uri: 'http://elsewhere.example/cb' });
      wrongRedirect.status.should.equal(400);
      should(obj(wrongRedirect.json).error).equal('invalid_grant');

      const ok = await tokenRequest(sb, exchange);
      ok.status.should.equal(200);
      const tokens = ok.json as TokenBody;
      tokens.refresh_token.should.not.equal(SNAP.refreshToken);
      (await http(sb, 'GET', segmentsPath, { token: tokens.access_token })).status.should.equal(200);
      (await accessToken(sb, tokens.refresh_token)).should.be.a.String();

      const reused = await tokenRequest(sb, exchange);
      reused.status.should.equal(400);
      should(obj(reused.json).error).equal('invalid_grant');
    });

    it('issueAuthorizationCode gives a code that any redirect_uri may exchange once', async () => {
      const code = sb.snapchat.issueAuthorizationCode();
      const form = { grant_type: 'authorization_code', code, redirect_uri: 'http://x.example/cb', client_id: SNAP.clientId, client_secret: SNAP.clientSecret };
      (await tokenRequest(sb, form)).status.should.equal(200);
      (await tokenRequest(sb, form)).status.should.equal(400);
    });

    it('Deny redirects with error=access_denied', async () => {
      const form = new URLSearchParams({ client_id: SNAP.clientId, redirect_uri: redirectUri, state: 's', scope: SNAP.scope, decision: 'deny' });
      const res = await http(sb, 'POST', SNAP.paths.authorize, { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      res.status.should.equal(302);
      const location = new URL(res.headers.get('location') ?? '');
      should(location.searchParams.get('error')).equal('access_denied');
      should(location.searchParams.get('code')).be.null();
    });

    it('shows an error page for a missing or unknown client or redirect_uri, and redirects other errors', async () => {
      const base = { client_id: SNAP.clientId, redirect_uri: redirectUri, response_type: 'code', scope: SNAP.scope, state: 'st' };
      const get = (params: Record<string, string>): Promise<Awaited<ReturnType<typeof http>>> =>
        http(sb, 'GET', `${SNAP.paths.authorize}?${new URLSearchParams(params)}`);
      const { client_id: _c, ...noClient } = base;
      const { redirect_uri: _r, ...noRedirect } = base;
      for (const params of [noClient, noRedirect, { ...base, client_id: 'unknown' }, { ...base, redirect_uri: 'not a url' }]) {
        const res = await get(params);
        res.status.should.equal(400);
        res.text.should.containEql('Authorization error');
      }
      const badType = await get({ ...base, response_type: 'token' });
      badType.status.should.equal(302);
      new URL(badType.headers.get('location') ?? '').searchParams.get('error')!.should.equal('unsupported_response_type');
      const { scope: _s, ...noScope } = base;
      const scope = await get(noScope);
      scope.status.should.equal(302);
      const location = new URL(scope.headers.get('location') ?? '');
      should(location.searchParams.get('error')).equal('invalid_scope');
      should(location.searchParams.get('state')).equal('st');
    });
  });

  describe('API authentication', () => {
    it('401 with the JSON envelope when the Bearer is missing or unknown', async () => {
      for (const token of [undefined, 'unknown-token']) {
        const res = await http(sb, 'GET', segmentsPath, { token });
        res.status.should.equal(401);
        const body = res.json as ErrorEnvelope;
        body.request_status.should.equal('ERROR');
        body.error_code.should.match(/^E\d{4}$/);
        body.debug_message.should.be.a.String();
      }
    });

    it('401 with a plain-text "unauthorized" body for an expired token', async () => {
      const token = await accessToken(sb);
      (await http(sb, 'GET', segmentsPath, { token })).status.should.equal(200);
      sb.snapchat.expireAccessTokens();
      const res = await http(sb, 'GET', segmentsPath, { token });
      res.status.should.equal(401);
      res.text.should.equal('unauthorized');
      should(res.json).be.undefined();
      // A fresh token works again.
      (await http(sb, 'GET', segmentsPath, { token: await accessToken(sb) })).status.should.equal(200);
    });

    it('access tokens expire after tokenTtlSeconds', async () => {
      const short = await startSandbox({ tokenTtlSeconds: 1 });
      try {
        const res = await tokenRequest(short, refreshForm());
        const body = res.json as TokenBody;
        body.expires_in.should.equal(1);
        (await http(short, 'GET', segmentsPath, { token: body.access_token })).status.should.equal(200);
        await new Promise((r) => setTimeout(r, 1100));
        const expired = await http(short, 'GET', segmentsPath, { token: body.access_token });
        expired.status.should.equal(401);
        expired.text.should.equal('unauthorized');
      } finally {
        await short.close();
      }
    });

    it('403 E3002 envelope for an ad account the token does not own', async () => {
      const token = await accessToken(sb);
      const res = await http(sb, 'GET', `/v1/adaccounts/${SNAP.otherAdAccountId}/segments`, { token });
      res.status.should.equal(403);
      const body = res.json as ErrorEnvelope;
      body.should.have.properties({
        request_status: 'ERROR',
        debug_message: 'Caller does not have permission',
        display_message: "We're sorry, but the requested resource is not available at this time",
        error_code: 'E3002',
      });
      body.request_id.should.be.a.String().and.not.empty();
      // Same for a segment that lives in that account.
      const foreign = sb.snapchat.createSegment({ adAccountId: SNAP.otherAdAccountId, name: 'theirs' });
      const users = await http(sb, 'POST', `/v1/segments/${foreign.id}/users`, { token, body: { users: [] } });
      users.status.should.equal(403);
      (users.json as ErrorEnvelope).error_code.should.equal('E3002');
      sb.snapchat.members(foreign.id).size.should.equal(0);
    });
  });
});
