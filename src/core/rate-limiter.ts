import { ExportError } from './errors';
import { sleep } from './sleep';

/**
 * A token bucket shared by every request made with one access token (one connection), so
 * concurrent batches and exports together stay under the platform's average rate.
 * Reservations may drive the bucket negative: each caller waits for its own slot, in order.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt = Date.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number = Math.max(1, Math.floor(ratePerSecond)),
  ) {
    this.tokens = this.burst;
  }

  async take(signal?: AbortSignal): Promise<void> {
    if (!Number.isFinite(this.ratePerSecond) || this.ratePerSecond <= 0) return;
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    this.tokens -= 1;
    if (this.tokens < 0) await sleep((-this.tokens / this.ratePerSecond) * 1000, signal);
  }
}

/**
 * Wait for a slot, then refuse to go on if the run stopped meanwhile: a request that waited seconds
 * for its turn must not leave after its node was closed.
 */
export async function takeTurn(limiter: RateLimiter | undefined, signal: AbortSignal | undefined): Promise<void> {
  await limiter?.take(signal);
  if (signal?.aborted) throw new ExportError('aborted', 'Not sent: the export stopped while this request waited for its turn', { retryable: false });
}

