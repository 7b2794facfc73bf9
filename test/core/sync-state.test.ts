import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AudienceLease } from '../../src/core/audience-lock';
import { DigestSet } from '../../src/core/digest-set';
import { sha256Digest } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { journalRecord } from '../../src/core/state-journal';
import { type AudienceKey, FileSyncStateStore, stateStoreFor } from '../../src/core/sync-state';
import type { StateBackend } from '../../src/nodes/stores';
import { RedisConnection } from '../../src/store/redis-connection';
import { RedisKeys } from '../../src/store/redis-keys';
import { RedisSyncStateStore } from '../../src/store/redis-state';
import { type RedisServer, startRedisServer } from '../redis/server';

/**
 * The mirror state store's contract, run against both backends: the file store (one instance) and
 * the Redis store (several instances; a real redis-server on loopback). Each `open()` is a store as a
 * new process would open it on the same storage.
 */
interface Backend {
  readonly name: string;
  /** A fresh, empty storage; `open` gives a new store on it (another process, or another instance). */
  fresh(): Promise<Storage>;
}

interface Storage {
  open(): StateBackend;
  /** Append raw bytes to an audience's journal, as a crash or an older version might have left them. */
  appendJournal(key: AudienceKey, bytes: Buffer): Promise<void>;
  /** Damage an audience's state (one byte too many). */
  damage(key: AudienceKey): Promise<void>;
  /** Temporary files or pending keys left behind. */
  leftovers(): Promise<number>;
  journals(): Promise<number>;
}

const d = (name: string) => sha256Digest(`${name}@example.com`);
const key: AudienceKey = { platform: 'snapchat', accountKey: 'acct', audienceId: '123' };
const isCode = (code: string) => (error: unknown) => error instanceof ExportError && error.code === code;

const fileBackend: Backend = {
  name: 'file store',
  async fresh() {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const stateFile = async () => path.join(dir, (await fs.readdir(dir)).find((f) => f.endsWith('.state')) ?? 'missing');
    return {
      open: () => new FileSyncStateStore(dir),
      async appendJournal(_key, bytes) {
        const state = (await fs.readdir(dir)).find((f) => f.endsWith('.state') || f.endsWith('.journal')) ?? 'missing';
        await fs.appendFile(path.join(dir, state.endsWith('.journal') ? state : `${state}.journal`), bytes);
      },
      damage: async () => fs.appendFile(await stateFile(), 'x'),
      leftovers: async () => (await fs.readdir(dir)).filter((f) => f.endsWith('.tmp')).length,
      journals: async () => (await fs.readdir(dir)).filter((f) => f.endsWith('.journal')).length,
    };
  },
};

let server: RedisServer | undefined;
const connections: RedisConnection[] = [];
const connectionOf = new WeakMap<StateBackend, RedisConnection>();
const redisBackend: Backend = {
  name: 'Redis store',
  async fresh() {
    if (!server) throw new Error('no redis-server');
    const url = server.url;
    const prefix = `t${randomUUID().slice(0, 8)}:`;
    const keys = new RedisKeys(prefix);
    const admin = new RedisConnection(url);
    connections.push(admin);
    const name = RedisKeys.audienceName;
    const count = async (pattern: string) => (await (await admin.ready()).keys(`${prefix}${pattern}`)).length;
    return {
      open() {
        const connection = new RedisConnection(url);
        connections.push(connection);
        const store = new RedisSyncStateStore(connection, keys, 2_000);
        connectionOf.set(store, connection);
        return store;
      },
      appendJournal: async (k, bytes) => void (await (await admin.ready()).rpush(keys.journal(name(k)), bytes)),
      damage: async (k) => void (await (await admin.ready()).rpush(keys.state(name(k)), 'x')),
      leftovers: () => count('pending:*'),
      journals: () => count('journal:*'),
    };
  },
};

before(async function () {
  this.timeout(20_000);
  server = await startRedisServer();
});

after(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await server?.stop();
});

