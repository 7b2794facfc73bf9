import { ExportError } from './errors';

/**
 * One run per audience (DESIGN §7b): exports that target the same platform + account + audience run
 * one after another, never interleaved, whichever node or connection starts them, so each plans
 * against the state the previous one saved. A lease also fences its holder's writes: once released
 * or taken away (a closed node's run abandoned after its grace time) the holder may write nothing.
 */
export interface AudienceLease {
  /** False once released: every state write of the holder is refused from then on. */
  readonly held: boolean;
  /** Idempotent. Hands the audience to the next waiting run. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** Stop waiting (the node closed): the promise rejects with `aborted`. */
  readonly signal?: AbortSignal;
  /** Called once when the audience is busy and the run starts waiting. */
  readonly onWaiting?: () => void;
}

export interface AudienceLocks {
  acquire(key: string, options?: LockOptions): Promise<AudienceLease>;
}

interface Waiter {
  readonly grant: (lease: AudienceLease) => void;
}

/** Locks inside one process: enough for the file store, which serves one Node-RED instance. */
export class InProcessAudienceLocks implements AudienceLocks {
  private readonly queues = new Map<string, Waiter[]>();

  acquire(key: string, options: LockOptions = {}): Promise<AudienceLease> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(stopped());
    const queue = this.queues.get(key);
    if (!queue) {
      this.queues.set(key, []);
      return Promise.resolve(this.lease(key));
    }
    options.onWaiting?.();
    return new Promise<AudienceLease>((resolve, reject) => {
      const waiter: Waiter = {
        grant: (lease) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = (): void => {
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        reject(stopped());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /** Whether a run holds or waits for `key` (tests). */
  busy(key: string): boolean {
    return this.queues.has(key);
  }

  private lease(key: string): AudienceLease {
    let held = true;
    return {
      get held() {
        return held;
      },
      release: async () => {
        if (!held) return;
        held = false;
        const queue = this.queues.get(key);
        const next = queue?.shift();
        if (next) next.grant(this.lease(key));
        else this.queues.delete(key);
      },
    };
  }
}

function stopped(): ExportError {
  return new ExportError('aborted', 'The export stopped while waiting for another export of the same audience; nothing was sent');
}

/** The refusal a store gives a write whose lease is gone. */
export function assertLeaseHeld(lease: AudienceLease | undefined): void {
  if (lease && !lease.held) throw new ExportError('aborted', 'This run no longer holds its audience (it was stopped and another run took over): its state was not written');
}
