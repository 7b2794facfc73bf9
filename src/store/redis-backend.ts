import { onePer } from '../core/one-per';
import { RedisConnection } from './redis-connection';
import { RedisDocuments } from './redis-documents';
import { RedisKeys } from './redis-keys';
import { RedisSyncStateStore } from './redis-state';
import type { StoreSetting } from './store-setting';

type RedisSetting = Extract<StoreSetting, { kind: 'redis' }>;

export interface RedisBackend {
  readonly connection: RedisConnection;
  readonly keys: RedisKeys;
  readonly state: RedisSyncStateStore;
  /** Approvals, host pins and rotated tokens, on a connection of their own (see RedisDocuments). */
  readonly documents: RedisDocuments;
}

let logLine: ((line: string) => void) | undefined;

/** Where the backend's few log lines go (Node-RED's log once the node set is registered). */
export function setRedisLog(log: (line: string) => void): void {
  logLine = log;
}

const backends = onePer((serialised) => {
  const setting = JSON.parse(serialised) as RedisSetting;
  const connection = new RedisConnection(setting.url, (line) => logLine?.(line));
  const keys = new RedisKeys(setting.keyPrefix);
  const documents = new RedisDocuments(new RedisConnection(setting.url, (line) => logLine?.(line)), keys);
  return { connection, keys, state: new RedisSyncStateStore(connection, keys, setting.leaseMs), documents };
});

/** One backend (one connection) per server, prefix and lease time in this process. */
export function redisBackendFor(setting: RedisSetting): RedisBackend {
  return backends(JSON.stringify({ kind: setting.kind, url: setting.url, keyPrefix: setting.keyPrefix, leaseMs: setting.leaseMs }));
}
