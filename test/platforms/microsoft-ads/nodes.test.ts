import assert from 'node:assert/strict';
import { sha256Hex } from '../../../src/core/email';
import { ExportError } from '../../../src/core/errors';
import { createHttpClient } from '../../../src/core/http';
import { MicrosoftAdsConnection } from '../../../src/platforms/microsoft-ads';
import { MICROSOFT_ADS_SANDBOX, type Sandbox } from '../../../src/sandbox';
import { assertBadInputHandled, helper, loadFlow, microsoftCredentials, microsoftFlow, profiles, startTestSandbox, useSandboxRuntime } from '../../nodes/harness';

const hashesOf = (list: Array<{ email: string }>) => new Set(list.map((p) => sha256Hex(p.email)));
const account = { customerId: MICROSOFT_ADS_SANDBOX.customerId, accountId: MICROSOFT_ADS_SANDBOX.accountId };

describe('microsoft-ads-audience in a Node-RED runtime, against the sandbox', function () {
  let sandbox: Sandbox;

  useSandboxRuntime({ recordBodies: true }, { set: (started) => (sandbox = started), get: () => sandbox });

  it('creates one customer list per segment, named after it, and reuses it on the next run', async () => {
    const { run, captured } = await loadFlow(microsoftFlow(sandbox, { membershipDuration: 90 }), microsoftCredentials());
    const members = profiles(2500);
    const first = await run({ payload: members, segment: 'Loyal customers' });
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.equal(first.platform, 'microsoft-ads');
    assert.deepEqual(first.batches, { total: 3, ok: 3, failed: 0 });
    assert.ok(captured.batches.every((b) => b.identifiers <= 1000));
    const lists = sandbox.microsoftAds.audiences(MICROSOFT_ADS_SANDBOX.accountId).filter((a) => a.name === 'Loyal customers');
    assert.equal(lists.length, 1);
    assert.equal(lists[0].membershipDuration, 90);
    assert.equal(lists[0].scope, 'Account');
    assert.equal(first.audienceId, lists[0].id);
    assert.ok(BigInt(first.audienceId ?? '0') > BigInt(Number.MAX_SAFE_INTEGER), 'a 64-bit id survives as a string');
    assert.deepEqual(new Set(sandbox.microsoftAds.members(lists[0].id)), hashesOf(members));

    const second = await run({ payload: profiles(2600), segment: 'Loyal customers' });
    assert.equal(second.audienceId, first.audienceId);
    assert.deepEqual({ added: second.added, unchanged: second.unchanged }, { added: 100, unchanged: 2500 });
    assert.equal(sandbox.microsoftAds.audiences(MICROSOFT_ADS_SANDBOX.accountId).filter((a) => a.name === 'Loyal customers').length, 1);
  });

  it('skips a 500,001-profile segment whole under the default guard, sending nothing', async () => {
    const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    const summary = await run({ payload: profiles(500_001), segment: 'Too big' });
    assert.equal(summary.status, 'skipped');
    assert.equal(summary.error?.code, 'segment_too_large');
    assert.equal(sandbox.recorder.requests.length, 0);
  });

  it('rides through a token expiry (109) and a 117 throttle in the middle of a run, and a 500, leaving the audience exact', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ latencyMs: 5 });
    const { run, captured } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    sandbox.faults.failNext({ status: 500, count: 1, pathIncludes: '/Apply' });
    captured.onBatch = (report) => {
      if (report.batch !== 1) return;
      sandbox.microsoftAds.expireAccessTokens();
      sandbox.microsoftAds.throttleNext(2);
    };
    const members = profiles(30_000);
    const summary = await run({ payload: members, segment: 'Faults' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.deepEqual(new Set(sandbox.microsoftAds.members(summary.audienceId ?? '')), hashesOf(members));
    assert.ok(captured.batches.filter((b) => b.attempts > 1).length >= 2, 'batches after the expiry and the throttle were retried');
    assert.equal(sandbox.microsoftAds.calls.token, 2, 'one refresh however many batches saw the 109');
  });

  it('survives the duplicate-name race (4853) by querying again', async () => {
    sandbox.microsoftAds.injectDuplicateNameRace('Raced');
    const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    const summary = await run({ payload: profiles(10), segment: 'Raced' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const lists = sandbox.microsoftAds.audiences(MICROSOFT_ADS_SANDBOX.accountId).filter((a) => a.name === 'Raced');
    assert.equal(lists.length, 1);
    assert.equal(summary.audienceId, lists[0].id);
  });

  it('stops with a clear terms error (8003 and the older 3913) and sends nothing more; acceptTerms sends AcceptCustomerMatchTerm', async () => {
    sandbox.microsoftAds.setTermsAccepted(false);
    for (const code of [8003, 3913] as const) {
      sandbox.microsoftAds.setTermsErrorCode(code);
      const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
      const before = sandbox.microsoftAds.calls.apply;
      const summary = await run({ payload: profiles(5000), segment: `Terms ${code}` });
      assert.equal(summary.status, 'failed');
      assert.equal(summary.error?.code, 'terms_not_accepted');
      assert.match(summary.error?.message ?? '', /Customer Match terms/);
      assert.ok(sandbox.microsoftAds.calls.apply - before <= MICROSOFT_LANES, 'no call after the refusal was answered');
      await helper.unload();
    }
    const { run } = await loadFlow(microsoftFlow(sandbox, { acceptTerms: true }), microsoftCredentials());
    const accepted = await run({ payload: profiles(20), segment: 'Terms accepted' });
    assert.equal(accepted.status, 'completed', JSON.stringify(accepted.error));
    const applyBodies = sandbox.recorder.requests.filter((r) => r.path.endsWith('/Apply') && r.status === 200);
    assert.ok(applyBodies.length > 0 && applyBodies.every((r) => JSON.parse(r.body ?? '{}').CustomerListUserData.AcceptCustomerMatchTerm === true));
  });

  it('replace sends one Replace call first, then Adds, so the audience equals the segment even with members others put there', async () => {
    const seeded = sandbox.microsoftAds.createAudience({ accountId: MICROSOFT_ADS_SANDBOX.accountId, name: 'Replace me', members: [sha256Hex('stranger@example.org')] });
    const { run, captured } = await loadFlow(microsoftFlow(sandbox, { mode: 'replace' }), microsoftCredentials());
    const members = profiles(3500);
    const summary = await run({ payload: members, segment: 'Replace me' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.audienceId, seeded.id);
    assert.deepEqual(new Set(sandbox.microsoftAds.members(seeded.id)), hashesOf(members));
    assert.deepEqual(sandbox.microsoftAds.calls.applyByAction, { Add: 3, Remove: 0, Replace: 1 });
    const order = sandbox.recorder.requests.filter((r) => r.path.endsWith('/Apply')).map((r) => JSON.parse(r.body ?? '{}').CustomerListUserData.ActionType);
    assert.equal(order[0], 'Replace');
    assert.ok(order.slice(1).every((action: string) => action === 'Add'), 'never a Replace after an Add');
    assert.equal(captured.batches.filter((b) => b.action === 'replace').length, 1);
  });

  it('mirror twice with overlapping segments removes only those who left', async () => {
    const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    await run({ payload: profiles(3000), segment: 'Mirror' });
    const second = profiles(3000, 1000);
    const summary = await run({ payload: second, segment: 'Mirror' });
    assert.deepEqual({ added: summary.added, removed: summary.removed, unchanged: summary.unchanged }, { added: 1000, removed: 1000, unchanged: 2000 });
    assert.deepEqual(new Set(sandbox.microsoftAds.members(summary.audienceId ?? '')), hashesOf(second));
  });

  it('reads ids written as bare 64-bit numbers and codes written as strings', async () => {
    sandbox.microsoftAds.setIdsAsNumbers(true);
    sandbox.microsoftAds.setCodesAsStrings(true);
    const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    await run({ payload: profiles(10), segment: 'Numbers' });
    sandbox.microsoftAds.throttleNext(1);
    const summary = await run({ payload: profiles(20), segment: 'Numbers' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const [list] = sandbox.microsoftAds.audiences(MICROSOFT_ADS_SANDBOX.accountId).filter((a) => a.name === 'Numbers');
    assert.equal(summary.audienceId, list.id);
    assert.equal(sandbox.microsoftAds.members(list.id).size, 20);
  });

  it('fails clearly for an account the user may not manage (106)', async () => {
    const { run } = await loadFlow(microsoftFlow(sandbox, { accountId: MICROSOFT_ADS_SANDBOX.otherAccountId }), microsoftCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Forbidden' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'forbidden');
    assert.match(summary.error?.message ?? '', /106/);
  });

  it('marks the connection for re-authentication on invalid_grant', async () => {
    sandbox.microsoftAds.revokeRefreshTokens();
    const { run, captured } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Reauth' });
    assert.equal(summary.error?.code, 'reauth_required');
    assert.equal(captured.statuses.at(-1)?.text, 'audience-export.status.failure.reauth_required');
  });

  it('uses the sandbox scope when the environment is sandbox', async () => {
    const { run } = await loadFlow(microsoftFlow(sandbox, {}, { environment: 'sandbox' }), microsoftCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Sandbox env' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.ok(sandbox.microsoftAds.lastTokenScope?.includes('si.ads.microsoft.com'));
  });

  it('answers every kind of bad input with a clear error or an invalid count, and keeps serving', async () => {
    const { run } = await loadFlow(microsoftFlow(sandbox), microsoftCredentials());
    await assertBadInputHandled(run);
  });
});

/** Export runs keep at most this many Apply calls in flight (a refusal may meet that many already sent). */
const MICROSOFT_LANES = 8;

describe('Microsoft Advertising client against the sandbox', () => {
  let sandbox: Sandbox;
  let connection: MicrosoftAdsConnection;

  beforeEach(async () => {
    sandbox = await startTestSandbox();
    connection = new MicrosoftAdsConnection({
      authBaseUrl: sandbox.url,
      apiBaseUrl: sandbox.url,
      tenant: 'common',
      environment: 'production',
      clientId: MICROSOFT_ADS_SANDBOX.clientId,
      clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret,
      refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken,
      developerToken: MICROSOFT_ADS_SANDBOX.developerToken,
      throttleWaitMs: 10,
      http: createHttpClient(10_000),
    });
  });

  afterEach(() => sandbox.close());

  it('maps PartialErrors to a rejected count by Index, never echoing the items', async () => {
    const list = sandbox.microsoftAds.createAudience({ accountId: MICROSOFT_ADS_SANDBOX.accountId, name: 'Partial' });
    const good = sha256Hex('good@example.com');
    const rejected = await connection.client.apply(account, { audienceId: list.id, action: 'Add', items: [good, 'NOT-A-HASH', good.toUpperCase(), sha256Hex('x@example.com')], acceptTerms: false });
    assert.equal(rejected, 2);
    assert.deepEqual(new Set(sandbox.microsoftAds.members(list.id)), new Set([good, sha256Hex('x@example.com')]));
  });

  it('fails an unknown audience with not_found (8000)', async () => {
    await assert.rejects(
      connection.client.apply(account, { audienceId: '123456789', action: 'Add', items: [sha256Hex('a@example.com')], acceptTerms: false }),
      (error: unknown) => error instanceof ExportError && error.code === 'not_found' && /8000/.test(error.message),
    );
  });

  it('classifies 117 as a wait of the configured length, whatever HTTP status carries it', async () => {
    const list = sandbox.microsoftAds.createAudience({ accountId: MICROSOFT_ADS_SANDBOX.accountId, name: 'Throttle' });
    for (const status of [429, 400] as const) {
      sandbox.microsoftAds.setThrottleStatus(status);
      sandbox.microsoftAds.throttleNext(1);
      await assert.rejects(
        connection.client.apply(account, { audienceId: list.id, action: 'Add', items: [sha256Hex('a@example.com')], acceptTerms: false }),
        (error: unknown) => error instanceof ExportError && error.code === 'rate_limited' && error.retryAfterMs === 10 && error.httpStatus === status,
      );
    }
  });
});
