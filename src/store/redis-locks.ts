import { randomUUID } from 'node:crypto';
import { type AudienceLease, type AudienceLocks, InProcessAudienceLocks, type LockOptions } from '../core/audience-lock';
import { ExportError } from '../core/errors';
import type { RedisConnection } from './redis-connection';
import type { RedisKeys } from './redis-keys';

/** A lease whose holder is checked by Redis itself on every write (the store's scripts compare the token). */
export interface FencedLease extends AudienceLease {
  readonly fence: { readonly key: string; readonly token: string };
}

export function isFenced(lease: AudienceLease | undefined): lease is FencedLease {
  return lease !== undefined && 'fence' in lease;
}

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Waiting for a busy audience polls with backoff between these bounds. */
const POLL_MIN_MS = 50;
const POLL_MAX_MS = 1_000;

/**
 * One run per audience across instances (DESIGN §7b): a key set if absent with an expiry, holding a
 * random token; renewed every third of its life while the run lives, deleted at the end only if it
 * still holds the token. Inside a process the runs queue first (FIFO, no polling), then the head of
 * the queue takes the Redis lease. `held` turns false when the lease is released, found taken, or not
 * renewed in time (Redis away): from then on every state write is refused, here and by Redis.
 */
export class RedisAudienceLocks implements AudienceLocks {
  private readonly local = new InProcessAudienceLocks();

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
    private readonly leaseMs: number,
  ) {}

  async acquire(lockKey: string, options: LockOptions = {}): Promise<AudienceLease> {
    let waiting = false;
    const onWaiting = (): void => {
      if (!waiting) options.onWaiting?.();
      waiting = true;
    };
    const local = await this.local.acquire(lockKey, { ...options, onWaiting });
    try {
      return await this.acquireShared(lockKey, local, options.signal, onWaiting);
    } catch (thrown) {
      await local.release();
      throw thrown;
    }
  }

  private async acquireShared(lockKey: string, local: AudienceLease, signal: AbortSignal | undefined, onWaiting: () => void): Promise<FencedLease> {
    const key = this.keys.lease(lockKey);
    const token = randomUUID();
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw stopped();
      const started = Date.now();
      const taken = await this.connection.run('Could not take the audience lease', (client) => client.set(key, token, 'PX', this.leaseMs, 'NX'));
      if (taken === 'OK') return this.lease(key, token, started, local);
      onWaiting();
      await sleep(Math.min(POLL_MIN_MS * 2 ** attempt, POLL_MAX_MS), signal);
    }
  }

  private lease(key: string, token: string, started: number, local: AudienceLease): FencedLease {
    const { connection, leaseMs } = this;
    // Valid until its expiry as counted from before it was asked for, less a margin for clock drift.
    let validUntil = started + leaseMs - Math.ceil(leaseMs / 10);
    let released = false;
    let lost = false;
    const renewal = setInterval(() => {
      const asked = Date.now();
      connection.client
        .eval(RENEW, 1, key, token, String(leaseMs))
        .then((renewed) => {
          if (renewed === 1) validUntil = Math.max(validUntil, asked + leaseMs - Math.ceil(leaseMs / 10));
          else lost = true;
        })
        .catch(() => undefined); // Redis away: the lease runs out at validUntil unless a renewal gets through
    }, Math.max(100, Math.floor(leaseMs / 3)));
    renewal.unref();
    return {
      fence: { key, token },
      get held() {
        return !released && !lost && Date.now() < validUntil;
      },
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(renewal);
        try {
          if (connection.client.status === 'ready') await connection.client.eval(RELEASE, 1, key, token);
        } catch {
          // Unreachable: the lease expires by itself.
        } finally {
          await local.release();
        }
      },
    };
  }
}

function stopped(): ExportError {
  return new ExportError('aborted', 'The export stopped while waiting for another export of the same audience; nothing was sent');
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(stopped());
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
