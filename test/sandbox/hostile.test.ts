/**
 * Hostile mode over real HTTP: every error answer of every platform echoes the request's secrets and
 * carries HTML in each text field, with the status and structure of normal mode; names come back as HTML.
 * Each scenario runs twice on a fresh sandbox state — normal, then hostile — and the two answers are compared.
 */
import should from 'should';
import { CRITEO_SANDBOX, HOSTILE_IMG, HOSTILE_SCRIPT, MICROSOFT_ADS_SANDBOX, startSandbox, type Sandbox } from '../../src/sandbox';
import { ECHO_CHARS } from '../../src/sandbox/hostile';
import { accessToken, fakeHashes, http, obj, SNAP, sendUsers, startCli, tokenRequest, usersBody, type HttpResult } from './helpers';

const MS = MICROSOFT_ADS_SANDBOX;
const C = CRITEO_SANDBOX;
const CRITEO_API = `/${C.apiVersion}/marketing-solutions`;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** One request's answer and the secrets that request sent (which hostile mode must echo). */
interface Outcome {
  readonly res: HttpResult;
  readonly secrets: ReadonlyArray<string>;
}
type Scenario = (sb: Sandbox) => Promise<Outcome>;

/** The scenario on a fresh state in normal mode, then again on a fresh state in hostile mode. */
async function both(sb: Sandbox, scenario: Scenario): Promise<{ normal: Outcome; hostile: Outcome }> {
  sb.reset();
  const normal = await scenario(sb);
  sb.reset();
  sb.setHostile({ on: true });
  const hostile = await scenario(sb);
  sb.reset();
  return { normal, hostile };
}

/** Every string in a JSON value, with its path. */
function strings(value: unknown, at = '$'): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => strings(v, `${at}.${k}`));
  return [];
}

/** Keys, array lengths and value kinds; a text may be null in normal mode (Microsoft's Details) and a string when hostile. */
function shape(value: unknown): unknown {
  if (value === null || typeof value === 'string') return 'text';
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k])]));
  return typeof value;
}

function assertEchoes(text: string, secrets: ReadonlyArray<string>, where: string): void {
  for (const secret of secrets) should(text.includes(secret)).be.true(`${where} does not echo ${secret}: ${text.slice(0, 300)}`);
  should(text.includes(HOSTILE_IMG)).be.true(`${where} has no <img onerror>`);
  should(text.includes(HOSTILE_SCRIPT)).be.true(`${where} has no <script>`);
}

function assertClean(text: string, secrets: ReadonlyArray<string>, where: string): void {
  for (const secret of secrets) should(text.includes(secret)).be.false(`${where} echoes ${secret} in normal mode`);
  text.should.not.containEql('__hostile');
  text.should.not.containEql('<img');
  text.should.not.containEql('<script');
}

/**
 * Same status and structure in both modes; nothing echoed in normal mode; in hostile mode every string
 * of the error part (`pick`, default the whole body) echoes the secrets and the HTML. Returns the hostile body.
 */
function assertHostileJson(pair: { normal: Outcome; hostile: Outcome }, pick: (body: unknown) => unknown = (b) => b, minStrings = 1): unknown {
  const { normal, hostile } = pair;
  hostile.res.status.should.equal(normal.res.status);
  should(normal.res.json).not.be.undefined();
  should(hostile.res.json).not.be.undefined();
  should(shape(hostile.res.json)).eql(shape(normal.res.json));
  assertClean(normal.res.text, normal.secrets, 'normal answer');
  const fields = strings(pick(hostile.res.json));
  fields.length.should.be.aboveOrEqual(minStrings);
  for (const [at, text] of fields) assertEchoes(text, hostile.secrets, at);
  return hostile.res.json;
}

/** The same, for a text/plain or text/html body. */
function assertHostileText(pair: { normal: Outcome; hostile: Outcome }, normalBody?: string): void {
  const { normal, hostile } = pair;
  hostile.res.status.should.equal(normal.res.status);
  should(hostile.res.headers.get('content-type')).equal(normal.res.headers.get('content-type'));
  if (normalBody !== undefined) normal.res.text.should.equal(normalBody);
  assertClean(normal.res.text, normal.secrets, 'normal answer');
  if (normalBody !== undefined) hostile.res.text.should.startWith(`${normalBody} `);
  assertEchoes(hostile.res.text, hostile.secrets, 'body');
}

/** A value as application/x-www-form-urlencoded sends it. */
const formEncoded = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

/** Unique per run, with characters that %-encoding changes, so raw and decoded echoes differ. */
let serial = 0;
const marker = (label: string): string => `${label}-${++serial}/+=é`;

