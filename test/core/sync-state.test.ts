import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256Digest } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { journalRecord } from '../../src/core/state-journal';
import { FileSyncStateStore, stateStoreFor } from '../../src/core/sync-state';

describe('mirror state store', () => {
  const key = { platform: 'snapchat' as const, accountKey: 'acct', audienceId: '123' };

  it('round-trips digests in 32 bytes each, across the chunks it writes them in', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const store = new FileSyncStateStore(dir);
    assert.equal(await store.load(key), undefined);
    const digests = Array.from({ length: 70_000 }, (_, i) => sha256Digest(`user${i}@example.com`));
    await store.save(key, digests, digests.length);
    const loaded = await store.load(key);
    assert.deepEqual(new Set(loaded?.members), new Set(digests));
    assert.deepEqual([...(loaded?.members ?? [])], digests, 'in the order saved');
    assert.equal(loaded?.complete, true);
    const files = await fs.readdir(dir);
    assert.equal(files.length, 1);
    const raw = await fs.readFile(path.join(dir, files[0]));
    assert.equal(raw.length, 8 + 70_000 * 32);
    assert.equal(raw.toString('latin1', 8 + 69_999 * 32), digests[69_999]);
  });

  it('refuses anything but a digest, or a count that does not match, and leaves the old state as it was', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const store = new FileSyncStateStore(dir);
    const kept = [sha256Digest('a@example.com')];
    await store.save(key, kept, 1);
    const internal = (error: unknown) => error instanceof ExportError && error.code === 'internal';
    await assert.rejects(store.save(key, [sha256Digest('b@example.com'), 'plain@example.com'], 2), internal);
    await assert.rejects(store.save(key, [sha256Digest('b@example.com')], 2), internal);
    await assert.rejects(store.save(key, [sha256Digest('b@example.com'), sha256Digest('c@example.com')], 1), internal);
    assert.deepEqual(new Set((await store.load(key))?.members), new Set(kept));
    assert.equal((await fs.readdir(dir)).length, 1, 'no temporary file left behind');
  });

  it('journals confirmed batches so a run that dies is not lost, and the next save ends the journal', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const d = (name: string) => sha256Digest(`${name}@example.com`);
    const store = new FileSyncStateStore(dir);
    await store.save(key, [d('a'), d('b'), d('c')], 3);
    // A run confirms two batches, concurrently, then dies: no save.
    await Promise.all([store.record(key, 'remove', [d('b')]), store.record(key, 'add', [d('x'), d('y')])]);
    const afterCrash = await new FileSyncStateStore(dir).load(key);
    assert.deepEqual(new Set(afterCrash?.members), new Set([d('a'), d('c'), d('x'), d('y')]));
    assert.deepEqual([afterCrash?.complete, afterCrash?.journalled], [true, true]);
    // The next run saves: the journal is folded in and gone.
    await store.save(key, afterCrash?.members ?? [], afterCrash?.members.size ?? 0);
    assert.deepEqual((await fs.readdir(dir)).filter((f) => f.endsWith('.journal')), []);
    assert.equal((await store.load(key))?.journalled, false);
    // Replaying a journal onto the state it was already folded into changes nothing (a crash between the two steps).
    await store.record(key, 'add', [d('z')]);
    const withJournal = await store.load(key);
    await store.save(key, withJournal?.members ?? [], withJournal?.members.size ?? 0);
    await fs.writeFile(path.join(dir, (await fs.readdir(dir)).find((f) => f.endsWith('.state')) + '.journal'), journalRecord('add', [d('z')]));
    assert.deepEqual(new Set((await store.load(key))?.members), new Set([d('a'), d('c'), d('x'), d('y'), d('z')]));
  });

  it('replays a wipe, ignores a record torn by a crash, and marks a first run known only from its journal as incomplete', async () => {
    const d = (name: string) => sha256Digest(`${name}@example.com`);
    const firstRun = new FileSyncStateStore(await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-')));
    await firstRun.record(key, 'add', [d('a')]);
    const partial = await firstRun.load(key);
    assert.deepEqual([...(partial?.members ?? [])], [d('a')]);
    assert.equal(partial?.complete, false, 'opted-out profiles may still be in the audience from elsewhere');

    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const store = new FileSyncStateStore(dir);
    await store.save(key, [d('old')], 1);
    await store.record(key, 'replace', [d('a')]);
    await store.record(key, 'add', [d('b')]);
    const journalFile = path.join(dir, (await fs.readdir(dir)).find((f) => f.endsWith('.journal')) ?? '');
    const torn = journalRecord('add', [d('c'), d('e')]).subarray(0, 40);
    await fs.appendFile(journalFile, torn);
    const replayed = await store.load(key);
    assert.deepEqual(new Set(replayed?.members), new Set([d('a'), d('b')]));
    assert.equal(replayed?.complete, true);
    // The torn record was cut at load, so the next run's records are read as themselves.
    await store.record(key, 'add', [d('f')]);
    assert.deepEqual(new Set((await store.load(key))?.members), new Set([d('a'), d('b'), d('f')]));
    // An unknown operation in a complete record is damage, and is reported as such.
    await fs.appendFile(journalFile, Buffer.from([0x3f, 0, 0, 0, 0]));
    await assert.rejects(store.load(key), (error: unknown) => error instanceof ExportError && error.code === 'state_io');
  });

  it('keeps audiences apart and remembers name resolutions', async () => {
    const store = new FileSyncStateStore(await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-')));
    await store.save(key, [sha256Digest('a@example.com')], 1);
    assert.equal(await store.load({ ...key, audienceId: '456' }), undefined);
    await Promise.all([store.rememberAudience('snapchat', 'acct', 'Seg A', 'id-a'), store.rememberAudience('snapchat', 'acct', 'Seg B', 'id-b')]);
    assert.equal(await store.recallAudience('snapchat', 'acct', 'Seg A'), 'id-a');
    assert.equal(await store.recallAudience('snapchat', 'acct', 'Seg B'), 'id-b');
    assert.equal(await store.recallAudience('criteo', 'acct', 'Seg A'), undefined);
  });

  it('reports a damaged file as state_io instead of guessing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const store = new FileSyncStateStore(dir);
    await store.save(key, [sha256Digest('a@example.com')], 1);
    const [file] = await fs.readdir(dir);
    await fs.appendFile(path.join(dir, file), 'x');
    await assert.rejects(store.load(key), (error: unknown) => error instanceof ExportError && error.code === 'state_io');
  });
});

describe('mirror state store under concurrent exports', () => {
  it('keeps every name resolution when many exports remember at once, through the shared per-directory store', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    // Separate lookups (as separate export nodes make them) get the same store.
    await Promise.all(Array.from({ length: 20 }, (_, i) => stateStoreFor(dir).rememberAudience('snapchat', 'acct', `Segment ${i}`, `id-${i}`)));
    for (let i = 0; i < 20; i++) assert.equal(await stateStoreFor(dir).recallAudience('snapchat', 'acct', `Segment ${i}`), `id-${i}`);
    const key = { platform: 'criteo' as const, accountKey: 'a', audienceId: '1' };
    await Promise.all(Array.from({ length: 10 }, () => stateStoreFor(dir).save(key, [sha256Digest('a@example.com')], 1)));
    assert.equal((await stateStoreFor(dir).load(key))?.members.size, 1);
  });
});
