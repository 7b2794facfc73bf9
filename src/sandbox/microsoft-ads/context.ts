/** Everything the Microsoft Advertising route modules share: options, store, tokens, switches, call window, counters. */
import { TokenRegistry, type TokenSubject } from '../oauth';
import type { MsFaultEnvelope, ResolvedSandboxOptions } from '../options';
import { MICROSOFT_ADS_SANDBOX } from './fixtures';
import { MsStore } from './store';
import { MsWire } from './wire';

export type ApplyAction = 'Add' | 'Remove' | 'Replace';

/** Requests that got past faults, auth, header checks and throttling, by operation (token: every token-endpoint call). */
export interface MicrosoftAdsCalls {
  token: number;
  apply: number;
  /** Apply calls by a valid ActionType. */
  applyByAction: Record<ApplyAction, number>;
  addAudiences: number;
  queryByIds: number;
  updateAudiences: number;
  deleteAudiences: number;
}

export interface MicrosoftAdsSwitches {
  /** Customer Match terms accepted in the web UI (default true). When false, Apply without AcceptCustomerMatchTerm:true fails. */
  termsAccepted: boolean;
  /** 8003 (current docs) or 3913 (the 2025-12-12 revision) for terms not accepted. */
  termsErrorCode: 8003 | 3913;
  /** When true and terms are not accepted, AddAudiences of a CustomerList answers the terms error as a PartialError (Segment saw this). */
  termsRequiredForCreate: boolean;
  /** Calls per sliding 60 s window per customer; undefined = unlimited. */
  callRateLimit: number | undefined;
  /** HTTP status of a 117 CallRateExceeded answer (reference §10 Q1: undocumented). */
  throttleStatus: 429 | 400;
  idsAsNumbers: boolean;
  codesAsStrings: boolean;
  /**
   * SearchSize / AudienceNetworkSize as JSON numbers. Off (default): strings ("LongValueHere" in the docs'
   * template; the .NET SDK's LongToStringConverter writes every long as a string).
   */
  sizesAsNumbers: boolean;
  /**
   * 'bare' (default): a fault body is the ApplicationFault itself, as the .NET and PHP SDKs parse it.
   * 'wrapped': every fault is `{"ApplicationFault": {…}}`, as the PHP migration guide's sample shows.
   */
  faultEnvelope: MsFaultEnvelope;
}

/**
 * The real per-minute quota is not published (reference §7, §10 Q6). 2,000 calls a minute lets a
 * 500,000-profile export (500 Apply calls of 1,000) through with room for retries.
 */
export const DEFAULT_CALLS_PER_MINUTE = 2000;
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

export interface MsContext {
  readonly options: ResolvedSandboxOptions;
  readonly store: MsStore;
  readonly tokens: TokenRegistry;
  readonly switches: MicrosoftAdsSwitches;
  readonly wire: MsWire;
  readonly window: SlidingWindow;
  /** Queued one-shot behaviours: forced 117 answers, and names whose next AddAudiences loses a race. */
  readonly pending: { throttleNext: number; duplicateRaces: string[] };
  /** What tests may want to know about recent requests: the raw `scope` of the last token-endpoint request. */
  readonly observed: { lastTokenScope: string | undefined };
  /** Which customers each user may manage (the fixture user: the fixture customer only). */
  readonly customersOf: ReadonlyMap<string, ReadonlySet<string>>;
  readonly calls: MicrosoftAdsCalls;
}

export const FIXTURE_SUBJECT: TokenSubject = {
  clientId: MICROSOFT_ADS_SANDBOX.clientId,
  userId: MICROSOFT_ADS_SANDBOX.userId,
  scope: MICROSOFT_ADS_SANDBOX.scope,
};

export function createMsContext(options: ResolvedSandboxOptions): MsContext {
  const tokens = new TokenRegistry({
    // Reference §9: expires_in 3600 ("about an hour"); an explicit tokenTtlSeconds wins.
    ttlSeconds: options.explicitTokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS,
    rotateRefreshTokens: options.rotateRefreshTokens,
    accessPrefix: 'EwB', // cosmetic: Microsoft account access tokens start like this
  });
  tokens.seedRefreshToken(MICROSOFT_ADS_SANDBOX.refreshToken, FIXTURE_SUBJECT);
  const switches = defaultSwitches(options);
  return {
    options,
    store: new MsStore([
      { id: MICROSOFT_ADS_SANDBOX.accountId, customerId: MICROSOFT_ADS_SANDBOX.customerId },
      { id: MICROSOFT_ADS_SANDBOX.secondAccountId, customerId: MICROSOFT_ADS_SANDBOX.customerId },
      { id: MICROSOFT_ADS_SANDBOX.otherAccountId, customerId: MICROSOFT_ADS_SANDBOX.otherCustomerId },
    ]),
    tokens,
    switches,
    wire: new MsWire(switches),
    window: new SlidingWindow(60_000),
    pending: { throttleNext: 0, duplicateRaces: [] },
    observed: { lastTokenScope: undefined },
    customersOf: new Map([[MICROSOFT_ADS_SANDBOX.userId, new Set([MICROSOFT_ADS_SANDBOX.customerId])]]),
    calls: zeroCalls(),
  };
}

export function defaultSwitches(options: ResolvedSandboxOptions): MicrosoftAdsSwitches {
  return {
    termsAccepted: true,
    termsErrorCode: 8003,
    termsRequiredForCreate: false,
    callRateLimit: options.rateLimit ? DEFAULT_CALLS_PER_MINUTE : undefined,
    throttleStatus: 429,
    idsAsNumbers: false,
    codesAsStrings: false,
    sizesAsNumbers: options.microsoftAdsSizesAsNumbers,
    faultEnvelope: options.microsoftAdsFaultEnvelope,
  };
}

export function zeroCalls(): MicrosoftAdsCalls {
  return {
    token: 0,
    apply: 0,
    applyByAction: { Add: 0, Remove: 0, Replace: 0 },
    addAudiences: 0,
    queryByIds: 0,
    updateAudiences: 0,
    deleteAudiences: 0,
  };
}

/** Back to the fixtures, in place (the Sandbox API hands out `switches`' owner and `calls` by reference). */
export function resetMsContext(ms: MsContext): void {
  ms.store.reset();
  ms.tokens.reset();
  ms.window.clear();
  Object.assign(ms.switches, defaultSwitches(ms.options));
  ms.pending.throttleNext = 0;
  ms.pending.duplicateRaces.length = 0;
  ms.observed.lastTokenScope = undefined;
  const zero = zeroCalls();
  Object.assign(ms.calls, { ...zero, applyByAction: ms.calls.applyByAction });
  Object.assign(ms.calls.applyByAction, zero.applyByAction);
}

/**
 * Microsoft's throttling (reference §7): a sliding 60-second window per customer. A refused call is not
 * counted, so a client that waits recovers as soon as old calls leave the window.
 */
export class SlidingWindow {
  private readonly calls = new Map<string, number[]>();

  constructor(private readonly windowMs: number) {}

  take(key: string, limit: number, now: number = Date.now()): { ok: true } | { ok: false; retryAfterSeconds: number } {
    let times = this.calls.get(key);
    if (!times) {
      times = [];
      this.calls.set(key, times);
    }
    const cutoff = now - this.windowMs;
    let expired = 0;
    while (expired < times.length && times[expired] <= cutoff) expired += 1;
    if (expired > 0) times.splice(0, expired);
    if (times.length >= limit) {
      const oldest = times.length > 0 ? times[times.length - limit] : now;
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000)) };
    }
    times.push(now);
    return { ok: true };
  }

  clear(): void {
    this.calls.clear();
  }
}
