import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Hex } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { type BatchReport, type ExportRequest, runExport } from '../../src/core/export-run';
import { wholeBatch } from '../../src/core/wire-batch';
import { FileSyncStateStore } from '../../src/core/sync-state';
import type { PlatformAdapter, ReplaceStrategy } from '../../src/core/types';
import { MemoryPlatform } from './memory-platform';

const emails = (...names: string[]) => names.map((n) => ({ email: `${n}@example.com` }));
const hashes = (...names: string[]) => new Set(names.map((n) => sha256Hex(`${n}@example.com`)));

async function setup(strategy?: ReplaceStrategy) {
  const platform = new MemoryPlatform(strategy);
  const state = new FileSyncStateStore(await fs.mkdtemp(path.join(os.tmpdir(), 'ax-run-')));
  const batches: BatchReport[] = [];
  const run = (payload: unknown, overrides: Partial<ExportRequest> = {}) =>
    runExport({
      platform: platform.definition,
      adapter: platform,
      runId: 'run',
      segmentName: 'Segment',
      segments: [],
      input: { payload },
      mode: 'mirror',
      dryRun: false,
      maxProfiles: 100,
      // The engine's semantics, unguarded; the guard's own tests below set it.
      maxRemovalPercent: 100,
      emailField: 'email',
      encoding: 'sha256',
      state,
      // A store given in `overrides` stands for a restarted process: its own locks come with it.
      locks: overrides.state instanceof FileSyncStateStore ? overrides.state.locks : state.locks,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
      onBatch: (report) => batches.push(report),
      ...overrides,
    });
  return { platform, state, batches, run };
}

