/**
 * CriteoClient and CriteoAdapter against Criteo's official answer shapes (test/fixtures/official/criteo,
 * sources in its README: the OpenAPI file's schemas, with the nullable fields it allows), served by a
 * loopback stub. The client is built as connection.ts builds it, and every request it sends is checked
 * against the official request shapes (official-shapes-audit.md, Criteo table).
 */
import assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { RateLimiter } from '../../../src/core/rate-limiter';
import { wireBatchOf } from '../../../src/core/wire-batch';
import { CriteoAdapter } from '../../../src/platforms/criteo/adapter';
import { CriteoClient } from '../../../src/platforms/criteo/client';
import { asExportError, assertAuthorized, jsonOf, officialJson, officialText, rejection, Stub, type StubResponse, useStub } from '../stub';

const VERSION = '2026-07';
const API = `/${VERSION}/marketing-solutions`;
const ADVERTISER = '10001';
const HASHES = ['375320dd9ae7ed408002f3768e16cb5f28c861062fd50dff9a3bff62e9dce4ef', 'b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd'];
const SEARCH_BODY = { data: { attributes: { advertiserIds: [ADVERTISER], audienceSegmentTypes: ['ContactList'] } } };

const sample = (file: string, status = 200, headers: Record<string, string> = {}): StubResponse => ({ status, body: officialText('criteo', file), headers });

/** As CriteoConnection builds it: createHttpClient(), a token function, a RateLimiter (here a high rate). */
function client(stub: Stub, apiVersion = VERSION): CriteoClient {
  return new CriteoClient({
    http: createHttpClient(),
    apiBaseUrl: stub.url,
    apiVersion,
    token: async () => ({ value: 'token', generation: 1 }),
    limiter: new RateLimiter(1000, 1000),
  });
}

const adapter = (stub: Stub): CriteoAdapter => new CriteoAdapter(client(stub), { advertiserId: ADVERTISER });

interface Entry {
  id: string | null;
  type: string;
  attributes: { name: string | null; [key: string]: unknown } | null;
}
interface SearchPage {
  data: Entry[];
  meta: { limit: number; offset: number; totalItems: number };
  errors: unknown[];
  warnings: unknown[];
}

/** The sample's entries: [usable, id null, attributes null, name null]. */
const nullableSample = (): SearchPage => officialJson<SearchPage>('criteo', 'search-nullable-entries.json');

/** A usable entry like the sample's first, with another id and name. */
function usable(i: number): Entry {
  const [template] = nullableSample().data;
  return { ...template, id: String(800_000 + i), attributes: { ...template.attributes!, name: `segment ${i}` } };
}

