import { ExportError, toExportError } from './errors';
import { sleep } from './sleep';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest server-requested wait honoured (`Retry-After`, rate-limit reset, throttle codes). */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

export type RetryResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: ExportError; readonly attempts: number };

export interface RetryHooks {
  /** Called when the platform refused an access token; the next attempt gets a fresh one. */
  readonly onAuthExpired?: (error: ExportError) => void;
  /** Called as a wait before the next attempt begins: how long, and what caused it (a rate limit, an outage). */
  readonly onWait?: (wait: RetryWait) => void;
  readonly signal?: AbortSignal;
}

export interface RetryWait {
  readonly ms: number;
  readonly code: ExportError['code'];
}

/** Exponential backoff with jitter (half fixed, half random) so parallel batches do not retry in step. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Call `operation` until it succeeds, fails for good or runs out of attempts. A refused access
 * token is refreshed and retried at once; a server-requested wait wins over the backoff.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<RetryResult<T>> {
  let attempt = 0;
  for (;;) {
    attempt++;
    try {
      return { ok: true, value: await operation(attempt), attempts: attempt };
    } catch (thrown) {
      const error = toExportError(thrown);
      if (!error.retryable || attempt >= policy.maxAttempts || hooks.signal?.aborted) {
        return { ok: false, error, attempts: attempt };
      }
      if (error.code === 'auth_expired') {
        hooks.onAuthExpired?.(error);
        continue;
      }
      const wait = error.retryAfterMs !== undefined ? Math.min(error.retryAfterMs, policy.maxRetryAfterMs) : backoffDelay(policy, attempt);
      hooks.onWait?.({ ms: wait, code: error.code });
      await sleep(wait, hooks.signal);
      if (hooks.signal?.aborted) return { ok: false, error, attempts: attempt };
    }
  }
}
