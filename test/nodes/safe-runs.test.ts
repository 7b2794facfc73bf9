import assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { sha256Hex } from '../../src/core/email';
import { DEFAULT_PARTS_TIMEOUT_MS, partsTimeoutMs } from '../../src/nodes/runtime-settings';
import type { ExportSummary } from '../../src/core/export-run';
import { MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import { type FlowNode, freshDataDir, helper, loadFlow, microsoftCredentials, microsoftFlow, packageNodes, profiles, snapchatCredentials, snapchatFlow, startTestSandbox, testSettings } from './harness';

/**
 * Issue "Safe runs", in a real runtime against the sandbox: a mistake never empties an audience, runs
 * on one audience never interleave, a deploy stops a run, and sequences cannot hang or lose parts.
 */
const hashesOf = (list: Array<{ email: string }>) => new Set(list.map((p) => sha256Hex(p.email)));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('safe runs, in a Node-RED runtime against the sandbox', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startTestSandbox({ recordBodies: false });
    helper.settings(testSettings(await freshDataDir(), { audienceExportPartsTimeoutMs: 300 }));
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await sandbox.close();
  });

  const memberCalls = () => sandbox.recorder.requests.filter((r) => r.path.endsWith('/users') || r.path.includes('/Apply')).length;

  it('a typo in the email field leaves a full audience untouched, with a red status in words and an error at Catch', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const members = profiles(2);
    const first = await run({ payload: members, segment: 'Typo' });
    const audienceId = first.audienceId ?? '';
    const before = memberCalls();
    const summary = await run({ payload: members.map((p, i) => ({ id: i, ...p, name: `Person ${i}` })), segment: 'Typo', emailField: 'ignored' });
    assert.equal(summary.status, 'completed', 'a message property does not override the node');
    await helper.unload();

    const typo = await loadFlow(snapchatFlow(sandbox, { emailField: 'mail' }), snapchatCredentials());
    const refused = await typo.run({ payload: members.map((p, i) => ({ id: i, ...p, name: `Person ${i}` })), segment: 'Typo' });
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'no_valid_emails');
    assert.equal(refused.error?.message, 'Email field `mail` matched no address in 2 of 2 profiles; the profiles have the fields id, email, name; nothing was sent');
    assert.equal(memberCalls(), before, 'no member upload');
    assert.deepEqual(new Set(sandbox.snapchat.members(audienceId)), hashesOf(members), 'the audience is untouched');
    assert.deepEqual(typo.captured.statuses.at(-1), { fill: 'red', shape: 'ring', text: 'audience-export.status.failure.no_valid_emails' });
    await typo.captured.errorsArrived();
    assert.equal(typo.captured.errors[0]?.code, 'no_valid_emails');
    // The test helper has no catalogues: the engine's own sentence, without a class-name prefix.
    assert.match(typo.captured.errors[0]?.message ?? '', /^Email field `mail` matched no address/);
    assert.equal(captured.errors.length, 0);
  });

  it('an empty segment and a 72% drop leave the audience untouched; a 40% drop runs', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const all = profiles(100);
    const first = await run({ payload: all, segment: 'Drops' });
    const audienceId = first.audienceId ?? '';

    const empty = await run({ payload: [], segment: 'Drops' });
    assert.equal(empty.error?.code, 'removal_guard');
    assert.deepEqual(empty.planned, { added: 0, removed: 100, unchanged: 0 });
    const dropped = await run({ payload: all.slice(72), segment: 'Drops' });
    assert.equal(dropped.error?.code, 'removal_guard');
    assert.match(dropped.error?.message ?? '', /remove 72 of the 100 .*\(72%\)/);
    assert.deepEqual(new Set(sandbox.snapchat.members(audienceId)), hashesOf(all), 'untouched by both');
    assert.equal(captured.statuses.at(-1)?.text, 'audience-export.status.failure.removal_guard');
    await captured.errorsArrived(2);
    assert.deepEqual(captured.errors.map((e) => e.code), ['removal_guard', 'removal_guard']);

    const fine = await run({ payload: all.slice(40), segment: 'Drops' });
    assert.equal(fine.status, 'completed');
    assert.equal(fine.removed, 40);
    assert.deepEqual(new Set(sandbox.snapchat.members(audienceId)), hashesOf(all.slice(40)));
  });

  it('a run that completes with profiles lacking an email shows a yellow status', async () => {
    const { run, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const summary = await run({ payload: [...profiles(3), { email: 'not an address' }], segment: 'Yellow' });
    assert.equal(summary.status, 'completed');
    assert.equal(summary.invalid, 1);
    assert.equal(captured.statuses.at(-1)?.fill, 'yellow');
  });

  it('two export nodes on one audience, each with its own connection, triggered at once, run one after the other; a following mirror finds it exact', async () => {
    const seeded = sandbox.snapchat.createSegment({ adAccountId: SNAPCHAT_SANDBOX.adAccountId, name: 'Shared' });
    const flow: FlowNode[] = [
      { id: 'tab', type: 'tab', label: 'two' },
      ...['conn', 'conn2'].map((id) => ({ id, type: 'snapchat-connection', name: `connection ${id.length}`, consent: true, scope: 'administrators', authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url })),
      ...['daily', 'ondemand'].map((id, i) => ({ id, type: 'snapchat-audience', z: 'tab', x: 100, y: 100 + i * 60, connection: i === 0 ? 'conn' : 'conn2', adAccountId: SNAPCHAT_SANDBOX.adAccountId, audienceId: seeded.id, emailField: 'email', mode: 'mirror', maxRemovalPercent: 100, wires: [[], [`${id}-out`]] })),
      ...['daily', 'ondemand'].map((id, i) => ({ id: `${id}-out`, type: 'helper', z: 'tab', x: 300, y: 100 + i * 60 })),
    ];
    const credentials = snapchatCredentials() as Record<string, unknown>;
    await helper.load(packageNodes, flow, { ...credentials, conn2: credentials.conn });
    const summaries: Record<string, ExportSummary[]> = { daily: [], ondemand: [] };
    const statuses: string[] = [];
    for (const id of ['daily', 'ondemand']) (helper.getNode(`${id}-out`) as unknown as { on(e: 'input', f: (m: { payload: ExportSummary }) => void): void }).on('input', (m) => summaries[id].push(m.payload));
    const ondemand = helper.getNode('ondemand') as unknown as { status: (s: { text?: string }) => void; receive(m: unknown): void };
    const original = ondemand.status.bind(ondemand);
    ondemand.status = (s) => {
      statuses.push(s.text ?? '');
      original(s);
    };
    const daily = profiles(250_000);
    const onDemand = profiles(250_000, 150_000);
    (helper.getNode('daily') as unknown as { receive(m: unknown): void }).receive({ payload: daily, segment: 'Shared' });
    ondemand.receive({ payload: onDemand, segment: 'Shared' });
    for (let waited = 0; summaries.daily.length + summaries.ondemand.length < 2; waited += 20) {
      if (waited > 30_000) assert.fail('the runs did not finish');
      await sleep(20);
    }
    assert.ok(statuses.includes('audience-export.status.busy'), `the second run said it waits: ${statuses.join(', ')}`);
    const [a, b] = [summaries.daily[0], summaries.ondemand[0]];
    assert.equal(a.status, 'completed');
    assert.equal(b.status, 'completed');
    assert.deepEqual({ added: b.added, removed: b.removed, unchanged: b.unchanged }, { added: 150_000, removed: 150_000, unchanged: 100_000 }, 'the second planned against the first one\'s state');
    assert.deepEqual(new Set(sandbox.snapchat.members(seeded.id)), hashesOf(onDemand));
    (helper.getNode('daily') as unknown as { receive(m: unknown): void }).receive({ payload: onDemand, segment: 'Shared' });
    for (let waited = 0; summaries.daily.length < 2; waited += 20) await sleep(20);
    assert.deepEqual({ added: summaries.daily[1].added, removed: summaries.daily[1].removed }, { added: 0, removed: 0 }, 'the next mirror finds nothing to do');
  });

  it('a deploy during an export (consent withdrawn) stops it: no batch starts afterwards; the next run sends only the rest', async () => {
    await sandbox.close();
    sandbox = await startTestSandbox({ latencyMs: 150 });
    const credentials = microsoftCredentials();
    const flow = microsoftFlow(sandbox);
    const { exporter, captured } = await loadFlow(flow, credentials);
    const members = profiles(20_000); // 20 Apply calls, 8 at a time, 150 ms each
    let deployedAt = 0;
    captured.onBatch = () => {
      if (deployedAt) return;
      deployedAt = Date.now();
      // The administrator unticks "I agree" and deploys while batches are in flight.
      const withdrawn = flow.map((n) => (n.id === 'conn' ? { ...n, consent: false } : n));
      void helper.setFlows(withdrawn, 'full', credentials);
    };
    exporter.receive({ payload: members, segment: 'Deploy' });
    for (let waited = 0; !deployedAt; waited += 10) {
      if (waited > 20_000) assert.fail('no batch finished');
      await sleep(10);
    }
    await sleep(1500);
    const applies = sandbox.recorder.requests.filter((r) => r.path.includes('/Apply'));
    const late = applies.filter((r) => r.at > deployedAt + 100);
    assert.deepEqual(late, [], 'no batch started after the deploy');
    assert.ok(applies.length < 20, `it stopped (${applies.length} of 20 batches went out)`);
    assert.equal(captured.summaries.length, 0, 'a closed node sends no summary');

    // Consent ticked again and redeployed: the next run continues from the journal.
    await helper.unload();
    const again = await loadFlow(microsoftFlow(sandbox), credentials);
    const summary = await again.run({ payload: members, segment: 'Deploy' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.added + summary.unchanged, 20_000);
    assert.ok(summary.unchanged >= 1000, `what was confirmed before the deploy is not sent again (${summary.unchanged} unchanged)`);
    assert.deepEqual(new Set(sandbox.microsoftAds.members(summary.audienceId ?? '')), hashesOf(members));
    assert.ok(MICROSOFT_ADS_SANDBOX.accountId);
  });

  /** Starts a 20-batch Microsoft export and, at its first confirmed batch, calls `atFirstBatch` (a deploy). */
  async function exportUntilFirstBatch(atFirstBatch: (flow: FlowNode[], credentials: ReturnType<typeof microsoftCredentials>) => Promise<void>) {
    await sandbox.close();
    sandbox = await startTestSandbox({ latencyMs: 150 });
    const credentials = microsoftCredentials();
    const flow = microsoftFlow(sandbox);
    const { exporter, captured } = await loadFlow(flow, credentials);
    let deployedAt = 0;
    let deployTook = 0;
    captured.onBatch = () => {
      if (deployedAt) return;
      deployedAt = Date.now();
      void atFirstBatch(flow, credentials).then(() => {
        deployTook = Date.now() - deployedAt;
      });
    };
    exporter.receive({ payload: profiles(20_000), segment: 'Deployed' });
    for (let waited = 0; !deployTook; waited += 50) {
      if (waited > 30_000) assert.fail('the deploy did not finish');
      await sleep(50);
    }
    await sleep(1500);
    const applies = sandbox.recorder.requests.filter((r) => r.path.includes('/Apply'));
    return { applies, late: applies.filter((r) => r.at > deployedAt + 100), deployTook, captured };
  }

  it('a deploy that only renames the export node stops its run too: no batch starts afterwards, no summary', async () => {
    const { applies, late, captured } = await exportUntilFirstBatch((flow, credentials) => helper.setFlows(flow.map((n) => (n.id === 'exp' ? { ...n, name: 'renamed' } : n)), 'nodes', credentials));
    assert.deepEqual(late, [], 'no batch started after the deploy');
    assert.ok(applies.length < 20, `it stopped (${applies.length} of 20 batches went out)`);
    assert.equal(captured.summaries.length, 0, 'a closed node sends no summary');
  });

  it('batches that never answer hold a deploy less than Node-RED\'s 15 s close timeout', async () => {
    const { late, deployTook } = await exportUntilFirstBatch((flow, credentials) => {
      // From now on the platform answers nothing for a minute: the batches in flight hang.
      sandbox.faults.set({ latencyMs: 60_000 });
      return helper.setFlows(flow.map((n) => (n.id === 'exp' ? { ...n, name: 'renamed' } : n)), 'nodes', credentials);
    });
    assert.deepEqual(late, [], 'no batch started after the deploy');
    assert.ok(deployTook < 15_000, `the deploy waited ${deployTook} ms for the run`);
  });

  it('a msg.parts sequence that never completes expires with an error and sends nothing', async () => {
    const { exporter, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    exporter.receive({ payload: profiles(10), topic: 'Half', parts: { id: 'never', index: 0, count: 3 } });
    exporter.receive({ payload: profiles(10, 10), topic: 'Half', parts: { id: 'never', index: 1, count: 3 } });
    await captured.errorsArrived();
    await sleep(50);
    assert.equal(captured.errors[0]?.code, 'sequence_timeout');
    assert.match(captured.errors[0]?.message ?? '', /received 2 of 3 parts/);
    assert.equal(captured.summaries[0]?.status, 'failed');
    assert.equal(captured.summaries[0]?.segment, 'Half');
    assert.equal(captured.statuses.at(-1)?.text, 'audience-export.status.failure.sequence_timeout');
    assert.equal(sandbox.recorder.requests.length, 0);
  });

  it('expired and broken sequences let go of what they held (ten of 60,000 profiles each)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { exporter, captured } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const heapAfterGc = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await sleep(20);
      }
      return process.memoryUsage().heapUsed;
    };
    const before = await heapAfterGc();
    for (let n = 0; n < 10; n++) {
      const id = `held-${n}`;
      exporter.receive({ payload: profiles(30_000, n * 60_000), topic: 'Held', parts: { id, index: 0, count: 3 } });
      exporter.receive({ payload: profiles(30_000, n * 60_000 + 30_000), topic: 'Held', parts: { id, index: 1, count: 3 } });
      // Half of them expire (no third part), half break (an index past the count).
      if (n % 2 === 1) exporter.receive({ payload: profiles(1), topic: 'Held', parts: { id, index: 5, count: 3 } });
      await captured.errorsArrived(n + 1);
    }
    await sleep(400);
    const retained = (await heapAfterGc()) - before;
    assert.deepEqual(new Set(captured.errors.map((e) => e.code)), new Set(['sequence_timeout', 'invalid_input']));
    assert.equal(sandbox.recorder.requests.filter((r) => r.path.endsWith('/users')).length, 0, 'nothing was sent');
    assert.ok(retained < 8_000_000, `${(retained / 1e6).toFixed(1)} MB still held after ten failed sequences`);
  });

  it('an incomplete sequence waits 10 minutes for its next part unless settings.js says otherwise', () => {
    assert.equal(DEFAULT_PARTS_TIMEOUT_MS, 600_000);
    const red = (settings: Record<string, unknown>) => ({ settings }) as unknown as Parameters<typeof partsTimeoutMs>[0];
    assert.equal(partsTimeoutMs(red({})), 600_000);
    assert.equal(partsTimeoutMs(red({ audienceExportPartsTimeoutMs: 30_000 })), 30_000);
    assert.equal(partsTimeoutMs(red({ audienceExportPartsTimeoutMs: 'soon' })), 600_000, 'a malformed setting keeps the default');
  });

  it('a bare complete with two sequences pending fails both: nothing sent by default; with maxProfiles 0 the summaries count what had streamed out', async () => {
    for (const maxProfiles of [undefined, 0]) {
      sandbox.recorder.clear();
      const { exporter, captured } = await loadFlow(microsoftFlow(sandbox, maxProfiles === undefined ? {} : { maxProfiles }), microsoftCredentials());
      for (const id of ['first', 'second']) {
        for (let index = 0; index < 3; index++) exporter.receive({ payload: profiles(1000, (id === 'first' ? 0 : 10_000) + index * 1000), topic: `Pending ${id} ${maxProfiles}`, parts: { id, index } });
      }
      // Time to stream, when it may (this suite expires a sequence after 300 ms without a part).
      for (let waited = 0; waited < 200 && sandbox.recorder.requests.filter((r) => r.path.includes('/Apply')).length < 2; waited += 10) await sleep(10);
      exporter.receive({ complete: true });
      for (let waited = 0; captured.summaries.length < 2; waited += 20) {
        if (waited > 20_000) assert.fail(`two failed summaries (got ${captured.summaries.length})`);
        await sleep(20);
      }
      assert.deepEqual(captured.summaries.map((summary) => summary.error?.code), ['invalid_input', 'invalid_input']);
      const delivered = captured.summaries.reduce((sum, summary) => sum + (summary.audienceId ? sandbox.microsoftAds.members(summary.audienceId).size : 0), 0);
      const told = captured.summaries.reduce((sum, summary) => sum + summary.added, 0);
      assert.equal(told, delivered, `the summaries tell what went out (maxProfiles ${maxProfiles})`);
      if (maxProfiles === undefined) assert.equal(delivered, 0, 'nothing is sent while maxProfiles guards a sequence');
      else assert.ok(delivered > 0, 'with maxProfiles 0, full batches had streamed out');
      assert.ok(captured.summaries.every((summary) => summary.removed === 0));
      await helper.unload();
    }
  });

  it('a sequence whose count contradicts its indexes fails at once and sends nothing', async () => {
    const { exporter, captured, run } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    exporter.receive({ payload: profiles(10), topic: 'Bad', parts: { id: 'bad', index: 0, count: 3 } });
    exporter.receive({ payload: profiles(10, 10), topic: 'Bad', parts: { id: 'bad', index: 3, count: 3 } });
    await captured.errorsArrived();
    assert.equal(captured.errors[0]?.code, 'invalid_input');
    assert.match(captured.errors[0]?.message ?? '', /index 3 but a count of 3/);
    exporter.receive({ payload: profiles(10, 20), topic: 'Bad', parts: { id: 'bad', index: 1, count: 3 } });
    exporter.receive({ payload: profiles(10, 30), topic: 'Bad', parts: { id: 'bad', index: 2, count: 3 } });
    await sleep(100);
    assert.equal(sandbox.recorder.requests.length, 0, 'the rest of the broken sequence is not exported either');
    const fine = await run({ payload: profiles(5), segment: 'Next' });
    assert.equal(fine.status, 'completed', 'the node keeps serving');
  });
});