describe('export run (engine)', () => {
  it('mirror run twice with overlapping segments leaves the audience equal to the second, removing only those who left', async () => {
    const { platform, run } = await setup();
    const first = await run(emails('a', 'b', 'c', 'd'));
    assert.equal(first.status, 'completed');
    assert.equal(first.added, 4);
    platform.calls.length = 0;
    const second = await run(emails('c', 'd', 'e'));
    assert.deepEqual(platform.members, hashes('c', 'd', 'e'));
    assert.deepEqual({ added: second.added, removed: second.removed, unchanged: second.unchanged }, { added: 1, removed: 2, unchanged: 2 });
    assert.deepEqual(
      platform.calls.filter((c) => c.action !== 'resolve'),
      [
        // Adds leave as the segment is read; removals once it is all known and guarded.
        { action: 'add', size: 1 },
        { action: 'remove', size: 2 },
      ],
    );
  });

  it('keeps a failed batch out of the state so the next run sends it again', async () => {
    const { platform, run } = await setup();
    platform.failures.push((action, ids) => (action === 'add' && ids.includes(sha256Hex('d@example.com')) ? new ExportError('rejected', 'bad batch') : undefined));
    const first = await run(emails('a', 'b', 'c', 'd', 'e'));
    assert.equal(first.status, 'completed-with-errors');
    assert.deepEqual(first.batches, { total: 2, ok: 1, failed: 1 });
    assert.equal(first.error?.code, 'rejected');
    platform.failures.length = 0;
    const second = await run(emails('a', 'b', 'c', 'd', 'e'));
    assert.equal(second.status, 'completed');
    assert.equal(second.added, 2);
    assert.equal(second.unchanged, 3);
    assert.deepEqual(platform.members, hashes('a', 'b', 'c', 'd', 'e'));
  });

  it('journals each confirmed batch: after a run dies half-way, the next run sends only what was not confirmed', async () => {
    const { platform, run } = await setup();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-run-'));
    const profiles = emails('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'); // three batches of three
    platform.stalls.push((ids) => ids.includes(sha256Hex('g@example.com')));
    void run(profiles, { state: new FileSyncStateStore(dir) }); // never finishes: the process "dies" here
    const journalled = async () => (await new FileSyncStateStore(dir).load({ platform: 'memory', accountKey: 'acct', audienceId: 'aud-1' }))?.members.size;
    for (let waited = 0; (await journalled()) !== 6; waited += 5) {
      if (waited > 5000) assert.fail('the first two batches were never journalled');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // A restart: a new store on the same directory, nothing in memory.
    platform.stalls.length = 0;
    platform.calls.length = 0;
    const next = await run(emails('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'), { state: new FileSyncStateStore(dir) });
    assert.equal(next.status, 'completed');
    assert.deepEqual({ added: next.added, unchanged: next.unchanged }, { added: 3, unchanged: 6 });
    assert.deepEqual(platform.calls.filter((c) => c.action !== 'resolve'), [{ action: 'add', size: 3 }]);
    assert.deepEqual(platform.members, hashes('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'));
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith('.journal')), [], 'the completed run ended the journal');
  });

  it('after an interrupted first run, mirror still removes every opted-out profile (the audience may hold them from elsewhere)', async () => {
    const { platform, run } = await setup();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-run-'));
    const profiles = [...emails('a', 'b', 'c', 'd'), { email: 'out@example.com', ok: false }];
    // The removal of the opted-out profile never gets its answer; the first add batch does.
    platform.stalls.push((ids) => ids.includes(sha256Hex('out@example.com')));
    void run(profiles, { state: new FileSyncStateStore(dir), consentField: 'ok' });
    for (let waited = 0; platform.members.size < 3; waited += 5) {
      if (waited > 5000) assert.fail('the first add batch never arrived');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    platform.stalls.length = 0;
    platform.calls.length = 0;
    const next = await run(profiles, { state: new FileSyncStateStore(dir), consentField: 'ok' });
    assert.equal(next.status, 'completed');
    assert.equal(next.removed, 1, 'the opted-out profile is removed again');
    assert.ok(platform.calls.some((c) => c.action === 'remove' && c.size === 1));
  });

  it('stops sending after a fatal error and reports every batch', async () => {
    const { platform, run, batches } = await setup();
    platform.failures.push(() => new ExportError('forbidden', 'no access'));
    const summary = await run(emails('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'));
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'forbidden');
    assert.equal(batches.length, 4);
    assert.ok(batches.every((b) => b.status === 'failed'));
    // two lanes may each have tried one batch before the abort; the rest were never sent
    assert.ok(platform.calls.filter((c) => c.action === 'add').length <= 2);
    assert.ok(batches.some((b) => b.error?.code === 'aborted'));
  });

  it('retries a transient failure inside the batch and counts attempts', async () => {
    const { platform, run, batches } = await setup();
    let failed = false;
    platform.failures.push(() => {
      if (failed) return undefined;
      failed = true;
      return new ExportError('platform_unavailable', '503');
    });
    const summary = await run(emails('a'));
    assert.equal(summary.status, 'completed');
    assert.equal(batches[0].attempts, 2);
    assert.equal(batches[0].status, 'ok');
  });

  it('skips a segment over maxProfiles whole, sending nothing', async () => {
    const { platform, run } = await setup();
    const summary = await run(emails('a', 'b', 'c'), { maxProfiles: 2 });
    assert.equal(summary.status, 'skipped');
    assert.equal(summary.error?.code, 'segment_too_large');
    assert.equal(platform.calls.length, 0);
    assert.equal((await run(emails('a', 'b', 'c'), { maxProfiles: 0 })).status, 'completed');
  });

  it('skips segments the export does not take, without an error', async () => {
    const { platform, run } = await setup();
    const summary = await run(emails('a'), { segments: ['Other'] });
    assert.equal(summary.status, 'skipped');
    assert.equal(summary.error, undefined);
    assert.equal(platform.calls.length, 0);
  });

  it('dry run plans from state without sending or touching state', async () => {
    const { platform, run, batches } = await setup();
    await run(emails('a', 'b'));
    platform.calls.length = 0;
    const summary = await run(emails('b', 'c', 'd', 'e'), { dryRun: true });
    assert.equal(platform.calls.length, 0);
    assert.deepEqual({ s: summary.status, d: summary.dryRun, a: summary.added, r: summary.removed, u: summary.unchanged }, { s: 'completed', d: true, a: 3, r: 1, u: 1 });
    assert.equal(summary.audienceId, 'aud-1');
    assert.deepEqual(batches.slice(-2).map((b) => b.status), ['dry-run', 'dry-run']);
    const again = await run(emails('b', 'c', 'd', 'e'), { dryRun: true });
    assert.equal(again.added, 3, 'state untouched by the dry run');
  });

  it('refuses to send when the gate says no', async () => {
    const { platform, run } = await setup();
    const summary = await run(emails('a'), {
      assertAllowed: () => {
        throw new ExportError('consent_required', 'not ticked');
      },
    });
    assert.equal(summary.status, 'failed');
    assert.equal(summary.error?.code, 'consent_required');
    assert.equal(platform.calls.length, 0);
  });

  it('replace (clear-then-add) wipes first, so members sent by others are gone', async () => {
    const { platform, run } = await setup();
    platform.members.add(sha256Hex('stranger@example.com'));
    const summary = await run(emails('a', 'b'), { mode: 'replace' });
    assert.equal(summary.status, 'completed');
    assert.deepEqual(platform.calls.map((c) => c.action), ['resolve', 'clear', 'add']);
    assert.deepEqual(platform.members, hashes('a', 'b'));
  });

  it('replace (first-batch-replaces) sends the Replace call alone and first, then adds', async () => {
    const { platform, batches, run } = await setup('first-batch-replaces');
    platform.members.add(sha256Hex('stranger@example.com'));
    await run(emails('a', 'b', 'c', 'd', 'e', 'f', 'g'), { mode: 'replace' });
    assert.deepEqual(platform.calls.map((c) => c.action), ['resolve', 'replace', 'add', 'add']);
    assert.equal(batches[0].action, 'replace');
    assert.deepEqual(platform.members, hashes('a', 'b', 'c', 'd', 'e', 'f', 'g'));
  });

  it('a bad payload gives a failed summary with a clear error, never a throw', async () => {
    const { run } = await setup();
    for (const payload of ['not an address', 5, null, undefined]) {
      const summary = await run(payload);
      assert.equal(summary.status, 'failed');
      assert.equal(summary.error?.code, 'invalid_input');
    }
    const missing = await run(emails('a'), { segmentName: undefined });
    assert.equal(missing.error?.code, 'invalid_input');
  });
});

