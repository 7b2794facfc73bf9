import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { sha256Hex } from '../../../src/core/email';
import { type Sandbox, SNAPCHAT_SANDBOX } from '../../../src/sandbox';
import { assertNoLeaks, scanForLeaks } from '../../privacy/scan';
import { assertBadInputHandled, freshDataDir, helper, loadFlow, profiles, snapchatCredentials, snapchatFlow, startTestSandbox, testSettings } from '../../nodes/harness';

const hashesOf = (list: Array<{ email: string }>) => new Set(list.map((p) => sha256Hex(p.email)));

describe('snapchat-audience in a Node-RED runtime, against the sandbox', function () {
  let sandbox: Sandbox;
  let dataDir: string;

  beforeEach(async () => {
    sandbox = await startTestSandbox({ recordBodies: true });
    dataDir = await freshDataDir();
    helper.settings(testSettings(dataDir));
    await helper.startServer();
  });

  afterEach(async () => {
    const log = helper.log() as unknown as { args?: unknown[] } | undefined;
    const requests = sandbox.recorder.requests;
    await helper.unload();
    await helper.stopServer();
    await sandbox.close();
    // Privacy canary (issue 6 §4): fixture secrets and sample addresses never in the log, state files or requests.
    const canaries = { emails: ['user0@example.com', 'user1@example.com'], secrets: [SNAPCHAT_SANDBOX.clientSecret, SNAPCHAT_SANDBOX.refreshToken] };
    assertNoLeaks(await scanForLeaks(canaries, { texts: { 'Node-RED log': log?.args ?? [] }, dirs: [dataDir], requests }));
  });

  it('finds or creates the segment by name, sends batches and reports per batch and per segment', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const members = profiles(250_000);
    const summary = await run({ payload: members, segment: { name: 'Buyers', id: 's1' } });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.platform, 'snapchat');
    assert.equal(summary.added, 250_000);
    assert.deepEqual(summary.batches, { total: 3, ok: 3, failed: 0 });
    const [segment] = sandbox.snapchat.segments(SNAPCHAT_SANDBOX.adAccountId).filter((s) => s.name === 'Buyers');
    assert.ok(segment, 'segment created by name');
    assert.equal(summary.audienceId, segment.id);
    assert.deepEqual(new Set(sandbox.snapchat.members(segment.id)), hashesOf(members));
    assert.equal(captured.batches.length, 3);
    assert.deepEqual(captured.batches.map((b) => b.identifiers).sort(), [100_000, 100_000, 50_000].sort());
    assert.ok(captured.batches.every((b) => b.status === 'ok' && b.accepted === b.identifiers && b.action === 'add' && b.attempts === 1));
    assert.equal(summary.audience?.approximateSize, 250_000);
    assert.equal(summary.audience?.status, 'READY');
    // The test helper's RED._ returns the i18n key itself.
    assert.ok(captured.statuses.some((s) => s.text === 'audience-export.status.progress'), 'progress in the status');
    assert.equal(captured.statuses.at(-1)?.fill, 'green');

    // The second run finds the same segment and sends nothing that is already there.
    const again = await run({ payload: members, topic: 'Buyers' });
    assert.equal(again.audienceId, segment.id);
    assert.equal(again.unchanged, 250_000);
    assert.equal(again.batches.total, 0);
    assert.equal(sandbox.snapchat.segments(SNAPCHAT_SANDBOX.adAccountId).filter((s) => s.name === 'Buyers').length, 1);
  });

  it('mirror twice with overlapping segments: the audience equals the second, removals only for those who left', async () => {
    // Two thirds leave: more than the default removal guard allows, so it is raised for this export.
    const { run } = await loadFlow(snapchatFlow(sandbox, { maxRemovalPercent: 70 }), snapchatCredentials());
    const first = profiles(3000, 0);
    const second = profiles(3000, 2000); // 1000 stay, 2000 leave, 2000 join
    await run({ payload: first, segment: 'Mirror' });
    sandbox.recorder.clear();
    const summary = await run({ payload: second, segment: 'Mirror' });
    assert.deepEqual({ added: summary.added, removed: summary.removed, unchanged: summary.unchanged }, { added: 2000, removed: 2000, unchanged: 1000 });
    const id = summary.audienceId ?? '';
    assert.deepEqual(new Set(sandbox.snapchat.members(id)), hashesOf(second));
    const deletes = sandbox.recorder.requests.filter((r) => r.method === 'DELETE' && r.path.endsWith('/users'));
    assert.equal(deletes.length, 1);
    const removed = new Set((JSON.parse(deletes[0].body ?? '{}') as { users: Array<{ data: string[][] }> }).users[0].data.map((row) => row[0]));
    assert.deepEqual(removed, hashesOf(first.slice(0, 2000)), 'removals sent only for those who left');
  });

  it('sends nothing at all while consent is not given, and says why', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox, {}, { consent: false }), snapchatCredentials());
    const summary = await run({ payload: profiles(10), segment: 'No consent' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'consent_required');
    assert.equal(sandbox.recorder.requests.length, 0, 'no request reached the platform');
    await captured.errorsArrived();
    assert.equal((captured.errors[0]?.payload as { status?: string } | undefined)?.status, 'failed', 'Catch gets the summary, not the profiles');
    assert.equal(captured.errors[0]?.code, 'consent_required', 'Catch node got the error');
    // The helper has no catalogues (its RED._ answers the key): the engine's sentence, without a class-name prefix.
    assert.match(captured.errors[0]?.message ?? '', /^(?!ExportError).*"I agree"/);
    assert.equal(captured.statuses.at(-1)?.fill, 'red');
  });

  it('dry run plans and reports, sends nothing and creates no audience', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox, { dryRun: false }), snapchatCredentials());
    const summary = await run({ payload: profiles(150_000), segment: 'Dry', dryRun: true });
    assert.equal(summary.dryRun, true);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.added, 150_000);
    assert.equal(summary.batches.total, 2);
    assert.ok(captured.batches.every((b) => b.status === 'dry-run'));
    assert.equal(sandbox.recorder.requests.length, 0);
    assert.equal(sandbox.snapchat.segments(SNAPCHAT_SANDBOX.adAccountId).length, 0);
  });

  it('gathers msg.parts sequences into one export', async () => {
    const { run, exporter } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const all = profiles(1000);
    for (let index = 1; index < 10; index++) exporter.receive({ payload: all.slice(index * 100, index * 100 + 100), segment: 'Split', parts: { id: 'p1', index, count: 10 } });
    const summary = await run({ payload: all.slice(0, 100), segment: 'Split', parts: { id: 'p1', index: 0, count: 10 } });
    assert.equal(summary.profiles, 1000);
    assert.deepEqual(new Set(sandbox.snapchat.members(summary.audienceId ?? '')), hashesOf(all));
  });

  it('rides through an expired token, 429s, 5xx and a dropped answer, leaving the audience exact', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const first = await run({ payload: profiles(1000), segment: 'Faults' });
    assert.equal(first.status, 'completed');
    sandbox.snapchat.expireAccessTokens();
    sandbox.faults.failNext({ status: 429, count: 2, pathIncludes: '/users' });
    sandbox.faults.failNext({ status: 503, count: 1, pathIncludes: '/users' });
    sandbox.faults.failNext({ status: 'dropAfterApply', count: 1, pathIncludes: '/users' });
    const members = profiles(300_000, 500);
    const summary = await run({ payload: members, segment: 'Faults' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.deepEqual(new Set(sandbox.snapchat.members(summary.audienceId ?? '')), hashesOf(members));
    assert.ok(captured.batches.some((b) => b.attempts > 1), 'some batch was retried');
    assert.ok(sandbox.snapchat.calls.token >= 2, 'the token was refreshed');
  });

  it('tolerates lowercase status words, honours Retry-After and survives a dropped connection', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ statusCase: 'lower', retryAfterOn429: true });
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    sandbox.faults.failNext({ status: 429, count: 1, pathIncludes: '/users', retryAfterSeconds: 1 });
    sandbox.faults.failNext({ status: 'drop', count: 1, pathIncludes: '/users' });
    const members = profiles(2000);
    const summary = await run({ payload: members, segment: 'Lowercase' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.deepEqual(new Set(sandbox.snapchat.members(summary.audienceId ?? '')), hashesOf(members));
    assert.equal(captured.batches[0].attempts, 3);
    // Retry-After (1 s) is honoured up to the test settings' cap of 200 ms, instead of the 5 ms backoff.
    assert.ok(captured.batches[0].durationMs >= 190, `waited ${captured.batches[0].durationMs} ms`);
  });

  it('marks the connection for re-authentication when the refresh token is refused', async () => {
    sandbox.snapchat.revokeRefreshTokens();
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Reauth' });
    assert.equal(summary.error?.code, 'reauth_required');
    assert.equal(captured.statuses.at(-1)?.text, 'audience-export.status.failure.reauth_required');
    assert.equal(sandbox.recorder.requests.filter((r) => r.path.startsWith('/v1/')).length, 0);
  });

  it('replace empties the audience first, so members others put there are gone', async () => {
    const seeded = sandbox.snapchat.createSegment({ adAccountId: SNAPCHAT_SANDBOX.adAccountId, name: 'Existing', members: [sha256Hex('stranger@example.org')] });
    const { run } = await loadFlow(snapchatFlow(sandbox, { mode: 'replace', audienceId: seeded.id }), snapchatCredentials());
    const members = profiles(120_000);
    const summary = await run({ payload: members, segment: 'Whatever name' });
    assert.equal(summary.status, 'completed');
    assert.equal(summary.audienceId, seeded.id);
    assert.equal(summary.audienceName, 'Existing');
    assert.deepEqual(new Set(sandbox.snapchat.members(seeded.id)), hashesOf(members));
    assert.equal(sandbox.snapchat.calls.allUsersDelete, 1);
  });

  it('add and remove modes send the segment as additions or removals', async () => {
    const seeded = sandbox.snapchat.createSegment({ adAccountId: SNAPCHAT_SANDBOX.adAccountId, name: 'Modes' });
    const add = await loadFlow(snapchatFlow(sandbox, { mode: 'add', audienceId: seeded.id }), snapchatCredentials());
    await add.run({ payload: profiles(10), segment: 'Modes' });
    await helper.unload();
    const remove = await loadFlow(snapchatFlow(sandbox, { mode: 'remove', audienceId: seeded.id }), snapchatCredentials());
    const summary = await remove.run({ payload: profiles(4), segment: 'Modes' });
    assert.equal(summary.removed, 4);
    assert.deepEqual(new Set(sandbox.snapchat.members(seeded.id)), hashesOf(profiles(6, 4)));
  });

  it('fails clearly on an ad account the token may not use (403 E3002)', async () => {
    const { run } = await loadFlow(snapchatFlow(sandbox, { adAccountId: SNAPCHAT_SANDBOX.otherAdAccountId }), snapchatCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Forbidden' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'forbidden');
    assert.match(summary.error?.message ?? '', /E3002/);
  });

  it('skips a segment over maxProfiles whole and sends nothing', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox, { maxProfiles: 100 }), snapchatCredentials());
    const summary = await run({ payload: profiles(101), segment: 'Big' });
    assert.equal(summary.status, 'skipped');
    assert.equal(summary.error?.code, 'segment_too_large');
    assert.equal(sandbox.recorder.requests.length, 0);
    await captured.errorsArrived();
    assert.equal(captured.errors[0]?.code, 'segment_too_large');
  });

  it('skips segments not listed in `segments` without an error', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox, { segments: ['Wanted'] }), snapchatCredentials());
    const summary = await run({ payload: profiles(5), segment: 'Unwanted' });
    assert.equal(summary.status, 'skipped');
    assert.equal(summary.error, undefined);
    assert.equal(captured.errors.length, 0);
    assert.equal(sandbox.recorder.requests.length, 0);
  });

  it('answers every kind of bad input with a clear error or an invalid count, and keeps serving', async () => {
    const { run } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    await assertBadInputHandled(run);
  });

  it('reports a misconfigured node on every message instead of crashing', async () => {
    const { exporter, captured } = await loadFlow(snapchatFlow(sandbox, { adAccountId: '', emailField: 'bad path!' }), snapchatCredentials());
    exporter.receive({ payload: profiles(1), segment: 'X' });
    await captured.errorsArrived();
    assert.equal(captured.errors[0]?.code, 'invalid_config');
    assert.match(captured.errors[0]?.message ?? '', /adAccountId/);
    assert.equal(captured.statuses.at(-1)?.fill, 'red');
  });

  it('keeps a rotated refresh token across a redeploy', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ rotateRefreshTokens: true });
    const first = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    assert.equal((await first.run({ payload: profiles(3), segment: 'Rotate' })).status, 'completed');
    await helper.unload();
    // The credential still holds the original (now invalidated) refresh token.
    const second = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const summary = await second.run({ payload: profiles(4), segment: 'Rotate' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const [file] = await fs.readdir(path.join(dataDir, 'tokens'));
    const stored = await fs.readFile(path.join(dataDir, 'tokens', file), 'utf8');
    assert.ok(!stored.includes(SNAPCHAT_SANDBOX.refreshToken));
  });

  it('never lets an email, token or secret into messages, statuses or errors', async () => {
    sandbox.faults.failNext({ status: 500, count: 1 });
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const members = [{ email: 'canary.person@leak-test.example' }, ...profiles(50)];
    await run({ payload: members, segment: 'Canary' });
    await run({ payload: [{ email: 'second.canary@leak-test.example' }], segment: 'Canary', dryRun: true });
    sandbox.snapchat.revokeRefreshTokens();
    sandbox.snapchat.expireAccessTokens();
    await run({ payload: members, segment: 'Canary 2' });
    await captured.errorsArrived();
    const seen = captured.everything();
    for (const secret of ['leak-test.example', SNAPCHAT_SANDBOX.clientSecret, SNAPCHAT_SANDBOX.refreshToken, 'Bearer ']) {
      assert.ok(!seen.includes(secret), `${secret} leaked`);
    }
    assert.ok(captured.summaries.length === 3 && captured.errors.length >= 1, 'the canary runs produced output to scan');
  });
});
