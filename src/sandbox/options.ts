/** Sandbox options and their defaults, shared by the composition root and the platform modules. */

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
    log: options.log,
  };
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new RangeError('port must be 0..65535');
  if (!(resolved.latencyMs >= 0)) throw new RangeError('latencyMs must be >= 0');
  if (!(resolved.tokenTtlSeconds > 0)) throw new RangeError('tokenTtlSeconds must be > 0');
  if (resolved.statusCase !== 'upper' && resolved.statusCase !== 'lower') throw new RangeError("statusCase must be 'upper' or 'lower'");
  return resolved;
}
