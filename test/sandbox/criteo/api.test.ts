/** The Criteo part of the sandbox over real HTTP (reference/criteo.md §1, §2, §4, §5, §7). */
import { createHash } from 'node:crypto';
import should from 'should';
import { CRITEO_SANDBOX, SNAPCHAT_SANDBOX, startSandbox, type Sandbox } from '../../../src/sandbox';
import { SlidingWindows } from '../../../src/sandbox/criteo/rate-limit';
import { resolveOptions } from '../../../src/sandbox/options';
import { http, obj, runCli, type HttpResult, useSandbox } from '../helpers';

const C = CRITEO_SANDBOX;
const API = `/${C.apiVersion}/marketing-solutions`;
const sha256 = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');
const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

interface CriteoTokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string | null;
}
interface Problem {
  traceId: string;
  type: string;
  code: string;
  instance: string;
  title: string;
  detail?: string;
}
interface ErrorsBody {
  errors: Problem[];
  warnings?: Problem[];
}
interface SegmentResource {
  id: string;
  type: string;
  attributes: { advertiserId: string; name: string; description: string | null; type: string; createdAt: string; updatedAt: string; contactList?: { isReadOnly: boolean } };
}
interface ListBody {
  data: SegmentResource[];
  meta?: { limit: number; offset: number; totalItems: number };
  errors: Problem[];
  warnings: Problem[];
}
interface AmendBody {
  data: {
    type: string;
    attributes: {
      contactListId: number;
      operation: string;
      requestDate: string;
      identifierType: string;
      nbValidIdentifiers: number;
      nbInvalidIdentifiers: number;
      sampleInvalidIdentifiers: string[];
    };
  };
  errors: Problem[];
  warnings: Problem[];
}