for (const backend of [fileBackend, redisBackend]) {
  describe(`mirror state store contract: ${backend.name}`, () => {
    it('round-trips 70,000 digests in the order saved, across the chunks it writes them in', async () => {
      const store = (await backend.fresh()).open();
      assert.equal(await store.load(key), undefined);
      const digests = Array.from({ length: 70_000 }, (_, i) => d(`user${i}`));
      await store.save(key, digests, digests.length);
      const loaded = await store.load(key);
      assert.deepEqual([...(loaded?.members ?? [])], digests, 'in the order saved');
      assert.equal(loaded?.complete, true);
      assert.equal(loaded?.journalled, false);
      await store.save(key, [], 0);
      assert.equal((await store.load(key))?.members.size, 0, 'an empty state is a state, not none');
    });

    it('refuses anything but a digest, or a count that does not match, and leaves the old state as it was', async () => {
      const storage = await backend.fresh();
      const store = storage.open();
      const kept = [d('a')];
      await store.save(key, kept, 1);
      await assert.rejects(store.save(key, [d('b'), 'plain@example.com'], 2), isCode('internal'));
      await assert.rejects(store.save(key, [d('b')], 2), isCode('internal'));
      await assert.rejects(store.save(key, [d('b'), d('c')], 1), isCode('internal'));
      assert.deepEqual([...((await store.load(key))?.members ?? [])], kept);
      assert.equal(await storage.leftovers(), 0, 'nothing temporary left behind');
    });

    it('journals confirmed batches so a run that dies is not lost, and the next save ends the journal', async () => {
      const storage = await backend.fresh();
      const store = storage.open();
      await store.save(key, [d('a'), d('b'), d('c')], 3);
      // A run confirms two batches, concurrently, then dies: no save.
      await Promise.all([store.record(key, 'remove', [d('b')]), store.record(key, 'add', [d('x'), d('y')])]);
      const afterCrash = await storage.open().load(key);
      assert.deepEqual(new Set(afterCrash?.members), new Set([d('a'), d('c'), d('x'), d('y')]));
      assert.deepEqual([afterCrash?.complete, afterCrash?.journalled], [true, true]);
      // The next run saves: the journal is folded in and gone.
      await store.save(key, afterCrash?.members ?? [], afterCrash?.members.size ?? 0);
      assert.equal(await storage.journals(), 0);
      assert.equal((await store.load(key))?.journalled, false);
      // Replaying a journal onto the state it was already folded into changes nothing.
      await storage.appendJournal(key, journalRecord('add', [d('x')]));
      assert.deepEqual(new Set((await store.load(key))?.members), new Set([d('a'), d('c'), d('x'), d('y')]));
    });

    it('replays a wipe, and marks a first run known only from its journal as incomplete', async () => {
      const firstRun = (await backend.fresh()).open();
      await firstRun.record(key, 'add', [d('a')]);
      const partial = await firstRun.load(key);
      assert.deepEqual([...(partial?.members ?? [])], [d('a')]);
      assert.equal(partial?.complete, false, 'opted-out profiles may still be in the audience from elsewhere');

      const storage = await backend.fresh();
      const store = storage.open();
      await store.save(key, [d('old')], 1);
      await store.record(key, 'replace', [d('a')]);
      await store.record(key, 'add', [d('b')]);
      const replayed = await store.load(key);
      assert.deepEqual(new Set(replayed?.members), new Set([d('a'), d('b')]));
      assert.equal(replayed?.complete, true);
      // An unknown operation in a complete record is damage, and is reported as such.
      await storage.appendJournal(key, Buffer.from([0x3f, 0, 0, 0, 0]));
      await assert.rejects(store.load(key), isCode('state_io'));
    });

    it('keeps audiences apart and remembers name resolutions', async () => {
      const storage = await backend.fresh();
      const store = storage.open();
      await store.save(key, [d('a')], 1);
      assert.equal(await store.load({ ...key, audienceId: '456' }), undefined);
      assert.equal(await store.load({ ...key, platform: 'criteo' }), undefined);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.rememberAudience('snapchat', 'acct', `Segment ${i}`, `id-${i}`)));
      const other = storage.open();
      for (let i = 0; i < 20; i++) assert.equal(await other.recallAudience('snapchat', 'acct', `Segment ${i}`), `id-${i}`);
      assert.equal(await other.recallAudience('criteo', 'acct', 'Segment 1'), undefined);
      assert.equal(await other.recallAudience('snapchat', 'other', 'Segment 1'), undefined);
    });

    it('reports a damaged state as state_io instead of guessing', async () => {
      const storage = await backend.fresh();
      const store = storage.open();
      await store.save(key, [d('a')], 1);
      await storage.damage(key);
      await assert.rejects(store.load(key), isCode('state_io'));
    });

    it('keeps the last of many concurrent saves whole', async () => {
      const storage = await backend.fresh();
      const store = storage.open();
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.save(key, [d(`a${i}`), d('b')], 2)));
      assert.equal((await store.load(key))?.members.size, 2);
      assert.equal(await storage.leftovers(), 0);
    });

    it('one run per audience: the second waits (told once), and a released lease writes nothing more', async () => {
      const store = (await backend.fresh()).open();
      const lockKey = `audience\nsnapchat\nacct\n123`;
      const first = await store.locks.acquire(lockKey);
      let waitingCalls = 0;
      let secondHeld: AudienceLease | undefined;
      const second = store.locks.acquire(lockKey, { onWaiting: () => waitingCalls++ }).then((lease) => (secondHeld = lease));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(secondHeld, undefined, 'still waiting');
      assert.equal(waitingCalls, 1);
      await store.record(key, 'add', [d('a')], first);
      await first.release();
      assert.equal(first.held, false);
      await assert.rejects(store.record(key, 'add', [d('late')], first), isCode('aborted'));
      await assert.rejects(store.save(key, [d('late')], 1, first), isCode('aborted'));
      const lease = await second;
      assert.equal(lease.held, true);
      assert.deepEqual([...((await store.load(key))?.members ?? [])], [d('a')]);
      await store.save(key, [d('a'), d('b')], 2, lease);
      await lease.release();

      // A run that stops while waiting never gets the audience.
      const holder = await store.locks.acquire(lockKey);
      const stop = new AbortController();
      const waiting = store.locks.acquire(lockKey, { signal: stop.signal });
      stop.abort();
      await assert.rejects(waiting, isCode('aborted'));
      await holder.release();
      const again = await store.locks.acquire(lockKey);
      await again.release();
    });
  });
}

