import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DigestSet } from '../../src/core/digest-set';
import { sha256Digest, sha256Hex } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { type ExportRequest, type ExportSummary, runExport } from '../../src/core/export-run';
import { SegmentIntake } from '../../src/core/segment-intake';
import { FileSyncStateStore, type SyncStateStore } from '../../src/core/sync-state';
import type { ReplaceStrategy } from '../../src/core/types';
import { MemoryPlatform } from './memory-platform';

const emails = (...names: string[]) => names.map((n) => ({ email: `${n}@example.com` }));
const hashes = (...names: string[]) => new Set(names.map((n) => sha256Hex(`${n}@example.com`)));
const range = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

/** A state store that answers at once: nothing kept. */
const memoryState: SyncStateStore = {
  load: async () => undefined,
  record: async () => undefined,
  save: async () => undefined,
  rememberAudience: async () => undefined,
  recallAudience: async () => undefined,
};

/** Calls the platform got, without look-ups. */
const sends = (platform: MemoryPlatform) => platform.calls.filter((call) => call.action !== 'resolve');

/** Resolves once `check` holds (the run works between turns of the event loop). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 500; turn++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  assert.fail(`never happened: ${what}`);
}

async function setup(strategy?: ReplaceStrategy, maxBatchSize = 3) {
  const platform = new MemoryPlatform(strategy, maxBatchSize); // 3 identifiers per batch unless said, 2 in flight
  const state = new FileSyncStateStore(await fs.mkdtemp(path.join(os.tmpdir(), 'ax-stream-')));
  const request = (input: ExportRequest['input'], overrides: Partial<ExportRequest> = {}): ExportRequest => ({
    platform: platform.definition,
    adapter: platform,
    runId: 'run',
    segmentName: 'Segment',
    segments: [],
    input,
    mode: 'mirror',
    dryRun: false,
    maxProfiles: 0,
    maxRemovalPercent: 50,
    emailField: 'email',
    encoding: 'sha256',
    state,
    locks: state.locks,
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 10 },
    ...overrides,
  });
  /** A sequence's intake, as the node glue makes one for its first part. */
  const intake = (consentField?: string) => new SegmentIntake({ emailField: 'email', consentField, encoding: 'sha256' });
  return { platform, state, request, intake };
}

