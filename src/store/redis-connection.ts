import Redis from 'ioredis';
import { ExportError } from '../core/errors';
import { describeRedisUrl } from './store-setting';

/** How long a command waits for a (re)connection before the export fails with `state_io`. */
const READY_TIMEOUT_MS = 3_000;
const MAX_BACKOFF_MS = 2_000;

/**
 * One Redis connection per server in a process (ioredis), shared by the state, the locks and the
 * small documents. Commands are never queued while the server is away (no offline queue, nothing
 * resent after a reconnection: a journal record sent twice would be harmless, but a run must fail
 * rather than wait in silence); the connection comes back by itself with backoff. Errors name the
 * server by host and port only, never a password, a key or a value.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly where: string;
  private lastLogged = 0;
  private readying: Promise<void> | undefined;
  /** Aborted when the connection drops; a new one once it is ready again. */
  private lost = new AbortController();

  constructor(url: string, private readonly log?: (line: string) => void) {
    this.where = describeRedisUrl(url);
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: READY_TIMEOUT_MS,
      // A server that stops answering (hung, a partition) fails the command instead of holding the run.
      commandTimeout: 20_000,
      // Backoff: 100 ms, 200 ms, … up to 2 s between attempts, for as long as it takes; shorter than a
      // command's wait for the connection, so a run started once the server is back finds it.
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt, 5), MAX_BACKOFF_MS),
    });
    this.client.on('close', () => this.lost.abort());
    this.client.on('ready', () => {
      if (this.lost.signal.aborted) this.lost = new AbortController();
    });
    // Without a listener ioredis prints every failed attempt; one line per minute says enough.
    this.client.on('error', () => {
      const now = Date.now();
      if (now - this.lastLogged < 60_000) return;
      this.lastLogged = now;
      this.log?.(`audience-export: the Redis store at ${this.where} cannot be reached; reconnecting with backoff`);
    });
  }

  /** Resolves once the connection is ready; `state_io` if it is not within a few seconds. */
  async ready(): Promise<Redis> {
    const { client } = this;
    if (client.status === 'ready') return client;
    // Every caller waiting for the same (re)connection shares one wait.
    this.readying ??= this.waitForReady().finally(() => (this.readying = undefined));
    await this.readying;
    return client;
  }

  private waitForReady(): Promise<void> {
    const { client } = this;
    if (client.status === 'wait' || client.status === 'end') client.connect().catch(() => undefined);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off('ready', onReady);
        reject(this.unreachable());
      }, READY_TIMEOUT_MS);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      client.once('ready', onReady);
    });
  }

  /**
   * A run's stop signal that also fires when the connection drops, so the run sends no new batch it
   * could not record. While the connection is down it is `signal` itself: the run's first store call
   * then fails with the clear error, before anything is sent.
   */
  guard(signal: AbortSignal): AbortSignal {
    return this.lost.signal.aborted ? signal : AbortSignal.any([signal, this.lost.signal]);
  }

  /** Run `work` on a ready connection; any Redis or socket failure becomes `state_io` (ExportErrors pass through). */
  async run<T>(what: string, work: (client: Redis) => Promise<T>): Promise<T> {
    const client = await this.ready();
    try {
      return await work(client);
    } catch (thrown) {
      if (thrown instanceof ExportError) throw thrown;
      throw new ExportError('state_io', `${what}: the Redis store at ${this.where} failed or went away; nothing more is sent until it is back`);
    }
  }

  unreachable(): ExportError {
    return new ExportError('state_io', `The Redis store at ${this.where} cannot be reached (it holds the mirror state): nothing was sent; it is retried with backoff`);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
