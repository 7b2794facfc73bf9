/**
 * Platform-neutral fault injection: latency, random 429/5xx/dropped connections, and a queue of
 * deterministic faults. The server consults it before a handler runs, so a faulted request changes
 * nothing — except `afterApply` faults, which model "the platform applied it but the answer was lost".
 * The platform decides how a fault is worded (FaultReplies in router.ts); this module only decides which.
 */
import type { RouteKind } from './router';

export interface FaultSettings {
  /** Extra latency before answering, on top of SandboxOptions.latencyMs. */
  latencyMs: number;
  /** Probabilities 0..1; one draw per request decides drop, then 429, then 5xx. */
  error429Rate: number;
  error5xxRate: number;
  /** Destroy the socket without answering. */
  dropRate: number;
  /** Also fault token/authorize endpoints (random faults and latency); failNext with a matching pathIncludes always can. */
  includeAuth: boolean;
  /** Seeds a deterministic PRNG for the random faults; absent = Math.random. */
  seed?: number;
  /** Every Nth API request (counted from when this is set) first expires every platform's access tokens; 0 = off. */
  expireTokensEvery?: number;
}

export interface FailNextSpec {
  /** An HTTP status to answer with, `drop` (no answer, nothing applied) or `dropAfterApply` (applied, no answer). */
  status: number | 'drop' | 'dropAfterApply';
  /** How many matching requests this fault hits (default 1). */
  count?: number;
  pathIncludes?: string;
  method?: string;
  /** Sends a Retry-After header with this value (any status). */
  retryAfterSeconds?: number;
  /** Apply the request, then answer with `status` instead of the real reply (`drop` + afterApply = `dropAfterApply`). */
  afterApply?: boolean;
}

export interface InjectedCounts {
  '429': number;
  '5xx': number;
  drop: number;
}

export interface FaultControls {
  set(partial: Partial<FaultSettings>): void;
  get(): FaultSettings;
  /** Back to no faults; clears the failNext queue and the injected counters. */
  reset(): void;
  failNext(spec: FailNextSpec): void;
  injected(): InjectedCounts;
  /** How many times `expireTokensEvery` has expired the access tokens. */
  tokenExpiries(): number;
}

/** What the server should do instead of (or after) the handler. */
export type FaultDecision =
  | { readonly action: 'drop'; readonly afterApply: boolean }
  | { readonly action: 'status'; readonly status: number; readonly afterApply: boolean; readonly retryAfterSeconds?: number };

const DEFAULTS: FaultSettings = { latencyMs: 0, error429Rate: 0, error5xxRate: 0, dropRate: 0, includeAuth: false };

/** Random 5xx picks: mostly 500, sometimes a gateway error, sometimes a plain-text 503. */
const RANDOM_5XX = [500, 500, 502, 503] as const;

interface QueuedFault {
  readonly spec: FailNextSpec;
  remaining: number;
}

export class FaultInjector implements FaultControls {
  private settings: FaultSettings = { ...DEFAULTS };
  private queue: QueuedFault[] = [];
  private counts: InjectedCounts = { '429': 0, '5xx': 0, drop: 0 };
  private random: () => number = Math.random;
  private apiCalls = 0;
  private expiries = 0;

  /** Called with every platform's expireAccessTokens when `expireTokensEvery` fires (the sandbox wires it). */
  constructor(private readonly expireAllTokens: () => void = () => undefined) {}

  set(partial: Partial<FaultSettings>): void {
    for (const key of ['error429Rate', 'error5xxRate', 'dropRate'] as const) {
      const v = partial[key];
      if (v !== undefined && !(v >= 0 && v <= 1)) throw new RangeError(`${key} must be between 0 and 1`);
    }
    if (partial.latencyMs !== undefined && !(partial.latencyMs >= 0)) throw new RangeError('latencyMs must be >= 0');
    const every = partial.expireTokensEvery;
    if (every !== undefined && !(Number.isInteger(every) && every >= 0)) throw new RangeError('expireTokensEvery must be a non-negative integer');
    this.settings = { ...this.settings, ...partial };
    if (every !== undefined) this.apiCalls = 0;
    if (partial.seed !== undefined) this.random = mulberry32(partial.seed);
  }

