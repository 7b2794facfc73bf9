/** Sandbox options and their defaults, shared by the composition root and the platform modules. */

/** How Microsoft faults are written: the bare ApplicationFault body the SDKs parse, or wrapped as the PHP migration guide shows. */
export type MsFaultEnvelope = 'bare' | 'wrapped';
/** Criteo statistics' `matchRate`: a 0-1 fraction or a 0-100 percentage (the spec says "Percentage"; the scale is unverified). */
export type CriteoMatchRateScale = 'fraction' | 'percent';
/** Which nullable field (OpenAPI) of one extra contact-list search entry is null; 'off' adds no such entry. */
export type CriteoNullSearchEntry = 'off' | 'id' | 'attributes' | 'name';
/** How statistics answer for a contact list without identifiers: zeros, `{"data":null}` or `{"data":{…,"attributes":null}}`. */
export type CriteoEmptyStatistics = 'zeros' | 'data-null' | 'attributes-null';

export const MS_FAULT_ENVELOPES: ReadonlyArray<MsFaultEnvelope> = ['bare', 'wrapped'];
export const CRITEO_MATCH_RATE_SCALES: ReadonlyArray<CriteoMatchRateScale> = ['fraction', 'percent'];
export const CRITEO_NULL_SEARCH_ENTRIES: ReadonlyArray<CriteoNullSearchEntry> = ['off', 'id', 'attributes', 'name'];
export const CRITEO_EMPTY_STATISTICS: ReadonlyArray<CriteoEmptyStatistics> = ['zeros', 'data-null', 'attributes-null'];

export interface SandboxOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Added latency on every API call (default 0). */
  latencyMs?: number;
  /** Enforce platform rate limits (default true). */
  rateLimit?: boolean;
  /** Access-token lifetime (default: the platform's own — Snapchat 1800, Criteo 900). */
  tokenTtlSeconds?: number;
  /** The token endpoint returns a new refresh_token on each refresh and invalidates the old one (default false). */
  rotateRefreshTokens?: boolean;
  /** Word case of request_status / sub_request_status (default 'upper'); the reference says both occur. */
  statusCase?: 'upper' | 'lower';
  /** Send a Retry-After header (seconds) on 429 (default false; undocumented on Snapchat). */
  retryAfterOn429?: boolean;
  /** Keep request bodies in the recorder (default false; memory). */
  recordBodies?: boolean;
  /** Hostile mode (hostile.ts): error answers echo the request's secrets and carry HTML (default false). */
  hostile?: boolean;
  /** Audience names in listings and creations come back as HTML (default false). */
  hostileNames?: boolean;
  /**
   * Snapchat `GET /v1/me` adds the old `request_status`/`request_id` envelope around `me` (default false:
   * the documented `{"me":{…}}`, SN-DOC Ads-API/user "Get Authenticated User").
   */
  snapchatMeEnvelope?: boolean;
  /** Microsoft `SearchSize`/`AudienceNetworkSize` as JSON numbers (default false: strings, as the docs and the .NET SDK write int64). */
  microsoftAdsSizesAsNumbers?: boolean;
  /** Microsoft faults bare (default, as the SDKs parse them) or wrapped in `{"ApplicationFault": …}` (MS-DOCS PHP migration guide). */
  microsoftAdsFaultEnvelope?: MsFaultEnvelope;
  /** Criteo statistics' `matchRate` scale (default 'fraction'). */
  criteoMatchRate?: CriteoMatchRateScale;
  /** Criteo contact-list searches include one entry whose id, attributes or attributes.name is null (default 'off'). */
  criteoNullSearchEntry?: CriteoNullSearchEntry;
  /** Criteo statistics of a contact list without identifiers (default 'zeros'). */
  criteoEmptyStatistics?: CriteoEmptyStatistics;
  /** One line a request (method path status ms); never bodies, tokens or auth headers. */
  log?: (line: string) => void;
}

export type ResolvedSandboxOptions = Required<Omit<SandboxOptions, 'log'>> &
  Pick<SandboxOptions, 'log'> & {
    /** tokenTtlSeconds as the caller gave it; undefined = each platform's own default (`tokenTtlSeconds` holds Snapchat's 1800). */
    readonly explicitTokenTtlSeconds: number | undefined;
  };

export function resolveOptions(options: SandboxOptions): ResolvedSandboxOptions {
  const resolved: ResolvedSandboxOptions = {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit ?? true,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 1800,
    explicitTokenTtlSeconds: options.tokenTtlSeconds,
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    statusCase: options.statusCase ?? 'upper',
    retryAfterOn429: options.retryAfterOn429 ?? false,
    recordBodies: options.recordBodies ?? false,
    hostile: options.hostile ?? false,
    hostileNames: options.hostileNames ?? false,
    snapchatMeEnvelope: options.snapchatMeEnvelope ?? false,
    microsoftAdsSizesAsNumbers: options.microsoftAdsSizesAsNumbers ?? false,
    microsoftAdsFaultEnvelope: options.microsoftAdsFaultEnvelope ?? 'bare',
    criteoMatchRate: options.criteoMatchRate ?? 'fraction',
    criteoNullSearchEntry: options.criteoNullSearchEntry ?? 'off',
    criteoEmptyStatistics: options.criteoEmptyStatistics ?? 'zeros',
    log: options.log,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new RangeError('port must be 0..65535');
  if (!(resolved.latencyMs >= 0)) throw new RangeError('latencyMs must be >= 0');
  if (!(resolved.tokenTtlSeconds > 0)) throw new RangeError('tokenTtlSeconds must be > 0');
  if (resolved.statusCase !== 'upper' && resolved.statusCase !== 'lower') throw new RangeError("statusCase must be 'upper' or 'lower'");
  oneOf('microsoftAdsFaultEnvelope', resolved.microsoftAdsFaultEnvelope, MS_FAULT_ENVELOPES);
  oneOf('criteoMatchRate', resolved.criteoMatchRate, CRITEO_MATCH_RATE_SCALES);
  oneOf('criteoNullSearchEntry', resolved.criteoNullSearchEntry, CRITEO_NULL_SEARCH_ENTRIES);
  oneOf('criteoEmptyStatistics', resolved.criteoEmptyStatistics, CRITEO_EMPTY_STATISTICS);
  return resolved;
}

/** Throws a RangeError naming `name` unless `value` is one of `allowed`. */
export function oneOf<T extends string>(name: string, value: unknown, allowed: ReadonlyArray<T>): asserts value is T {
  if (!allowed.includes(value as T)) throw new RangeError(`${name} must be one of ${allowed.map((v) => `'${v}'`).join(', ')}`);
}
