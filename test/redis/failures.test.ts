import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../src/core/email';
import type { Sandbox } from '../../src/sandbox';
import { freshDataDir, helper, loadFlow, microsoftCredentials, microsoftFlow, profiles, snapchatCredentials, snapchatFlow, startTestSandbox, testSettings } from '../nodes/harness';
import { type RedisServer, startRedisServer } from './server';

/**
 * Redis away (issue 17): at start or in the middle of a run, the export fails with a clear error and
 * sends nothing more; nothing falls back to files; the connection comes back by itself.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Redis store unreachable, in a Node-RED runtime against the sandbox', function () {
  this.timeout(90_000);
  let sandbox: Sandbox | undefined;
  let redis: RedisServer | undefined;

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await sandbox?.close();
    await redis?.stop();
  });

  async function start(store: unknown, latencyMs = 0): Promise<Sandbox> {
    sandbox = await startTestSandbox({ latencyMs });
    helper.settings(testSettings(await freshDataDir(), { audienceExportStore: store }));
    await helper.startServer();
    return sandbox;
  }

  it('unreachable at start: the export fails with state_io naming the server (no password), and nothing is sent', async () => {
    const platform = await start({ url: 'redis://ops:s3cret-pass@127.0.0.1:1/0', keyPrefix: `down-${randomUUID().slice(0, 8)}:` });
    const { run, captured } = await loadFlow(snapchatFlow(platform), snapchatCredentials());
    const summary = await run({ payload: profiles(50), segment: 'Nowhere' });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'state_io');
    assert.match(summary.error?.message ?? '', /Redis store at redis:\/\/127\.0\.0\.1:1\/0 cannot be reached/);
    assert.doesNotMatch(captured.everything(), /s3cret-pass|ops:/);
    const uploads = platform.recorder.requests.filter((r) => r.path.includes('/users') && r.method !== 'GET');
    assert.deepEqual(uploads, [], 'nothing was sent');
    assert.equal(captured.statuses.at(-1)?.text, 'audience-export.status.failure.state_io');
  });

  it('gone mid-run: no batch starts afterwards, the run fails with state_io; back with backoff, the next run completes', async () => {
    redis = await startRedisServer();
    const platform = await start({ url: redis.url, keyPrefix: `mid-${randomUUID().slice(0, 8)}:` }, 150);
    const { exporter, captured } = await loadFlow(microsoftFlow(platform), microsoftCredentials());
    const members = profiles(20_000); // 20 Apply calls, 8 at a time, 150 ms each
    let killing = false;
    let killedAt = 0;
    captured.onBatch = () => {
      if (killing) return;
      killing = true;
      // Counted from when this process saw the server exit (its socket closes in the same turn).
      void redis?.kill().then(() => (killedAt = Date.now()));
    };
    exporter.receive({ payload: members, segment: 'Outage' });
    for (let waited = 0; captured.summaries.length === 0; waited += 20) {
      if (waited > 60_000) assert.fail('no summary');
      await sleep(20);
    }
    const [summary] = captured.summaries;
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'state_io');
    assert.match(summary.error?.message ?? '', /Redis store at redis:\/\/127\.0\.0\.1:\d+ (failed or went away|cannot be reached)/);
    const applies = platform.recorder.requests.filter((r) => r.path.includes('/Apply'));
    assert.deepEqual(applies.filter((r) => r.at > killedAt + 100), [], 'no batch started after Redis went away');
    assert.ok(applies.length < 20, `it stopped (${applies.length} of 20 batches went out)`);

    // Redis is back (empty: it kept nothing): the connection returns by itself and the next run completes.
    await redis.restart();
    const run = await new Promise<typeof summary>((resolve) => {
      const before = captured.summaries.length;
      const poll = setInterval(() => {
        if (captured.summaries.length > before) {
          clearInterval(poll);
          resolve(captured.summaries[before]);
        }
      }, 20);
      exporter.receive({ payload: members, segment: 'Outage' });
    });
    assert.equal(run.status, 'completed', JSON.stringify(run.error));
    assert.deepEqual(new Set(platform.microsoftAds.members(run.audienceId ?? '')), new Set(members.map((p) => sha256Hex(p.email))));
  });
});
