import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DigestSet } from '../src/core/digest-set';
import { sha256Digest } from '../src/core/email';
import { FileSyncStateStore, type SyncStateStore } from '../src/core/sync-state';
import { RedisConnection } from '../src/store/redis-connection';
import { RedisKeys } from '../src/store/redis-keys';
import { RedisSyncStateStore } from '../src/store/redis-state';
import { startRedisServer } from '../test/redis/server';

/**
 * The state row: save and load of a 1M-member mirror state on the file store and on Redis (a local
 * redis-server on loopback, no persistence), medians of RUNS runs each. `npm run bench:state`.
 */
const MEMBERS = Number(process.env.STATE_MEMBERS ?? 1_000_000);
const RUNS = Number(process.env.STATE_RUNS ?? 5);

async function measure(store: SyncStateStore, members: Set<string>): Promise<{ save: number; load: number }> {
  const key = { platform: 'bench', accountKey: 'account', audienceId: 'audience' };
  const saves: number[] = [];
  const loads: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    await store.save(key, members, members.size);
    saves.push(performance.now() - started);
    started = performance.now();
    const loaded = await store.load(key);
    loads.push(performance.now() - started);
    if (loaded?.members.size !== members.size) throw new Error('the state did not round-trip');
  }
  return { save: median(saves), load: median(loads) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]);
}

async function main(): Promise<void> {
  const members = new DigestSet(MEMBERS);
  for (let i = 0; i < MEMBERS; i++) members.add(sha256Digest(`member${i}@example.com`));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-bench-state-'));
  const server = await startRedisServer();
  const connection = new RedisConnection(server.url);
  try {
    const file = await measure(new FileSyncStateStore(dir), members);
    const redis = await measure(new RedisSyncStateStore(connection, new RedisKeys('bench:'), 30_000), members);
    console.log(`| store | members | save (median of ${RUNS}) | load (median of ${RUNS}) |`);
    console.log('|---|---|---|---|');
    console.log(`| files | ${MEMBERS.toLocaleString('en-US')} | ${file.save} ms | ${file.load} ms |`);
    console.log(`| Redis (loopback) | ${MEMBERS.toLocaleString('en-US')} | ${redis.save} ms | ${redis.load} ms |`);
  } finally {
    await connection.close();
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void main();