function tokenRequest(sb: Sandbox, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(sb, 'POST', C.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}
const clientCredentials = { grant_type: 'client_credentials', client_id: C.clientId, client_secret: C.clientSecret };
const refreshForm = (refreshToken: string = C.refreshToken): Record<string, string> => ({
  grant_type: 'refresh_token',
  refresh_token: refreshToken,
  client_id: C.clientId,
  client_secret: C.clientSecret,
});

async function accessToken(sb: Sandbox): Promise<string> {
  const res = await tokenRequest(sb, clientCredentials);
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return (res.json as CriteoTokenBody).access_token;
}

function problemOf(res: HttpResult): Problem {
  const body = res.json as ErrorsBody;
  body.errors.should.be.an.Array().and.have.length(1);
  const p = body.errors[0];
  p.traceId.should.match(/^[0-9a-f]{32}$/);
  return p;
}

const amendBody = (operation: 'add' | 'remove', identifiers: unknown[]): unknown => ({
  data: { type: 'ContactlistAmendment', attributes: { operation, identifierType: 'email', identifiers } },
});
const newSegment = (name: string, advertiserId: string = C.advertiserId, extra: Record<string, unknown> = {}): unknown => ({
  type: 'AudienceSegment',
  attributes: { advertiserId, name, description: `${name} (CDP)`, contactList: {}, ...extra },
});
const search = (sb: Sandbox, token: string, attributes: Record<string, unknown> = {}, query = ''): Promise<HttpResult> =>
  http(sb, 'POST', `${API}/audience-segments/search${query}`, { token, body: { data: { attributes } } });
const createSegments = (sb: Sandbox, token: string, items: unknown[]): Promise<HttpResult> =>
  http(sb, 'POST', `${API}/audience-segments/create`, { token, body: { data: items } });
const amend = (sb: Sandbox, token: string, id: string, body: unknown): Promise<HttpResult> =>
  http(sb, 'PATCH', `${API}/audience-segments/${id}/contact-list`, { token, body });

describe('sandbox: Criteo', () => {
  let sb: Sandbox;
  let token: string;
  useSandbox((sandbox, fresh) => ([sb, token] = [sandbox, fresh]), { rateLimit: false }, accessToken);

  /** The consent page's form, as the browser posts it. */
  const decide = (path: string, fields: Record<string, string>): Promise<HttpResult> =>
    http(sb, 'POST', path, { rawBody: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

  describe('OAuth', () => {
    it('client_credentials: Bearer, 900 s, refresh_token null; the API accepts it; counted by grant', async () => {
      const res = await tokenRequest(sb, clientCredentials);
      res.status.should.equal(200);
      const body = res.json as CriteoTokenBody;
      body.should.have.properties({ token_type: 'Bearer', expires_in: 900 });
      should(body.refresh_token).be.null();
      should(res.headers.get('cache-control')).equal('no-store');
      (await http(sb, 'GET', `${API}/me`, { token: body.access_token })).status.should.equal(200);
      sb.criteo.calls.token.should.equal(2); // beforeEach + this one
      sb.criteo.calls.tokenByGrant.should.eql({ client_credentials: 2 });
    });

    it('401 invalid_client for a wrong secret, an unknown client or no credentials; HTTP Basic works too', async () => {
      for (const form of [{ ...clientCredentials, client_secret: 'nope' }, { ...clientCredentials, client_id: 'x' }, { grant_type: 'client_credentials' }]) {
        const res = await tokenRequest(sb, form);
        res.status.should.equal(401);
        obj(res.json).should.have.properties({ error: 'invalid_client' });
        should(obj(res.json).error_description).be.a.String().and.not.empty();
      }
      const basic = Buffer.from(`${C.clientId}:${C.clientSecret}`).toString('base64');
      (await tokenRequest(sb, { grant_type: 'client_credentials' }, { authorization: `Basic ${basic}` })).status.should.equal(200);
    });

    it('refresh_token: answers with a new refresh token each time; the old one stays valid without rotation', async () => {
      const first = await tokenRequest(sb, refreshForm());
      first.status.should.equal(200);
      const a = first.json as CriteoTokenBody;
      a.expires_in.should.equal(900);
      a.refresh_token!.should.be.a.String().and.not.equal(C.refreshToken);
      (await http(sb, 'GET', `${API}/me`, { token: a.access_token })).status.should.equal(200);
      (await tokenRequest(sb, refreshForm())).status.should.equal(200);
      (await tokenRequest(sb, refreshForm(a.refresh_token!))).status.should.equal(200);
      const unknown = await tokenRequest(sb, refreshForm('not-a-token'));
      unknown.status.should.equal(400);
      obj(unknown.json).should.have.properties({ error: 'invalid_grant' });
      sb.criteo.revokeRefreshTokens();
      const revoked = await tokenRequest(sb, refreshForm(a.refresh_token!));
      revoked.status.should.equal(400);
      should(obj(revoked.json).error).equal('invalid_grant');
      sb.criteo.calls.tokenByGrant.should.eql({ client_credentials: 1, refresh_token: 5 });
      sb.reset();
      (await tokenRequest(sb, refreshForm())).status.should.equal(200);
    });

    it('rotateRefreshTokens invalidates the refresh token used; tokenTtlSeconds overrides the 900 s default', async () => {
      const rotating = await startSandbox({ rotateRefreshTokens: true, tokenTtlSeconds: 60 });
      try {
        const first = (await tokenRequest(rotating, refreshForm())).json as CriteoTokenBody;
        first.expires_in.should.equal(60);
        const reused = await tokenRequest(rotating, refreshForm());
        reused.status.should.equal(400);
        should(obj(reused.json).error).equal('invalid_grant');
        const second = await tokenRequest(rotating, refreshForm(first.refresh_token!));
        second.status.should.equal(200);
        (second.json as CriteoTokenBody).refresh_token!.should.not.equal(first.refresh_token);
      } finally {
        await rotating.close();
      }
      // The platforms keep their own defaults side by side.
      const snap = await http(sb, 'POST', SNAPCHAT_SANDBOX.paths.token, {
        rawBody: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: SNAPCHAT_SANDBOX.refreshToken, client_id: SNAPCHAT_SANDBOX.clientId, client_secret: SNAPCHAT_SANDBOX.clientSecret }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      obj(snap.json).expires_in!.should.equal(1800);
    });

    it('authorization code: consent page → Allow → code + state → one-time exchange bound to redirect_uri', async () => {
      const redirectUri = 'http://127.0.0.1:1880/audience-export/criteo/callback';
      const query = new URLSearchParams({ client_id: C.clientId, redirect_uri: redirectUri, response_type: 'code', state: 's 1' });
      const page = await http(sb, 'GET', `${C.paths.authorize}?${query}`);
      page.status.should.equal(200);
      page.text.should.containEql('id="allow"');
      const allow = await decide(C.paths.authorize, { client_id: C.clientId, redirect_uri: redirectUri, state: 's 1', decision: 'allow' });
      allow.status.should.equal(302);
      const location = new URL(allow.headers.get('location') ?? '');
      should(location.searchParams.get('state')).equal('s 1');
      const code = location.searchParams.get('code') ?? '';
      const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: C.clientId, client_secret: C.clientSecret };
      (await tokenRequest(sb, { ...exchange, redirect_uri: 'http://elsewhere.example/cb' })).status.should.equal(400);
      const { redirect_uri: _r, ...noRedirect } = exchange;
      should(obj((await tokenRequest(sb, noRedirect)).json).error).equal('invalid_request');
      const ok = await tokenRequest(sb, exchange);
      ok.status.should.equal(200);
      const tokens = ok.json as CriteoTokenBody;
      tokens.refresh_token!.should.be.a.String().and.not.empty();
      (await http(sb, 'GET', `${API}/me`, { token: tokens.access_token })).status.should.equal(200);
      (await tokenRequest(sb, refreshForm(tokens.refresh_token!))).status.should.equal(200);
      should(obj((await tokenRequest(sb, exchange)).json).error).equal('invalid_grant');

      const deny = await decide(C.paths.authorize, { client_id: C.clientId, redirect_uri: redirectUri, decision: 'deny' });
      should(new URL(deny.headers.get('location') ?? '').searchParams.get('error')).equal('access_denied');
      const issued = sb.criteo.issueAuthorizationCode();
      (await tokenRequest(sb, { ...exchange, code: issued, redirect_uri: 'http://any.example/cb' })).status.should.equal(200);
    });

    it("the consent page also answers at /request (Criteo's guide), with the same behaviour, posting back to /request", async () => {
      const redirectUri = 'http://127.0.0.1:1880/audience-export/criteo/callback';
      const query = new URLSearchParams({ response_type: 'code', client_id: C.clientId, redirect_uri: redirectUri, state: 'st-2' });
      const page = await http(sb, 'GET', `${C.paths.consent}?${query}`);
      page.status.should.equal(200);
      page.text.should.containEql('id="allow"');
      page.text.should.containEql(`action="${C.paths.consent}"`);
      (await http(sb, 'GET', `${C.paths.authorize}?${query}`)).text.should.containEql(`action="${C.paths.authorize}"`);
      const allow = await decide(C.paths.consent, { client_id: C.clientId, redirect_uri: redirectUri, state: 'st-2', decision: 'allow' });
      allow.status.should.equal(302);
      const location = new URL(allow.headers.get('location') ?? '');
      should(location.searchParams.get('state')).equal('st-2');
      const code = location.searchParams.get('code') ?? '';
      const exchange = await tokenRequest(sb, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: C.clientId, client_secret: C.clientSecret });
      exchange.status.should.equal(200);
      // Same refusals as /oauth2: an unknown client is an error page, a bad response_type goes back as error=.
      (await http(sb, 'GET', `${C.paths.consent}?${new URLSearchParams({ response_type: 'code', client_id: 'x', redirect_uri: redirectUri })}`)).status.should.equal(400);
      const token = await http(sb, 'GET', `${C.paths.consent}?${new URLSearchParams({ response_type: 'token', client_id: C.clientId, redirect_uri: redirectUri, state: 's' })}`);
      should(new URL(token.headers.get('location') ?? '').searchParams.get('error')).equal('unsupported_response_type');
      const deny = await decide(C.paths.consent, { client_id: C.clientId, redirect_uri: redirectUri, decision: 'deny' });
      should(new URL(deny.headers.get('location') ?? '').searchParams.get('error')).equal('access_denied');
    });

    it('refuses other grant types and non-form bodies', async () => {
      should(obj((await tokenRequest(sb, { ...clientCredentials, grant_type: 'password' })).json).error).equal('unsupported_grant_type');
      const jsonBody = await http(sb, 'POST', C.paths.token, { body: clientCredentials });
      jsonBody.status.should.equal(400);
      should(obj(jsonBody.json).error).equal('invalid_request');
    });
  });

  describe('API gate', () => {
    it('401 authorization-token-invalid without or with an unknown Bearer; authorization-token-expired once expired', async () => {
      for (const t of [undefined, 'nope']) {
        const res = await http(sb, 'GET', `${API}/me`, { token: t });
        res.status.should.equal(401);
        problemOf(res).should.have.properties({ type: 'authorization', code: 'authorization-token-invalid', instance: `${API}/me` });
      }
      sb.criteo.expireAccessTokens();
      const expired = await http(sb, 'GET', `${API}/me`, { token });
      expired.status.should.equal(401);
      problemOf(expired).should.have.properties({ type: 'authorization', code: 'authorization-token-expired' });
      problemOf(expired).title.should.be.a.String().and.not.empty();
      (await http(sb, 'GET', `${API}/me`, { token: await accessToken(sb) })).status.should.equal(200);
    });

    it('versions: supported ones answer, retired ones 410 version-decommissioned, unknown ones 404; setRetiredVersions replaces the list', async () => {
      for (const v of ['2026-01', '2026-07', '2027-01', 'preview']) (await http(sb, 'GET', `/${v}/marketing-solutions/me`, { token })).status.should.equal(200);
      for (const v of ['2025-01', '2025-04', '2025-07', '2025-10']) {
        const res = await http(sb, 'POST', `/${v}/marketing-solutions/audience-segments/search`, { token: undefined, body: {} });
        res.status.should.equal(410);
        problemOf(res).should.have.properties({ type: 'deprecation', code: 'version-decommissioned' });
      }
      const unknown = await http(sb, 'GET', '/2024-13/marketing-solutions/me', { token });
      unknown.status.should.equal(404);
      sb.criteo.setRetiredVersions(['2026-01']);
      (await http(sb, 'GET', '/2026-01/marketing-solutions/me', { token })).status.should.equal(410);
      (await http(sb, 'GET', '/2025-10/marketing-solutions/me', { token })).status.should.equal(404);
      sb.reset();
      (await http(sb, 'GET', '/2026-01/marketing-solutions/me', { token: await accessToken(sb) })).status.should.equal(200);
    });

    it("GET /me answers the spec's ApplicationSummaryModelResponse: data.type and data.attributes, no data.id", async () => {
      const res = await http(sb, 'GET', `${API}/me`, { token });
      res.status.should.equal(200);
      const body = obj(res.json);
      Object.keys(body).sort().should.eql(['data', 'errors', 'warnings']);
      const data = obj(body.data);
      Object.keys(data).sort().should.eql(['attributes', 'type']);
      data.type!.should.equal('Application');
      obj(data.attributes).should.eql({
        applicationId: 4242,
        criteoService: 'MarketingSolutions',
        description: C.application.description,
        name: C.application.name,
        organizationId: C.application.organizationId,
      });
      sb.criteo.calls.me.should.equal(1);
    });
  });

  describe('search', () => {
    it('pages with limit/offset and meta.totalItems across more than 100 segments, in creation order', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 130; i++) ids.push(sb.criteo.createSegment({ advertiserId: C.advertiserId, name: `seg ${i}` }).id);
      for (let i = 0; i < 5; i++) sb.criteo.createSegment({ advertiserId: C.otherAdvertiserId, name: `theirs ${i}` });

      const first = await search(sb, token);
      first.status.should.equal(200);
      const firstBody = first.json as ListBody;
      firstBody.data.should.have.length(50);
      firstBody.meta!.should.eql({ limit: 50, offset: 0, totalItems: 130 });
      firstBody.errors.should.eql([]);
      firstBody.warnings.should.eql([]);
      const seg = firstBody.data[0];
      seg.should.have.properties({ id: ids[0], type: 'AudienceSegment' });
      seg.attributes.should.have.properties({ advertiserId: C.advertiserId, name: 'seg 0', type: 'ContactList', contactList: { isReadOnly: false } });
      seg.attributes.createdAt.should.match(/^\d{4}-\d\d-\d\dT/);

      const seen: string[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = (await search(sb, token, {}, `?limit=100&offset=${offset}`)).json as ListBody;
        page.meta!.totalItems.should.equal(130);
        seen.push(...page.data.map((s) => s.id));
        if (page.data.length < 100) break;
      }
      seen.should.eql(ids);
      ((await search(sb, token, {}, '?limit=0')).json as ListBody).data.should.have.length(0);
      ((await search(sb, token, {}, '?offset=500')).json as ListBody).data.should.have.length(0);
      for (const q of ['?limit=101', '?limit=-1', '?limit=x', '?offset=-3']) {
        const bad = await search(sb, token, {}, q);
        bad.status.should.equal(400);
        problemOf(bad).type.should.equal('validation');
      }
      sb.criteo.calls.search.should.be.above(4);
    });

    it('filters by advertiser, segment ids and type (ANDed); a foreign advertiser is 403 access-control', async () => {
      const a = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'a' });
      const b = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'b', type: 'Retargeting' });
      const theirs = sb.criteo.createSegment({ advertiserId: C.otherAdvertiserId, name: 'theirs' });
      const ids = (res: HttpResult): string[] => (res.json as ListBody).data.map((s) => s.id);
      ids(await search(sb, token, { advertiserIds: [C.advertiserId] })).should.eql([a.id, b.id]);
      ids(await search(sb, token, { audienceSegmentTypes: ['ContactList'] })).should.eql([a.id]);
      ids(await search(sb, token, { audienceSegmentIds: [b.id, theirs.id] })).should.eql([b.id]);
      ids(await search(sb, token, { audienceSegmentIds: [a.id], audienceSegmentTypes: ['Retargeting'] })).should.eql([]);
      const foreign = await search(sb, token, { advertiserIds: [C.advertiserId, C.otherAdvertiserId] });
      foreign.status.should.equal(403);
      problemOf(foreign).type.should.equal('access-control');
      (foreign.json as ErrorsBody).warnings!.should.eql([]);
    });

    it('400 invalid-request-body without {data:{attributes}} or with a non-array filter', async () => {
      for (const body of [{}, { advertiserIds: [C.advertiserId] }, { data: { attributes: { advertiserIds: C.advertiserId } } }]) {
        const res = await http(sb, 'POST', `${API}/audience-segments/search`, { token, body });
        res.status.should.equal(400);
        problemOf(res).code.should.equal('invalid-request-body');
      }
    });
  });

  describe('create', () => {
    it('creates contact-list segments and answers the created entities', async () => {
      const res = await createSegments(sb, token, [newSegment('Loyal'), newSegment('Lapsed')]);
      res.status.should.equal(200);
      const body = res.json as ListBody;
      body.data.map((s) => s.attributes.name).should.eql(['Loyal', 'Lapsed']);
      body.data[0].should.have.properties({ type: 'AudienceSegment' });
      body.data[0].id.should.match(/^\d+$/);
      body.data[0].attributes.should.have.properties({ advertiserId: C.advertiserId, description: 'Loyal (CDP)', type: 'ContactList', contactList: { isReadOnly: false } });
      body.errors.should.eql([]);
      sb.criteo.segments(C.advertiserId).map((s) => s.name).should.eql(['Loyal', 'Lapsed']);
      sb.criteo.calls.create.should.equal(1);
    });

    it("duplicate name, mode '400': 400 name-must-be-unique; with another item, partial success is 200 + errors", async () => {
      sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'Taken' });
      const dup = await createSegments(sb, token, [newSegment('Taken')]);
      dup.status.should.equal(400);
      problemOf(dup).should.have.properties({
        type: 'validation',
        code: 'name-must-be-unique',
        title: 'Segment name must be unique',
        detail: 'Another Segment exists with the name: Taken',
      });
      const partial = await createSegments(sb, token, [newSegment('Taken'), newSegment('Fresh')]);
      partial.status.should.equal(200);
      const body = partial.json as ListBody;
      body.data.map((s) => s.attributes.name).should.eql(['Fresh']);
      body.errors.map((e) => e.code).should.eql(['name-must-be-unique']);
      // Unique per advertiser only; names are case-sensitive.
      sb.criteo.createSegment({ advertiserId: C.otherAdvertiserId, name: 'Elsewhere' });
      (await createSegments(sb, token, [newSegment('Elsewhere'), newSegment('taken')])).status.should.equal(200);
    });

    it("duplicate name, mode '200-warning': 200, no data item, the problem in warnings", async () => {
      sb.criteo.setDuplicateNameMode('200-warning');
      sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'Taken' });
      const res = await createSegments(sb, token, [newSegment('Taken')]);
      res.status.should.equal(200);
      const body = res.json as ListBody;
      body.data.should.eql([]);
      body.errors.should.eql([]);
      body.warnings.should.have.length(1);
      body.warnings[0].should.have.properties({ type: 'validation', code: 'name-must-be-unique', detail: 'Another Segment exists with the name: Taken' });
    });

    it('injectDuplicateNameRace: the next create of that name loses to "someone else", whose segment search then finds', async () => {
      for (const mode of ['400', '200-warning'] as const) {
        sb.reset();
        token = await accessToken(sb);
        sb.criteo.setDuplicateNameMode(mode);
        sb.criteo.injectDuplicateNameRace('Racy');
        const res = await createSegments(sb, token, [newSegment('Racy')]);
        res.status.should.equal(mode === '400' ? 400 : 200);
        const problems = mode === '400' ? (res.json as ErrorsBody).errors : (res.json as ListBody).warnings;
        problems.map((p) => p.code).should.eql(['name-must-be-unique']);
        const found = (await search(sb, token, { advertiserIds: [C.advertiserId] })).json as ListBody;
        found.data.map((s) => s.attributes.name).should.eql(['Racy']);
        // One-shot: another name is unaffected, and the race does not repeat.
        (await createSegments(sb, token, [newSegment('Calm')])).status.should.equal(200);
        sb.criteo.segments().should.have.length(2);
      }
    });

    it('403 for an advertiser outside the portfolio; item errors for an empty name or a missing contactList; 400 for a malformed body', async () => {
      const foreign = await createSegments(sb, token, [newSegment('x', C.otherAdvertiserId)]);
      foreign.status.should.equal(403);
      problemOf(foreign).type.should.equal('access-control');
      const items = await createSegments(sb, token, [newSegment('  '), { attributes: { advertiserId: C.advertiserId, name: 'no config' } }]);
      items.status.should.equal(400);
      (items.json as ErrorsBody).errors.map((e) => e.code).should.eql(['name-must-not-be-empty', 'segment-configuration-invalid']);
      for (const data of [[], [{ attributes: { name: 'no advertiser', contactList: {} } }], [{ type: 'Audience', attributes: {} }]]) {
        const res = await http(sb, 'POST', `${API}/audience-segments/create`, { token, body: { data } });
        res.status.should.equal(400);
        problemOf(res).code.should.equal('invalid-request-body');
      }
      sb.criteo.segments().should.have.length(0);
    });
  });

  describe('contact list', () => {
    let segmentId: string;
    beforeEach(() => {
      segmentId = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'list' }).id;
    });

    it('add: counts valid (email, 32/64-hex) and invalid identifiers, samples at most 5 invalid ones, applies only the valid', async () => {
      const hashed = sha256('hashed@example.com').toUpperCase();
      const invalid = ['not-an-email', 'a@b', 'abc123', '', 'x'.repeat(64), 'two words@x.com', sha256('z').slice(1)];
      const res = await amend(sb, token, segmentId, amendBody('add', ['  John.Doe@Gmail.com ', hashed, md5('m@example.com'), ...invalid, 42]));
      res.status.should.equal(200);
      const body = res.json as AmendBody;
      body.data.type.should.equal('ContactlistAmendment');
      body.data.attributes.should.have.properties({
        contactListId: Number(segmentId),
        operation: 'add',
        identifierType: 'email',
        nbValidIdentifiers: 3,
        nbInvalidIdentifiers: 8,
      });
      body.data.attributes.sampleInvalidIdentifiers.should.eql(invalid.slice(0, 5));
      body.data.attributes.requestDate.should.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$/);
      body.errors.should.eql([]);
      // Criteo hashes plain emails on arrival: sha256(lowercase(trim)) — the reference's test vector.
      [...sb.criteo.members(segmentId)].sort().should.eql(
        ['375320dd9ae7ed408002f3768e16cb5f28c861062fd50dff9a3bff62e9dce4ef', hashed.toLowerCase(), md5('m@example.com')].sort(),
      );
      sb.criteo.calls.patchAdd.should.equal(1);
    });

    it('a member added in plain is removed by its SHA-256; removing absent members is a no-op', async () => {
      await amend(sb, token, segmentId, amendBody('add', ['Ann@Example.com', 'bob@example.com']));
      const res = await amend(sb, token, segmentId, amendBody('remove', [sha256('ann@example.com'), sha256('nobody@example.com')]));
      res.status.should.equal(200);
      (res.json as AmendBody).data.attributes.should.have.properties({ operation: 'remove', nbValidIdentifiers: 2, nbInvalidIdentifiers: 0 });
      [...sb.criteo.members(segmentId)].should.eql([sha256('bob@example.com')]);
      await amend(sb, token, segmentId, amendBody('remove', [' BOB@example.com']));
      sb.criteo.members(segmentId).size.should.equal(0);
      sb.criteo.calls.should.have.properties({ patchAdd: 1, patchRemove: 2 });
    });

    it('50,000 identifiers pass; 50,001 answer 400 too-many-identifiers and change nothing', async () => {
      const hashes = Array.from({ length: 50_001 }, (_, i) => i.toString(16).padStart(64, '0'));
      const over = await amend(sb, token, segmentId, amendBody('add', hashes));
      over.status.should.equal(400);
      problemOf(over).should.have.properties({ type: 'validation', code: 'too-many-identifiers' });
      sb.criteo.members(segmentId).size.should.equal(0);
      const max = await amend(sb, token, segmentId, amendBody('add', hashes.slice(0, 50_000)));
      max.status.should.equal(200);
      sb.criteo.members(segmentId).size.should.equal(50_000);
    });

    it('404 audience-invalid for an unknown segment, 403 outside the portfolio, 400 for a non-ContactList segment', async () => {
      const unknown = await amend(sb, token, '314159', amendBody('add', ['a@example.com']));
      unknown.status.should.equal(404);
      problemOf(unknown).should.have.properties({
        type: 'validation',
        code: 'audience-invalid',
        instance: '/audience/314159',
        title: 'Audience is invalid',
        detail: 'Audience is not found, please choose a valid audience',
      });
      const theirs = sb.criteo.createSegment({ advertiserId: C.otherAdvertiserId, name: 'theirs' });
      const foreign = await amend(sb, token, theirs.id, amendBody('add', ['a@example.com']));
      foreign.status.should.equal(403);
      problemOf(foreign).type.should.equal('access-control');
      const retargeting = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'rt', type: 'Retargeting' });
      const wrongType = await amend(sb, token, retargeting.id, amendBody('add', ['a@example.com']));
      wrongType.status.should.equal(400);
      problemOf(wrongType).code.should.equal('segment-not-contact-list');
      for (const path of [`/audience-segments/314159/contact-list/statistics`]) (await http(sb, 'GET', API + path, { token })).status.should.equal(404);
      (await http(sb, 'DELETE', `${API}/audience-segments/314159/contact-list`, { token })).status.should.equal(404);
      sb.criteo.members(theirs.id).size.should.equal(0);
    });

    it('identifierType is optional (the spec): absent or null is read as email', async () => {
      for (const attributes of [{ operation: 'add', identifiers: ['Ann@Example.com'] }, { operation: 'add', identifierType: null, identifiers: [sha256('bob@example.com')] }]) {
        const res = await amend(sb, token, segmentId, { data: { type: 'ContactlistAmendment', attributes } });
        res.status.should.equal(200);
        (res.json as AmendBody).data.attributes.should.have.properties({ identifierType: 'email', nbValidIdentifiers: 1, nbInvalidIdentifiers: 0 });
      }
      [...sb.criteo.members(segmentId)].sort().should.eql([sha256('ann@example.com'), sha256('bob@example.com')].sort());
    });

    it('400 for a malformed amendment: wrong data.type, operation or identifierType, identifiers not an array', async () => {
      const attrs = { operation: 'add', identifierType: 'email', identifiers: ['a@example.com'] };
      const bodies = [
        { data: { type: 'Amendment', attributes: attrs } },
        { data: { type: 'ContactlistAmendment', attributes: { ...attrs, operation: 'replace' } } },
        { data: { type: 'ContactlistAmendment', attributes: { ...attrs, identifierType: 'madid' } } },
        { data: { type: 'ContactlistAmendment', attributes: { ...attrs, identifiers: 'a@example.com' } } },
        { identifiers: ['a@example.com'] },
      ];
      for (const body of bodies) {
        const res = await amend(sb, token, segmentId, body);
        res.status.should.equal(400);
        problemOf(res).type.should.equal('validation');
      }
      sb.criteo.members(segmentId).size.should.equal(0);
    });

    it('DELETE wipes the list; statistics report identifiers and a deterministic 60 % (floor) of matches', async () => {
      const emails = Array.from({ length: 11 }, (_, i) => `user${i}@example.com`);
      await amend(sb, token, segmentId, amendBody('add', emails));
      const stats = await http(sb, 'GET', `${API}/audience-segments/${segmentId}/contact-list/statistics`, { token });
      stats.status.should.equal(200);
      obj(stats.json).data!.should.eql({ id: segmentId, type: 'ContactlistStatistics', attributes: { numberOfIdentifiers: 11, numberOfMatches: 6, matchRate: 6 / 11 } });
      const wipe = await http(sb, 'DELETE', `${API}/audience-segments/${segmentId}/contact-list`, { token });
      wipe.status.should.equal(200);
      obj(wipe.json).should.eql({ data: { id: segmentId, type: 'AudienceContactlist' }, errors: [], warnings: [] });
      sb.criteo.members(segmentId).size.should.equal(0);
      const empty = await http(sb, 'GET', `${API}/audience-segments/${segmentId}/contact-list/statistics`, { token });
      obj(obj(empty.json).data).attributes!.should.eql({ numberOfIdentifiers: 0, numberOfMatches: 0, matchRate: 0 });
      sb.criteo.calls.should.have.properties({ wipe: 1, statistics: 2 });
    });
  });

  describe('answer shapes where the sources disagree', () => {
    const statistics = (id: string): Promise<HttpResult> => http(sb, 'GET', `${API}/audience-segments/${id}/contact-list/statistics`, { token });
    const emails = (n: number): string[] => Array.from({ length: n }, (_, i) => `user${i}@example.com`);

    it("matchRate: a 0-1 fraction by default, a 0-100 percentage with setMatchRateScale('percent')", async () => {
      const seg = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'rate', members: emails(10) });
      sb.criteo.shapes().matchRate.should.equal('fraction');
      obj(obj((await statistics(seg.id)).json).data).attributes!.should.eql({ numberOfIdentifiers: 10, numberOfMatches: 6, matchRate: 0.6 });
      sb.criteo.setMatchRateScale('percent');
      obj(obj((await statistics(seg.id)).json).data).attributes!.should.eql({ numberOfIdentifiers: 10, numberOfMatches: 6, matchRate: 60 });
      (() => sb.criteo.setMatchRateScale('ratio' as 'percent')).should.throw(RangeError);
    });

    for (const mode of ['id', 'attributes', 'name'] as const) {
      it(`nullSearchEntry '${mode}': one extra entry with a null ${mode}, first, counted in totalItems; paging stays consistent`, async () => {
        const ids: string[] = [];
        for (let i = 0; i < 120; i++) ids.push(sb.criteo.createSegment({ advertiserId: C.advertiserId, name: `seg ${i}` }).id);
        sb.criteo.setNullSearchEntry(mode);
        const pages: ListBody[] = [];
        for (let offset = 0; ; offset += 100) {
          const page = (await search(sb, token, { advertiserIds: [C.advertiserId], audienceSegmentTypes: ['ContactList'] }, `?limit=100&offset=${offset}`)).json as ListBody;
          pages.push(page);
          if (page.data.length < 100) break;
        }
        pages.map((p) => [p.meta!.totalItems, p.data.length]).should.eql([
          [121, 100],
          [121, 21],
        ]);
        const entry = pages[0].data[0] as unknown as Record<string, unknown>;
        entry.type!.should.equal('AudienceSegment');
        if (mode === 'id') {
          should(entry.id).be.null();
          obj(entry.attributes).should.have.properties({ advertiserId: C.advertiserId, type: 'ContactList' });
          obj(entry.attributes).name!.should.be.a.String();
        } else if (mode === 'attributes') {
          entry.id!.should.equal(C.nullEntryId);
          should(entry.attributes).be.null();
        } else {
          entry.id!.should.equal(C.nullEntryId);
          should(obj(entry.attributes).name).be.null();
          obj(entry.attributes).should.have.properties({ advertiserId: C.advertiserId, type: 'ContactList' });
        }
        pages.flatMap((p) => p.data.slice(p === pages[0] ? 1 : 0).map((d) => d.id)).should.eql(ids);
        // Not listed where it cannot match: an id filter, another type; its id names no segment.
        ((await search(sb, token, { audienceSegmentIds: [ids[0]] })).json as ListBody).data.map((d) => d.id).should.eql([ids[0]]);
        ((await search(sb, token, { audienceSegmentTypes: ['Retargeting'] })).json as ListBody).meta!.totalItems.should.equal(0);
        (await statistics(C.nullEntryId)).status.should.equal(404);
      });
    }

    it("emptyStatistics: zeros by default; 'data-null' → {data:null}; 'attributes-null' → {data:{…,attributes:null}}; only while the list is empty", async () => {
      const seg = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'empty' });
      obj(obj((await statistics(seg.id)).json).data).attributes!.should.eql({ numberOfIdentifiers: 0, numberOfMatches: 0, matchRate: 0 });
      sb.criteo.setEmptyStatistics('data-null');
      const dataNull = await statistics(seg.id);
      dataNull.status.should.equal(200);
      obj(dataNull.json).should.eql({ data: null, errors: [], warnings: [] });
      sb.criteo.setEmptyStatistics('attributes-null');
      obj(obj((await statistics(seg.id)).json).data).should.eql({ id: seg.id, type: 'ContactlistStatistics', attributes: null });
      await amend(sb, token, seg.id, amendBody('add', emails(5)));
      obj(obj((await statistics(seg.id)).json).data).attributes!.should.eql({ numberOfIdentifiers: 5, numberOfMatches: 3, matchRate: 0.6 });
      (() => sb.criteo.setEmptyStatistics('none' as 'zeros')).should.throw(RangeError);
    });

    it('the settings control route sets all three; bad values are 400; reset goes back to the options', async () => {
      const set = await http(sb, 'POST', '/_sandbox/criteo/settings', { body: { matchRate: 'percent', nullSearchEntry: 'name', emptyStatistics: 'data-null' } });
      set.status.should.equal(200);
      obj(set.json).should.have.properties({ matchRate: 'percent', nullSearchEntry: 'name', emptyStatistics: 'data-null' });
      sb.criteo.shapes().should.eql({ duplicateNameMode: '400', matchRate: 'percent', nullSearchEntry: 'name', emptyStatistics: 'data-null' });
      for (const bad of [{ matchRate: 'ratio' }, { nullSearchEntry: 'type' }, { emptyStatistics: 'none' }]) {
        (await http(sb, 'POST', '/_sandbox/criteo/settings', { body: bad })).status.should.equal(400);
      }
      sb.reset();
      sb.criteo.shapes().should.eql({ duplicateNameMode: '400', matchRate: 'fraction', nullSearchEntry: 'off', emptyStatistics: 'zeros' });

      const opted = await startSandbox({ rateLimit: false, criteoMatchRate: 'percent', criteoNullSearchEntry: 'attributes', criteoEmptyStatistics: 'attributes-null' });
      try {
        opted.criteo.shapes().should.eql({ duplicateNameMode: '400', matchRate: 'percent', nullSearchEntry: 'attributes', emptyStatistics: 'attributes-null' });
        const t = await accessToken(opted);
        const listed = (await search(opted, t)).json as ListBody;
        listed.meta!.totalItems.should.equal(1);
        should((listed.data[0] as unknown as Record<string, unknown>).attributes).be.null();
        opted.criteo.setNullSearchEntry('off');
        opted.reset();
        opted.criteo.shapes().nullSearchEntry.should.equal('attributes');
      } finally {
        await opted.close();
      }
      (() => resolveOptions({ criteoNullSearchEntry: 'type' as 'id' })).should.throw(RangeError);
    });
  });

  describe('faults', () => {
    it('injected 5xx use the availability envelope and change nothing; an injected 429 carries x-ratelimit-*', async () => {
      const seg = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'f' });
      sb.faults.failNext({ status: 503, pathIncludes: '/contact-list' });
      const res = await amend(sb, token, seg.id, amendBody('add', ['a@example.com']));
      res.status.should.equal(503);
      problemOf(res).type.should.equal('availability');
      sb.criteo.members(seg.id).size.should.equal(0);
      sb.criteo.calls.patchAdd.should.equal(0);
      sb.faults.failNext({ status: 429 });
      const limited = await http(sb, 'GET', `${API}/me`, { token });
      limited.status.should.equal(429);
      problemOf(limited).should.have.properties({ type: 'quota', code: 'too-many-requests' });
      should(limited.headers.get('x-ratelimit-remaining')).equal('0');
      should(limited.headers.get('retry-after')).be.null();
    });
  });

  describe('control endpoints', () => {
    it('segments with member counts, members of one, settings, codes; health lists criteo', async () => {
      const seg = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'ctl', members: ['a@example.com', sha256('b@example.com')] });
      const list = await http(sb, 'GET', '/_sandbox/criteo/segments');
      list.status.should.equal(200);
      list.text.should.not.containEql(sha256('b@example.com'));
      (obj(list.json).segments as Array<Record<string, unknown>>)[0].should.have.properties({ id: seg.id, name: 'ctl', advertiserId: C.advertiserId, members: 2 });
      const members = obj((await http(sb, 'GET', `/_sandbox/criteo/segments/${seg.id}/members`)).json);
      (members.members as string[]).sort().should.eql([sha256('a@example.com'), sha256('b@example.com')].sort());
      (await http(sb, 'GET', '/_sandbox/criteo/segments/1/members')).status.should.equal(404);
      const set = await http(sb, 'POST', '/_sandbox/criteo/settings', { body: { duplicateNameMode: '200-warning', callsPerMinute: 7, retiredVersions: ['2026-01'] } });
      obj(set.json).should.have.properties({ duplicateNameMode: '200-warning', callsPerMinute: 7, retiredVersions: ['2026-01'] });
      (await http(sb, 'POST', '/_sandbox/criteo/settings', { body: { callsPerMinute: null } })).json!.should.have.properties({ callsPerMinute: null });
      (await http(sb, 'POST', '/_sandbox/criteo/settings', { body: { nope: 1 } })).status.should.equal(400);
      const code = obj((await http(sb, 'POST', '/_sandbox/criteo/authorization-codes', { body: {} })).json).code as string;
      (await tokenRequest(sb, { grant_type: 'authorization_code', code, redirect_uri: 'http://x.example/cb', client_id: C.clientId, client_secret: C.clientSecret })).status.should.equal(200);
      (obj((await http(sb, 'GET', '/_sandbox/health')).json).platforms as string[]).should.containEql('criteo');
      obj((await http(sb, 'GET', '/_sandbox/criteo/calls')).json).token!.should.equal(2);
      (await http(sb, 'POST', '/_sandbox/criteo/expire-access-tokens')).status.should.equal(200);
      problemOf(await http(sb, 'GET', `${API}/me`, { token })).code.should.equal('authorization-token-expired');
    });

    it('reset restores settings, counters and tokens', async () => {
      sb.criteo.setDuplicateNameMode('200-warning');
      sb.criteo.setCallsPerMinute(1);
      sb.criteo.injectDuplicateNameRace('later');
      sb.reset();
      sb.criteo.calls.should.have.properties({ token: 0, search: 0 });
      sb.criteo.calls.tokenByGrant.should.eql({});
      token = await accessToken(sb);
      (await http(sb, 'GET', `${API}/me`, { token })).status.should.equal(200);
      (await http(sb, 'GET', `${API}/me`, { token })).status.should.equal(200); // no 1/min limit any more
      sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'Taken' });
      (await createSegments(sb, token, [newSegment('Taken')])).status.should.equal(400);
      (await createSegments(sb, token, [newSegment('later')])).status.should.equal(200);
    });
  });
});

