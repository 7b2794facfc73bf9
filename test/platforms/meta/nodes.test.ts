import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { sha256Hex } from '../../../src/core/email';
import { META_SANDBOX, type Sandbox } from '../../../src/sandbox';
import { loadFlow, platformCredentials, platformFlow, profiles, startTestSandbox, useSandboxRuntime } from '../../nodes/harness';

const hashesOf = (list: Array<{ email: string }>) => new Set(list.map((p) => sha256Hex(p.email)));
const metaFlow = (sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}) => platformFlow('meta', sandbox, exportProps, connectionProps);
const metaCredentials = (overrides: Record<string, string> = {}) => platformCredentials('meta', overrides);

interface RecordedBody {
  readonly session?: { session_id: number; batch_seq: number; last_batch_flag: boolean };
  readonly method?: string;
}

describe('meta-audience in a Node-RED runtime, against the sandbox', function () {
  let sandbox: Sandbox;

  useSandboxRuntime({ recordBodies: true }, { set: (started) => (sandbox = started), get: () => sandbox });

  const uploads = (edge: 'users' | 'usersreplace'): Array<{ method: string; body: RecordedBody; query: string }> =>
    sandbox.recorder.requests
      .filter((request) => new RegExp(`/${edge}(\\?|$)`).test(request.path))
      .map((request) => ({ method: request.method, body: JSON.parse(request.body ?? '{}') as RecordedBody, query: request.path.split('?')[1] ?? '' }));

  it('creates the audience by name, lands the segment in 10,000-row batches of one session, and finds it again', async () => {
    const { run, captured } = await loadFlow(metaFlow(sandbox), metaCredentials());
    const members = profiles(25_000);
    const first = await run({ payload: [...members, { email: 'not-an-email' }], segment: 'Newsletter' });
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.equal(first.platform, 'meta');
    assert.equal(first.invalid, 1);
    assert.deepEqual(captured.batches.map((b) => b.identifiers).sort((a, b) => b - a), [10_000, 10_000, 5_000]);
    const [audience] = sandbox.meta.audiences(META_SANDBOX.adAccountId).filter((a) => a.name === 'Newsletter');
    assert.equal(audience.subtype, 'CUSTOM');
    assert.equal(first.audienceId, audience.id);
    assert.deepEqual(new Set(sandbox.meta.members(audience.id)), hashesOf(members));
    // One session for the run's adds, numbered 1…n, closed by its last batch (sent once the others settled): nothing sent twice.
    const adds = uploads('users');
    assert.equal(new Set(adds.map((u) => u.body.session?.session_id)).size, 1);
    assert.deepEqual(adds.map((u) => u.body.session?.batch_seq).sort(), [1, 2, 3]);
    assert.deepEqual(adds.filter((u) => u.body.session?.last_batch_flag).map((u) => u.body.session?.batch_seq), [3]);
    assert.ok(adds.every((u) => u.method === 'POST' && !/payload|access_token/.test(u.query)), 'payload and token never in the URL');
    assert.equal(first.audience?.status, 'ready');
    assert.ok(first.audience?.approximateSizeRange && first.audience.approximateSizeRange.lower <= 25_000 && first.audience.approximateSizeRange.upper >= 25_000);

    const second = await run({ payload: members.slice(0, 20_000), segment: 'Newsletter' });
    assert.equal(second.audienceId, audience.id);
    assert.deepEqual({ removed: second.removed, unchanged: second.unchanged }, { removed: 5_000, unchanged: 20_000 });
    assert.equal(sandbox.meta.audiences(META_SANDBOX.adAccountId).filter((a) => a.name === 'Newsletter').length, 1);
    assert.ok(uploads('users').some((u) => u.body.method === 'DELETE'), 'removals are POSTed with method=DELETE');
    assert.deepEqual(new Set(sandbox.meta.members(audience.id)), hashesOf(members.slice(0, 20_000)));
  });

  it('finds an audience past the first page, by exact name and subtype CUSTOM only', async () => {
    for (let i = 0; i < 130; i++) sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: `Filler ${i}` });
    sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'Buyers', subtype: 'WEBSITE' });
    const wanted = sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'Buyers' });
    sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'buyers' });
    const { run } = await loadFlow(metaFlow(sandbox), metaCredentials());
    const summary = await run({ payload: profiles(10), segment: 'Buyers' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.audienceId, wanted.id);
  });

  it('replaces through one usersreplace session: batch_seq 1 first, the last flagged, members swapped', async () => {
    const old = profiles(50, 9);
    const audience = sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'Replaced', members: [...hashesOf(old)] });
    const { run } = await loadFlow(metaFlow(sandbox, { mode: 'replace', maxRemovalPercent: 100 }), metaCredentials());
    const members = profiles(23_000);
    const summary = await run({ payload: members, segment: 'Replaced' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.audienceId, audience.id);
    assert.deepEqual(new Set(sandbox.meta.members(audience.id)), hashesOf(members));
    const replaces = uploads('usersreplace');
    assert.equal(uploads('users').length, 0, 'no /users call during a replace');
    assert.equal(replaces[0].body.session?.batch_seq, 1);
    assert.equal(new Set(replaces.map((u) => u.body.session?.session_id)).size, 1);
    assert.equal(replaces.at(-1)?.body.session?.last_batch_flag, true);
    assert.equal(sandbox.meta.audiences().find((a) => a.id === audience.id)?.replacing, false);
  });

  it('refuses to replace while another replace runs on the audience', async () => {
    const audience = sandbox.meta.createAudience({ adAccountId: META_SANDBOX.adAccountId, name: 'Busy' });
    // Someone else's replace session, left open.
    await fetch(`${sandbox.url}/v26.0/${audience.id}/usersreplace`, {
      method: 'POST',
      headers: { authorization: `Bearer ${META_SANDBOX.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session: { session_id: 42, batch_seq: 1, last_batch_flag: false }, payload: { schema: ['EMAIL'], data: [[sha256Hex('a@example.com')]] } }),
    });
    const { run } = await loadFlow(metaFlow(sandbox, { mode: 'replace', audienceId: audience.id, maxRemovalPercent: 100 }), metaCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Busy' });
    assert.equal(summary.status, 'failed');
    assert.match(summary.error?.message ?? '', /Another replace is running/);
  });

  it('refuses with the acceptance link while the Custom Audience terms are not accepted, sending nothing', async () => {
    const { run } = await loadFlow(metaFlow(sandbox, { adAccountId: META_SANDBOX.noTermsAdAccountId }), metaCredentials());
    const summary = await run({ payload: profiles(5), segment: 'No terms' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'terms_not_accepted');
    assert.match(summary.error?.message ?? '', /business\.facebook\.com\/ads\/manage\/customaudiences\/tos\/\?act=1000000002/);
    assert.equal(sandbox.meta.calls.audiencesCreate + sandbox.meta.calls.usersAdd, 0);
  });

  for (const tosError of ['200/1870090', '100/1487390'] as const) {
    it(`classifies the terms refusal ${tosError} when the terms are withdrawn mid-run`, async () => {
      sandbox.meta.setSwitches({ tosError });
      const { run, captured } = await loadFlow(metaFlow(sandbox), metaCredentials());
      captured.onBatch = () => sandbox.meta.setTermsAccepted(META_SANDBOX.adAccountId, false);
      const summary = await run({ payload: profiles(100_000), segment: 'Withdrawn' });
      assert.notEqual(summary.status, 'completed');
      assert.equal(summary.error?.code, 'terms_not_accepted');
    });
  }

  it('stops at once on an expired token (190): re-authenticate, nothing more sent', async () => {
    const { run, captured } = await loadFlow(metaFlow(sandbox), metaCredentials());
    captured.onBatch = (report) => {
      if (report.batch === 1) sandbox.meta.expireAccessTokens();
    };
    const summary = await run({ payload: profiles(100_000), segment: 'Expired' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'reauth_required');
    const failed = captured.batches.filter((b) => b.status === 'failed');
    assert.ok(failed.every((b) => b.attempts <= 1), 'no retries of a revoked token');
    assert.ok(!captured.everything().includes(META_SANDBOX.accessToken));
  });

  it('waits out throttle codes as the usage header says, and retries transient errors', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ latencyMs: 2, recordBodies: true });
    const { run, captured } = await loadFlow(metaFlow(sandbox), metaCredentials());
    sandbox.meta.throttleNext({ code: 80003, minutes: 0.001 });
    sandbox.meta.throttleNext({ code: 613, minutes: 0.001 });
    sandbox.faults.failNext({ status: 503, count: 1, pathIncludes: '/users' });
    const members = profiles(30_000, 3);
    const summary = await run({ payload: members, segment: 'Throttled' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.deepEqual(new Set(sandbox.meta.members(summary.audienceId ?? '')), hashesOf(members));
    assert.equal(sandbox.recorder.requests.filter((request) => request.status === 400).length, 2, 'both throttles answered, then waited out');
    assert.ok(captured.batches.some((b) => b.attempts > 1), 'the 503 on an upload was retried');
  });

  it('signs every call with appsecret_proof when the app secret is set, as "Require App Secret" needs', async () => {
    sandbox.meta.setSwitches({ requireAppSecret: true });
    const { run } = await loadFlow(metaFlow(sandbox), metaCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Proof' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const proof = createHmac('sha256', META_SANDBOX.appSecret).update(META_SANDBOX.accessToken).digest('hex');
    assert.ok(sandbox.recorder.requests.every((request) => request.path.includes(`appsecret_proof=${proof}`)));
  });

  it('is refused without the app secret when the app requires appsecret_proof', async () => {
    sandbox.meta.setSwitches({ requireAppSecret: true });
    const { run } = await loadFlow(metaFlow(sandbox), metaCredentials({ appSecret: '' }));
    const refused = await run({ payload: profiles(5), segment: 'Proof' });
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'rejected');
  });

  for (const shapes of [{ numbersAsStrings: true, samplesAsArray: true, replaceAccountId: true, operationStatusWords: true, usageHeader: 'X-Business-Use-Case' as const, throttleStatus: 429 }, { throttleStatus: 500 }]) {
    it(`reads every disputed answer shape (${Object.keys(shapes).join(', ')})`, async () => {
      sandbox.meta.setSwitches(shapes);
      const { run } = await loadFlow(metaFlow(sandbox, { mode: 'replace', maxRemovalPercent: 100 }), metaCredentials());
      sandbox.meta.throttleNext({ code: 17, minutes: 0.001 });
      const members = [...profiles(20), { email: 'x' }];
      const summary = await run({ payload: members, segment: 'Shapes' });
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      assert.equal(summary.added, 20);
    });
  }
});