describe('streaming engine: hash on arrival, send while reading', () => {
  it('sends full batches of a sequence while later parts have not arrived yet, and the audience ends exact', async () => {
    const { platform, request, intake } = await setup();
    const segment = intake();
    const summary = runExport(request(segment, { mode: 'add' }));
    segment.push(emails('a', 'b', 'c', 'd'));
    await until(() => sends(platform).length >= 1, 'a batch before the sequence is complete');
    assert.deepEqual(sends(platform)[0], { action: 'add', size: 3 }, 'a full batch left while the sequence was still open');
    // Out of order, with a duplicate across parts and an invalid profile.
    segment.push([...emails('e', 'a'), { email: 'not an address' }]);
    segment.push(emails('f', 'g'));
    segment.end();
    const done = await summary;
    assert.equal(done.status, 'completed');
    assert.deepEqual({ profiles: done.profiles, invalid: done.invalid, duplicates: done.duplicates, added: done.added }, { profiles: 9, invalid: 1, duplicates: 1, added: 7 });
    assert.deepEqual(platform.members, hashes('a', 'b', 'c', 'd', 'e', 'f', 'g'));
    assert.equal(done.batches.total, 3);
  });

  it('mirror: adds stream, removals wait for the whole segment; a removal guard that trips then sends no removal and keeps the adds in the state', async () => {
    const { platform, request, intake } = await setup();
    await runExport(request({ payload: emails(...range('old', 10)) }));
    platform.calls.length = 0;

    // The new segment keeps 2 of the 10 and brings 6 new: 80% would leave (guard at 50%).
    const segment = intake();
    const summary = runExport(request(segment));
    // A batch is handed out once more than a full one waits (the last batch must be known as such).
    segment.push(emails('new0', 'new1', 'new2', 'new3', 'old0'));
    await until(() => sends(platform).length >= 1, 'the first add batch');
    segment.push(emails('new4', 'new5', 'old1'));
    segment.end();
    const refused = await summary;
    assert.equal(refused.status, 'failed');
    assert.equal(refused.error?.code, 'removal_guard');
    assert.match(refused.error?.message ?? '', /no one was removed \(\d+ additions had already gone out/);
    assert.ok(!sends(platform).some((call) => call.action === 'remove'), 'no removal was sent');
    assert.ok(refused.added >= 3, 'the adds sent while reading stay');
    assert.deepEqual(refused.planned, { added: 6, removed: 8, unchanged: 2 });

    // With the guard off, the next run removes the 8 and adds only what was not confirmed before.
    platform.calls.length = 0;
    const next = await runExport(request({ payload: emails('new0', 'new1', 'new2', 'new3', 'new4', 'new5', 'old0', 'old1') }, { maxRemovalPercent: 100 }));
    assert.equal(next.status, 'completed');
    assert.equal(next.removed, 8);
    assert.equal(next.added, 6 - refused.added, 'confirmed adds are not sent twice');
    assert.deepEqual(platform.members, hashes('new0', 'new1', 'new2', 'new3', 'new4', 'new5', 'old0', 'old1'));
  });

  it('a sequence that breaks half-way stops the run: what went stays recorded, no removal, nothing more', async () => {
    const { platform, request, intake, state } = await setup();
    await runExport(request({ payload: emails('x', 'y') }));
    platform.calls.length = 0;
    const segment = intake();
    const summary = runExport(request(segment, { maxRemovalPercent: 100 }));
    segment.push(emails('a', 'b', 'c', 'd', 'x'));
    await until(() => sends(platform).length >= 1, 'the first add batch');
    segment.fail(new ExportError('sequence_timeout', 'msg.parts sequence "s" received 1 parts and then nothing for 60 s'));
    const done = await summary;
    assert.equal(done.status, 'failed');
    assert.equal(done.error?.code, 'sequence_timeout');
    assert.deepEqual(sends(platform), [{ action: 'add', size: 3 }], 'y was not removed, d (held back) not sent');
    assert.deepEqual(platform.members, hashes('x', 'y', 'a', 'b', 'c'));
    const saved = await state.load({ platform: 'memory', accountKey: 'acct', audienceId: 'aud-1' });
    assert.equal(saved?.members.size, 5, 'the confirmed adds are in the state');
  });

  it('with a consent field nothing leaves before the whole segment is read: an opt-out in a later part holds back an earlier listing', async () => {
    const { platform, request, intake } = await setup();
    const segment = intake('ok');
    const summary = runExport(request(segment, { mode: 'add', consentField: 'ok' }));
    segment.push([...emails('a', 'b', 'c', 'd'), { email: 'e@example.com', ok: true }]);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(sends(platform).length, 0, 'held while the segment arrives');
    segment.push([{ email: 'a@example.com', ok: 'no' }]);
    segment.end();
    const done = await summary;
    assert.equal(done.status, 'completed');
    assert.deepEqual(platform.members, hashes('b', 'c', 'd', 'e'));
    assert.equal(done.optedOut, 1);
  });

  it('replace wipes only once those seen already satisfy the removal guard, then streams the adds', async () => {
    const { platform, request, intake } = await setup('clear-then-add');
    await runExport(request({ payload: emails(...range('m', 10)) }));
    platform.calls.length = 0;
    const segment = intake();
    const summary = runExport(request(segment, { mode: 'replace' }));
    segment.push(emails('n0', 'n1', 'n2', 'n3'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(sends(platform).length, 0, 'a full batch waits: wiping now could remove all 10 delivered');
    segment.push(emails('m0', 'm1', 'm2', 'm3', 'm4'));
    await until(() => sends(platform).length >= 2, 'the wipe and the first add');
    assert.equal(sends(platform)[0].action, 'clear', 'half of the delivered are in the segment: the wipe may go');
    segment.push(emails('n4'));
    segment.end();
    const done = await summary;
    assert.equal(done.status, 'completed');
    assert.deepEqual(platform.members, hashes('n0', 'n1', 'n2', 'n3', 'n4', 'm0', 'm1', 'm2', 'm3', 'm4'));
  });

  it('a replace the guard refuses sends nothing at all, even with full batches read', async () => {
    const { platform, request, intake } = await setup('first-batch-replaces');
    await runExport(request({ payload: emails(...range('m', 10)) }));
    platform.calls.length = 0;
    const segment = intake();
    const summary = runExport(request(segment, { mode: 'replace' }));
    segment.push(emails(...range('n', 7), 'm0'));
    segment.end();
    const done: ExportSummary = await summary;
    assert.equal(done.error?.code, 'removal_guard');
    assert.deepEqual(sends(platform), []);
    assert.match(done.error?.message ?? '', /nothing was sent/);
  });

  it('a segment of one message is hashed slice by slice and its first batch leaves before the last slice is read', async () => {
    const { platform, request } = await setup(undefined, 1_000);
    const profiles = emails(...range('p', 20_000));
    // Bigger than a part read in one go: read 200 at a time.
    const intake = new SegmentIntake({ emailField: 'email', encoding: 'sha256' }, { knownProfiles: profiles.length, profilesPerSlice: 100, syncProfiles: 1_000 });
    intake.push(profiles);
    intake.end();
    let readWhenFirstSent = -1;
    const done = await runExport(
      request(intake, {
        // State in memory: the run is ready to send within a turn or two, whatever the machine's load.
        state: memoryState,
        mode: 'add',
        onBatch: () => {
          if (readWhenFirstSent < 0) readWhenFirstSent = intake.counts.profiles;
        },
      }),
    );
    assert.equal(done.added, 20_000);
    assert.ok(readWhenFirstSent > 0 && readWhenFirstSent < 20_000, `the first batch finished after ${readWhenFirstSent} of 20,000 profiles were read`);
    assert.equal(platform.members.size, 20_000);
  });
});

describe('digest set storage', () => {
  it('takes a state file body as its storage, keeps repeats once, and writes its live digests back in chunks', () => {
    const digests = ['a', 'b', 'a', 'c'].map((name) => sha256Digest(`${name}@example.com`));
    const set = DigestSet.fromBytes(Buffer.from(digests.join(''), 'latin1'));
    assert.equal(set.size, 3);
    assert.deepEqual([...set], [digests[0], digests[1], digests[3]]);
    set.delete(digests[1]);
    set.add(sha256Digest('d@example.com'));
    const written = Buffer.concat([...set.chunks()]).toString('latin1');
    assert.equal(written, [digests[0], digests[3], sha256Digest('d@example.com')].join(''));
    assert.equal(set.at(1), undefined, 'a deleted entry leaves a hole: indexes stay put');
    assert.equal(set.at(3), digests[3]);
  });

  it('a state with many holes is saved and read back exactly', async () => {
    const state = new FileSyncStateStore(await fs.mkdtemp(path.join(os.tmpdir(), 'ax-holes-')));
    const members = new DigestSet(200_000);
    for (let i = 0; i < 200_000; i++) members.add(sha256Digest(`h${i}@example.com`));
    for (let i = 0; i < 200_000; i += 3) members.delete(sha256Digest(`h${i}@example.com`));
    const key = { platform: 'memory', accountKey: 'acct', audienceId: 'holes' };
    await state.save(key, members, members.size);
    const loaded = await state.load(key);
    assert.equal(loaded?.members.size, members.size);
    assert.deepEqual([...(loaded?.members ?? [])], [...members]);
  });
});