describe('sandbox: Criteo quota and latency', () => {
  it('per-app sliding minute: x-ratelimit-* on every answer, 429 quota over the limit (no Retry-After), refused calls consume nothing', async () => {
    const sb = await startSandbox();
    try {
      const token = await accessToken(sb);
      const first = await http(sb, 'GET', `${API}/me`, { token });
      should(first.headers.get('x-ratelimit-limit')).equal('250');
      should(first.headers.get('x-ratelimit-remaining')).equal('249');
      sb.criteo.setCallsPerMinute(5);
      const other = await accessToken(sb); // same app, another token: same quota
      const results: HttpResult[] = [];
      for (let i = 0; i < 6; i++) results.push(await http(sb, 'GET', `${API}/me`, { token: i % 2 ? other : token }));
      // 1 call already in the window: 4 more pass, then 429.
      results.map((r) => r.status).should.eql([200, 200, 200, 200, 429, 429]);
      results.slice(0, 4).map((r) => r.headers.get('x-ratelimit-remaining')).should.eql(['3', '2', '1', '0']);
      const limited = results[5];
      problemOf(limited).should.have.properties({ type: 'quota', code: 'too-many-requests' });
      should(limited.headers.get('x-ratelimit-limit')).equal('5');
      should(limited.headers.get('x-ratelimit-remaining')).equal('0');
      const reset = Number(limited.headers.get('x-ratelimit-reset'));
      const now = Date.now() / 1000;
      reset.should.be.within(now, now + 61);
      should(limited.headers.get('retry-after')).be.null();
      // A 401 is not counted and carries no quota headers; the token endpoint is not limited.
      const unauth = await http(sb, 'GET', `${API}/me`, { token: 'nope' });
      unauth.status.should.equal(401);
      should(unauth.headers.get('x-ratelimit-limit')).be.null();
      (await tokenRequest(sb, clientCredentials)).status.should.equal(200);
      // Raising the limit lets the app through at once (the window still holds 5 calls).
      sb.criteo.setCallsPerMinute(6);
      const after = await http(sb, 'GET', `${API}/me`, { token });
      after.status.should.equal(200);
      should(after.headers.get('x-ratelimit-remaining')).equal('0');
    } finally {
      await sb.close();
    }
  });

  it('rateLimit: false sends no quota headers unless setCallsPerMinute asks; Retry-After only with retryAfterOn429', async () => {
    const sb = await startSandbox({ rateLimit: false, retryAfterOn429: true });
    try {
      const token = await accessToken(sb);
      const free = await http(sb, 'GET', `${API}/me`, { token });
      should(free.headers.get('x-ratelimit-limit')).be.null();
      sb.criteo.setCallsPerMinute(1);
      (await http(sb, 'GET', `${API}/me`, { token })).status.should.equal(200);
      const limited = await http(sb, 'GET', `${API}/me`, { token });
      limited.status.should.equal(429);
      Number(limited.headers.get('retry-after')).should.be.within(1, 60);
      sb.criteo.setCallsPerMinute(undefined);
      (await http(sb, 'GET', `${API}/me`, { token })).status.should.equal(200);
    } finally {
      await sb.close();
    }
  });

  it('latencyMs delays API calls (not the token endpoint)', async () => {
    const sb = await startSandbox({ latencyMs: 150, rateLimit: false });
    try {
      const tokenRes = await tokenRequest(sb, clientCredentials);
      tokenRes.ms.should.be.below(140);
      const res = await http(sb, 'GET', `${API}/me`, { token: (tokenRes.json as CriteoTokenBody).access_token });
      res.status.should.equal(200);
      res.ms.should.be.aboveOrEqual(145);
    } finally {
      await sb.close();
    }
  });

  it('the CLI prints the Criteo fixture credentials in --help', async () => {
    const { code, out } = await runCli(['--help']);
    should(code).equal(0);
    for (const value of [C.clientId, C.clientSecret, C.refreshToken, C.advertiserId]) out.should.containEql(value);
  });
});

describe('sandbox: Criteo sliding window (unit, injected clock)', () => {
  it('frees a call 60 s after it was made; reset is that time in epoch seconds', () => {
    const w = new SlidingWindows();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 3; i++) w.take('app', 3, t0 + i * 1000).ok.should.be.true();
    const refused = w.take('app', 3, t0 + 30_000);
    refused.should.have.properties({ ok: false, remaining: 0, resetEpochSeconds: t0 / 1000 + 60, retryAfterSeconds: 30 });
    w.take('app', 3, t0 + 59_999).ok.should.be.false(); // the window is (now - 60 s, now]: the t0 call leaves at t0 + 60 s
    w.take('app', 3, t0 + 60_000).should.have.properties({ ok: true, remaining: 0, resetEpochSeconds: t0 / 1000 + 61 });
    w.take('other', 3, t0 + 60_000).remaining.should.equal(2);
  });
});
