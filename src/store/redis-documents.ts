import type { JsonDocument } from '../core/json-file';
import { MISSING } from '../core/json-file';
import { onePer } from '../core/one-per';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';

/** Tries of an update that other instances keep changing under it, with a short random wait after each. */
const MAX_TRIES = 100;
const CONFLICT_WAIT_MS = 20;

/**
 * The small JSON documents on Redis, one key each (`<prefix>doc:<file store name>`). Updates are
 * optimistic transactions (WATCH, read, MULTI/SET/EXEC, again if another instance wrote in between)
 * on a connection of their own: a transaction of the state store on the shared connection would end
 * the WATCH. Updates in this process go one at a time, so no two WATCHes share the connection.
 */
export class RedisDocuments {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
  ) {}

  readonly document = onePer((name: string): JsonDocument => {
    const key = this.keys.document(name);
    return {
      read: async (unreadable) => parse(await this.connection.run(unreadable, (client) => client.get(key))),
      write: async (value) => {
        await this.serialised(() => this.connection.run('Could not write to the Redis store', (client) => client.set(key, JSON.stringify(value))));
      },
      update: async (unreadable, change) => {
        // A refusal of `change` is the update's own error, not a store failure: carried past `run`.
        let refusal: { readonly error: unknown } | undefined;
        await this.serialised(() =>
          this.connection.run(unreadable, async (client) => {
            for (let attempt = 0; attempt < MAX_TRIES; attempt++) {
              await client.watch(key);
              let value: unknown;
              try {
                value = change(parse(await client.get(key)));
              } catch (error) {
                await client.unwatch();
                refusal = { error };
                return;
              }
              if (await client.multi().set(key, JSON.stringify(value)).exec()) return;
              await new Promise((resolve) => setTimeout(resolve, Math.random() * CONFLICT_WAIT_MS));
            }
            throw new Error('too many concurrent updates');
          }),
        );
        if (refusal) throw refusal.error;
      },
    };
  });

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.catch(() => undefined).then(work);
    this.chain = next;
    return next;
  }
}

function parse(text: string | null): unknown {
  if (text === null) return MISSING;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
