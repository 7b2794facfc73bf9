import assert from 'node:assert/strict';
import { sha256Hex } from '../../../src/core/email';
import { ExportError } from '../../../src/core/errors';
import { createHttpClient } from '../../../src/core/http';
import { CriteoConnection } from '../../../src/platforms/criteo';
import { CRITEO_SANDBOX, type Sandbox } from '../../../src/sandbox';
import { assertBadInputHandled, criteoCredentials, criteoFlow, loadFlow, profiles, startTestSandbox, useSandboxRuntime } from '../../nodes/harness';

const hashesOf = (list: Array<{ email: string }>) => new Set(list.map((p) => sha256Hex(p.email)));

describe('criteo-audience in a Node-RED runtime, against the sandbox', function () {
  let sandbox: Sandbox;

  useSandboxRuntime({ recordBodies: true }, { set: (started) => (sandbox = started), get: () => sandbox });

  it('lands a segment exactly, in 50,000-identifier batches, and finds it by name on the second run', async () => {
    const { run, captured } = await loadFlow(criteoFlow(sandbox), criteoCredentials());
    const members = profiles(120_000);
    const first = await run({ payload: [...members, { email: 'not-an-email' }], segment: 'Newsletter' });
    assert.equal(first.status, 'completed', JSON.stringify(first.error));
    assert.equal(first.platform, 'criteo');
    assert.equal(first.invalid, 1, 'invalid counts reach the summary');
    assert.deepEqual(captured.batches.map((b) => b.identifiers).sort((a, b) => b - a), [50_000, 50_000, 20_000]);
    assert.ok(captured.batches.every((b) => b.accepted === b.identifiers && b.rejected === 0));
    const [segment] = sandbox.criteo.segments(CRITEO_SANDBOX.advertiserId).filter((s) => s.name === 'Newsletter');
    assert.equal(first.audienceId, segment.id);
    assert.deepEqual(new Set(sandbox.criteo.members(segment.id)), hashesOf(members));
    assert.equal(typeof first.audience?.approximateSize, 'number');
    assert.equal(typeof first.audience?.matchRate, 'number');

    const second = await run({ payload: members.slice(0, 100_000), segment: 'Newsletter' });
    assert.equal(second.audienceId, segment.id);
    assert.deepEqual({ removed: second.removed, unchanged: second.unchanged }, { removed: 20_000, unchanged: 100_000 });
    assert.equal(sandbox.criteo.segments(CRITEO_SANDBOX.advertiserId).filter((s) => s.name === 'Newsletter').length, 1);
  });

  it('names the audience audienceName when set', async () => {
    const { run } = await loadFlow(criteoFlow(sandbox, { audienceName: 'CRM: buyers' }), criteoCredentials());
    const summary = await run({ payload: profiles(3), segment: 'buyers-v2' });
    assert.equal(summary.audienceName, 'CRM: buyers');
    assert.equal(sandbox.criteo.segments(CRITEO_SANDBOX.advertiserId).filter((s) => s.name === 'CRM: buyers').length, 1);
  });

  for (const mode of ['400', '200-warning'] as const) {
    it(`survives name-must-be-unique as ${mode === '400' ? 'a 400' : 'a 200 warning'}`, async () => {
      sandbox.criteo.setDuplicateNameMode(mode);
      sandbox.criteo.injectDuplicateNameRace('Raced');
      const { run } = await loadFlow(criteoFlow(sandbox), criteoCredentials());
      const summary = await run({ payload: profiles(10), segment: 'Raced' });
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      const raced = sandbox.criteo.segments(CRITEO_SANDBOX.advertiserId).filter((s) => s.name === 'Raced');
      assert.equal(raced.length, 1);
      assert.equal(summary.audienceId, raced[0].id);
    });
  }

  it('refreshes a token that expires mid-run (401 authorization-token-expired) and retries 429 and 503', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ latencyMs: 5 });
    const { run, captured } = await loadFlow(criteoFlow(sandbox), criteoCredentials());
    captured.onBatch = (report) => {
      if (report.batch !== 1) return;
      sandbox.criteo.expireAccessTokens();
      sandbox.faults.failNext({ status: 429, count: 1, pathIncludes: '/contact-list' });
      sandbox.faults.failNext({ status: 503, count: 1, pathIncludes: '/contact-list' });
    };
    const members = profiles(400_000, 5);
    const summary = await run({ payload: members, segment: 'Faults' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.deepEqual(new Set(sandbox.criteo.members(summary.audienceId ?? '')), hashesOf(members));
    assert.ok(captured.batches.some((b) => b.attempts > 1));
    assert.equal(sandbox.criteo.calls.token, 2, 'refreshed once, mid-run');
  });

  it('says clearly that a retired API version answers 410', async () => {
    const { run } = await loadFlow(criteoFlow(sandbox, {}, { apiVersion: '2025-01' }), criteoCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Old version' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'api_version_retired');
    assert.match(summary.error?.message ?? '', /2025-01 is retired/);
  });

  it('fails an unknown audienceId with a clear audience-invalid error', async () => {
    const { run } = await loadFlow(criteoFlow(sandbox, { audienceId: '999999' }), criteoCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Missing' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'not_found');
    assert.match(summary.error?.message ?? '', /audience-invalid/);
  });

  it('replace wipes the contact list, then adds', async () => {
    const seeded = sandbox.criteo.createSegment({ advertiserId: CRITEO_SANDBOX.advertiserId, name: 'Replace me', members: [sha256Hex('stranger@example.org')] });
    const { run } = await loadFlow(criteoFlow(sandbox, { mode: 'replace', audienceId: seeded.id }), criteoCredentials());
    const members = profiles(70_000);
    const summary = await run({ payload: members, segment: 'Replace me' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(sandbox.criteo.calls.wipe, 1);
    assert.deepEqual(new Set(sandbox.criteo.members(seeded.id)), hashesOf(members));
  });

  it('plain mode sends normalised addresses (only in the request body) and removes leavers by hash', async () => {
    const { run, captured } = await loadFlow(criteoFlow(sandbox, { emailEncoding: 'plain' }), criteoCredentials());
    const first = [{ email: ' Plain.Person@Example.com ' }, ...profiles(4)];
    await run({ payload: first, segment: 'Plain' });
    const bodies = sandbox.recorder.requests.filter((r) => r.path.endsWith('/contact-list')).map((r) => r.body ?? '');
    assert.ok(bodies.some((b) => b.includes('"plain.person@example.com"')), 'the normalised address is what Criteo receives');
    const summary = await run({ payload: profiles(4), segment: 'Plain' });
    assert.equal(summary.removed, 1);
    assert.deepEqual(new Set(sandbox.criteo.members(summary.audienceId ?? '')), hashesOf(profiles(4)));
    assert.ok(!captured.everything().includes('plain.person'), 'never in an output, status or error');
  });

  it('answers every kind of bad input with a clear error or an invalid count, and keeps serving', async () => {
    const { run } = await loadFlow(criteoFlow(sandbox), criteoCredentials());
    await assertBadInputHandled(run);
  });
});

describe('Criteo client against the sandbox', () => {
  let sandbox: Sandbox;

  afterEach(() => sandbox.close());

  const connect = (grantType: 'client_credentials' | 'authorization_code') =>
    new CriteoConnection({
      authBaseUrl: sandbox.url,
      apiBaseUrl: sandbox.url,
      apiVersion: CRITEO_SANDBOX.apiVersion,
      grantType,
      clientId: CRITEO_SANDBOX.clientId,
      clientSecret: CRITEO_SANDBOX.clientSecret,
      refreshToken: CRITEO_SANDBOX.refreshToken,
      http: createHttpClient(10_000),
    });

  it('reads invalid-identifier counts (never the samples) and waits for x-ratelimit-reset on 429', async () => {
    sandbox = await startTestSandbox({ rateLimit: true });
    const connection = connect('client_credentials');
    const segment = sandbox.criteo.createSegment({ advertiserId: CRITEO_SANDBOX.advertiserId, name: 'Counts' });
    const counts = await connection.client.amendContactList(segment.id, 'add', [sha256Hex('a@example.com'), 'not an email', 'b@example.com']);
    assert.deepEqual(counts, { valid: 2, invalid: 1 });
    sandbox.criteo.setCallsPerMinute(1);
    await assert.rejects(connection.client.statistics(segment.id), (error: unknown) => error instanceof ExportError && error.code === 'rate_limited' && (error.retryAfterMs ?? 0) >= 1000 && (error.retryAfterMs ?? 0) <= 61_000);
  });

  it('uses the refresh grant for authorization-code connections', async () => {
    sandbox = await startTestSandbox();
    const connection = connect('authorization_code');
    await connection.client.searchContactLists(CRITEO_SANDBOX.advertiserId);
    assert.equal(sandbox.criteo.calls.tokenByGrant.refresh_token, 1);
    assert.equal(sandbox.criteo.calls.tokenByGrant.client_credentials ?? 0, 0);
  });
});
