/**
 * MicrosoftAdsClient and MicrosoftAdsAdapter against Microsoft's official answer samples
 * (test/fixtures/official/microsoft-ads, sources in its README), served byte for byte by a loopback stub.
 * The client is built as connection.ts builds it, and every request it sends is checked against the
 * official request shapes (official-shapes-audit.md, Microsoft table). Faults are played both bare (as
 * the SDKs parse them) and wrapped in {"ApplicationFault": …} (as the PHP migration guide shows them).
 */
import assert from 'node:assert/strict';
import { createHttpClient } from '../../../src/core/http';
import { wireBatchOf } from '../../../src/core/wire-batch';
import { MicrosoftAdsAdapter } from '../../../src/platforms/microsoft-ads/adapter';
import { MicrosoftAdsClient } from '../../../src/platforms/microsoft-ads/client';
import { asExportError, jsonOf, officialJson, officialText, rejection, Stub, type StubRequest, type StubResponse, useStub } from '../stub';

const API = '/CampaignManagement/v13';
const ACCOUNT = { customerId: '251000001', accountId: '151000001' };
const THROTTLE_WAIT_MS = 60_000;
const BIG_ID = '9007199254740993'; // 2^53 + 1: not representable as a double
const HASHES = Array.from({ length: 5 }, (_, i) => String(i).repeat(64));

const sample = (file: string, status = 200): StubResponse => ({ status, body: officialText('microsoft-ads', file), headers: { TrackingId: 'e5c2a8f0-1b3d-4c5e-8f7a-9b0c1d2e3f4a' } });

/** As MicrosoftAdsConnection builds it: createHttpClient(), a token function, the 60 s throttle wait. */
function client(stub: Stub): MicrosoftAdsClient {
  return new MicrosoftAdsClient({
    http: createHttpClient(),
    apiBaseUrl: stub.url,
    developerToken: 'BBD37VB98',
    token: async () => ({ value: 'token', generation: 1 }),
    throttleWaitMs: THROTTLE_WAIT_MS,
  });
}

const adapter = (stub: Stub, acceptTerms = true): MicrosoftAdsAdapter =>
  new MicrosoftAdsAdapter(client(stub), { ...ACCOUNT, membershipDuration: 30, acceptTerms });

/** The four REST headers of request-header-rest.md, plus JSON in and out. */
function assertHeaders(request: StubRequest): void {
  assert.equal(request.method, 'POST');
  assert.equal(request.headers.authorization, 'Bearer token');
  assert.equal(request.headers.developertoken, 'BBD37VB98');
  assert.equal(request.headers.customerid, ACCOUNT.customerId);
  assert.equal(request.headers.customeraccountid, ACCOUNT.accountId);
  assert.match(String(request.headers['content-type']), /^application\/json/);
  assert.equal(request.headers.accept, 'application/json');
}

/** A bare fault sample, and the same wrapped as the PHP migration guide shows it. */
function faultBodies(file: string): Array<[string, string]> {
  const bare = officialText('microsoft-ads', file);
  return [
    ['bare', bare],
    ['wrapped', JSON.stringify({ ApplicationFault: JSON.parse(bare) })],
  ];
}

