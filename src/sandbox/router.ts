/**
 * A tiny method + path-pattern router. Handlers are functions from a request context to a Reply value
 * (never writing to the socket themselves), so the server can apply a request and then lose or
 * replace the answer — the "applied but the answer was lost" fault.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * api: platform API calls (latency, faults, recorder). auth: token/authorize endpoints (faults only when
 * FaultSettings.includeAuth). control: /_sandbox/* (never faulted, not recorded).
 */
export type RouteKind = 'api' | 'auth' | 'control';

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface RequestContext {
  readonly method: string;
  /** The pathname as sent (still %-encoded), without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** `http://<Host header>` — for absolute links such as paging.next_link. */
  readonly origin: string;
}

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** How a platform words an injected fault (its 429/5xx bodies differ from other platforms'). */
export interface FaultReplies {
  faultReply(status: number, retryAfterSeconds: number | undefined): Reply;
}

export interface RouteSpec {
  readonly method: string;
  /** Literal segments and `:name` parameters, e.g. `/v1/segments/:id/users`. */
  readonly pattern: string;
  readonly kind: RouteKind;
  /** Required for api/auth routes in practice; a generic shape is used when absent. */
  readonly errors?: FaultReplies;
  readonly handler: Handler;
}

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly parts: ReadonlyArray<{ readonly literal: string } | { readonly param: string }>;
}

export type RouteMatch =
  | { readonly found: true; readonly route: RouteSpec; readonly params: Record<string, string> }
  | { readonly found: false; readonly allowed: ReadonlyArray<string> };

export class Router {
  private readonly routes: CompiledRoute[] = [];

  add(spec: RouteSpec): void {
    const parts = splitPath(spec.pattern).map((p) => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p }));
    this.routes.push({ spec: { ...spec, method: spec.method.toUpperCase() }, parts });
  }

  match(method: string, pathname: string): RouteMatch {
    const segments = splitPath(pathname);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.spec.method === method.toUpperCase()) return { found: true, route: route.spec, params };
      allowed.push(route.spec.method);
    }
    return { found: false, allowed };
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchParts(parts: CompiledRoute['parts'], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const seg = segments[i];
    if ('literal' in part) {
      if (part.literal !== seg) return undefined;
    } else {
      try {
        params[part.param] = decodeURIComponent(seg);
      } catch {
        return undefined; // malformed %-escape: no route
      }
    }
  }
  return params;
}
