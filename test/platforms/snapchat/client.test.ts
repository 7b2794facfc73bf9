/**
 * SnapchatClient and SnapchatAdapter against Snapchat's official answer samples
 * (test/fixtures/official/snapchat, sources in its README), served by a loopback stub. The client is
 * built as connection.ts builds it, and every request it sends is checked against the official request
 * shapes (official-shapes-audit.md, Snapchat table).
 */
import assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { RateLimiter } from '../../../src/core/rate-limiter';
import { wireBatchOf } from '../../../src/core/wire-batch';
import { SnapchatAdapter } from '../../../src/platforms/snapchat/adapter';
import { SnapchatClient } from '../../../src/platforms/snapchat/client';
import { asExportError, assertAuthorized, jsonOf, officialJson, officialText, rejection, Stub, useStub } from '../stub';

const AD_ACCOUNT = '8adc3db7-8148-4fbf-999c-8d2266369d74';
const SEGMENTS = `/v1/adaccounts/${AD_ACCOUNT}/segments`;
const HASHES = ['973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b', 'b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd'];

const sample = (file: string): { status: number; body: string } => ({ status: 200, body: officialText('snapchat', file) });

/** As SnapchatConnection builds it: createHttpClient(), a token function, a RateLimiter (here a high rate). */
function client(stub: Stub): SnapchatClient {
  return new SnapchatClient({
    http: createHttpClient(),
    apiBaseUrl: stub.url,
    token: async () => ({ value: 'token', generation: 1 }),
    limiter: new RateLimiter(1000, 1000),
  });
}