describe('mirror state store: file store only', () => {
  it('writes 8 bytes of header and 32 bytes per digest, and cuts a record torn by a crash', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    const store = new FileSyncStateStore(dir);
    const digests = Array.from({ length: 70_000 }, (_, i) => d(`user${i}`));
    await store.save(key, digests, digests.length);
    const files = await fs.readdir(dir);
    assert.equal(files.length, 1);
    const raw = await fs.readFile(path.join(dir, files[0]));
    assert.equal(raw.length, 8 + 70_000 * 32);
    assert.equal(raw.toString('latin1', 8 + 69_999 * 32), digests[69_999]);

    await store.record(key, 'add', [d('b')]);
    const journalFile = path.join(dir, (await fs.readdir(dir)).find((f) => f.endsWith('.journal')) ?? '');
    await fs.appendFile(journalFile, journalRecord('add', [d('c'), d('e')]).subarray(0, 40));
    assert.equal((await store.load(key))?.members.size, 70_001);
    // The torn record was cut at load, so the next run's records are read as themselves.
    await store.record(key, 'add', [d('f')]);
    const members = (await store.load(key))?.members;
    assert.equal(members?.has(d('f')), true);
    assert.equal(members?.has(d('c')), false);
  });

  it('serves one store per directory, so name resolutions of concurrent exports are all kept', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-state-'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => stateStoreFor(dir).rememberAudience('snapchat', 'acct', `Segment ${i}`, `id-${i}`)));
    for (let i = 0; i < 20; i++) assert.equal(await stateStoreFor(dir).recallAudience('snapchat', 'acct', `Segment ${i}`), `id-${i}`);
  });
});

