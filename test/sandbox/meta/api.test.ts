import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../../../src/core/email';
import { META_SANDBOX, type Sandbox, startSandbox } from '../../../src/sandbox';

/** The Meta sandbox over real HTTP, as the reference describes the Graph API (meta.md §1–§6, §8). */
describe('Meta sandbox', () => {
  let sandbox: Sandbox;
  const v = META_SANDBOX.apiVersion;
  const act = `act_${META_SANDBOX.adAccountId}`;

  before(async () => {
    sandbox = await startSandbox({ rateLimit: false });
  });
  afterEach(() => sandbox.reset());
  after(() => sandbox.close());

  async function graph(method: string, path: string, body?: unknown, token: string = META_SANDBOX.accessToken): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(`${sandbox.url}/${v}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  }
  const errorOf = (answer: { body: Record<string, unknown> }) => answer.body.error as { code: number; error_subcode?: number; fbtrace_id?: string; message: string };
  const rows = (count: number, offset = 0) => Array.from({ length: count }, (_, i) => [sha256Hex(`p${offset + i}@example.com`)]);
  const upload = (session: Record<string, unknown>, data: unknown[][]) => ({ session, payload: { schema: ['EMAIL'], data } });

  it('debug_token: the fixture system user never expires; an app token may ask', async () => {
    const answer = await graph('GET', `/debug_token?input_token=${META_SANDBOX.accessToken}`, undefined, `${META_SANDBOX.appId}|${META_SANDBOX.appSecret}`);
    assert.deepEqual({ type: (answer.body.data as Record<string, unknown>).type, expires: (answer.body.data as Record<string, unknown>).expires_at }, { type: 'SYSTEM_USER', expires: 0 });
  });

  it('errors are the Graph envelope with fbtrace_id; tokens, versions and proofs are checked in that order', async () => {
    const bad = await graph('GET', `/${act}?fields=tos_accepted`, undefined, 'nope');
    assert.equal(errorOf(bad).code, 190);
    assert.ok(errorOf(bad).fbtrace_id);
    sandbox.meta.expireAccessTokens();
    assert.equal(errorOf(await graph('GET', `/${act}`)).error_subcode, 463);
    sandbox.reset();
    const old = await fetch(`${sandbox.url}/v20.0/${act}`, { headers: { authorization: `Bearer ${META_SANDBOX.accessToken}` } });
    assert.equal(((await old.json()) as { error: { code: number } }).error.code, 2635);
    const wrongProof = await graph('GET', `/${act}?appsecret_proof=${'0'.repeat(64)}`);
    assert.equal(errorOf(wrongProof).code, 100);
    const proof = createHmac('sha256', META_SANDBOX.appSecret).update(META_SANDBOX.accessToken).digest('hex');
    assert.equal((await graph('GET', `/${act}?appsecret_proof=${proof}`)).status, 200);
  });

  it('tos_accepted, the 100/33 of an unassigned account, and the usage header', async () => {
    const accepted = await graph('GET', `/${act}?fields=name,tos_accepted`);
    assert.deepEqual(accepted.body.tos_accepted, { custom_audience_tos: 1 });
    assert.ok(accepted.headers.get('x-business-use-case-usage'));
    assert.deepEqual((await graph('GET', `/act_${META_SANDBOX.noTermsAdAccountId}?fields=tos_accepted`)).body.tos_accepted, {});
    const other = errorOf(await graph('GET', `/act_${META_SANDBOX.otherAdAccountId}/customaudiences`));
    assert.deepEqual([other.code, other.error_subcode], [100, 33]);
  });

  it('pages audiences with cursors and caps customer-list audiences at 500', async () => {
    for (let i = 0; i < 500; i++) sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: `A${i}` });
    const first = await graph('GET', `/${act}/customaudiences?fields=id,name,subtype&limit=200`);
    assert.equal((first.body.data as unknown[]).length, 200);
    const paging = first.body.paging as { cursors: { after: string }; next?: string };
    assert.ok(paging.next);
    const last = await graph('GET', `/${act}/customaudiences?fields=id,name&limit=200&after=${paging.cursors.after}`);
    assert.equal((last.body.data as unknown[]).length, 200);
    const capped = await graph('POST', `/${act}/customaudiences`, { name: 'one too many', subtype: 'CUSTOM' });
    assert.equal(errorOf(capped).code, 2654);
  });

  it('uploads: sessions, the last flag, 10,000 rows at most, invalid rows counted, one payload form per audience', async () => {
    const { id } = (await graph('POST', `/${act}/customaudiences`, { name: 'Up', subtype: 'CUSTOM', customer_file_source: 'USER_PROVIDED_ONLY' })).body as { id: string };
    const ok = await graph('POST', `/${id}/users`, upload({ session_id: 7, batch_seq: 1, last_batch_flag: false }, [...rows(3), ['not-a-hash']]));
    assert.deepEqual([ok.body.num_received, ok.body.num_invalid_entries], [4, 1]);
    const closed = await graph('POST', `/${id}/users`, upload({ session_id: 7, batch_seq: 2, last_batch_flag: true }, rows(1)));
    assert.equal(closed.status, 200);
    assert.equal(errorOf(await graph('POST', `/${id}/users`, upload({ session_id: 7, batch_seq: 3, last_batch_flag: false }, rows(1)))).error_subcode, 1870159);
    const tooMany = errorOf(await graph('POST', `/${id}/users`, upload({ session_id: 8, batch_seq: 1 }, rows(10_001))));
    assert.deepEqual([tooMany.code, tooMany.error_subcode], [1, 99]);
    const clash = await graph('POST', `/${id}/users`, { payload: { schema: 'EMAIL_SHA256', data: [sha256Hex('x@example.com')] } });
    assert.equal(errorOf(clash).code, 2650);
    const removed = await graph('POST', `/${id}/users`, { method: 'DELETE', ...upload({ session_id: 9, batch_seq: 1 }, rows(1)) });
    assert.equal(removed.status, 200);
    assert.equal(sandbox.meta.members(id).size, 2);
  });

  it('replace: batch_seq 1 first, another replace refused, the last flag swaps members, the window times out', async () => {
    const audience = sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'R', members: rows(5, 100).map((r) => r[0]) });
    assert.equal(errorOf(await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 1, batch_seq: 2 }, rows(1)))).error_subcode, 1870147);
    assert.equal((await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 1, batch_seq: 1 }, rows(2)))).status, 200);
    assert.equal(((await graph('GET', `/${audience.id}?fields=operation_status`)).body.operation_status as { code: number }).code, 414);
    assert.equal(errorOf(await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 2, batch_seq: 1 }, rows(1)))).error_subcode, 1870145);
    assert.equal(errorOf(await graph('POST', `/${audience.id}/users`, upload({ session_id: 3, batch_seq: 1 }, rows(1)))).error_subcode, 1870145);
    assert.equal((await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 1, batch_seq: 2, last_batch_flag: true }, rows(2, 2)))).status, 200);
    assert.equal(sandbox.meta.members(audience.id).size, 4);
    assert.equal(errorOf(await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 1, batch_seq: 3 }, rows(1)))).error_subcode, 1870159);

    sandbox.meta.setReplaceWindowMs(0);
    await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 5, batch_seq: 1 }, rows(1, 50)));
    assert.equal(errorOf(await graph('POST', `/${audience.id}/usersreplace`, upload({ session_id: 5, batch_seq: 2 }, rows(1)))).error_subcode, 1870158);
    assert.equal(sandbox.meta.members(audience.id).size, 1, 'replaced with what arrived before the timeout');
  });

  it('signs in: the dialog gives a code, the code a short-lived token, the exchange a long-lived one', async () => {
    const redirectUri = 'http://127.0.0.1:1880/audience-export/auth/callback';
    const dialog = await fetch(`${sandbox.url}/${v}/dialog/oauth?client_id=${META_SANDBOX.appId}&redirect_uri=${encodeURIComponent(redirectUri)}&state=s&scope=ads_management`);
    assert.match(await dialog.text(), /id="allow"/);
    const code = sandbox.meta.issueAuthorizationCode(redirectUri);
    const form = (params: Record<string, string>) => fetch(`${sandbox.url}/${v}/oauth/access_token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    const short = (await (await form({ client_id: META_SANDBOX.appId, client_secret: META_SANDBOX.appSecret, redirect_uri: redirectUri, code })).json()) as { access_token: string; expires_in: number };
    const long = (await (await form({ grant_type: 'fb_exchange_token', client_id: META_SANDBOX.appId, client_secret: META_SANDBOX.appSecret, fb_exchange_token: short.access_token })).json()) as { access_token: string; expires_in: number };
    assert.equal(long.expires_in, META_SANDBOX.longLivedSeconds);
    assert.equal((await graph('GET', `/${act}`, undefined, long.access_token)).status, 200);
    const reused = (await (await form({ client_id: META_SANDBOX.appId, client_secret: META_SANDBOX.appSecret, redirect_uri: redirectUri, code })).json()) as { error: { code: number } };
    assert.equal(reused.error.code, 100, 'a code works once');
  });
});
