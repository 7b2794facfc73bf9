import assert from 'node:assert/strict';
import { ExportError } from '../../src/core/errors';
import { backoffDelay, type RetryPolicy, withRetry } from '../../src/core/retry';

const fast: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 1000 };

describe('retries', () => {
  it('retries retryable errors with backoff and reports the attempts', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      if (calls < 3) throw new ExportError('platform_unavailable', 'HTTP 503');
      return 'ok';
    }, fast);
    assert.deepEqual(result, { ok: true, value: 'ok', attempts: 3 });
  });

  it('gives up on a permanent error at once', async () => {
    let calls = 0;
    const result = await withRetry(async () => {
      calls++;
      throw new ExportError('rejected', 'bad data');
    }, fast);
    assert.equal(calls, 1);
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.error.code, 'rejected');
  });

  it('stops after maxAttempts', async () => {
    const result = await withRetry(async () => {
      throw new ExportError('network', 'reset');
    }, fast);
    assert.equal(result.attempts, 4);
    assert.equal(result.ok, false);
  });

  it('honours a server-requested wait over the backoff', async () => {
    const started = Date.now();
    let calls = 0;
    await withRetry(async () => {
      if (++calls === 1) throw new ExportError('rate_limited', '429', { retryAfterMs: 150 });
      return calls;
    }, fast);
    assert.ok(Date.now() - started >= 140, 'waited for Retry-After');
  });

  it('refreshes the token on auth_expired and retries without waiting', async () => {
    const expired: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (++calls === 1) throw new ExportError('auth_expired', '401', { tokenGeneration: 7 });
        return 'ok';
      },
      fast,
      { onAuthExpired: (error) => expired.push(error.tokenGeneration ?? -1) },
    );
    assert.equal(result.ok, true);
    assert.deepEqual(expired, [7]);
  });

  it('grows the backoff exponentially with jitter inside its bounds', () => {
    const policy: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 0 };
    assert.equal(backoffDelay(policy, 1, () => 0), 50);
    assert.equal(backoffDelay(policy, 1, () => 1), 100);
    assert.equal(backoffDelay(policy, 3, () => 1), 400);
    assert.equal(backoffDelay(policy, 9, () => 1), 1000);
  });
});