describe('mirror state store: Redis across instances', () => {
  const lockKey = `audience\nsnapchat\nacct\n123`;

  it('two instances exclude each other; a crashed holder\'s lease expires, and Redis itself refuses its late writes', async () => {
    const storage = await redisBackend.fresh();
    const a = storage.open();
    const b = storage.open();
    const leaseA = await a.locks.acquire(lockKey);
    let bGot = false;
    const leaseB = b.locks.acquire(lockKey).then((lease) => {
      bGot = true;
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(bGot, false, 'the other instance waits');
    await a.record(key, 'add', [d('a')], leaseA);
    // A "crashes": its renewals stop (its connection is gone); the lease runs out (2 s here) and B takes over.
    connectionOf.get(a)?.client.disconnect(false);
    const started = Date.now();
    const taken = await leaseB;
    assert.ok(Date.now() - started < 4_000, 'within the lease time');
    assert.equal(leaseA.held, false, 'A knows its lease ran out');
    const resumed = await b.load(key);
    assert.deepEqual([...(resumed?.members ?? [])], [d('a')], 'B resumes from A\'s journal');
    await b.save(key, [d('a'), d('b')], 2, taken);
    await taken.release();
  });

  it('fences in Redis: a holder whose lease was taken while it still believes it holds it writes nothing', async () => {
    const storage = await redisBackend.fresh();
    const a = storage.open();
    const lease = await a.locks.acquire(lockKey);
    await a.save(key, [d('a')], 1, lease);
    // The lease vanishes under A (it expired during a long pause) and another instance takes it.
    const admin = new RedisConnection(server?.url ?? '');
    connections.push(admin);
    const client = await admin.ready();
    const leaseKeys = await client.keys('*lease:*');
    await client.del(...leaseKeys);
    const b = storage.open();
    const other = await b.locks.acquire(lockKey);
    assert.equal(lease.held, true, 'A has not noticed yet');
    await assert.rejects(a.record(key, 'add', [d('late')], lease), isCode('aborted'));
    await assert.rejects(a.save(key, [d('late')], 1, lease), isCode('aborted'));
    assert.deepEqual([...((await b.load(key))?.members ?? [])], [d('a')]);
    assert.equal(await storage.leftovers(), 0);
    await other.release();
    await lease.release();
  });

  it('Redis unreachable at start or gone mid-run: state_io at once, no fallback; back by itself when it returns', async function () {
    this.timeout(30_000);
    const nowhere = new RedisConnection('redis://127.0.0.1:1');
    connections.push(nowhere);
    const offline = new RedisSyncStateStore(nowhere, new RedisKeys('x:'), 2_000);
    const started = Date.now();
    await assert.rejects(offline.load(key), (error: unknown) => isCode('state_io')(error) && /cannot be reached/.test((error as Error).message) && !/password/.test((error as Error).message));
    await assert.rejects(offline.locks.acquire(lockKey), isCode('state_io'));
    assert.ok(Date.now() - started < 10_000);

    // A server of its own, killed under a run and started again.
    const own = await startRedisServer();
    try {
      const connection = new RedisConnection(own.url);
      connections.push(connection);
      const store = new RedisSyncStateStore(connection, new RedisKeys('y:'), 2_000);
      await store.save(key, [d('a')], 1);
      await own.kill();
      await assert.rejects(store.record(key, 'add', [d('b')]), isCode('state_io'));
      await assert.rejects(store.save(key, [d('b')], 1), isCode('state_io'));
      await own.restart();
      for (let waited = 0; connection.client.status !== 'ready' && waited < 10_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      await store.record(key, 'add', [d('c')]);
      assert.deepEqual([...((await store.load(key))?.members ?? [])], [d('c')], 'reconnected (the restarted server is empty)');
    } finally {
      await own.stop();
    }
  });

  it('loads and saves a 1M-member state in the same order of time as the file store', async function () {
    this.timeout(120_000);
    const members = new DigestSet(1_000_000);
    for (let i = 0; i < 1_000_000; i++) members.add(d(`m${i}`));
    const timings: Record<string, { save: number; load: number }> = {};
    for (const backend of [fileBackend, redisBackend]) {
      const store = (await backend.fresh()).open();
      let started = performance.now();
      await store.save(key, members, members.size);
      const save = performance.now() - started;
      started = performance.now();
      const loaded = await store.load(key);
      const load = performance.now() - started;
      assert.equal(loaded?.members.size, 1_000_000);
      assert.equal(loaded?.members.has(d('m999999')), true);
      timings[backend.name] = { save: Math.round(save), load: Math.round(load) };
    }
    console.log(`      1M-member state (ms): ${JSON.stringify(timings)}`);
    const file = timings[fileBackend.name];
    const redis = timings[redisBackend.name];
    assert.ok(redis.save < Math.max(5 * file.save, 3_000), `save: Redis ${redis.save} ms against files ${file.save} ms`);
    assert.ok(redis.load < Math.max(5 * file.load, 3_000), `load: Redis ${redis.load} ms against files ${file.load} ms`);
  });
});
