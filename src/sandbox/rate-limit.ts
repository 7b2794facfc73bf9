/**
 * Token buckets keyed by a string (an access token, an app's client id). Platforms combine several
 * scopes: a request passes only if every bucket it touches has a token, and a refused request
 * consumes nothing — so a client that backs off recovers at the documented average rate.
 */

export interface BucketRule {
  /** Sustained requests per second. */
  readonly ratePerSecond: number;
  /** Requests allowed at once from a full bucket. */
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class KeyedBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly rule: BucketRule) {}

  /** The bucket for `key`, refilled to `now` (ms). */
  refill(key: string, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.rule.burst, updatedAt: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.rule.burst, bucket.tokens + elapsed * this.rule.ratePerSecond);
    bucket.updatedAt = now;
    return bucket;
  }

  clear(): void {
    this.buckets.clear();
  }
}

export type TakeResult = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** Take one token from each (buckets, key) pair, or none if any is empty. */
export function takeAll(scopes: ReadonlyArray<readonly [KeyedBuckets, string]>, now: number = Date.now()): TakeResult {
  const touched = scopes.map(([buckets, key]) => ({ bucket: buckets.refill(key, now), rule: buckets.rule }));
  let waitSeconds = 0;
  for (const { bucket, rule } of touched) {
    if (bucket.tokens < 1) waitSeconds = Math.max(waitSeconds, (1 - bucket.tokens) / rule.ratePerSecond);
  }
  if (waitSeconds > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  for (const { bucket } of touched) bucket.tokens -= 1;
  return { ok: true };
}
