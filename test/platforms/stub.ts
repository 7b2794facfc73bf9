/**
 * A tiny loopback HTTP stub for the platform client tests: a route table (method + pathname → status,
 * body, headers) on 127.0.0.1 that records every request it gets. Bodies are sent byte for byte as given
 * (a fixture file's text is never parsed and re-serialised: int64 numbers must reach the client intact).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ExportError } from '../../src/core/errors';

export interface StubResponse {
  readonly status: number;
  /** Text is sent as is; anything else as JSON. Undefined: no body. */
  readonly body?: unknown;
  /** Defaults to application/json when there is a body (a string body may override it). */
  readonly headers?: Record<string, string>;
}

export interface StubRequest {
  readonly method: string;
  /** Path and query string as sent. */
  readonly url: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One answer, answers given in turn (the last one repeats), or an answer computed from the request. */
export type StubRoute = StubResponse | ReadonlyArray<StubResponse> | ((request: StubRequest) => StubResponse);

export class Stub {
  readonly requests: StubRequest[] = [];
  /** Requests that matched no route (answered 599 so no client mistakes them for a platform answer). */
  readonly unmatched: StubRequest[] = [];
  private readonly routes = new Map<string, { route: StubRoute; served: number }>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Stub> {
    let stub: Stub | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = req.url ?? '/';
        const parsed = new URL(url, 'http://stub');
        const request: StubRequest = {
          method: (req.method ?? 'GET').toUpperCase(),
          url,
          pathname: parsed.pathname,
          query: parsed.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        const answer = stub!.answer(request);
        const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
        const headers = { ...(answer.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...answer.headers, 'content-length': String(Buffer.byteLength(body)) };
        res.writeHead(answer.status, headers);
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stub = new Stub(server, `http://127.0.0.1:${port}`);
    return stub;
  }

  /** Sets (or replaces) the answer for `method pathname`. */
  on(method: string, pathname: string, route: StubRoute): this {
    this.routes.set(`${method.toUpperCase()} ${pathname}`, { route, served: 0 });
    return this;
  }

  /** Forget routes and recorded requests. */
  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
    this.unmatched.length = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private answer(request: StubRequest): StubResponse {
    this.requests.push(request);
    const entry = this.routes.get(`${request.method} ${request.pathname}`);
    if (!entry) {
      this.unmatched.push(request);
      return { status: 599, body: `no stub route for ${request.method} ${request.pathname}`, headers: { 'content-type': 'text/plain' } };
    }
    const { route } = entry;
    entry.served += 1;
    if (typeof route === 'function') return route(request);
    if (isList(route)) return route[Math.min(entry.served, route.length) - 1];
    return route;
  }
}

function isList(route: StubRoute): route is ReadonlyArray<StubResponse> {
  return Array.isArray(route);
}

const OFFICIAL = path.resolve(__dirname, '../fixtures/official');

/** An official sample's text, exactly as stored (test/fixtures/official/<platform>/<file>). */
export function officialText(platform: string, file: string): string {
  return readFileSync(path.join(OFFICIAL, platform, file), 'utf8');
}

/** An official sample parsed (for building variants in a test; serve officialText to keep it byte for byte). */
export function officialJson<T = Record<string, unknown>>(platform: string, file: string): T {
  return JSON.parse(officialText(platform, file)) as T;
}

/** A recorded body as JSON (throws when it is not). */
export function jsonOf(request: StubRequest): unknown {
  return JSON.parse(request.body);
}

/** What a promise rejected with (fails when it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (thrown) {
    return thrown;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** One stub for the calling suite, reset before each test; a test fails when its client asked for a route nobody set. */
export function useStub(ready: (stub: Stub) => void): void {
  let stub: Stub | undefined;
  before(async () => {
    stub = await Stub.start();
    ready(stub);
  });
  after(() => stub?.close());
  beforeEach(() => stub?.reset());
  afterEach(() => assert.deepEqual(stub?.unmatched.map((r) => `${r.method} ${r.url}`), []));
}

/** The clients under test are given the token `token` (their connection's TokenManager is not under test). */
export function assertAuthorized(request: StubRequest): void {
  assert.equal(request.headers.authorization, 'Bearer token');
  assert.equal(request.headers.accept, 'application/json');
}

export function asExportError(thrown: unknown): ExportError {
  assert.ok(thrown instanceof ExportError, `expected an ExportError, got ${String(thrown)}`);
  return thrown;
}
