import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../../src/core/email';
import { replayJournal } from '../../src/core/state-journal';
import { demoOf, type Sandbox, startSandbox } from '../../src/sandbox';
import { RedisConnection } from '../../src/store/redis-connection';
import { type Embedded, startEmbedded } from '../security/embedded';
import { type RedisServer, startRedisServer } from './server';

/**
 * Issue 17 end to end: several Node-RED instances (each a real runtime in its own process) with the
 * same flow on the same Redis, against the sandbox over real HTTP. No identifier is sent twice,
 * no audience drifts, a crashed instance's work is not redone, a fresh user directory forgets nothing.
 */
interface Summary {
  readonly status: string;
  readonly platform: string;
  readonly audienceId?: string;
  readonly added: number;
  readonly removed: number;
  readonly unchanged: number;
  readonly error?: { code: string; message: string };
}

const PLATFORMS = ['snapchat', 'microsoft-ads', 'criteo'] as const;
type PlatformId = (typeof PLATFORMS)[number];
const emails = (count: number, start = 0) => Array.from({ length: count }, (_, i) => `member${start + i}@example.com`);

/** The sandbox's record of a platform's member uploads (adds and removals): which digests each carried. */
function memberUploads(sandbox: Sandbox, platform: PlatformId, since = 0): string[][] {
  const isUpload: Record<PlatformId, (path: string) => boolean> = {
    snapchat: (path) => /\/segments\/[^/]+\/users/.test(path),
    'microsoft-ads': (path) => path.includes('/Apply'),
    criteo: (path) => path.includes('/contact-list'),
  };
  return sandbox.recorder.requests
    .filter((request) => request.at >= since && request.method !== 'GET' && isUpload[platform](request.path))
    .map((request) => request.body?.match(/\b[0-9a-f]{64}\b/g) ?? []);
}

function membersOf(sandbox: Sandbox, platform: PlatformId, audienceId: string): Set<string> {
  const api = platform === 'snapchat' ? sandbox.snapchat : platform === 'criteo' ? sandbox.criteo : sandbox.microsoftAds;
  return new Set(api.members(audienceId));
}

/** One tab: per platform a connection, an export of segment `<platform> shared`, its Inject and a file of summaries. */
function flow(sandbox: Sandbox, runtime: Embedded, segments: Partial<Record<PlatformId, string[]>>): unknown[] {
  const nodes: unknown[] = [{ id: 'tab', type: 'tab', label: 'shared' }];
  PLATFORMS.forEach((platform, row) => {
    const demo = demoOf(platform);
    const y = 80 + row * 80;
    nodes.push(
      { id: `conn-${platform}`, type: `${platform}-connection`, name: platform, consent: true, scope: 'contributors', ...demo.connection(sandbox.url), credentials: { ...demo.credentials } },
      { id: `exp-${platform}`, type: `${platform}-audience`, z: 'tab', name: '', connection: `conn-${platform}`, ...demo.exporter, emailField: 'email', mode: 'mirror', maxRemovalPercent: 100, x: 300, y, wires: [[], ['out']] },
    );
  });
  nodes.push({ id: 'out', type: 'file', z: 'tab', name: '', filename: runtime.summariesFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 80, wires: [] });
  // Last: flows start node by node, so once an inject answers, the rest is there.
  PLATFORMS.forEach((platform, row) => {
    const payload = JSON.stringify((segments[platform] ?? []).map((email) => ({ email })));
    nodes.push({ id: `inj-${platform}`, type: 'inject', z: 'tab', name: '', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], repeat: '', once: false, topic: `${platform} shared`, payload, payloadType: 'json', x: 100, y: 80 + row * 80, wires: [[`exp-${platform}`]] });
  });
  return nodes;
}

/** Every digest the journals in Redis hold, per journal key: what runs confirmed and did not fold into a state yet. */
async function journalled(connection: RedisConnection, prefix: string): Promise<Set<string>> {
  const client = await connection.ready();
  const confirmed = new Set<string>();
  for (const key of await client.keys(`${prefix}journal:*`)) {
    const records = await client.lrangeBuffer(key, 0, -1);
    for (const digest of replayJournal(Buffer.concat(records), undefined).members) confirmed.add(Buffer.from(digest, 'latin1').toString('hex'));
  }
  return confirmed;
}

