import should from 'should';
import { MICROSOFT_ADS_SANDBOX, startSandbox, type Sandbox } from '../../../src/sandbox';
import { http, obj, type HttpResult } from '../helpers';

const MS = MICROSOFT_ADS_SANDBOX;
const REDIRECT = 'http://127.0.0.1:1880/callback';

function tokenRequest(sb: Sandbox, form: Record<string, string>, path: string = MS.paths.token): Promise<HttpResult> {
  return http(sb, 'POST', path, {
    rawBody: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

const refreshForm = (refreshToken: string = MS.refreshToken, scope: string = MS.scope): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: MS.clientId,
  client_secret: MS.clientSecret,
  scope,
});

interface MsTokenBody {
  token_type: string;
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
}

function apiHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, DeveloperToken: MS.developerToken, CustomerId: MS.customerId, CustomerAccountId: MS.accountId };
}

function queryAll(sb: Sandbox, token: string): Promise<HttpResult> {
  return http(sb, 'POST', `${MS.paths.api}/Audiences/QueryByIds`, {
    body: { AudienceIds: null, Type: 'CustomerList', ReturnAdditionalFields: null },
    headers: apiHeaders(token),
  });
}

function assertAadError(res: HttpResult, status: number, error: string, code: number): void {
  res.status.should.equal(status);
  const body = obj(res.json);
  body.should.have.properties({ error });
  (body.error_codes as number[]).should.eql([code]);
  String(body.error_description).should.startWith(`AADSTS${code}: `);
  String(body.trace_id).should.match(/^[0-9a-f-]{36}$/);
  String(body.correlation_id).should.match(/^[0-9a-f-]{36}$/);
  should(body.timestamp).be.a.String();
}