describe('platforms: Microsoft Advertising client against the official samples', () => {
  let stub: Stub;
  useStub((started) => (stub = started));

  describe('GetAudiencesByIds (POST /Audiences/QueryByIds)', () => {
    it('ids and sizes as strings ("LongValueHere"): the id is kept exactly, the sizes become numbers; the request is the documented one', async () => {
      stub.on('POST', `${API}/Audiences/QueryByIds`, sample('query-by-ids.json'));
      const [audience, ...rest] = await client(stub).queryAudiences(ACCOUNT, [BIG_ID]);
      assert.equal(rest.length, 0);
      assert.equal(audience.Id, BIG_ID);
      assert.equal(audience.Name, 'Newsletter');
      assert.equal(audience.Type, 'CustomerList');
      assert.equal(audience.SearchSize, 12800);
      assert.equal(audience.AudienceNetworkSize, 10300);
      const [request] = stub.requests;
      assertHeaders(request);
      assert.equal(request.url, `${API}/Audiences/QueryByIds`);
      assert.equal(request.body, `{"AudienceIds":["${BIG_ID}"],"Type":"CustomerList","ReturnAdditionalFields":null}`);
    });

    it('ids and sizes as bare numbers beyond 2^53 (and PartialErrors null): the id keeps every digit, the size is a number', async () => {
      stub.on('POST', `${API}/Audiences/QueryByIds`, sample('query-by-ids-numbers.json'));
      assert.ok(officialText('microsoft-ads', 'query-by-ids-numbers.json').includes(`"Id": ${BIG_ID},`)); // really unquoted
      const [audience] = await client(stub).queryAudiences(ACCOUNT, [BIG_ID]);
      assert.equal(audience.Id, BIG_ID);
      assert.equal(typeof audience.SearchSize, 'number');
      assert.ok(Math.abs(audience.SearchSize! - 9007199254740993) <= 2);
      assert.equal(typeof audience.AudienceNetworkSize, 'number');
    });

    it('readAudience: SearchSize as a string → approximateSize; null (first 48 hours) → processing', async () => {
      stub.on('POST', `${API}/Audiences/QueryByIds`, sample('query-by-ids.json'));
      const ref = { id: BIG_ID, name: 'Newsletter', accountKey: `${ACCOUNT.customerId}/${ACCOUNT.accountId}` };
      assert.deepEqual(await adapter(stub).readAudience(ref), { approximateSize: 12800, status: 'ready' });
      const pending = officialJson<{ Audiences: Array<Record<string, unknown>> }>('microsoft-ads', 'query-by-ids.json');
      pending.Audiences[0].SearchSize = null;
      stub.on('POST', `${API}/Audiences/QueryByIds`, { status: 200, body: pending });
      assert.deepEqual(await adapter(stub).readAudience(ref), { status: 'processing' });
    });

    it('an unknown id (null slot + PartialError 4835) → not_found', async () => {
      stub.on('POST', `${API}/Audiences/QueryByIds`, sample('query-by-ids-unknown.json'));
      const error = asExportError(await rejection(client(stub).queryAudiences(ACCOUNT, ['9007199254740001'])));
      assert.equal(error.code, 'not_found');
      assert.equal(error.platformCode, '4835');
    });
  });

  describe('AddAudiences (POST /Audiences)', () => {
    it('sends the documented CustomerList and reads AudienceIds[0]', async () => {
      stub.on('POST', `${API}/Audiences`, sample('add-audiences.json'));
      assert.deepEqual(await client(stub).addCustomerList(ACCOUNT, 'Newsletter', 30), { id: '9007199254740999' });
      const [request] = stub.requests;
      assertHeaders(request);
      assert.deepEqual(jsonOf(request), {
        Audiences: [{ Type: 'CustomerList', Name: 'Newsletter', Description: 'Exported from Node-RED (audience export)', Scope: 'Account', ParentId: ACCOUNT.accountId, MembershipDuration: 30 }],
      });
    });

    it('4853 DuplicateAudienceName (null slot) is a race: the adapter queries again and takes the CustomerList of that name, not the RemarketingList', async () => {
      const all = officialJson<{ Audiences: Array<Record<string, unknown>> }>('microsoft-ads', 'query-by-ids-all.json');
      const before = { ...all, Audiences: all.Audiences.filter((a) => a.Type !== 'CustomerList') };
      stub.on('POST', `${API}/Audiences/QueryByIds`, [{ status: 200, body: before }, sample('query-by-ids-all.json')]);
      stub.on('POST', `${API}/Audiences`, sample('add-audiences-duplicate.json'));
      const ref = await adapter(stub).resolveAudience({ segmentName: 'Newsletter' });
      assert.deepEqual(ref, { id: '9007199254740997', name: 'Newsletter', accountKey: '251000001/151000001' });
      assert.deepEqual(
        stub.requests.map((r) => r.url),
        [`${API}/Audiences/QueryByIds`, `${API}/Audiences`, `${API}/Audiences/QueryByIds`],
      );
      assert.equal(stub.requests[0].body, '{"AudienceIds":null,"Type":"CustomerList","ReturnAdditionalFields":null}');
      assert.equal(await client(stub).addCustomerList(ACCOUNT, 'Newsletter', 30), 'duplicate');
    });
  });

  describe('ApplyCustomerListUserData (POST /CustomerListUserData/Apply)', () => {
    it('sends the documented CustomerListUserData (AcceptCustomerMatchTerm true when ticked); {"PartialErrors":[]} = all accepted', async () => {
      stub.on('POST', `${API}/CustomerListUserData/Apply`, sample('apply.json'));
      const ref = { id: BIG_ID, name: 'Newsletter', accountKey: '251000001/151000001' };
      assert.deepEqual(await adapter(stub).sendBatch(ref, 'replace', wireBatchOf(HASHES)), { accepted: 5, rejected: 0 });
      assertHeaders(stub.requests[0]);
      assert.equal(
        stub.requests[0].body,
        JSON.stringify({ CustomerListUserData: { AcceptCustomerMatchTerm: true, ActionType: 'Replace', AudienceId: BIG_ID, CustomerListItemSubType: 'Email', CustomerListItems: HASHES } }),
      );
      await adapter(stub, false).sendBatch(ref, 'remove', wireBatchOf(HASHES));
      assert.deepEqual(jsonOf(stub.requests[1]), { CustomerListUserData: { ActionType: 'Remove', AudienceId: BIG_ID, CustomerListItemSubType: 'Email', CustomerListItems: HASHES } });
    });

    it('PartialErrors by Index: items refused are counted once per distinct Index (1, 3, 3 → 2 of 5)', async () => {
      stub.on('POST', `${API}/CustomerListUserData/Apply`, sample('apply-partial-errors.json'));
      const ref = { id: BIG_ID, name: 'Newsletter', accountKey: '251000001/151000001' };
      assert.deepEqual(await adapter(stub).sendBatch(ref, 'add', wireBatchOf(HASHES)), { accepted: 3, rejected: 2 });
      assert.equal(await client(stub).apply(ACCOUNT, { audienceId: BIG_ID, action: 'Add', items: HASHES, acceptTerms: true }), 2);
    });
  });

  describe('faults, bare and wrapped in {"ApplicationFault": …}', () => {
    const query = (stub: Stub): Promise<unknown> => client(stub).queryAudiences(ACCOUNT, null);

    for (const [form, body] of faultBodies('fault-117.json')) {
      for (const status of [400, 429]) {
        it(`117 CallRateExceeded (${form}) at HTTP ${status} → rate_limited with the 60 s throttle wait`, async () => {
          stub.on('POST', `${API}/Audiences/QueryByIds`, { status, body });
          const error = asExportError(await rejection(query(stub)));
          assert.equal(error.code, 'rate_limited');
          assert.equal(error.platformCode, '117');
          assert.equal(error.retryAfterMs, THROTTLE_WAIT_MS);
          assert.equal(error.retryable, true);
          assert.equal(error.httpStatus, status);
        });
      }
    }

    for (const [form, body] of faultBodies('fault-8003.json')) {
      it(`8003 CustomerListTermsAndConditionsNotAccepted (${form}) on Apply → terms_not_accepted with the hint, not retried`, async () => {
        stub.on('POST', `${API}/CustomerListUserData/Apply`, { status: 400, body, headers: { TrackingId: '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d' } });
        const error = asExportError(await rejection(client(stub).apply(ACCOUNT, { audienceId: BIG_ID, action: 'Add', items: HASHES, acceptTerms: false })));
        assert.equal(error.code, 'terms_not_accepted');
        assert.equal(error.platformCode, '8003');
        assert.equal(error.retryable, false);
        assert.match(error.message, /AcceptCustomerMatchTerm/);
        assert.match(error.message, /TrackingId 7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d/);
      });
    }

    for (const file of ['fault-105.json', 'fault-109.json']) {
      for (const [form, body] of faultBodies(file)) {
        it(`${file.slice(6, 9)} (${form}) at HTTP 401 → auth_expired, naming the token generation`, async () => {
          stub.on('POST', `${API}/Audiences/QueryByIds`, { status: 401, body });
          const error = asExportError(await rejection(query(stub)));
          assert.equal(error.code, 'auth_expired');
          assert.equal(error.platformCode, file.slice(6, 9));
          assert.equal(error.tokenGeneration, 1);
          assert.equal(error.retryable, true);
        });
        it(`${file.slice(6, 9)} (${form}) even at HTTP 400 → auth_expired (keyed on Code, not on the status)`, async () => {
          stub.on('POST', `${API}/Audiences/QueryByIds`, { status: 400, body });
          assert.equal(asExportError(await rejection(query(stub))).code, 'auth_expired');
        });
      }
    }

    it('the PHP migration guide sample, verbatim (wrapped ApiFaultDetail, Code 1234) → rejected, its Code and TrackingId read from inside ApplicationFault', async () => {
      stub.on('POST', `${API}/Audiences/QueryByIds`, { status: 400, body: officialText('microsoft-ads', 'fault-php-guide-wrapped.json') });
      const error = asExportError(await rejection(query(stub)));
      assert.equal(error.code, 'rejected');
      assert.equal(error.platformCode, '1234');
      assert.match(error.message, /TrackingId abc123/);
    });

    it('Codes written as strings ("117") classify the same', async () => {
      const fault = officialJson<{ Errors: Array<Record<string, unknown>> }>('microsoft-ads', 'fault-117.json');
      fault.Errors[0].Code = '117';
      stub.on('POST', `${API}/Audiences/QueryByIds`, { status: 400, body: { ApplicationFault: fault } });
      assert.equal(asExportError(await rejection(query(stub))).code, 'rate_limited');
    });
  });
});