  get(): FaultSettings {
    return { ...this.settings };
  }

  reset(): void {
    this.settings = { ...DEFAULTS };
    this.queue = [];
    this.counts = { '429': 0, '5xx': 0, drop: 0 };
    this.random = Math.random;
    this.apiCalls = 0;
    this.expiries = 0;
  }

  failNext(spec: FailNextSpec): void {
    const count = spec.count ?? 1;
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError('count must be a positive integer');
    if (typeof spec.status === 'number' && !(Number.isInteger(spec.status) && spec.status >= 100 && spec.status <= 599)) {
      throw new RangeError('status must be an HTTP status, "drop" or "dropAfterApply"');
    }
    this.queue.push({ spec, remaining: count });
  }

  injected(): InjectedCounts {
    return { ...this.counts };
  }

  tokenExpiries(): number {
    return this.expiries;
  }

  /** Latency that applies to a request of this kind. */
  latencyFor(kind: RouteKind): number {
    return this.inScope(kind) ? this.settings.latencyMs : 0;
  }

  inScope(kind: RouteKind): boolean {
    return kind === 'api' || (kind === 'auth' && this.settings.includeAuth);
  }

  /** Decide a fault for one request; queued faults first, then the random rates. Counts what it injects. */
  decide(kind: RouteKind, method: string, path: string): FaultDecision | undefined {
    if (kind === 'control') return undefined;
    if (kind === 'api' && this.settings.expireTokensEvery) {
      this.apiCalls += 1;
      if (this.apiCalls % this.settings.expireTokensEvery === 0) {
        this.expiries += 1;
        this.expireAllTokens(); // before the handler runs: this very call meets an expired token
      }
    }
    const queued = this.takeQueued(kind, method, path);
    if (queued) return this.count(queued);
    if (!this.inScope(kind)) return undefined;
    const { dropRate, error429Rate, error5xxRate } = this.settings;
    if (dropRate + error429Rate + error5xxRate === 0) return undefined;
    const r = this.random();
    if (r < dropRate) return this.count({ action: 'drop', afterApply: false });
    if (r < dropRate + error429Rate) return this.count({ action: 'status', status: 429, afterApply: false });
    if (r < dropRate + error429Rate + error5xxRate) {
      const status = RANDOM_5XX[Math.floor(this.random() * RANDOM_5XX.length)];
      return this.count({ action: 'status', status, afterApply: false });
    }
    return undefined;
  }

  private takeQueued(kind: RouteKind, method: string, path: string): FaultDecision | undefined {
    const index = this.queue.findIndex(({ spec }) => {
      if (spec.method && spec.method.toUpperCase() !== method.toUpperCase()) return false;
      if (spec.pathIncludes !== undefined) return path.includes(spec.pathIncludes);
      return this.inScope(kind); // an untargeted fault hits the next API call, not a token refresh
    });
    if (index < 0) return undefined;
    const entry = this.queue[index];
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.queue.splice(index, 1);
    const { status, afterApply = false, retryAfterSeconds } = entry.spec;
    if (status === 'drop') return { action: 'drop', afterApply };
    if (status === 'dropAfterApply') return { action: 'drop', afterApply: true };
    return { action: 'status', status, afterApply, retryAfterSeconds };
  }

  private count(decision: FaultDecision): FaultDecision {
    if (decision.action === 'drop') this.counts.drop += 1;
    else if (decision.status === 429) this.counts['429'] += 1;
    else if (decision.status >= 500) this.counts['5xx'] += 1;
    return decision;
  }
}

/** Small, fast, seedable PRNG (public domain); enough for reproducible fault sequences. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