describe('sandbox: hostile mode', () => {
  let sb: Sandbox;
  before(async () => {
    sb = await startSandbox({ rateLimit: false });
  });
  after(() => sb.close());
  afterEach(() => sb.reset());

  describe('switches', () => {
    it('is off by default; setHostile / getHostile; reset() turns it off again', async () => {
      sb.getHostile().should.eql({ on: false, names: false });
      sb.setHostile({ on: true });
      sb.getHostile().should.eql({ on: true, names: false });
      sb.setHostile({ on: false, names: true });
      sb.getHostile().should.eql({ on: false, names: true });
      sb.reset();
      sb.getHostile().should.eql({ on: false, names: false });
    });

    it('GET and POST /_sandbox/hostile; bad bodies are 400; POST /_sandbox/reset resets it', async () => {
      obj((await http(sb, 'GET', '/_sandbox/hostile')).json).should.eql({ on: false, names: false });
      const set = await http(sb, 'POST', '/_sandbox/hostile', { body: { on: true, names: true } });
      set.status.should.equal(200);
      obj(set.json).should.eql({ on: true, names: true });
      sb.getHostile().should.eql({ on: true, names: true });
      for (const bad of [{}, { on: 'yes' }, { on: true, extra: 1 }, 'x']) {
        (await http(sb, 'POST', '/_sandbox/hostile', { body: bad })).status.should.equal(400);
      }
      (await http(sb, 'POST', '/_sandbox/reset')).status.should.equal(200);
      obj((await http(sb, 'GET', '/_sandbox/hostile')).json).should.eql({ on: false, names: false });
    });

    it('SandboxOptions.hostile / hostileNames start it on, and reset() goes back to them', async () => {
      const on = await startSandbox({ hostile: true, hostileNames: true });
      try {
        on.getHostile().should.eql({ on: true, names: true });
        on.setHostile({ on: false });
        on.reset();
        on.getHostile().should.eql({ on: true, names: true });
        const res = await http(on, 'GET', `/v1/segments/1`, { token: 'opt-token-secret' });
        res.status.should.equal(401);
        assertEchoes(String(obj(res.json).debug_message), ['opt-token-secret'], 'debug_message');
      } finally {
        await on.close();
      }
    });

    it('control routes never echo, even when on', async () => {
      sb.setHostile({ on: true, names: true });
      const res = await http(sb, 'GET', '/_sandbox/criteo/segments/nope/members', { token: 'control-secret' });
      res.status.should.equal(404);
      assertClean(res.text, ['control-secret'], 'control answer');
      const unknown = await http(sb, 'GET', '/_sandbox/nope', { token: 'control-secret' });
      unknown.status.should.equal(404);
      assertClean(unknown.text, ['control-secret'], 'unknown control route');
    });

    it('success answers stay clean when only `on` is set', async () => {
      sb.setHostile({ on: true });
      const token = await accessToken(sb);
      sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'Plain' });
      const res = await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token });
      res.status.should.equal(200);
      assertClean(res.text, [token], 'success answer');
    });

    it('the echo is bounded: the first 2,000 characters of a large body, not its tail', async () => {
      sb.setHostile({ on: true });
      const token = await accessToken(sb);
      const head = marker('head');
      const body = `{"segments":[{"name":"${head}${'x'.repeat(200_000)}TAIL-MARKER`; // not JSON: 400
      const res = await http(sb, 'POST', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token, rawBody: body, headers: { 'content-type': 'application/json' } });
      res.status.should.equal(400);
      const debug = String(obj(res.json).debug_message);
      assertEchoes(debug, [token, head], 'debug_message');
      debug.should.not.containEql('TAIL-MARKER');
      debug.length.should.be.below(3 * ECHO_CHARS);
    });

    it('unknown paths and methods (404 not_found, 405) echo too', async () => {
      const notFound = assertHostileJson(
        await both(sb, async () => {
          const secret = marker('nf-token');
          return { res: await http(sb, 'GET', `/v2/nothing?key=${encodeURIComponent(secret)}`, { token: 'nf-bearer' }), secrets: ['nf-bearer', secret, formEncoded(secret)] };
        }),
        (b) => b,
        2,
      );
      obj(notFound).should.have.keys('error', 'path');
      assertHostileJson(
        await both(sb, async () => ({ res: await http(sb, 'PATCH', '/v1/me', { token: 'na-bearer' }), secrets: ['na-bearer'] })),
      );
    });

    it('--hostile and --hostile-names on the CLI', async function () {
      this.timeout(15000);
      const cli = await startCli(['--port', '0', '--hostile', '--hostile-names'], 'HOSTILE NAMES');
      try {
        cli.out.should.containEql('HOSTILE MODE');
        obj((await http(cli.url, 'GET', '/_sandbox/hostile')).json).should.eql({ on: true, names: true });
        await cli.stop();
      } finally {
        cli.kill();
      }
    });
  });

  describe('Snapchat', () => {
    const envelopeKeys = ['request_status', 'request_id', 'debug_message', 'display_message', 'error_code'];
    const adAccount = `/v1/adaccounts/${SNAP.adAccountId}/segments`;

    it('401 plain-text "unauthorized" for an expired token', async () => {
      const pair = await both(sb, async () => {
        const token = await accessToken(sb);
        sb.snapchat.expireAccessTokens();
        return { res: await http(sb, 'GET', adAccount, { token }), secrets: [token] };
      });
      assertHostileText(pair, 'unauthorized');
      pair.hostile.res.status.should.equal(401);
    });

    it('401 E3001 envelope for an unknown token', async () => {
      const body = assertHostileJson(await both(sb, async () => ({ res: await http(sb, 'GET', adAccount, { token: 'unknown-snap-token' }), secrets: ['unknown-snap-token'] })), undefined, 5);
      obj(body).should.have.keys(...envelopeKeys);
      String(obj(body).error_code).should.startWith('E3001 ');
    });

    it('400 validation envelope echoes the JSON body and the bearer', async () => {
      const pair = await both(sb, async () => {
        const token = await accessToken(sb);
        const secret = marker('snap-body');
        const res = await http(sb, 'POST', adAccount, { token, body: { segments: [{ name: '', description: secret, source_type: 'FIRST_PARTY' }] } });
        return { res, secrets: [token, secret] };
      });
      pair.normal.res.status.should.equal(400);
      obj(assertHostileJson(pair, undefined, 5)).should.have.keys(...envelopeKeys);
      sb.snapchat.segments().should.have.length(0);
    });

    it('400 paging error echoes the query string, raw and decoded', async () => {
      const pair = await both(sb, async () => {
        const token = await accessToken(sb);
        const cursor = marker('cursor');
        return { res: await http(sb, 'GET', `${adAccount}?limit=7&cursor=${encodeURIComponent(cursor)}`, { token }), secrets: [token, cursor, encodeURIComponent(cursor)] };
      });
      pair.normal.res.status.should.equal(400);
      assertHostileJson(pair, undefined, 5);
    });

    it('404 unknown segment and 403 E3002', async () => {
      const notFound = await both(sb, async () => {
        const token = await accessToken(sb);
        return { res: await http(sb, 'GET', '/v1/segments/404404', { token }), secrets: [token] };
      });
      notFound.normal.res.status.should.equal(404);
      assertHostileJson(notFound, undefined, 5);

      const forbidden = await both(sb, async () => {
        const token = await accessToken(sb);
        return { res: await http(sb, 'GET', `/v1/adaccounts/${SNAP.otherAdAccountId}/segments`, { token }), secrets: [token] };
      });
      forbidden.normal.res.status.should.equal(403);
      String(obj(assertHostileJson(forbidden, undefined, 5)).error_code).should.startWith('E3002 ');
    });

    it('injected 429, 500 (JSON) and 503, 401 (plain text)', async () => {
      const injected = (status: number): Scenario => async () => {
        const token = await accessToken(sb);
        sb.faults.failNext({ status });
        return { res: await http(sb, 'GET', adAccount, { token }), secrets: [token] };
      };
      const tooMany = await both(sb, injected(429));
      tooMany.normal.res.status.should.equal(429);
      assertHostileJson(tooMany, undefined, 4);
      const internal = await both(sb, injected(500));
      internal.normal.res.status.should.equal(500);
      assertHostileJson(internal, undefined, 3);
      const unavailable = await both(sb, injected(503));
      unavailable.normal.res.status.should.equal(503);
      assertHostileText(unavailable, 'Service Unavailable');
      assertHostileText(await both(sb, injected(401)), 'unauthorized');
    });

    it('sub_request_error_reason in a 200 answer (failNextSubRequests), request_status still SUCCESS', async () => {
      const pair = await both(sb, async () => {
        const token = await accessToken(sb);
        const segment = sb.snapchat.createSegment({ adAccountId: SNAP.adAccountId, name: 'subreq' });
        sb.snapchat.failNextSubRequests();
        const res = await sendUsers(sb, 'POST', segment.id, token, usersBody(fakeHashes(2)));
        sb.snapchat.members(segment.id).size.should.equal(0); // nothing applied
        return { res, secrets: [token] };
      });
      pair.normal.res.status.should.equal(200);
      const normalItem = obj((obj(pair.normal.res.json).users as unknown[])[0]);
      normalItem.should.have.properties({ sub_request_status: 'ERROR' });
      String(normalItem.sub_request_error_reason).should.match(/^E\d+/);
      const body = obj(assertHostileJson(pair, (b) => ({ request_id: obj(b).request_id, users: obj(b).users }), 3));
      should(body.request_status).equal('SUCCESS');
    });

    it('failNextSubRequests also refuses segment creation, once; and has a control route', async () => {
      const token = await accessToken(sb);
      (await http(sb, 'POST', '/_sandbox/snapchat/sub-request-errors', { body: { count: 1 } })).status.should.equal(200);
      (await http(sb, 'POST', '/_sandbox/snapchat/sub-request-errors', { body: { count: 0 } })).status.should.equal(400);
      const body = { segments: [{ name: 'a', source_type: 'FIRST_PARTY' }, { name: 'b', source_type: 'FIRST_PARTY' }] };
      const refused = await http(sb, 'POST', adAccount, { token, body });
      refused.status.should.equal(200);
      const items = obj(refused.json).segments as Array<Record<string, unknown>>;
      items.should.have.length(2);
      items.forEach((item) => item.should.have.properties({ sub_request_status: 'ERROR' }).and.not.have.property('segment'));
      sb.snapchat.segments().should.have.length(0);
      (await http(sb, 'POST', adAccount, { token, body })).status.should.equal(200);
      sb.snapchat.segments().should.have.length(2);
    });

    it('OAuth invalid_grant and invalid_client echo the form secrets, raw and decoded', async () => {
      const grant = await both(sb, async () => {
        const refresh = marker('snap-refresh');
        const res = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: refresh, client_id: SNAP.clientId, client_secret: SNAP.clientSecret });
        return { res, secrets: [refresh, formEncoded(refresh), SNAP.clientSecret] };
      });
      grant.normal.res.status.should.equal(400);
      obj(grant.normal.res.json).error!.should.equal('invalid_grant');
      String(obj(assertHostileJson(grant, undefined, 2)).error).should.startWith('invalid_grant ');

      const client = await both(sb, async () => {
        const secret = marker('snap-secret');
        const res = await tokenRequest(sb, { grant_type: 'refresh_token', refresh_token: SNAP.refreshToken, client_id: SNAP.clientId, client_secret: secret });
        return { res, secrets: [secret, formEncoded(secret), SNAP.refreshToken] };
      });
      client.normal.res.status.should.equal(401);
      assertHostileJson(client, undefined, 2);
    });

    it('an authorize error redirected back carries the echo in `error`, state untouched', async () => {
      const pair = await both(sb, async () => {
        const state = marker('state');
        const query = new URLSearchParams({ client_id: SNAP.clientId, redirect_uri: 'http://127.0.0.1:1/cb', response_type: 'token', scope: SNAP.scope, state });
        return { res: await http(sb, 'GET', `${SNAP.paths.authorize}?${query}`), secrets: [state] };
      });
      const location = (o: Outcome): URL => new URL(o.res.headers.get('location') ?? '');
      pair.normal.res.status.should.equal(302);
      pair.hostile.res.status.should.equal(302);
      location(pair.normal).searchParams.get('error')!.should.equal('unsupported_response_type');
      assertEchoes(location(pair.hostile).searchParams.get('error') ?? '', pair.hostile.secrets, 'error');
      should(location(pair.hostile).searchParams.get('state')).equal(pair.hostile.secrets[0]);
    });
  });

  describe('Microsoft Advertising', () => {
    const API = MS.paths.api;
    async function msToken(): Promise<string> {
      const form = { grant_type: 'refresh_token', refresh_token: MS.refreshToken, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope };
      const res = await http(sb, 'POST', MS.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
      return String(obj(res.json).access_token);
    }
    const headers = (token: string, over: Record<string, string> = {}): Record<string, string> => ({
      authorization: `Bearer ${token}`,
      DeveloperToken: MS.developerToken,
      CustomerId: MS.customerId,
      CustomerAccountId: MS.accountId,
      ...over,
    });
    const call = (token: string, method: string, p: string, body: unknown, over: Record<string, string> = {}): Promise<HttpResult> =>
      http(sb, method, `${API}${p}`, { body, headers: headers(token, over) });
    const credentials = (token: string): string[] => [token, `Bearer ${token}`, MS.developerToken, MS.customerId];

    /** TrackingId header: a UUID normally; the echo (printable ASCII) when hostile. */
    function assertTrackingHeader(pair: { normal: Outcome; hostile: Outcome }): void {
      should(pair.normal.res.headers.get('trackingid')).match(/^[0-9a-f-]{36}$/);
      assertEchoes(pair.hostile.res.headers.get('trackingid') ?? '', pair.hostile.secrets.filter((s) => /^[\x20-\x7e]*$/.test(s)), 'TrackingId header');
    }

    /** Every Code-adjacent field is a string when hostile, Code a number. */
    function assertFaultFields(error: Record<string, unknown>, detailKey: 'Detail' | 'Details'): void {
      error.Code!.should.be.a.Number();
      for (const key of ['ErrorCode', 'Message', detailKey]) error[key]!.should.be.a.String();
    }

    it('401 AdApiFaultDetail 109 for an expired token: body and TrackingId header', async () => {
      const pair = await both(sb, async () => {
        const token = await msToken();
        sb.microsoftAds.expireAccessTokens();
        return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }), secrets: credentials(token) };
      });
      pair.normal.res.status.should.equal(401);
      const body = obj(assertHostileJson(pair, undefined, 5));
      body.should.have.keys('TrackingId', 'Type', 'Errors');
      const error = obj((body.Errors as unknown[])[0]);
      error.Code!.should.equal(109);
      assertFaultFields(error, 'Detail');
      assertTrackingHeader(pair);
    });

    it('400 ApiFaultDetail 106 for a customer the user may not manage', async () => {
      const pair = await both(sb, async () => {
        const token = await msToken();
        return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }, { CustomerAccountId: MS.otherAccountId }), secrets: credentials(token) };
      });
      pair.normal.res.status.should.equal(400);
      const body = obj(assertHostileJson(pair, undefined, 5));
      const error = obj((body.OperationErrors as unknown[])[0]);
      error.Code!.should.equal(106);
      assertFaultFields(error, 'Details');
      assertTrackingHeader(pair);
    });

    it('400 ApiFaultDetail for a bad Apply (unknown audience) echoes the JSON body', async () => {
      const pair = await both(sb, async () => {
        const token = await msToken();
        const email = `${marker('ms')}@example.com`;
        const res = await call(token, 'POST', '/CustomerListUserData/Apply', {
          CustomerListUserData: { ActionType: 'Add', AudienceId: '9007199254740001', CustomerListItemSubType: 'Email', CustomerListItems: [email], AcceptCustomerMatchTerm: true },
        });
        return { res, secrets: [...credentials(token), email] };
      });
      pair.normal.res.status.should.equal(400);
      obj((obj(assertHostileJson(pair, undefined, 5)).OperationErrors as unknown[])[0]).Code!.should.equal(8000);
    });

    it('117 CallRateExceeded (throttleNext)', async () => {
      const pair = await both(sb, async () => {
        const token = await msToken();
        sb.microsoftAds.throttleNext();
        return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }), secrets: credentials(token) };
      });
      pair.normal.res.status.should.equal(429);
      obj((obj(assertHostileJson(pair, undefined, 5)).Errors as unknown[])[0]).Code!.should.equal(117);
      assertTrackingHeader(pair);
    });

    it('injected 429, 500 (JSON) and 503 (HTML gateway page)', async () => {
      const injected = (status: number): Scenario => async () => {
        const token = await msToken();
        sb.faults.failNext({ status });
        return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }), secrets: credentials(token) };
      };
      for (const status of [429, 500]) {
        const pair = await both(sb, injected(status));
        pair.normal.res.status.should.equal(status);
        assertHostileJson(pair, undefined, 5);
        assertTrackingHeader(pair);
      }
      const gateway = await both(sb, injected(503));
      gateway.normal.res.status.should.equal(503);
      assertHostileText(gateway);
      gateway.hostile.res.text.should.startWith('<html>');
      assertTrackingHeader(gateway);
    });

    it('PartialErrors in 200 answers: Apply 8004, AddAudiences 4853, QueryByIds unknown id', async () => {
      const checkPartial = (pair: { normal: Outcome; hostile: Outcome }, code: number): void => {
        pair.normal.res.status.should.equal(200);
        const body = obj(assertHostileJson(pair, (b) => obj(b).PartialErrors, 5));
        const error = obj((body.PartialErrors as unknown[])[0]);
        error.Code!.should.equal(code);
        error.Index!.should.equal(0);
        for (const key of ['Details', 'ErrorCode', 'FieldPath', 'Message', 'Type']) error[key]!.should.be.a.String();
        should(error.ForwardCompatibilityMap).be.null();
        assertTrackingHeader(pair);
      };

      checkPartial(
        await both(sb, async () => {
          const token = await msToken();
          const { id } = sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'partial' });
          const email = `${marker('plain')}@example.com`;
          const res = await call(token, 'POST', '/CustomerListUserData/Apply', {
            CustomerListUserData: { ActionType: 'Add', AudienceId: id, CustomerListItemSubType: 'Email', CustomerListItems: [email, fakeHashes(1)[0]], AcceptCustomerMatchTerm: true },
          });
          return { res, secrets: [...credentials(token), email] };
        }),
        8004,
      );
      checkPartial(
        await both(sb, async () => {
          const token = await msToken();
          sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'taken' });
          const res = await call(token, 'POST', '/Audiences', { Audiences: [{ Type: 'CustomerList', Name: 'taken', Scope: 'Account', ParentId: MS.accountId }] });
          return { res, secrets: credentials(token) };
        }),
        4853,
      );
      checkPartial(
        await both(sb, async () => {
          const token = await msToken();
          return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: ['9007199254740001'], Type: 'CustomerList' }), secrets: credentials(token) };
        }),
        4835,
      );
    });

    it("faultEnvelope 'wrapped': every text inside {ApplicationFault} echoes, the structure matches normal mode", async () => {
      const wrapped = (scenario: Scenario): Scenario => async (s) => {
        s.microsoftAds.setFaultEnvelope('wrapped');
        return scenario(s);
      };
      const expired = await both(
        sb,
        wrapped(async () => {
          const token = await msToken();
          sb.microsoftAds.expireAccessTokens();
          return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }), secrets: credentials(token) };
        }),
      );
      expired.normal.res.status.should.equal(401);
      const body = obj(assertHostileJson(expired, undefined, 5));
      body.should.have.keys('ApplicationFault');
      const fault = obj(body.ApplicationFault);
      fault.should.have.keys('TrackingId', 'Type', 'Errors');
      assertFaultFields(obj((fault.Errors as unknown[])[0]), 'Detail');
      assertTrackingHeader(expired);

      const operation = await both(
        sb,
        wrapped(async () => {
          const token = await msToken();
          return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }, { CustomerAccountId: MS.otherAccountId }), secrets: credentials(token) };
        }),
      );
      const detail = obj(obj(assertHostileJson(operation, undefined, 5)).ApplicationFault);
      obj((detail.OperationErrors as unknown[])[0]).Code!.should.equal(106);

      const injected = await both(
        sb,
        wrapped(async () => {
          const token = await msToken();
          sb.faults.failNext({ status: 429 });
          return { res: await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null }), secrets: credentials(token) };
        }),
      );
      obj((obj(obj(assertHostileJson(injected, undefined, 5)).ApplicationFault).Errors as unknown[])[0]).Code!.should.equal(117);
    });

    it('sizes as strings are not texts to echo: a hostile success answer stays clean', async () => {
      sb.setHostile({ on: true });
      const token = await msToken();
      sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Sized', members: fakeHashes(300) });
      const res = await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null });
      res.status.should.equal(200);
      obj((obj(res.json).Audiences as unknown[])[0]).SearchSize!.should.equal('300');
      assertClean(res.text, [token], 'success answer');
    });

    it('a 200 without PartialErrors keeps a plain TrackingId', async () => {
      sb.setHostile({ on: true });
      const token = await msToken();
      const res = await call(token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null });
      res.status.should.equal(200);
      should(res.headers.get('trackingid')).match(/^[0-9a-f-]{36}$/);
      assertClean(res.text, [token], 'success answer');
    });

    it('OAuth (AAD) invalid_grant, invalid_client and an injected 500 echo the form secrets', async () => {
      const tokenCall = (form: Record<string, string>): Promise<HttpResult> => http(sb, 'POST', MS.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM });
      const aadKeys = ['error', 'error_description', 'error_codes', 'timestamp', 'trace_id', 'correlation_id', 'error_uri'];

      const grant = await both(sb, async () => {
        const refresh = marker('ms-refresh');
        const res = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope });
        return { res, secrets: [refresh, formEncoded(refresh), MS.clientSecret] };
      });
      grant.normal.res.status.should.equal(400);
      const body = obj(assertHostileJson(grant, undefined, 6));
      body.should.have.keys(...aadKeys);
      (body.error_codes as unknown[]).should.eql([70000]);

      const client = await both(sb, async () => {
        const secret = marker('ms-secret');
        const res = await tokenCall({ grant_type: 'refresh_token', refresh_token: MS.refreshToken, client_id: MS.clientId, client_secret: secret, scope: MS.scope });
        return { res, secrets: [secret, formEncoded(secret), MS.refreshToken] };
      });
      client.normal.res.status.should.equal(401);
      assertHostileJson(client, undefined, 6);

      const injected = await both(sb, async () => {
        const secret = marker('ms-secret');
        sb.faults.failNext({ status: 500, pathIncludes: '/oauth2/v2.0/token' });
        const res = await tokenCall({ grant_type: 'refresh_token', refresh_token: MS.refreshToken, client_id: MS.clientId, client_secret: secret, scope: MS.scope });
        return { res, secrets: [secret, formEncoded(secret)] };
      });
      injected.normal.res.status.should.equal(500);
      assertHostileJson(injected, undefined, 6);
    });

    it('an authorize error redirected back carries the echo in error and error_description', async () => {
      const pair = await both(sb, async () => {
        const state = marker('ms-state');
        const query = new URLSearchParams({ client_id: MS.clientId, redirect_uri: 'http://127.0.0.1:1/cb', response_type: 'token', scope: MS.scope, state });
        return { res: await http(sb, 'GET', `${MS.paths.authorize}?${query}`), secrets: [state] };
      });
      const params = (o: Outcome): URLSearchParams => new URL(o.res.headers.get('location') ?? '').searchParams;
      params(pair.normal).get('error')!.should.equal('unsupported_response_type');
      assertClean(params(pair.normal).get('error_description') ?? '', [], 'error_description');
      for (const key of ['error', 'error_description']) assertEchoes(params(pair.hostile).get(key) ?? '', pair.hostile.secrets, key);
    });
  });

  describe('Criteo', () => {
    const problemKeys = ['traceId', 'type', 'code', 'instance', 'title', 'detail'];
    async function criteoToken(): Promise<string> {
      const form = { grant_type: 'client_credentials', client_id: C.clientId, client_secret: C.clientSecret };
      const res = await http(sb, 'POST', C.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM });
      if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
      return String(obj(res.json).access_token);
    }
    const api = (token: string, method: string, p: string, body?: unknown): Promise<HttpResult> => http(sb, method, `${CRITEO_API}${p}`, { token, body });
    const firstProblem = (body: unknown, key: 'errors' | 'warnings' = 'errors'): Record<string, unknown> => obj((obj(body)[key] as unknown[])[0]);

    it('401 for an expired token (gateway shape) and 410 for a retired version', async () => {
      const expired = await both(sb, async () => {
        const token = await criteoToken();
        sb.criteo.expireAccessTokens();
        return { res: await api(token, 'POST', '/audience-segments/search', { data: { attributes: {} } }), secrets: [token] };
      });
      expired.normal.res.status.should.equal(401);
      const body = assertHostileJson(expired, undefined, 5);
      String(firstProblem(body).code).should.startWith('authorization-token-expired ');

      const retired = await both(sb, async () => {
        const token = await criteoToken();
        return { res: await http(sb, 'GET', '/2025-01/marketing-solutions/me', { token }), secrets: [token] };
      });
      retired.normal.res.status.should.equal(410);
      firstProblem(assertHostileJson(retired, undefined, 6)).should.have.keys(...problemKeys);
    });

    it('400 invalid body, 404 unknown audience, 403 outside the portfolio', async () => {
      const bad = await both(sb, async () => {
        const token = await criteoToken();
        const secret = marker('criteo-body');
        return { res: await api(token, 'POST', '/audience-segments/create', { data: secret }), secrets: [token, secret] };
      });
      bad.normal.res.status.should.equal(400);
      firstProblem(assertHostileJson(bad, undefined, 6)).should.have.keys(...problemKeys);

      const unknown = await both(sb, async () => {
        const token = await criteoToken();
        return { res: await api(token, 'DELETE', '/audience-segments/999999/contact-list'), secrets: [token] };
      });
      unknown.normal.res.status.should.equal(404);
      assertHostileJson(unknown, undefined, 6);

      const forbidden = await both(sb, async () => {
        const token = await criteoToken();
        return { res: await api(token, 'POST', '/audience-segments/search', { data: { attributes: { advertiserIds: [C.otherAdvertiserId] } } }), secrets: [token] };
      });
      forbidden.normal.res.status.should.equal(403);
      assertHostileJson(forbidden, undefined, 6);
    });

    it('plain-email PATCH with a rejected body echoes the raw email addresses', async () => {
      const pair = await both(sb, async () => {
        const token = await criteoToken();
        const segment = sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'plain' });
        const emails = [`${marker('alice')}@example.com`, `bob.${serial}+tag@example.org`];
        const res = await api(token, 'PATCH', `/audience-segments/${segment.id}/contact-list`, {
          data: { type: 'ContactlistAmendment', attributes: { operation: 'add', identifierType: 'madid', identifiers: emails } },
        });
        sb.criteo.members(segment.id).size.should.equal(0);
        return { res, secrets: [token, ...emails] };
      });
      pair.normal.res.status.should.equal(400);
      String(firstProblem(assertHostileJson(pair, undefined, 6)).code).should.startWith('invalid-identifier-type ');
    });

    it('injected 429 and 500', async () => {
      for (const status of [429, 500]) {
        const pair = await both(sb, async () => {
          const token = await criteoToken();
          sb.faults.failNext({ status });
          return { res: await api(token, 'GET', '/me'), secrets: [token] };
        });
        pair.normal.res.status.should.equal(status);
        assertHostileJson(pair, undefined, 5);
      }
    });

    it('errors[] and warnings[] of a 200 partial creation; the created data stays plain', async () => {
      const create = (token: string): Promise<HttpResult> =>
        api(token, 'POST', '/audience-segments/create', {
          data: [
            { type: 'AudienceSegment', attributes: { advertiserId: C.advertiserId, name: 'taken', contactList: {} } },
            { type: 'AudienceSegment', attributes: { advertiserId: C.advertiserId, name: 'fresh', contactList: {} } },
          ],
        });
      const partial = await both(sb, async () => {
        const token = await criteoToken();
        sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'taken' });
        return { res: await create(token), secrets: [token] };
      });
      partial.normal.res.status.should.equal(200);
      const body = obj(assertHostileJson(partial, (b) => obj(b).errors, 6));
      String(firstProblem(body).detail).should.containEql('taken'); // the normal text comes first
      assertClean(JSON.stringify(body.data), [], 'created data');

      const warned = await both(sb, async () => {
        const token = await criteoToken();
        sb.criteo.setDuplicateNameMode('200-warning');
        sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'taken' });
        return { res: await create(token), secrets: [token] };
      });
      warned.normal.res.status.should.equal(200);
      assertHostileJson(warned, (b) => obj(b).warnings, 6);
    });

    it('OAuth invalid_grant (form) and invalid_client (HTTP Basic, echoed decoded)', async () => {
      const tokenCall = (form: Record<string, string>, h: Record<string, string> = {}): Promise<HttpResult> =>
        http(sb, 'POST', C.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: { ...FORM, ...h } });
      const grant = await both(sb, async () => {
        const refresh = marker('criteo-refresh');
        const res = await tokenCall({ grant_type: 'refresh_token', refresh_token: refresh, client_id: C.clientId, client_secret: C.clientSecret });
        return { res, secrets: [refresh, formEncoded(refresh), C.clientSecret] };
      });
      grant.normal.res.status.should.equal(400);
      obj(assertHostileJson(grant, undefined, 2)).should.have.keys('error', 'error_description');

      const basic = await both(sb, async () => {
        const secret = `criteo-basic-secret-${++serial}`;
        const authorization = `Basic ${Buffer.from(`${C.clientId}:${secret}`).toString('base64')}`;
        return { res: await tokenCall({ grant_type: 'client_credentials' }, { authorization }), secrets: [secret, authorization] };
      });
      basic.normal.res.status.should.equal(401);
      assertHostileJson(basic, undefined, 2);
    });
  });

  describe('hostile names', () => {
    const nameOf = (html: string, name: string): void => void html.should.equal(`${HOSTILE_IMG}${name}`);

    it('Snapchat: created and listed segment names come back as HTML; the store and control routes keep the real name', async () => {
      sb.setHostile({ on: false, names: true });
      const token = await accessToken(sb);
      const created = await http(sb, 'POST', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token, body: { segments: [{ name: 'Loyal', source_type: 'FIRST_PARTY' }] } });
      created.status.should.equal(200);
      const segment = obj(obj((obj(created.json).segments as unknown[])[0]).segment);
      nameOf(String(segment.name), 'Loyal');
      const listed = await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token });
      nameOf(String(obj(obj((obj(listed.json).segments as unknown[])[0]).segment).name), 'Loyal');
      const one = await http(sb, 'GET', `/v1/segments/${String(segment.id)}`, { token });
      nameOf(String(obj(obj((obj(one.json).segments as unknown[])[0]).segment).name), 'Loyal');
      sb.snapchat.segments()[0].name.should.equal('Loyal');
      (await http(sb, 'GET', '/_sandbox/snapchat/segments')).text.should.not.containEql('<img');
      // names only: errors stay plain
      assertClean((await http(sb, 'GET', '/v1/segments/1', { token })).text, [token], 'error with names only');
      sb.setHostile({ on: false });
      (await http(sb, 'GET', `/v1/adaccounts/${SNAP.adAccountId}/segments`, { token })).text.should.not.containEql('<img');
    });

    it('Microsoft: QueryByIds names', async () => {
      sb.setHostile({ on: true, names: true });
      const form = { grant_type: 'refresh_token', refresh_token: MS.refreshToken, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope };
      const token = String(obj((await http(sb, 'POST', MS.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM })).json).access_token);
      sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Lapsed' });
      const res = await http(sb, 'POST', `${MS.paths.api}/Audiences/QueryByIds`, {
        body: { AudienceIds: null, Type: 'CustomerList' },
        headers: { authorization: `Bearer ${token}`, DeveloperToken: MS.developerToken, CustomerId: MS.customerId, CustomerAccountId: MS.accountId },
      });
      res.status.should.equal(200);
      nameOf(String(obj((obj(res.json).Audiences as unknown[])[0]).Name), 'Lapsed');
      sb.microsoftAds.audiences()[0].name.should.equal('Lapsed');
    });

    it('Criteo: create and search names', async () => {
      sb.setHostile({ on: false, names: true });
      const form = { grant_type: 'client_credentials', client_id: C.clientId, client_secret: C.clientSecret };
      const token = String(obj((await http(sb, 'POST', C.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM })).json).access_token);
      const created = await http(sb, 'POST', `${CRITEO_API}/audience-segments/create`, {
        token,
        body: { data: [{ type: 'AudienceSegment', attributes: { advertiserId: C.advertiserId, name: 'Vip', contactList: {} } }] },
      });
      created.status.should.equal(200);
      nameOf(String(obj(obj((obj(created.json).data as unknown[])[0]).attributes).name), 'Vip');
      const found = await http(sb, 'POST', `${CRITEO_API}/audience-segments/search`, { token, body: { data: { attributes: {} } } });
      nameOf(String(obj(obj((obj(found.json).data as unknown[])[0]).attributes).name), 'Vip');
      sb.criteo.segments()[0].name.should.equal('Vip');
    });

    it('Criteo: the null search entries keep their nulls; the named one is HTML like the others', async () => {
      sb.setHostile({ on: true, names: true });
      const form = { grant_type: 'client_credentials', client_id: C.clientId, client_secret: C.clientSecret };
      const token = String(obj((await http(sb, 'POST', C.paths.token, { rawBody: new URLSearchParams(form).toString(), headers: FORM })).json).access_token);
      sb.criteo.createSegment({ advertiserId: C.advertiserId, name: 'Vip' });
      const first = async (): Promise<Record<string, unknown>[]> =>
        obj((await http(sb, 'POST', `${CRITEO_API}/audience-segments/search`, { token, body: { data: { attributes: {} } } })).json).data as Record<string, unknown>[];
      sb.criteo.setNullSearchEntry('name');
      let data = await first();
      should(obj(data[0].attributes).name).be.null();
      nameOf(String(obj(data[1].attributes).name), 'Vip');
      sb.criteo.setNullSearchEntry('attributes');
      data = await first();
      should(data[0].attributes).be.null();
      sb.criteo.setNullSearchEntry('id');
      data = await first();
      should(data[0].id).be.null();
      String(obj(data[0].attributes).name).should.startWith(HOSTILE_IMG);
      // Success answers of the new shapes carry no echo: statistics with data null, /me.
      sb.criteo.setEmptyStatistics('data-null');
      const segment = sb.criteo.segments()[0];
      const stats = await http(sb, 'GET', `${CRITEO_API}/audience-segments/${segment.id}/contact-list/statistics`, { token });
      stats.json!.should.eql({ data: null, errors: [], warnings: [] });
      assertClean((await http(sb, 'GET', `${CRITEO_API}/me`, { token })).text, [token], '/me');
    });

    it('Snapchat: /v1/me is a success answer (no echo, in both shapes)', async () => {
      sb.setHostile({ on: true, names: true });
      const token = await accessToken(sb);
      const plain = await http(sb, 'GET', '/v1/me', { token });
      assertClean(plain.text, [token], '/v1/me');
      Object.keys(obj(plain.json)).should.eql(['me']);
      sb.snapchat.setMeEnvelope(true);
      assertClean((await http(sb, 'GET', '/v1/me', { token })).text, [token], '/v1/me with envelope');
    });
  });
});