describe('platforms: Snapchat client against the official samples', () => {
  let stub: Stub;
  useStub((started) => (stub = started));

  describe('GET /v1/me (SN-DOC Ads-API/user "Get Authenticated User")', () => {
    it('parses the documented {"me":{…}} without request_status; never returns the email', async () => {
      stub.on('GET', '/v1/me', sample('me.json'));
      const me = await client(stub).me();
      assert.deepEqual(me, { displayName: 'Honey Badger', organizationId: '40d6719b-da09-410b-9185-0cc9c0dfed1d' });
      assert.ok(!JSON.stringify(me).includes('hooli.com'));
      const [request] = stub.requests;
      assert.equal(request.method, 'GET');
      assert.equal(request.url, '/v1/me');
      assertAuthorized(request);
      assert.equal(request.body, '');
    });

    it('parses the 2020 copy (request_id, no request_status, SN-4J) and the old sandbox envelope alike', async () => {
      stub.on('GET', '/v1/me', sample('me-2020.json'));
      assert.deepEqual(await client(stub).me(), { displayName: 'Honey Badger', organizationId: '40d6719b-da09-410b-9185-0cc9c0dfed1d' });
      const enveloped = { request_status: 'SUCCESS', request_id: 'r', ...officialJson('snapchat', 'me.json') };
      stub.on('GET', '/v1/me', { status: 200, body: enveloped });
      assert.equal((await client(stub).me()).displayName, 'Honey Badger');
    });
  });

  describe('segments', () => {
    it('create: sends the documented body and parses the sample answer (lowercase "success", status PENDING)', async () => {
      stub.on('POST', SEGMENTS, sample('segment-created.json'));
      const segment = await client(stub).createSegment(AD_ACCOUNT, 'all the sams in the world', 180);
      assert.equal(segment.id, '5677923948298240');
      assert.equal(segment.status, 'PENDING');
      assert.equal(segment.approximate_number_users, 0);
      const [request] = stub.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, SEGMENTS);
      assertAuthorized(request);
      assert.match(String(request.headers['content-type']), /^application\/json/);
      assert.deepEqual(jsonOf(request), {
        segments: [
          { name: 'all the sams in the world', description: 'Exported from Node-RED (audience export)', source_type: 'FIRST_PARTY', retention_in_days: 180, ad_account_id: AD_ACCOUNT },
        ],
      });
    });

    it('list: ?limit=1000, follows paging.next_link through the configured base (not adsapi.snapchat.com), keeps every source type', async () => {
      stub.on('GET', SEGMENTS, (request) => (request.query.get('cursor') === null ? sample('segments-page-1.json') : sample('segments-page-2.json')));
      const segments = await client(stub).listSegments(AD_ACCOUNT);
      assert.deepEqual(
        segments.map((s) => [s.id, s.name, s.source_type]),
        [
          ['5769345128988888', 'super duper sam', 'FIRST_PARTY'],
          ['5701023945457664', 'Lookalike', 'LOOKALIKE'],
          ['5689640350646272', 'super duper sam 2', 'FIRST_PARTY'],
          ['5715031928864768', 'super duper sam', 'FIRST_PARTY'],
        ],
      );
      assert.deepEqual(
        stub.requests.map((r) => r.url),
        [`${SEGMENTS}?limit=1000`, `${SEGMENTS}?cursor=NTcxNTAzMTkyODg2NDc2OA&limit=1000`],
      );
      stub.requests.forEach(assertAuthorized);
    });

    it('adapter find-or-create by name: FIRST_PARTY only, the oldest of duplicates (on page 2), nothing created', async () => {
      stub.on('GET', SEGMENTS, (request) => (request.query.get('cursor') === null ? sample('segments-page-1.json') : sample('segments-page-2.json')));
      const adapter = new SnapchatAdapter(client(stub), { adAccountId: AD_ACCOUNT, retentionDays: 180 });
      assert.deepEqual(await adapter.resolveAudience({ segmentName: 'super duper sam' }), { id: '5715031928864768', name: 'super duper sam', accountKey: AD_ACCOUNT });
      assert.deepEqual(stub.requests.map((r) => r.method), ['GET', 'GET']);
      // A name only a LOOKALIKE has is not a customer list: it is created.
      stub.on('POST', SEGMENTS, sample('segment-created.json'));
      const created = await adapter.resolveAudience({ segmentName: 'Lookalike' });
      assert.equal(created.id, '5677923948298240');
      const post = stub.requests.find((r) => r.method === 'POST');
      assert.equal((jsonOf(post!) as { segments: Array<{ name: string }> }).segments[0].name, 'Lookalike');
    });

    it('get / readAudience: reads targetable_status and approximate_number_users of the sample', async () => {
      stub.on('GET', '/v1/segments/5603670370513719', sample('segment-updated.json'));
      const adapter = new SnapchatAdapter(client(stub), { adAccountId: AD_ACCOUNT, retentionDays: 180 });
      const snapshot = await adapter.readAudience({ id: '5603670370513719', name: 'Honey Bear Segment 2019', accountKey: AD_ACCOUNT });
      assert.deepEqual(snapshot, { approximateSize: 500000, status: 'TOO_FEW_USERS' });
    });
  });

  describe('users', () => {
    it('add: POST {"users":[{"schema":["EMAIL_SHA256"],"data":[["<hash>"],…]}]}; number_uploaded_users is the answer', async () => {
      stub.on('POST', '/v1/segments/5677923948298240/users', sample('users-added.json'));
      assert.equal(await client(stub).changeUsers('5677923948298240', 'add', HASHES), 2);
      const [request] = stub.requests;
      assertAuthorized(request);
      assert.match(String(request.headers['content-type']), /^application\/json/);
      assert.equal(request.headers['content-length'], String(Buffer.byteLength(request.body)));
      assert.deepEqual(jsonOf(request), { users: [{ schema: ['EMAIL_SHA256'], data: HASHES.map((h) => [h]) }] });
    });

    it('remove: DELETE with the same body; the adapter reports accepted/rejected from number_uploaded_users (RudderStack answer: 1 of 2)', async () => {
      stub.on('DELETE', '/v1/segments/5677923948298240/users', sample('users-removed.json'));
      const adapter = new SnapchatAdapter(client(stub), { adAccountId: AD_ACCOUNT, retentionDays: 180 });
      const audience = { id: '5677923948298240', name: 'x', accountKey: AD_ACCOUNT };
      assert.deepEqual(await adapter.sendBatch(audience, 'remove', wireBatchOf(HASHES)), { accepted: 2, rejected: 0 });
      assert.equal(stub.requests[0].method, 'DELETE');
      assert.deepEqual(jsonOf(stub.requests[0]), { users: [{ schema: ['EMAIL_SHA256'], data: HASHES.map((h) => [h]) }] });
      stub.on('POST', '/v1/segments/5677923948298240/users', sample('users-added-rudderstack.json'));
      assert.deepEqual(await adapter.sendBatch(audience, 'add', wireBatchOf(HASHES)), { accepted: 1, rejected: 1 });
    });

    it('remove all: DELETE /v1/segments/{id}/all_users without a body, answered with the segments envelope', async () => {
      stub.on('DELETE', '/v1/segments/5769345128988888/all_users', sample('all-users-deleted.json'));
      const adapter = new SnapchatAdapter(client(stub), { adAccountId: AD_ACCOUNT, retentionDays: 180 });
      await adapter.clearAudience({ id: '5769345128988888', name: 'super duper sam', accountKey: AD_ACCOUNT });
      const [request] = stub.requests;
      assert.equal(request.method, 'DELETE');
      assert.equal(request.body, '');
      assert.equal(request.headers['content-type'], undefined);
      assertAuthorized(request);
    });
  });

  describe('errors', () => {
    it('403 E3002 envelope (SN-RS) → forbidden with the role hint, platformCode E3002, not retryable', async () => {
      stub.on('DELETE', '/v1/segments/789/users', { status: 403, body: officialText('snapchat', 'error-403-e3002.json') });
      const error = asExportError(await rejection(client(stub).changeUsers('789', 'remove', HASHES)));
      assert.equal(error.code, 'forbidden');
      assert.equal(error.platformCode, 'E3002');
      assert.equal(error.httpStatus, 403);
      assert.equal(error.retryable, false);
      assert.match(error.message, /Caller does not have permission/);
      assert.match(error.message, /Account Admin or Data Manager/);
    });

    it('401 plain-text "unauthorized" (SN-RS) → auth_expired, retryable, naming the token generation', async () => {
      stub.on('POST', '/v1/segments/456/users', { status: 401, body: officialText('snapchat', 'error-401-unauthorized.txt'), headers: { 'content-type': 'text/plain' } });
      const error = asExportError(await rejection(client(stub).changeUsers('456', 'add', HASHES)));
      assert.equal(error.code, 'auth_expired');
      assert.equal(error.httpStatus, 401);
      assert.equal(error.retryable, true);
      assert.equal(error.tokenGeneration, 1);
    });

    it('a 200 whose body is not a segments envelope is platform_unavailable (the parse is not a blank cheque)', async () => {
      stub.on('GET', '/v1/segments/1', { status: 200, body: officialText('snapchat', 'me.json') });
      const error = asExportError(await rejection(client(stub).getSegment('1')));
      assert.equal(error.code, 'platform_unavailable');
    });
  });
});