describe('platforms: Criteo client against the official shapes', () => {
  let stub: Stub;
  useStub((started) => (stub = started));

  it("GET /me in the spec's ApplicationSummaryModelResponse shape (no data.id): name and organizationId", async () => {
    stub.on('GET', `${API}/me`, sample('me.json'));
    assert.deepEqual(await client(stub).me(), { name: 'CDP exporter', organizationId: '3001' });
    const [request] = stub.requests;
    assert.equal(request.method, 'GET');
    assert.equal(request.url, `${API}/me`);
    assertAuthorized(request);
  });

  describe('search (AudienceSegmentEntityV1AudienceSegmentSearchMetadataV1ListResponse)', () => {
    it('entries with a null id, null attributes or a null name are skipped, not fatal; the request is the documented one', async () => {
      stub.on('POST', `${API}/audience-segments/search`, sample('search-nullable-entries.json'));
      assert.deepEqual(await client(stub).searchContactLists(ADVERTISER), [{ id: '700101', name: 'Newsletter' }]);
      const [request] = stub.requests;
      assert.equal(request.method, 'POST');
      assert.equal(request.url, `${API}/audience-segments/search?limit=100&offset=0`);
      assertAuthorized(request);
      assert.match(String(request.headers['content-type']), /^application\/json/);
      assert.deepEqual(jsonOf(request), SEARCH_BODY);
    });

    it('paging by meta.totalItems stays right with null entries on a page: 100 + 2 entries → 2 requests, 99 segments', async () => {
      const [, ...nulls] = nullableSample().data;
      const page1: SearchPage = { ...nullableSample(), data: [...Array.from({ length: 97 }, (_, i) => usable(i)), ...nulls], meta: { limit: 100, offset: 0, totalItems: 102 } };
      const page2: SearchPage = { ...nullableSample(), data: [usable(97), usable(98)], meta: { limit: 100, offset: 100, totalItems: 102 } };
      stub.on('POST', `${API}/audience-segments/search`, (request) => ({ status: 200, body: request.query.get('offset') === '0' ? page1 : page2 }));
      const found = await client(stub).searchContactLists(ADVERTISER);
      assert.equal(found.length, 99);
      assert.deepEqual(found.slice(-2), [
        { id: '800097', name: 'segment 97' },
        { id: '800098', name: 'segment 98' },
      ]);
      assert.deepEqual(
        stub.requests.map((r) => r.query.get('offset')),
        ['0', '100'],
      );
    });

    it('a full page whose meta.totalItems says it is the last ends the search (no second request)', async () => {
      const full: SearchPage = { ...nullableSample(), data: Array.from({ length: 100 }, (_, i) => usable(i)), meta: { limit: 100, offset: 0, totalItems: 100 } };
      const empty: SearchPage = { ...full, data: [], meta: { limit: 100, offset: 100, totalItems: 100 } };
      stub.on('POST', `${API}/audience-segments/search`, (request) => ({ status: 200, body: request.query.get('offset') === '0' ? full : empty }));
      assert.equal((await client(stub).searchContactLists(ADVERTISER)).length, 100);
      assert.deepEqual(
        stub.requests.map((r) => r.query.get('offset')),
        ['0'],
      );
    });

    it('the adapter does not match a name carried only by an entry without an id: it creates the segment', async () => {
      stub.on('POST', `${API}/audience-segments/search`, sample('search-nullable-entries.json'));
      stub.on('POST', `${API}/audience-segments/create`, sample('create.json'));
      const ref = await adapter(stub).resolveAudience({ segmentName: 'Lapsed buyers' });
      assert.deepEqual(ref, { id: '700201', name: 'Lapsed buyers', accountKey: ADVERTISER });
      const create = stub.requests.find((r) => r.url.endsWith('/create'));
      assert.ok(create);
      assert.equal(create.url, `${API}/audience-segments/create`);
      assertAuthorized(create);
      assert.deepEqual(jsonOf(create), {
        data: [{ type: 'AudienceSegment', attributes: { advertiserId: ADVERTISER, name: 'Lapsed buyers', description: 'Exported from Node-RED (audience export)', contactList: {} } }],
      });
    });
  });

  describe('create', () => {
    it('200 with the created entity → the segment', async () => {
      stub.on('POST', `${API}/audience-segments/create`, sample('create.json'));
      assert.deepEqual(await client(stub).createContactList(ADVERTISER, 'Newsletter'), { id: '700201', name: 'Newsletter' });
    });

    for (const [label, response] of [
      ['400 + errors (CR-SEG mock)', (): StubResponse => sample('create-duplicate-400.json', 400)],
      ['200 + warnings (CR-DOC partial approval)', (): StubResponse => sample('create-duplicate-200-warning.json')],
    ] as const) {
      it(`name-must-be-unique as ${label} → "duplicate"; the adapter searches again and takes the segment found`, async () => {
        stub.on('POST', `${API}/audience-segments/create`, response());
        assert.equal(await client(stub).createContactList(ADVERTISER, 'Newsletter'), 'duplicate');
        const empty: SearchPage = { ...nullableSample(), data: [], meta: { limit: 100, offset: 0, totalItems: 0 } };
        stub.on('POST', `${API}/audience-segments/search`, [{ status: 200, body: empty }, sample('search-nullable-entries.json')]);
        assert.deepEqual(await adapter(stub).resolveAudience({ segmentName: 'Newsletter' }), { id: '700101', name: 'Newsletter', accountKey: ADVERTISER });
      });
    }
  });

  describe('contact list', () => {
    it('PATCH: the documented ContactlistAmendment body; nbValidIdentifiers / nbInvalidIdentifiers are the outcome', async () => {
      stub.on('PATCH', `${API}/audience-segments/700101/contact-list`, sample('amend.json'));
      const outcome = await adapter(stub).sendBatch({ id: '700101', name: 'Newsletter', accountKey: ADVERTISER }, 'add', wireBatchOf(HASHES));
      assert.deepEqual(outcome, { accepted: 7343, rejected: 13 });
      const [request] = stub.requests;
      assert.equal(request.method, 'PATCH');
      assertAuthorized(request);
      assert.match(String(request.headers['content-type']), /^application\/json/);
      assert.equal(request.headers['content-length'], String(Buffer.byteLength(request.body)));
      assert.deepEqual(jsonOf(request), { data: { type: 'ContactlistAmendment', attributes: { operation: 'add', identifierType: 'email', identifiers: HASHES } } });
      assert.deepEqual(await client(stub).amendContactList('700101', 'remove', HASHES), { valid: 7343, invalid: 13 });
      assert.equal((jsonOf(stub.requests[1]) as { data: { attributes: { operation: string } } }).data.attributes.operation, 'remove');
    });

    it('DELETE …/contact-list wipes (no body sent)', async () => {
      stub.on('DELETE', `${API}/audience-segments/1/contact-list`, sample('wipe.json'));
      await adapter(stub).clearAudience({ id: '1', name: 'x', accountKey: ADVERTISER });
      assert.equal(stub.requests[0].body, '');
      assertAuthorized(stub.requests[0]);
    });

    it('statistics: matches → approximateSize, matchRate as sent', async () => {
      stub.on('GET', `${API}/audience-segments/700101/contact-list/statistics`, sample('statistics.json'));
      assert.deepEqual(await adapter(stub).readAudience({ id: '700101', name: 'Newsletter', accountKey: ADVERTISER }), { approximateSize: 7200, matchRate: 60 });
      assert.equal(stub.requests[0].method, 'GET');
    });

    for (const file of ['statistics-data-null.json', 'statistics-attributes-null.json']) {
      it(`statistics ${file === 'statistics-data-null.json' ? '{"data": null}' : '{"data": {"attributes": null}}'} → readAudience gives undefined, no throw`, async () => {
        stub.on('GET', `${API}/audience-segments/700101/contact-list/statistics`, sample(file));
        assert.equal(await adapter(stub).readAudience({ id: '700101', name: 'Newsletter', accountKey: ADVERTISER }), undefined);
        assert.deepEqual(await client(stub).statistics('700101'), { identifiers: undefined, matches: undefined, matchRate: undefined });
      });
    }
  });

  describe('errors', () => {
    it('410 for a retired version → api_version_retired, naming the version, not retried', async () => {
      stub.on('POST', '/2025-01/marketing-solutions/audience-segments/search', sample('error-410-version.json', 410));
      const error = asExportError(await rejection(client(stub, '2025-01').searchContactLists(ADVERTISER)));
      assert.equal(error.code, 'api_version_retired');
      assert.equal(error.retryable, false);
      assert.match(error.message, /2025-01/);
      assert.equal(error.platformCode, 'version-decommissioned');
    });

    it('429 with x-ratelimit-* headers (CR-DOC rate-limits) → rate_limited, waiting until x-ratelimit-reset (epoch seconds)', async () => {
      const reset = Math.ceil(Date.now() / 1000) + 30;
      stub.on('POST', `${API}/audience-segments/search`, sample('error-429.json', 429, { 'x-ratelimit-limit': '250', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }));
      const error = asExportError(await rejection(client(stub).searchContactLists(ADVERTISER)));
      assert.equal(error.code, 'rate_limited');
      assert.equal(error.retryable, true);
      assert.ok(error.retryAfterMs! > 28_000 && error.retryAfterMs! <= 31_000, `retryAfterMs ${error.retryAfterMs}`);
      assert.equal(error.platformCode, 'too-many-requests');
    });

    it('401 authorization-token-expired → auth_expired with the token generation', async () => {
      stub.on('GET', `${API}/me`, sample('error-401-expired.json', 401));
      const error = asExportError(await rejection(client(stub).me()));
      assert.equal(error.code, 'auth_expired');
      assert.equal(error.platformCode, 'authorization-token-expired');
      assert.equal(error.tokenGeneration, 1);
    });

    it('404 audience-invalid → not_found', async () => {
      stub.on('PATCH', `${API}/audience-segments/314159/contact-list`, sample('error-404-audience-invalid.json', 404));
      const error = asExportError(await rejection(client(stub).amendContactList('314159', 'add', HASHES)));
      assert.equal(error.code, 'not_found');
      assert.equal(error.platformCode, 'audience-invalid');
    });
  });
});