describe('export run: guards, one run per audience, stop on close', () => {
  const letters = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `p${from + i}`);

  it('refuses a run whose email field matches nothing, naming the field and the fields the profiles have, never their values', async () => {
    const { platform, run } = await setup();
    await run(emails('a', 'b'));
    platform.calls.length = 0;
    const profiles = [
      { id: 1, email: 'a@example.com', name: 'Ada' },
      { id: 2, email: 'b@example.com', name: 'Bob', 'ada@example.com': true },
    ];
    for (const dryRun of [false, true]) {
      const summary = await run(profiles, { emailField: 'mail', dryRun });
      assert.equal(summary.status, 'failed');
      assert.equal(summary.error?.code, 'no_valid_emails');
      assert.match(summary.error?.message ?? '', /^Email field `mail` matched no address in 2 of 2 profiles; the profiles have the fields id, email, name, \[email\]/);
      assert.ok(!/Ada|Bob|a@example\.com/.test(summary.error?.message ?? ''), 'names only, and a name that is an address is masked');
      assert.equal(summary.profiles, 2);
      assert.equal(summary.invalid, 2);
    }
    assert.equal(platform.calls.length, 0, 'not even the audience was looked up');
    assert.deepEqual(platform.members, hashes('a', 'b'), 'the audience is untouched');
  });

  it('mirror: a 72% drop sends nothing and fails with the counts it would have sent; a 40% drop runs', async () => {
    const { platform, run } = await setup();
    const all = letters(100);
    await run(emails(...all), { maxRemovalPercent: 50 });
    platform.calls.length = 0;
    const dropped = await run(emails(...all.slice(72), ...letters(5, 200)), { maxRemovalPercent: 50 });
    assert.equal(dropped.status, 'failed');
    assert.equal(dropped.error?.code, 'removal_guard');
    assert.match(dropped.error?.message ?? '', /would remove 72 of the 100 identifiers .* \(72%\), more than maxRemovalPercent \(50%\); nothing was sent/);
    assert.deepEqual(dropped.planned, { added: 5, removed: 72, unchanged: 28 });
    assert.deepEqual({ added: dropped.added, removed: dropped.removed }, { added: 0, removed: 0 });
    assert.deepEqual(platform.calls.filter((c) => c.action !== 'resolve'), [], 'no member upload');
    assert.deepEqual(platform.members, hashes(...all), 'the audience is untouched');

    const dry = await run(emails(...all.slice(72)), { maxRemovalPercent: 50, dryRun: true });
    assert.equal(dry.error?.code, 'removal_guard', 'a dry run reports what the guard decided');
    assert.equal(dry.removed, 72);

    const fine = await run(emails(...all.slice(40)), { maxRemovalPercent: 50 });
    assert.equal(fine.status, 'completed');
    assert.equal(fine.removed, 40);
    assert.deepEqual(platform.members, hashes(...all.slice(40)));
  });

  it('mirror: removing exactly maxRemovalPercent runs; one more identifier is refused', async () => {
    const { platform, run } = await setup();
    const all = letters(100);
    await run(emails(...all), { maxRemovalPercent: 50 });
    const over = await run(emails(...all.slice(51)), { maxRemovalPercent: 50, dryRun: true });
    assert.equal(over.error?.code, 'removal_guard', '51 of 100 is more than 50%');
    const exactly = await run(emails(...all.slice(50)), { maxRemovalPercent: 50 });
    assert.equal(exactly.status, 'completed', 'the limit itself is allowed');
    assert.equal(exactly.removed, 50);
    assert.deepEqual(platform.members, hashes(...all.slice(50)));
  });

  it('an empty segment is a 100% removal; maxRemovalPercent 100 lets it through', async () => {
    const { platform, run } = await setup();
    await run(emails('a', 'b', 'c'), { maxRemovalPercent: 50 });
    const empty = await run([], { maxRemovalPercent: 99 });
    assert.equal(empty.error?.code, 'removal_guard');
    assert.match(empty.error?.message ?? '', /3 of the 3 identifiers .* \(100%\)/);
    assert.equal(platform.members.size, 3);
    const allowed = await run([], { maxRemovalPercent: 100 });
    assert.equal(allowed.status, 'completed');
    assert.equal(platform.members.size, 0);
  });

  it('replace with no usable identifier is refused unless the guard is off; replace away from most of the delivered is refused too', async () => {
    const { platform, run } = await setup();
    platform.members.add(sha256Hex('stranger@example.com'));
    const wipe = await run([], { mode: 'replace', maxRemovalPercent: 50 });
    assert.equal(wipe.error?.code, 'removal_guard');
    assert.match(wipe.error?.message ?? '', /no usable identifier/);
    assert.equal(platform.calls.length, 0, 'no audience look-up is needed to refuse it');
    assert.equal(platform.members.size, 1);

    await run(emails(...letters(10)), { mode: 'replace', maxRemovalPercent: 50 });
    platform.calls.length = 0;
    const away = await run(emails(...letters(10, 6)), { mode: 'replace', maxRemovalPercent: 50 });
    assert.equal(away.error?.code, 'removal_guard');
    assert.deepEqual(away.planned, { added: 10, removed: 6, unchanged: 0 });
    assert.deepEqual(platform.calls.map((c) => c.action), ['resolve'], 'no wipe');

    const off = await run([], { mode: 'replace', maxRemovalPercent: 100 });
    assert.equal(off.status, 'completed');
    assert.equal(platform.members.size, 0);
  });

  it('add and remove runs are not guarded (they say what they do)', async () => {
    const { platform, run } = await setup();
    await run(emails('a', 'b', 'c'), { maxRemovalPercent: 0 });
    const removed = await run(emails('a', 'b', 'c'), { mode: 'remove', maxRemovalPercent: 0 });
    assert.equal(removed.status, 'completed');
    assert.equal(platform.members.size, 0);
  });

  it('two runs on one audience never interleave: the second waits, plans against the first one\'s state, and the audience ends exact', async () => {
    const { platform, state } = await setup();
    let waited = 0;
    let inFlight = 0;
    let most = 0;
    const slow = { ...platform, sendBatch: undefined } as unknown as PlatformAdapter;
    Object.setPrototypeOf(slow, platform);
    (slow as { sendBatch: PlatformAdapter['sendBatch'] }).sendBatch = async (...args) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      try {
        return await platform.sendBatch(...args);
      } finally {
        inFlight--;
      }
    };
    const base = { platform: platform.definition, runId: 'r', segmentName: 'Segment', segments: [], mode: 'mirror' as const, dryRun: false, maxProfiles: 1000, maxRemovalPercent: 100, emailField: 'email', encoding: 'sha256' as const, state, locks: state.locks, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } };
    // Each node's own adapter, one audience (the same account and audience id).
    const first = runExport({ ...base, adapter: slow, input: { payload: emails(...letters(30)) } });
    const second = runExport({ ...base, adapter: slow, input: { payload: emails(...letters(30, 20)) }, onWaiting: () => waited++ });
    const [a, b] = await Promise.all([first, second]);
    assert.equal(waited, 1, 'the second run said it was waiting');
    assert.equal(most, 2, 'within a run, batches still go two at a time (concurrency 2)');
    assert.deepEqual({ added: a.added, removed: a.removed }, { added: 30, removed: 0 });
    assert.deepEqual({ added: b.added, removed: b.removed, unchanged: b.unchanged }, { added: 20, removed: 20, unchanged: 10 });
    assert.deepEqual(platform.members, hashes(...letters(30, 20)));
    const check = await runExport({ ...base, adapter: platform, input: { payload: emails(...letters(30, 20)) } });
    assert.deepEqual({ added: check.added, removed: check.removed, unchanged: check.unchanged }, { added: 0, removed: 0, unchanged: 30 }, 'a following mirror finds nothing to do');
  });

  it('stops when its node closes: no new batch starts, confirmed batches are journalled, the next run continues from there', async () => {
    const { platform, run, state } = await setup();
    const stop = new AbortController();
    let sent = 0;
    platform.failures.push(() => {
      if (++sent === 2) stop.abort(); // the node closes while the second batch is in flight
      return undefined;
    });
    const stopped = await run(emails(...letters(30)), { signal: stop.signal, graceMs: 1000 });
    assert.equal(stopped.status, 'failed');
    assert.equal(stopped.error?.code, 'aborted');
    assert.match(stopped.error?.message ?? '', /node was closed .* 2 of 10 batches were sent and recorded/);
    assert.equal(platform.calls.filter((c) => c.action === 'add').length, 2, 'no batch started after the close');
    platform.failures.length = 0;
    platform.calls.length = 0;
    const next = await run(emails(...letters(30)), { locks: state.locks });
    assert.deepEqual({ added: next.added, unchanged: next.unchanged }, { added: 24, unchanged: 6 });
    assert.deepEqual(platform.members, hashes(...letters(30)));
  });

  it('a stopped run whose batch never answers lets go of the audience after its grace and writes nothing after the next run', async () => {
    const { platform, run, state } = await setup();
    const stop = new AbortController();
    let release: (() => void) | undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const original = platform.sendBatch.bind(platform);
    platform.sendBatch = async (audience, action, batch, context) => {
      const ids = wholeBatch(batch);
      if (ids.includes(sha256Hex('p3@example.com'))) {
        stop.abort();
        await hanging; // answered only long after the close
      }
      return original(audience, action, batch, context);
    };
    const old = run(emails(...letters(6)), { signal: stop.signal, graceMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    // The next run (after the deploy) got the audience: the old one's late answer must not be written over it.
    const next = await run(emails('x'), { locks: state.locks, maxRemovalPercent: 100 });
    assert.equal(next.status, 'completed');
    release?.();
    const oldSummary = await old;
    assert.equal(oldSummary.error?.code, 'aborted');
    const after = await run(emails('x'), { locks: state.locks });
    assert.deepEqual({ added: after.added, removed: after.removed }, { added: 0, removed: 0 }, 'the state is the newer run\'s');
  });
});