describe('several Node-RED instances on one Redis (issue 17)', function () {
  this.timeout(180_000);
  let redis: RedisServer;
  let admin: RedisConnection;
  const runtimes: Embedded[] = [];
  const sandboxes: Sandbox[] = [];

  before(async () => {
    redis = await startRedisServer();
    admin = new RedisConnection(redis.url);
  });
  after(async () => {
    await Promise.all(runtimes.map((runtime) => runtime.stop()));
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    await admin?.close();
    await redis?.stop();
  });

  async function instance(keyPrefix: string): Promise<Embedded> {
    const runtime = await startEmbedded({ audienceExportStore: { url: redis.url, keyPrefix, leaseMs: 3_000 } });
    runtimes.push(runtime);
    return runtime;
  }
  async function sandbox(options: { latencyMs?: number } = {}): Promise<Sandbox> {
    const started = await startSandbox({ rateLimit: false, recordBodies: true, ...options });
    sandboxes.push(started);
    return started;
  }

  it('two instances triggered at once on each platform: every audience exact, each identifier sent once', async () => {
    const prefix = `two-${randomUUID().slice(0, 8)}:`;
    const platformSandbox = await sandbox();
    const [a, b] = await Promise.all([instance(prefix), instance(prefix)]);
    const segment = emails(2_500);
    const segments = { snapchat: segment, 'microsoft-ads': segment, criteo: segment };
    await Promise.all([a, b].map((runtime) => runtime.deploy('admin', flow(platformSandbox, runtime, segments))));
    for (const [index, platform] of PLATFORMS.entries()) {
      await Promise.all([a.inject('admin', `inj-${platform}`), b.inject('admin', `inj-${platform}`)]);
      const [fromA, fromB] = await Promise.all([a.summaries(index + 1), b.summaries(index + 1)]);
      const pair = [fromA[index], fromB[index]] as unknown as Summary[];
      for (const summary of pair) assert.equal(summary.status, 'completed', `${platform}: ${JSON.stringify(summary.error)}`);
      assert.equal(pair[0].audienceId, pair[1].audienceId, `${platform}: one audience, not two`);
      assert.deepEqual(pair.map((s) => s.added).sort((x, y) => x - y), [0, 2_500], `${platform}: one run sent all, the other found nothing left (+0 −0)`);
      assert.deepEqual(pair.map((s) => s.removed), [0, 0]);
      const sent = memberUploads(platformSandbox, platform).flat();
      assert.equal(sent.length, 2_500, `${platform}: each identifier sent once`);
      assert.deepEqual(new Set(sent), new Set(segment.map(sha256Hex)));
      assert.deepEqual(membersOf(platformSandbox, platform, pair[0].audienceId ?? ''), new Set(segment.map(sha256Hex)), `${platform}: the audience is exact`);
    }
  });

  it('an instance killed mid-export: the other\'s next run sends nothing that was confirmed, and completes the audience', async () => {
    const prefix = `kill-${randomUUID().slice(0, 8)}:`;
    const slow = await sandbox({ latencyMs: 150 });
    const [a, b] = await Promise.all([instance(prefix), instance(prefix)]);
    const segment = emails(24_000); // 24 Apply calls of 1,000, 8 at a time, 150 ms each
    await Promise.all([a, b].map((runtime) => runtime.deploy('admin', flow(slow, runtime, { 'microsoft-ads': segment }))));
    await a.inject('admin', 'inj-microsoft-ads');
    for (let waited = 0; memberUploads(slow, 'microsoft-ads').length < 10; waited += 20) {
      if (waited > 30_000) assert.fail('A sent no batch');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await a.kill();
    const killedAt = Date.now();
    const confirmedByA = await journalled(admin, prefix);
    const sentByA = new Set(memberUploads(slow, 'microsoft-ads').flat());
    assert.ok(confirmedByA.size >= 8_000 && confirmedByA.size < 24_000, `A confirmed part of the segment (${confirmedByA.size})`);

    await b.inject('admin', 'inj-microsoft-ads');
    const [summary] = (await b.summaries(1)) as unknown as Summary[];
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    const sentByB = memberUploads(slow, 'microsoft-ads', killedAt + 1).flat();
    const again = sentByB.filter((digest) => confirmedByA.has(digest));
    assert.deepEqual(again, [], 'nothing A confirmed is sent again');
    assert.equal(summary.added + summary.unchanged, 24_000);
    assert.ok(summary.unchanged >= confirmedByA.size, `B resumed from A's journal (${summary.unchanged} unchanged)`);
    assert.deepEqual(new Set([...sentByA, ...sentByB]), new Set(segment.map(sha256Hex)), 'together they sent the whole segment');
    assert.deepEqual(membersOf(slow, 'microsoft-ads', summary.audienceId ?? ''), new Set(segment.map(sha256Hex)), 'the audience is exact');
  });

  it('a fresh user directory on the same Redis (a container restarted without its volume) sends only the changes', async () => {
    const prefix = `fresh-${randomUUID().slice(0, 8)}:`;
    const platformSandbox = await sandbox();
    const first = await instance(prefix);
    const before = { snapchat: emails(3_000), 'microsoft-ads': emails(3_000), criteo: emails(3_000) };
    await first.deploy('admin', flow(platformSandbox, first, before));
    for (const [index, platform] of PLATFORMS.entries()) {
      await first.inject('admin', `inj-${platform}`);
      const summary = (await first.summaries(index + 1))[index] as unknown as Summary;
      assert.equal(summary.added, 3_000, `${platform}: ${JSON.stringify(summary.error)}`);
    }
    await first.stop();

    // The same flow, a new process and an empty user directory; 500 left, 700 joined.
    const restarted = await instance(prefix);
    const after = emails(3_200, 500);
    const changedAt = Date.now();
    await restarted.deploy('admin', flow(platformSandbox, restarted, { snapchat: after, 'microsoft-ads': after, criteo: after }));
    for (const [index, platform] of PLATFORMS.entries()) {
      await restarted.inject('admin', `inj-${platform}`);
      const summary = (await restarted.summaries(index + 1))[index] as unknown as Summary;
      assert.equal(summary.status, 'completed', `${platform}: ${JSON.stringify(summary.error)}`);
      assert.deepEqual({ added: summary.added, removed: summary.removed, unchanged: summary.unchanged }, { added: 700, removed: 500, unchanged: 2_500 }, platform);
      const sent = memberUploads(platformSandbox, platform, changedAt).flat();
      assert.equal(sent.length, 1_200, `${platform}: only the changes went out`);
      assert.deepEqual(membersOf(platformSandbox, platform, summary.audienceId ?? ''), new Set(after.map(sha256Hex)), `${platform}: no drift`);
    }
  });
});
