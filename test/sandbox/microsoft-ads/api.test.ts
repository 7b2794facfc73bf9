import should from 'should';
import { MICROSOFT_ADS_SANDBOX, startSandbox, type Sandbox } from '../../../src/sandbox';
import { SlidingWindow } from '../../../src/sandbox/microsoft-ads/context';
import { resolveOptions } from '../../../src/sandbox/options';
import { fakeHashes, http, obj, type HttpResult, useSandbox } from '../helpers';

const MS = MICROSOFT_ADS_SANDBOX;
const API = MS.paths.api;
const TWO_53 = 2n ** 53n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function msToken(sb: Sandbox): Promise<string> {
  const res = await http(sb, 'POST', MS.paths.token, {
    rawBody: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: MS.refreshToken, client_id: MS.clientId, client_secret: MS.clientSecret, scope: MS.scope }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return String(obj(res.json).access_token);
}

/** The four REST headers; a value of undefined leaves that header out. */
function msHeaders(token: string, over: Record<string, string | undefined> = {}): Record<string, string> {
  const all: Record<string, string | undefined> = {
    authorization: `Bearer ${token}`,
    DeveloperToken: MS.developerToken,
    CustomerId: MS.customerId,
    CustomerAccountId: MS.accountId,
    ...over,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
}

function call(sb: Sandbox, token: string, method: string, path: string, body: unknown, over: Record<string, string | undefined> = {}): Promise<HttpResult> {
  return http(sb, method, `${API}${path}`, { body, headers: msHeaders(token, over) });
}

const addAudiences = (sb: Sandbox, token: string, audiences: unknown[], over: Record<string, string | undefined> = {}): Promise<HttpResult> =>
  call(sb, token, 'POST', '/Audiences', { Audiences: audiences }, over);

const customerList = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Type: 'CustomerList',
  Name: name,
  Description: 'sandbox test',
  Scope: 'Account',
  ParentId: MS.accountId,
  MembershipDuration: 30,
  ...extra,
});

const queryByIds = (sb: Sandbox, token: string, ids: unknown[] | null, over: Record<string, string | undefined> = {}): Promise<HttpResult> =>
  call(sb, token, 'POST', '/Audiences/QueryByIds', { AudienceIds: ids, Type: 'CustomerList', ReturnAdditionalFields: null }, over);

function apply(
  sb: Sandbox,
  token: string,
  audienceId: unknown,
  action: string,
  items: unknown[],
  extra: Record<string, unknown> = { AcceptCustomerMatchTerm: true },
): Promise<HttpResult> {
  return call(sb, token, 'POST', '/CustomerListUserData/Apply', {
    CustomerListUserData: { ...extra, ActionType: action, AudienceId: audienceId, CustomerListItemSubType: 'Email', CustomerListItems: items },
  });
}

interface AddResult {
  AudienceIds: Array<string | null>;
  PartialErrors: Array<Record<string, unknown>>;
}

async function createOne(sb: Sandbox, token: string, name: string): Promise<string> {
  const res = await addAudiences(sb, token, [customerList(name)]);
  res.status.should.equal(200);
  const id = (res.json as AddResult).AudienceIds[0];
  if (typeof id !== 'string') throw new Error(`create ${name}: ${res.text}`);
  return id;
}

/** `{"TrackingId","Type":"AdApiFaultDetail","Errors":[{Code,ErrorCode,Message,Detail}]}` and the TrackingId header agree. */
function assertAdApiFault(res: HttpResult, status: number, code: number | string, errorCode: string): void {
  res.status.should.equal(status);
  const body = obj(res.json);
  Object.keys(body).should.eql(['TrackingId', 'Type', 'Errors']);
  body.Type!.should.equal('AdApiFaultDetail');
  String(body.TrackingId).should.match(UUID);
  should(res.headers.get('trackingid')).equal(body.TrackingId);
  const errors = body.Errors as Array<Record<string, unknown>>;
  errors.should.have.length(1);
  Object.keys(errors[0]).sort().should.eql(['Code', 'Detail', 'ErrorCode', 'Message']);
  errors[0].should.have.properties({ Code: code, ErrorCode: errorCode, Detail: null });
  String(errors[0].Message).should.not.be.empty();
}

/** `{"TrackingId","Type":"ApiFaultDetail","BatchErrors":[],"OperationErrors":[{Code,ErrorCode,Message,Details}]}`. */
function assertOperationFault(res: HttpResult, status: number, code: number | string, errorCode: string): void {
  res.status.should.equal(status);
  const body = obj(res.json);
  Object.keys(body).should.eql(['TrackingId', 'Type', 'BatchErrors', 'OperationErrors']);
  body.should.have.properties({ Type: 'ApiFaultDetail', BatchErrors: [] });
  should(res.headers.get('trackingid')).equal(body.TrackingId);
  const errors = body.OperationErrors as Array<Record<string, unknown>>;
  errors.should.have.length(1);
  Object.keys(errors[0]).sort().should.eql(['Code', 'Details', 'ErrorCode', 'Message']);
  errors[0].should.have.properties({ Code: code, ErrorCode: errorCode, Details: null });
}

function assertBatchError(error: Record<string, unknown>, code: number | string, errorCode: string, index: number): void {
  Object.keys(error).sort().should.eql(['Code', 'Details', 'ErrorCode', 'FieldPath', 'ForwardCompatibilityMap', 'Index', 'Message', 'Type']);
  error.should.have.properties({ Code: code, ErrorCode: errorCode, Index: index, Type: 'BatchError' });
}

