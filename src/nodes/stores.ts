import * as path from 'node:path';
import type { AudienceLocks } from '../core/audience-lock';
import { fileDocument, type JsonDocument } from '../core/json-file';
import { stateStoreFor, type SyncStateStore } from '../core/sync-state';
import { redisBackendFor, setRedisLog } from '../store/redis-backend';
import { parseStoreSetting, type StoreSetting } from '../store/store-setting';
import type { NodeRedApi } from './red-types';
import { dataDirectory } from './runtime-settings';

/**
 * The mirror state and the locks that guard it, from one backend. `guard` turns a run's stop signal
 * into one that also stops the run when the backend goes away (a remote store), so no batch is sent
 * that could not be recorded.
 */
export type StateBackend = SyncStateStore & { readonly locks: AudienceLocks; guard?(signal: AbortSignal): AbortSignal };

/**
 * The one place the backend is chosen (settings.js `audienceExportStore`): files under the data
 * directory, or Redis. Checked at start by `assertStoreSetting`, so a bad value never falls back.
 */
export function storeSetting(RED: NodeRedApi): StoreSetting {
  return parseStoreSetting(RED.settings.audienceExportStore);
}

/** At start: throws (and the node set does not load) when the setting is malformed. */
export function assertStoreSetting(RED: NodeRedApi): StoreSetting {
  const setting = storeSetting(RED);
  if (setting.kind === 'redis') {
    setRedisLog((line) => RED.log?.warn(line));
    const backend = redisBackendFor(setting);
    RED.log?.info(`audience-export: state, locks, approvals, pins and tokens are kept in Redis at ${backend.connection.where}`);
  }
  return setting;
}

export function stateStore(RED: NodeRedApi): StateBackend {
  const setting = storeSetting(RED);
  return setting.kind === 'redis' ? redisBackendFor(setting).state : stateStoreFor(path.join(dataDirectory(RED), 'state'));
}

/**
 * A small JSON document by its name under the data directory (`approvals.json`, `pins.json`,
 * `tokens/<digest>.json`): that file, or the Redis key of the same name.
 */
export function documentOf(RED: NodeRedApi, name: string): JsonDocument {
  const setting = storeSetting(RED);
  return setting.kind === 'redis' ? redisBackendFor(setting).documents.document(name) : fileDocument(path.join(dataDirectory(RED), name));
}
