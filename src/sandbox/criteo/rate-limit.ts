/**
 * Criteo's per-app quota (reference §5): N calls in any sliding 60-second window, reported on every
 * answer as x-ratelimit-limit / -remaining / -reset (epoch seconds when the window next frees a call).
 * A refused call consumes nothing.
 */

export const WINDOW_MS = 60_000;

export interface WindowState {
  readonly ok: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds (rounded up) at which the oldest call in the window leaves it; now when it is empty. */
  readonly resetEpochSeconds: number;
  /** Whole seconds until a refused call could pass (1..60); 0 when the call passed. */
  readonly retryAfterSeconds: number;
}

/** Call times per key, oldest first; `head` skips expired entries without shifting the array each time. */
interface Log {
  times: number[];
  head: number;
}

export class SlidingWindows {
  private readonly logs = new Map<string, Log>();

  take(key: string, limit: number, now: number = Date.now()): WindowState {
    let log = this.logs.get(key);
    if (!log) {
      log = { times: [], head: 0 };
      this.logs.set(key, log);
    }
    while (log.head < log.times.length && log.times[log.head] <= now - WINDOW_MS) log.head += 1;
    if (log.head > 1024 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.head = 0;
    }
    const used = log.times.length - log.head;
    if (used >= limit) {
      const oldest = log.times[log.head] ?? now;
      const retryAfterSeconds = Math.min(60, Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000)));
      return { ok: false, limit, remaining: 0, resetEpochSeconds: Math.ceil((oldest + WINDOW_MS) / 1000), retryAfterSeconds };
    }
    log.times.push(now);
    const oldest = log.times[log.head];
    return { ok: true, limit, remaining: limit - used - 1, resetEpochSeconds: Math.ceil((oldest + WINDOW_MS) / 1000), retryAfterSeconds: 0 };
  }

  clear(): void {
    this.logs.clear();
  }
}