describe('sandbox: Microsoft Advertising Campaign Management', () => {
  let sb: Sandbox;
  let token: string;
  useSandbox((sandbox, fresh) => ([sb, token] = [sandbox, fresh]), {}, msToken);

  describe('headers and authentication', () => {
    it('missing, malformed or unknown Bearer token → 401 AdApiFaultDetail 105 InvalidCredentials', async () => {
      assertAdApiFault(await queryByIds(sb, token, null, { authorization: undefined }), 401, 105, 'InvalidCredentials');
      assertAdApiFault(await queryByIds(sb, token, null, { authorization: token }), 401, 105, 'InvalidCredentials'); // no "Bearer "
      assertAdApiFault(await queryByIds(sb, 'not-a-token', null), 401, 105, 'InvalidCredentials');
      sb.microsoftAds.calls.queryByIds.should.equal(0);
    });

    it('an expired access token → 401 AdApiFaultDetail 109 AuthenticationTokenExpired; a new one works', async () => {
      sb.microsoftAds.expireAccessTokens();
      assertAdApiFault(await queryByIds(sb, token, null), 401, 109, 'AuthenticationTokenExpired');
      (await queryByIds(sb, await msToken(sb), null)).status.should.equal(200);
    });

    it('a missing or wrong DeveloperToken → 401 AdApiFaultDetail 105', async () => {
      assertAdApiFault(await queryByIds(sb, token, null, { DeveloperToken: undefined }), 401, 105, 'InvalidCredentials');
      assertAdApiFault(await queryByIds(sb, token, null, { DeveloperToken: 'XXXX' }), 401, 105, 'InvalidCredentials');
    });

    it('CustomerId / CustomerAccountId: missing → 1029 / 1030, not the user’s → 106 UserIsNotAuthorized (ApiFaultDetail, 400)', async () => {
      assertOperationFault(await queryByIds(sb, token, null, { CustomerId: undefined }), 400, 1029, 'CampaignServiceCustomerIdHasToBeSpecified');
      assertOperationFault(await queryByIds(sb, token, null, { CustomerAccountId: undefined }), 400, 1030, 'CampaignServiceAccountIdHasToBeSpecified');
      assertOperationFault(await queryByIds(sb, token, null, { CustomerAccountId: MS.otherAccountId }), 400, 106, 'UserIsNotAuthorized');
      assertOperationFault(await queryByIds(sb, token, null, { CustomerAccountId: '999' }), 400, 106, 'UserIsNotAuthorized');
      assertOperationFault(await queryByIds(sb, token, null, { CustomerId: MS.otherCustomerId, CustomerAccountId: MS.otherAccountId }), 400, 106, 'UserIsNotAuthorized');
      (await queryByIds(sb, token, null, { CustomerAccountId: MS.secondAccountId })).status.should.equal(200);
    });

    it('every answer carries a TrackingId header (uuid), successes included', async () => {
      const ok = await queryByIds(sb, token, null);
      ok.status.should.equal(200);
      String(ok.headers.get('trackingid')).should.match(UUID);
      const other = await queryByIds(sb, token, null);
      should(other.headers.get('trackingid')).not.equal(ok.headers.get('trackingid'));
    });
  });

  describe('AddAudiences and GetAudiencesByIds', () => {
    it('creates a CustomerList: ids are strings above 2^53, PartialErrors empty, defaults applied', async () => {
      const res = await addAudiences(sb, token, [customerList('Segment A'), { Type: 'CustomerList', Name: 'Segment B' }]);
      res.status.should.equal(200);
      const body = res.json as AddResult;
      body.PartialErrors.should.eql([]);
      body.AudienceIds.should.have.length(2);
      for (const id of body.AudienceIds) {
        id!.should.be.a.String().and.match(/^\d+$/);
        (BigInt(id!) > TWO_53).should.be.true();
        String(Number(id)).should.not.equal(id); // a client that parses ids as numbers corrupts them
      }
      res.text.should.match(/"AudienceIds":\["\d+","\d+"\]/);
      const records = sb.microsoftAds.audiences(MS.accountId);
      records.should.have.length(2);
      records[0].should.have.properties({ name: 'Segment A', type: 'CustomerList', scope: 'Account', parentId: MS.accountId, membershipDuration: 30, description: 'sandbox test' });
      // No Scope/ParentId (what Segment sends): Account scope in the CustomerAccountId account.
      records[1].should.have.properties({ name: 'Segment B', scope: 'Account', parentId: MS.accountId, membershipDuration: 30 });
      sb.microsoftAds.calls.addAudiences.should.equal(1);
    });

    it('QueryByIds with null ids lists the account’s customer lists (and customer-scoped ones), not other accounts’', async () => {
      const a = await createOne(sb, token, 'In account');
      (await addAudiences(sb, token, [customerList('Elsewhere', { ParentId: MS.secondAccountId })], { CustomerAccountId: MS.secondAccountId })).status.should.equal(200);
      const shared = await addAudiences(sb, token, [customerList('Customer wide', { Scope: 'Customer', ParentId: MS.customerId })]);
      (shared.json as AddResult).PartialErrors.should.eql([]);

      const res = await queryByIds(sb, token, null);
      res.status.should.equal(200);
      const body = obj(res.json);
      body.PartialErrors!.should.eql([]);
      const audiences = body.Audiences as Array<Record<string, unknown>>;
      audiences.map((x) => x.Name).should.eql(['In account', 'Customer wide']);
      audiences[0].should.have.properties({ Id: a, Type: 'CustomerList', Scope: 'Account', ParentId: MS.accountId, MembershipDuration: 30, Description: 'sandbox test', SearchSize: null });
      audiences[1].should.have.properties({ Scope: 'Customer', ParentId: MS.customerId });
      // The customer-scoped list is visible from the second account too; "In account" is not.
      const second = obj((await queryByIds(sb, token, [], { CustomerAccountId: MS.secondAccountId })).json);
      (second.Audiences as Array<Record<string, unknown>>).map((x) => x.Name).should.eql(['Elsewhere', 'Customer wide']);
      // A Type without CustomerList returns none; an unknown type is a 4859 fault.
      (obj((await call(sb, token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null, Type: 'RemarketingList,Custom' })).json).Audiences as unknown[]).should.eql([]);
      assertOperationFault(await call(sb, token, 'POST', '/Audiences/QueryByIds', { AudienceIds: null, Type: 'Nope' }), 400, 4859, 'InvalidAudienceType');
    });

    it('QueryByIds with ids: unknown or other-account ids → null slot + PartialError 4835 at their Index; >100 ids → 4852', async () => {
      const a = await createOne(sb, token, 'Known');
      const elsewhere = await addAudiences(sb, token, [customerList('Other account', { ParentId: MS.secondAccountId })], { CustomerAccountId: MS.secondAccountId });
      const otherId = (elsewhere.json as AddResult).AudienceIds[0];
      const res = await queryByIds(sb, token, [a, '9007199254740991', otherId]);
      res.status.should.equal(200);
      const body = obj(res.json);
      const audiences = body.Audiences as Array<Record<string, unknown> | null>;
      audiences.should.have.length(3);
      audiences[0]!.should.have.properties({ Id: a, Name: 'Known' });
      should(audiences[1]).be.null();
      should(audiences[2]).be.null();
      const errors = body.PartialErrors as Array<Record<string, unknown>>;
      errors.should.have.length(2);
      assertBatchError(errors[0], 4835, 'InvalidAudienceId', 1);
      assertBatchError(errors[1], 4835, 'InvalidAudienceId', 2);
      assertOperationFault(await queryByIds(sb, token, Array.from({ length: 101 }, () => a)), 400, 4852, 'AudienceIdsArrayExceedsLimit');
      sb.microsoftAds.calls.queryByIds.should.equal(2);
    });

    it('a duplicate name (case-insensitive, in the account) → HTTP 200, null id slot, PartialError 4853 at its Index', async () => {
      await createOne(sb, token, 'Dup');
      const res = await addAudiences(sb, token, [customerList('Fresh'), customerList('dup'), customerList('Fresh')]);
      res.status.should.equal(200);
      const body = res.json as AddResult;
      body.AudienceIds[0]!.should.be.a.String();
      should(body.AudienceIds[1]).be.null();
      should(body.AudienceIds[2]).be.null(); // duplicates within one call clash too
      body.PartialErrors.should.have.length(2);
      assertBatchError(body.PartialErrors[0], 4853, 'DuplicateAudienceName', 1);
      assertBatchError(body.PartialErrors[1], 4853, 'DuplicateAudienceName', 2);
      body.PartialErrors[0].should.have.properties({ Details: null, FieldPath: null, ForwardCompatibilityMap: null });
      // The same name in another account is fine.
      const other = await addAudiences(sb, token, [customerList('Dup', { ParentId: MS.secondAccountId })], { CustomerAccountId: MS.secondAccountId });
      (other.json as AddResult).PartialErrors.should.eql([]);
    });

    it('injectDuplicateNameRace: the next create of that name answers 4853 with a null slot, and the list exists afterwards', async () => {
      sb.microsoftAds.injectDuplicateNameRace('Racy');
      const res = await addAudiences(sb, token, [customerList('Calm'), customerList('Racy')]);
      res.status.should.equal(200);
      const body = res.json as AddResult;
      body.AudienceIds[0]!.should.be.a.String();
      should(body.AudienceIds[1]).be.null();
      body.PartialErrors.should.have.length(1);
      assertBatchError(body.PartialErrors[0], 4853, 'DuplicateAudienceName', 1);
      // The client's recovery: re-query by name finds the list someone else created.
      const listed = obj((await queryByIds(sb, token, null)).json).Audiences as Array<Record<string, unknown>>;
      const racy = listed.find((x) => x.Name === 'Racy');
      should(racy).be.ok();
      String(racy!.Id).should.match(/^\d+$/);
      // One shot: the race is consumed (a later create is an ordinary duplicate; another name is unaffected).
      const again = await addAudiences(sb, token, [customerList('Racy'), customerList('Other')]);
      (again.json as AddResult).PartialErrors.map((x) => x.Index).should.eql([0]);
    });

    it('validates each item: Name 1–128 (4838), MembershipDuration 1–390 or -1 (4842), Type (4859), Scope (4849), ParentId (4843), Id (4847)', async () => {
      const res = await addAudiences(sb, token, [
        customerList(''),
        customerList('x'.repeat(129)),
        customerList('y'.repeat(128)),
        customerList('zero days', { MembershipDuration: 0 }),
        customerList('too long', { MembershipDuration: 391 }),
        customerList('forever', { MembershipDuration: -1 }),
        customerList('max', { MembershipDuration: 390 }),
        customerList('remarketing', { Type: 'RemarketingList' }),
        customerList('bad scope', { Scope: 'Campaign' }),
        customerList('wrong parent', { ParentId: MS.secondAccountId }),
        customerList('has id', { Id: '1' }),
        null,
        customerList('numeric parent', { ParentId: Number(MS.accountId) }),
      ]);
      res.status.should.equal(200);
      const body = res.json as AddResult;
      body.AudienceIds.map((id) => id !== null).should.eql([false, false, true, false, false, true, true, false, false, false, false, false, true]);
      body.PartialErrors.map((x) => [x.Index, x.Code]).should.eql([
        [0, 4838],
        [1, 4838],
        [3, 4842],
        [4, 4842],
        [7, 4859],
        [8, 4849],
        [9, 4843],
        [10, 4847],
        [11, 4845],
      ]);
      sb.microsoftAds.audiences(MS.accountId).find((a) => a.name === 'forever')!.membershipDuration.should.equal(-1);
    });

    it('whole-call limits: no audiences → 4844, more than 100 → 4850, not JSON → 100 NullRequest', async () => {
      assertOperationFault(await addAudiences(sb, token, []), 400, 4844, 'AudiencesArrayShouldNotBeNullOrEmpty');
      const many = Array.from({ length: 101 }, (_, i) => customerList(`n${i}`));
      assertOperationFault(await addAudiences(sb, token, many), 400, 4850, 'AudiencesArrayExceedsLimit');
      sb.microsoftAds.audiences().should.have.length(0);
      (await addAudiences(sb, token, many.slice(0, 100))).status.should.equal(200);
      sb.microsoftAds.audiences().should.have.length(100);
      const notJson = await http(sb, 'POST', `${API}/Audiences`, { rawBody: '{', headers: { ...msHeaders(token), 'content-type': 'application/json' } });
      assertOperationFault(notJson, 400, 100, 'NullRequest');
    });

    it('UpdateAudiences renames (4853 on a clash) and DeleteAudiences removes (4835 for unknown ids)', async () => {
      const a = await createOne(sb, token, 'Old name');
      await createOne(sb, token, 'Taken');
      const upd = await call(sb, token, 'PUT', '/Audiences', {
        Audiences: [
          { Type: 'CustomerList', Id: a, Name: 'New name', MembershipDuration: 60 },
          { Type: 'CustomerList', Id: a, Name: 'Taken' },
          { Type: 'CustomerList', Id: '9007199254740991', Name: 'x' },
          { Type: 'CustomerList', Id: a, Scope: 'Customer' },
        ],
      });
      upd.status.should.equal(200);
      (obj(upd.json).PartialErrors as Array<Record<string, unknown>>).map((x) => [x.Index, x.Code]).should.eql([
        [1, 4853],
        [2, 4835],
        [3, 4855],
      ]);
      sb.microsoftAds.audiences().find((x) => x.id === a)!.should.have.properties({ name: 'New name', membershipDuration: 60 });
      const del = await call(sb, token, 'DELETE', '/Audiences', { AudienceIds: [a, '9007199254740991'] });
      del.status.should.equal(200);
      (obj(del.json).PartialErrors as Array<Record<string, unknown>>).map((x) => [x.Index, x.Code]).should.eql([[1, 4835]]);
      sb.microsoftAds.audiences().map((x) => x.name).should.eql(['Taken']);
      assertOperationFault(await call(sb, token, 'DELETE', '/Audiences', { AudienceIds: [] }), 400, 4851, 'AudienceIdsArrayShouldNotBeNullOrEmpty');
    });
  });

  describe('ApplyCustomerListUserData', () => {
    let audienceId: string;
    beforeEach(async () => {
      audienceId = await createOne(sb, token, 'Apply target');
    });

    it('Add then Remove changes the members; success is {"PartialErrors":[]}', async () => {
      const hashes = fakeHashes(5);
      const added = await apply(sb, token, audienceId, 'Add', hashes);
      added.status.should.equal(200);
      added.json!.should.eql({ PartialErrors: [] });
      String(added.headers.get('trackingid')).should.match(UUID);
      [...sb.microsoftAds.members(audienceId)].sort().should.eql(hashes);
      (await apply(sb, token, audienceId, 'Remove', hashes.slice(0, 2))).status.should.equal(200);
      [...sb.microsoftAds.members(audienceId)].sort().should.eql(hashes.slice(2));
      sb.microsoftAds.calls.should.have.properties({ apply: 2, applyByAction: { Add: 1, Remove: 1, Replace: 0 } });
    });

    it('Replace wipes the list and keeps only THIS call’s items: two Replace calls leave the second’s only', async () => {
      await apply(sb, token, audienceId, 'Add', fakeHashes(10, 1000));
      (await apply(sb, token, audienceId, 'Replace', fakeHashes(3, 0))).status.should.equal(200);
      (await apply(sb, token, audienceId, 'Replace', fakeHashes(3, 100))).status.should.equal(200);
      [...sb.microsoftAds.members(audienceId)].sort().should.eql(fakeHashes(3, 100));
      sb.microsoftAds.calls.applyByAction.Replace.should.equal(2);
    });

    it('1,000 items pass; 1,001 → 400 ApiFaultDetail (6999, an assumption) and nothing is applied', async () => {
      (await apply(sb, token, audienceId, 'Add', fakeHashes(1000))).status.should.equal(200);
      sb.microsoftAds.members(audienceId).size.should.equal(1000);
      const over = await apply(sb, token, audienceId, 'Add', fakeHashes(1001, 5000));
      assertOperationFault(over, 400, 6999, 'CampaignServiceBatchLimitExceeded');
      sb.microsoftAds.members(audienceId).size.should.equal(1000);
    });

    it('items that are not lowercase 64-hex → PartialError 8004 EmailMustBeHashed at each Index; the others are applied', async () => {
      const [a, b] = fakeHashes(2);
      const upper = 'F25AD364D33972379A7A4F4DF33DB142205F5C40EB19CFDB2FC5AAF117E10101';
      const res = await apply(sb, token, audienceId, 'Add', [a, 'test@contoso.com', upper, b, 42, a.slice(1)]);
      res.status.should.equal(200);
      const errors = obj(res.json).PartialErrors as Array<Record<string, unknown>>;
      errors.map((x) => x.Index).should.eql([1, 2, 4, 5]);
      for (const x of errors) assertBatchError(x, 8004, 'EmailMustBeHashed', Number(x.Index));
      res.text.should.not.containEql('contoso'); // values are never echoed
      [...sb.microsoftAds.members(audienceId)].sort().should.eql([a, b]);
    });

    it('an unknown audience, or one of another account → 8000 InvalidCustomerListId; bad ActionType → 8001; CRM → 8002', async () => {
      assertOperationFault(await apply(sb, token, '9007199254740991', 'Add', fakeHashes(1)), 400, 8000, 'InvalidCustomerListId');
      const other = await addAudiences(sb, token, [customerList('Other', { ParentId: MS.secondAccountId })], { CustomerAccountId: MS.secondAccountId });
      assertOperationFault(await apply(sb, token, (other.json as AddResult).AudienceIds[0], 'Add', fakeHashes(1)), 400, 8000, 'InvalidCustomerListId');
      assertOperationFault(await apply(sb, token, audienceId, 'None', fakeHashes(1)), 400, 8001, 'InvalidCustomerListActionType');
      const crm = await call(sb, token, 'POST', '/CustomerListUserData/Apply', {
        CustomerListUserData: { AcceptCustomerMatchTerm: true, ActionType: 'Add', AudienceId: audienceId, CustomerListItemSubType: 'CRM', CustomerListItems: ['abc'] },
      });
      assertOperationFault(crm, 400, 8002, 'CustomerListItemSubTypeNotSupported');
      sb.microsoftAds.members(audienceId).size.should.equal(0);
    });

    it('terms: false → 8003 always; absent → 8003 only when not accepted in the UI; true always passes; 3913 on switch', async () => {
      const item = fakeHashes(1);
      assertOperationFault(await apply(sb, token, audienceId, 'Add', item, { AcceptCustomerMatchTerm: false }), 400, 8003, 'CustomerListTermsAndConditionsNotAccepted');
      (await apply(sb, token, audienceId, 'Add', item, {})).status.should.equal(200); // accepted in the UI by default
      sb.microsoftAds.setTermsAccepted(false);
      assertOperationFault(await apply(sb, token, audienceId, 'Remove', item, {}), 400, 8003, 'CustomerListTermsAndConditionsNotAccepted');
      sb.microsoftAds.members(audienceId).size.should.equal(1); // nothing applied
      (await apply(sb, token, audienceId, 'Remove', item, { AcceptCustomerMatchTerm: true })).status.should.equal(200);
      // Accepting through the API is not remembered.
      assertOperationFault(await apply(sb, token, audienceId, 'Add', item, {}), 400, 8003, 'CustomerListTermsAndConditionsNotAccepted');
      sb.microsoftAds.setTermsErrorCode(3913);
      assertOperationFault(await apply(sb, token, audienceId, 'Add', item, {}), 400, 3913, 'TermsAndConditionsNotAccepted');
      assertOperationFault(await apply(sb, token, audienceId, 'Add', item, { AcceptCustomerMatchTerm: false }), 400, 3913, 'TermsAndConditionsNotAccepted');
    });

    it('setTermsRequiredForCreate: with terms not accepted, AddAudiences answers the terms error as a PartialError', async () => {
      sb.microsoftAds.setTermsRequiredForCreate(true);
      (await addAudiences(sb, token, [customerList('Allowed')])).status.should.equal(200); // terms accepted: no effect
      sb.microsoftAds.setTermsAccepted(false);
      const res = await addAudiences(sb, token, [customerList('Blocked')]);
      res.status.should.equal(200);
      const body = res.json as AddResult;
      should(body.AudienceIds[0]).be.null();
      assertBatchError(body.PartialErrors[0], 8003, 'CustomerListTermsAndConditionsNotAccepted', 0);
    });
  });

  describe('throttling (117 CallRateExceeded)', () => {
    it('over the per-minute limit → 429 AdApiFaultDetail 117, nothing applied; setThrottleStatus(400) plays the other status', async () => {
      const audienceId = await createOne(sb, token, 'Throttled');
      sb.microsoftAds.setCallRateLimit(3); // the create above is in the window too
      (await apply(sb, token, audienceId, 'Add', fakeHashes(1, 0))).status.should.equal(200);
      (await apply(sb, token, audienceId, 'Add', fakeHashes(1, 1))).status.should.equal(200);
      const limited = await apply(sb, token, audienceId, 'Add', fakeHashes(1, 2));
      assertAdApiFault(limited, 429, 117, 'CallRateExceeded');
      should(limited.headers.get('retry-after')).be.null();
      sb.microsoftAds.members(audienceId).size.should.equal(2);
      sb.microsoftAds.calls.apply.should.equal(2); // throttled calls are not counted
      sb.microsoftAds.setThrottleStatus(400);
      assertAdApiFault(await queryByIds(sb, token, null), 400, 117, 'CallRateExceeded');
      sb.microsoftAds.setCallRateLimit(undefined);
      (await queryByIds(sb, token, null)).status.should.equal(200);
    });

    it('throttleNext(n) answers 117 to the next n calls; setCodesAsStrings writes every Code as a string', async () => {
      sb.microsoftAds.setCodesAsStrings(true);
      sb.microsoftAds.throttleNext(2);
      assertAdApiFault(await queryByIds(sb, token, null), 429, '117', 'CallRateExceeded');
      assertAdApiFault(await addAudiences(sb, token, [customerList('Later')]), 429, '117', 'CallRateExceeded');
      sb.microsoftAds.audiences().should.have.length(0);
      await createOne(sb, token, 'Later');
      const dup = await addAudiences(sb, token, [customerList('Later')]);
      assertBatchError((dup.json as AddResult).PartialErrors[0], '4853', 'DuplicateAudienceName', 0);
      dup.text.should.containEql('"Code":"4853"');
      assertOperationFault(await queryByIds(sb, token, null, { CustomerAccountId: MS.otherAccountId }), 400, '106', 'UserIsNotAuthorized');
    });

    it('the rateLimit option sets a default of 2,000 calls/min; rateLimit:false none; Retry-After with retryAfterOn429', async () => {
      sb.microsoftAds.switches().callRateLimit!.should.equal(2000);
      const open = await startSandbox({ rateLimit: false, retryAfterOn429: true });
      try {
        should(open.microsoftAds.switches().callRateLimit).be.undefined();
        open.microsoftAds.setCallRateLimit(1);
        const t = await msToken(open);
        (await queryByIds(open, t, null)).status.should.equal(200);
        const limited = await queryByIds(open, t, null);
        limited.status.should.equal(429);
        Number(limited.headers.get('retry-after')).should.be.within(1, 60);
      } finally {
        await open.close();
      }
    });

    it('the window slides: calls older than 60 s leave it (per customer)', () => {
      const window = new SlidingWindow(60_000);
      window.take('c1', 2, 0).ok.should.be.true();
      window.take('c1', 2, 30_000).ok.should.be.true();
      const refused = window.take('c1', 2, 59_000);
      refused.should.eql({ ok: false, retryAfterSeconds: 1 });
      window.take('c2', 2, 59_000).ok.should.be.true(); // another customer has its own window
      window.take('c1', 2, 60_001).ok.should.be.true(); // the call at 0 has left
      window.take('c1', 2, 60_002).should.eql({ ok: false, retryAfterSeconds: 30 });
    });
  });

  describe('ids above 2^53 and the numbers switch', () => {
    it('ids survive as strings; an id sent back as a JSON number has lost digits and is unknown', async () => {
      const id = await createOne(sb, token, 'Big id');
      const asNumber = JSON.parse(`{"AudienceId":${id}}`) as { AudienceId: number };
      String(asNumber.AudienceId).should.not.equal(id);
      assertOperationFault(await apply(sb, token, asNumber.AudienceId, 'Add', fakeHashes(1)), 400, 8000, 'InvalidCustomerListId');
      (await apply(sb, token, id, 'Add', fakeHashes(1))).status.should.equal(200);
      const second = await createOne(sb, token, 'Next id');
      (BigInt(second) - BigInt(id)).should.equal(2n); // all odd: none is representable as a double
    });

    it('setIdsAsNumbers(true) writes AudienceIds / Id / ParentId as bare JSON numbers with every digit', async () => {
      sb.microsoftAds.setIdsAsNumbers(true);
      const res = await addAudiences(sb, token, [customerList('Numeric')]);
      res.status.should.equal(200);
      const match = /"AudienceIds":\[(\d+)\]/.exec(res.text);
      should(match).not.be.null();
      const id = match![1];
      (BigInt(id) > TWO_53).should.be.true();
      sb.microsoftAds.audiences()[0].id.should.equal(id);
      const query = await queryByIds(sb, token, [id]);
      query.text.should.containEql(`"Id":${id},`);
      query.text.should.containEql(`"ParentId":${MS.accountId},`);
      const parsed = (obj(query.json).Audiences as Array<Record<string, unknown>>)[0];
      parsed.Id!.should.be.a.Number(); // …and JSON.parse rounds it
      String(parsed.Id).should.not.equal(id);
    });
  });

  describe('audience sizes (longs) and the sizes switch', () => {
    it('SearchSize and AudienceNetworkSize are strings ("LongValueHere", as the docs and the .NET SDK write longs); null below 300', async () => {
      const big = sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Big', members: fakeHashes(300) });
      const small = sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Small', members: fakeHashes(299) });
      const res = await queryByIds(sb, token, [big.id, small.id]);
      res.status.should.equal(200);
      const [a, b] = obj(res.json).Audiences as Array<Record<string, unknown>>;
      a.should.have.properties({ SearchSize: '300', AudienceNetworkSize: '300' });
      res.text.should.containEql('"SearchSize":"300"');
      should(b.SearchSize).be.null();
      should(b.AudienceNetworkSize).be.null();
    });

    it('setSizesAsNumbers(true) writes them as JSON numbers; the control route and the option do the same; reset goes back to the option', async () => {
      const big = sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Big', members: fakeHashes(301) });
      sb.microsoftAds.setSizesAsNumbers(true);
      const numeric = await queryByIds(sb, token, [big.id]);
      (obj(numeric.json).Audiences as Array<Record<string, unknown>>)[0].should.have.properties({ SearchSize: 301, AudienceNetworkSize: 301 });
      numeric.text.should.containEql('"SearchSize":301,');
      const back = await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { sizesAsNumbers: false } });
      obj(back.json).sizesAsNumbers!.should.equal(false);
      ((obj((await queryByIds(sb, token, [big.id])).json).Audiences as Array<Record<string, unknown>>)[0].SearchSize as string).should.equal('301');
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { sizesAsNumbers: 'yes' } })).status.should.equal(400);

      const opted = await startSandbox({ microsoftAdsSizesAsNumbers: true });
      try {
        const t = await msToken(opted);
        const seeded = opted.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Opted', members: fakeHashes(400) });
        (obj((await queryByIds(opted, t, [seeded.id])).json).Audiences as Array<Record<string, unknown>>)[0].SearchSize!.should.equal(400);
        opted.microsoftAds.setSizesAsNumbers(false);
        opted.reset();
        opted.microsoftAds.switches().sizesAsNumbers.should.be.true();
      } finally {
        await opted.close();
      }
    });
  });

  describe('fault envelope switch', () => {
    /** A wrapped fault: `{"ApplicationFault": <the bare body>}` and nothing else. */
    function unwrap(res: HttpResult): HttpResult {
      const body = obj(res.json);
      Object.keys(body).should.eql(['ApplicationFault']);
      return { ...res, json: body.ApplicationFault };
    }

    it("faultEnvelope 'wrapped' wraps every fault (AdApiFaultDetail, ApiFaultDetail, injected) in {ApplicationFault}; PartialErrors stay as they are", async () => {
      sb.microsoftAds.switches().faultEnvelope.should.equal('bare');
      sb.microsoftAds.setFaultEnvelope('wrapped');
      assertAdApiFault(unwrap(await queryByIds(sb, 'not-a-token', null)), 401, 105, 'InvalidCredentials');
      sb.microsoftAds.setThrottleStatus(400);
      sb.microsoftAds.throttleNext();
      assertAdApiFault(unwrap(await queryByIds(sb, token, null)), 400, 117, 'CallRateExceeded');
      assertOperationFault(unwrap(await queryByIds(sb, token, null, { CustomerAccountId: MS.otherAccountId })), 400, 106, 'UserIsNotAuthorized');
      const audienceId = await createOne(sb, token, 'Wrapped');
      assertOperationFault(unwrap(await apply(sb, token, audienceId, 'Add', fakeHashes(1), { AcceptCustomerMatchTerm: false })), 400, 8003, 'CustomerListTermsAndConditionsNotAccepted');
      sb.faults.failNext({ status: 500 });
      assertAdApiFault(unwrap(await queryByIds(sb, token, null)), 500, 0, 'InternalError');
      sb.faults.failNext({ status: 503 });
      String((await queryByIds(sb, token, null)).headers.get('content-type')).should.startWith('text/html'); // gateway pages are not JSON
      const partial = await apply(sb, token, audienceId, 'Add', ['plain@example.com']);
      partial.status.should.equal(200);
      Object.keys(obj(partial.json)).should.eql(['PartialErrors']);
      sb.microsoftAds.setFaultEnvelope('bare');
      assertAdApiFault(await queryByIds(sb, 'not-a-token', null), 401, 105, 'InvalidCredentials');
      (() => sb.microsoftAds.setFaultEnvelope('other' as 'bare')).should.throw(RangeError);
    });

    it('the control route and the microsoftAdsFaultEnvelope option set it; reset goes back to the option', async () => {
      const set = await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { faultEnvelope: 'wrapped' } });
      obj(set.json).faultEnvelope!.should.equal('wrapped');
      assertAdApiFault(unwrap(await queryByIds(sb, 'nope', null)), 401, 105, 'InvalidCredentials');
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { faultEnvelope: 'nested' } })).status.should.equal(400);
      sb.reset();
      assertAdApiFault(await queryByIds(sb, 'nope', null), 401, 105, 'InvalidCredentials');

      const opted = await startSandbox({ microsoftAdsFaultEnvelope: 'wrapped' });
      try {
        assertAdApiFault(unwrap(await queryByIds(opted, 'nope', null)), 401, 105, 'InvalidCredentials');
        opted.microsoftAds.setFaultEnvelope('bare');
        opted.reset();
        opted.microsoftAds.switches().faultEnvelope.should.equal('wrapped');
      } finally {
        await opted.close();
      }
      (() => resolveOptions({ microsoftAdsFaultEnvelope: 'nested' as 'bare' })).should.throw(RangeError);
    });
  });

  describe('shared faults, control endpoints, reset', () => {
    it('injected faults are worded like Microsoft: 429 → 117 body, 401 → 109, 500 → InternalError, 503 → HTML page', async () => {
      sb.faults.failNext({ status: 429, pathIncludes: '/CampaignManagement/' });
      assertAdApiFault(await queryByIds(sb, token, null), 429, 117, 'CallRateExceeded');
      sb.faults.failNext({ status: 401 });
      assertAdApiFault(await queryByIds(sb, token, null), 401, 109, 'AuthenticationTokenExpired');
      sb.faults.failNext({ status: 500 });
      assertAdApiFault(await queryByIds(sb, token, null), 500, 0, 'InternalError');
      sb.faults.failNext({ status: 503 });
      const gateway = await queryByIds(sb, token, null);
      gateway.status.should.equal(503);
      should(gateway.json).be.undefined();
      String(gateway.headers.get('content-type')).should.startWith('text/html');
      sb.faults.failNext({ status: 500, pathIncludes: '/oauth2/v2.0/token' });
      const tokenFault = await http(sb, 'POST', MS.paths.token, { rawBody: 'grant_type=refresh_token', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      tokenFault.status.should.equal(500);
      obj(tokenFault.json).error!.should.equal('server_error');
    });

    it('dropAfterApply on Apply applies the items but loses the answer', async () => {
      const audienceId = await createOne(sb, token, 'Dropped');
      sb.faults.failNext({ status: 'dropAfterApply', pathIncludes: '/CustomerListUserData/Apply' });
      await apply(sb, token, audienceId, 'Add', fakeHashes(3)).should.be.rejected();
      sb.microsoftAds.members(audienceId).size.should.equal(3);
    });

    it('control routes: audiences with member counts, members, calls, switches, throttle-next, duplicate-name-race', async () => {
      const seeded = sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'Seeded', members: fakeHashes(4) });
      (() => sb.microsoftAds.createAudience({ accountId: MS.accountId, name: 'seeded' })).should.throw(/already exists/);
      const health = obj((await http(sb, 'GET', '/_sandbox/health')).json);
      (health.platforms as string[]).should.containEql('microsoft-ads');
      const list = await http(sb, 'GET', '/_sandbox/microsoft-ads/audiences');
      list.text.should.not.containEql(fakeHashes(1)[0]);
      (obj(list.json).audiences as Array<Record<string, unknown>>)[0].should.have.properties({ id: seeded.id, name: 'Seeded', members: 4 });
      const members = obj((await http(sb, 'GET', `/_sandbox/microsoft-ads/audiences/${seeded.id}/members`)).json);
      members.count!.should.equal(4);
      (await http(sb, 'GET', '/_sandbox/microsoft-ads/audiences/1/members')).status.should.equal(404);

      const switched = await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { termsAccepted: false, callRateLimit: null, throttleStatus: 400 } });
      switched.status.should.equal(200);
      sb.microsoftAds.switches().should.have.properties({ termsAccepted: false, callRateLimit: undefined, throttleStatus: 400 });
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/switches', { body: { throttleStatus: 503 } })).status.should.equal(400);
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/throttle-next', { body: { count: 1 } })).status.should.equal(200);
      assertAdApiFault(await queryByIds(sb, token, null), 400, 117, 'CallRateExceeded');
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/duplicate-name-race', { body: { name: 'Raced' } })).status.should.equal(200);
      should((((await addAudiences(sb, token, [customerList('Raced')])).json) as AddResult).AudienceIds[0]).be.null();
      obj((await http(sb, 'GET', '/_sandbox/microsoft-ads/calls')).json).should.have.properties({ addAudiences: 1, queryByIds: 0 });
      (await http(sb, 'POST', '/_sandbox/microsoft-ads/expire-access-tokens')).status.should.equal(200);
      assertAdApiFault(await queryByIds(sb, token, null), 401, 109, 'AuthenticationTokenExpired');
    });

    it('reset restores fixtures, switches and counters', async () => {
      await createOne(sb, token, 'Gone after reset');
      sb.microsoftAds.setTermsAccepted(false);
      sb.microsoftAds.setIdsAsNumbers(true);
      sb.microsoftAds.setSizesAsNumbers(true);
      sb.microsoftAds.setFaultEnvelope('wrapped');
      sb.microsoftAds.throttleNext(5);
      sb.reset();
      sb.microsoftAds.audiences().should.have.length(0);
      sb.microsoftAds.switches().should.eql({
        termsAccepted: true,
        termsErrorCode: 8003,
        termsRequiredForCreate: false,
        callRateLimit: 2000,
        throttleStatus: 429,
        idsAsNumbers: false,
        codesAsStrings: false,
        sizesAsNumbers: false,
        faultEnvelope: 'bare',
      });
      sb.microsoftAds.calls.should.eql({ token: 0, apply: 0, applyByAction: { Add: 0, Remove: 0, Replace: 0 }, addAudiences: 0, queryByIds: 0, updateAudiences: 0, deleteAudiences: 0 });
      (await queryByIds(sb, await msToken(sb), null)).status.should.equal(200); // throttleNext cleared
    });
  });
});