describe('sandbox: Microsoft Advertising OAuth', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox();
  });
  after(() => sb.close());
  beforeEach(() => sb.reset());

  it('refresh_token grant: Bearer token (1 h), scope, a NEW refresh token each time, the old one still valid', async () => {
    const res = await tokenRequest(sb, refreshForm());
    res.status.should.equal(200);
    const body = res.json as MsTokenBody;
    body.should.have.properties({ token_type: 'Bearer', scope: 'https://ads.microsoft.com/msads.manage', expires_in: 3600, ext_expires_in: 3600 });
    should(res.headers.get('cache-control')).equal('no-store');
    body.refresh_token!.should.be.a.String().and.not.equal(MS.refreshToken);
    (await queryAll(sb, body.access_token)).status.should.equal(200);
    // Not rotating: both the fixture and the new refresh token work.
    (await tokenRequest(sb, refreshForm())).status.should.equal(200);
    const again = await tokenRequest(sb, refreshForm(body.refresh_token));
    again.status.should.equal(200);
    (again.json as MsTokenBody).refresh_token!.should.not.equal(body.refresh_token);
    sb.microsoftAds.calls.token.should.equal(3);
  });

  it('accepts the sandbox scope (si.ads) and any tenant alias; refuses other scopes and a missing scope', async () => {
    const si = await tokenRequest(sb, refreshForm(MS.refreshToken, MS.sandboxScope), '/consumers/oauth2/v2.0/token');
    si.status.should.equal(200);
    (si.json as MsTokenBody).scope.should.equal('https://si.ads.microsoft.com/msads.manage');
    sb.microsoftAds.lastTokenScope!.should.equal(MS.sandboxScope);
    assertAadError(await tokenRequest(sb, refreshForm(MS.refreshToken, 'https://ads.microsoft.com/ads.manage offline_access')), 400, 'invalid_scope', 70011);
    const { scope: _scope, ...noScope } = refreshForm();
    assertAadError(await tokenRequest(sb, noScope), 400, 'invalid_request', 900144);
    assertAadError(await tokenRequest(sb, refreshForm(), '/not-a-tenant/oauth2/v2.0/token'), 400, 'invalid_request', 90002);
  });

  it('with rotateRefreshTokens the used refresh token is invalid_grant (AADSTS70000)', async () => {
    const rotating = await startSandbox({ rotateRefreshTokens: true });
    try {
      const first = await tokenRequest(rotating, refreshForm());
      first.status.should.equal(200);
      const next = (first.json as MsTokenBody).refresh_token!;
      next.should.not.equal(MS.refreshToken);
      assertAadError(await tokenRequest(rotating, refreshForm()), 400, 'invalid_grant', 70000);
      (await tokenRequest(rotating, refreshForm(next))).status.should.equal(200);
    } finally {
      await rotating.close();
    }
  });

  it('client errors: wrong secret 401 invalid_client, unknown app 400 unauthorized_client, bad grant type, unknown refresh token', async () => {
    assertAadError(await tokenRequest(sb, { ...refreshForm(), client_secret: 'nope' }), 401, 'invalid_client', 7000215);
    const { client_secret: _secret, ...noSecret } = refreshForm();
    assertAadError(await tokenRequest(sb, noSecret), 401, 'invalid_client', 7000218);
    assertAadError(await tokenRequest(sb, { ...refreshForm(), client_id: 'someone' }), 400, 'unauthorized_client', 700016);
    assertAadError(await tokenRequest(sb, { ...refreshForm(), grant_type: 'password' }), 400, 'unsupported_grant_type', 70003);
    assertAadError(await tokenRequest(sb, refreshForm('not-a-token')), 400, 'invalid_grant', 70000);
    const jsonBody = await http(sb, 'POST', MS.paths.token, { body: refreshForm() });
    assertAadError(jsonBody, 400, 'invalid_request', 900144);
  });

  it('revokeRefreshTokens makes every refresh token invalid_grant; reset restores the fixture', async () => {
    sb.microsoftAds.revokeRefreshTokens();
    assertAadError(await tokenRequest(sb, refreshForm()), 400, 'invalid_grant', 70000);
    sb.reset();
    should(sb.microsoftAds.lastTokenScope).be.undefined();
    (await tokenRequest(sb, refreshForm())).status.should.equal(200);
  });

  it('authorize page has an Allow button; Allow redirects with code + state; the code redeems once with its redirect_uri', async () => {
    const query = new URLSearchParams({ client_id: MS.clientId, response_type: 'code', redirect_uri: REDIRECT, scope: MS.scope, state: 'xyz', prompt: 'consent' });
    const page = await http(sb, 'GET', `${MS.paths.authorize}?${query}`);
    page.status.should.equal(200);
    page.text.should.containEql('id="allow"');
    page.text.should.containEql(`action="${MS.paths.authorize}"`);

    const form = new URLSearchParams({ client_id: MS.clientId, redirect_uri: REDIRECT, scope: MS.scope, state: 'xyz', decision: 'allow' });
    const allowed = await http(sb, 'POST', MS.paths.authorize, { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    allowed.status.should.equal(302);
    const location = new URL(allowed.headers.get('location')!);
    location.searchParams.get('state')!.should.equal('xyz');
    const code = location.searchParams.get('code')!;

    const exchange = { grant_type: 'authorization_code', code, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope };
    assertAadError(await tokenRequest(sb, exchange), 400, 'invalid_request', 900144); // redirect_uri is required
    const redeemed = await tokenRequest(sb, { ...exchange, redirect_uri: REDIRECT });
    redeemed.status.should.equal(200);
    const body = redeemed.json as MsTokenBody;
    body.refresh_token!.should.be.a.String();
    (await queryAll(sb, body.access_token)).status.should.equal(200);
    (await tokenRequest(sb, refreshForm(body.refresh_token))).status.should.equal(200);
    assertAadError(await tokenRequest(sb, { ...exchange, redirect_uri: REDIRECT }), 400, 'invalid_grant', 70000); // one use

    const denied = await http(sb, 'POST', MS.paths.authorize, {
      rawBody: new URLSearchParams({ client_id: MS.clientId, redirect_uri: REDIRECT, scope: MS.scope, decision: 'deny' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    new URL(denied.headers.get('location')!).searchParams.get('error')!.should.equal('access_denied');
    (await http(sb, 'GET', `${MS.paths.authorize}?client_id=someone&redirect_uri=${encodeURIComponent(REDIRECT)}`)).status.should.equal(400);
  });

  it('no refresh_token comes back when offline_access was not consented', async () => {
    const form = new URLSearchParams({ client_id: MS.clientId, redirect_uri: REDIRECT, scope: 'https://ads.microsoft.com/msads.manage', decision: 'allow' });
    const allowed = await http(sb, 'POST', MS.paths.authorize, { rawBody: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
    const res = await tokenRequest(sb, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: MS.clientId,
      client_secret: MS.clientSecret,
      scope: 'https://ads.microsoft.com/msads.manage',
    });
    res.status.should.equal(200);
    obj(res.json).should.not.have.property('refresh_token');
  });

  it('issueAuthorizationCode and the control route give codes for tests', async () => {
    const code = sb.microsoftAds.issueAuthorizationCode(REDIRECT);
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope };
    (await tokenRequest(sb, form)).status.should.equal(200);
    const viaControl = obj((await http(sb, 'POST', '/_sandbox/microsoft-ads/authorization-codes', { body: { redirect_uri: REDIRECT } })).json);
    (await tokenRequest(sb, { ...form, code: String(viaControl.code) })).status.should.equal(200);
  });
});
