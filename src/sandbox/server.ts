/**
 * The HTTP side: read the body, route, wait out latency, apply faults, run the handler, answer,
 * record. Every behaviour that is not platform-specific lives here, in this order, so a faulted request
 * never reaches a handler (except `afterApply` faults, which run it and then lose or replace the answer).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultDecision, FaultInjector } from './faults';
import { hostileText, type HostileMode } from './hostile';
import type { ResolvedSandboxOptions } from './options';
import type { Recorder } from './recorder';
import { json, text } from './reply';
import type { FaultReplies, Reply, RequestContext, RouteKind, RouteMatch, Router } from './router';

/** 100,000 hashes come to about 7 MB of JSON; leave plenty of room, refuse the absurd. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface ServerDeps {
  readonly router: Router;
  readonly faults: FaultInjector;
  readonly recorder: Recorder;
  readonly hostile: HostileMode;
  readonly options: ResolvedSandboxOptions;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Used when a route names no platform wording (control routes never fault). */
const GENERIC_FAULTS: FaultReplies = {
  faultReply: (status, retryAfterSeconds) =>
    json(status, { error: hostileText('injected_fault'), status }, retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
};

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const closing = new AbortController();
  const server = createServer((req, res) => {
    handle(deps, closing.signal, req, res).catch((err: unknown) => {
      deps.options.log?.(`sandbox error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent && !res.destroyed) send(res, text(500, 'sandbox internal error'));
    });
  });
  await listen(server, deps.options.port, deps.options.host);
  const { port } = server.address() as AddressInfo;
  const host = deps.options.host.includes(':') ? `[${deps.options.host}]` : deps.options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive sockets would otherwise hold close() open
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handle(deps: ServerDeps, closing: AbortSignal, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { router, recorder, options } = deps;
  const at = Date.now();
  const started = performance.now();
  const method = (req.method ?? 'GET').toUpperCase();
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const match = router.match(method, pathname);
  const kind: RouteKind = match.found ? match.route.kind : pathname.startsWith('/_sandbox/') ? 'control' : 'api';

  let bodyBytes = 0;
  let recordedBody: string | undefined;
  res.on('close', () => {
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const status = res.headersSent ? res.statusCode : 0;
    if (kind !== 'control') recorder.add({ method, path: rawUrl, status, ms, bodyBytes, body: recordedBody, at });
    // Pathname only: never bodies, query strings, tokens or headers.
    options.log?.(`${method} ${pathname} ${status === 0 ? 'dropped' : status} ${ms}ms`);
  });

  const read = await readBody(req, MAX_BODY_BYTES);
  if (!read) return; // the client went away mid-body
  bodyBytes = read.bytes;
  if (recorder.recordBodies && kind === 'api') recordedBody = read.body.toString('utf8');
  // Everything that answers runs in the request's hostile scope (control routes: never hostile).
  const echo = kind === 'control' ? undefined : { rawUrl, headers: req.headers, body: read.body };
  return deps.hostile.run(echo, () => respond(deps, closing, req, res, { method, rawUrl, q, pathname, kind, match, read }));
}

interface Arrived {
  readonly method: string;
  readonly rawUrl: string;
  /** Index of '?' in rawUrl, or -1. */
  readonly q: number;
  readonly pathname: string;
  readonly kind: RouteKind;
  readonly match: RouteMatch;
  readonly read: ReadResult;
}

async function respond(deps: ServerDeps, closing: AbortSignal, req: IncomingMessage, res: ServerResponse, arrived: Arrived): Promise<void> {
  const { faults, options } = deps;
  const { method, rawUrl, q, pathname, kind, match, read } = arrived;
  if (read.tooLarge) return send(res, json(413, { error: hostileText('payload_too_large'), max_bytes: MAX_BODY_BYTES }));

  if (!match.found) {
    if (match.allowed.length > 0) return send(res, json(405, { error: hostileText('method_not_allowed') }, { allow: match.allowed.join(', ') }));
    return send(res, json(404, { error: hostileText('not_found'), path: hostileText(pathname) }));
  }
  const route = match.route;

  const latency = (kind === 'api' ? options.latencyMs : 0) + faults.latencyFor(kind);
  if (latency > 0) {
    try {
      await sleep(latency, undefined, { signal: closing });
    } catch {
      return; // sandbox closing: its sockets are being destroyed
    }
  }

  const fault = faults.decide(kind, method, pathname);
  const errors = route.errors ?? GENERIC_FAULTS;
  if (fault && !fault.afterApply) return deliverFault(res, fault, errors, options);

  const host = req.headers.host ?? `${options.host}:${options.port}`;
  const ctx: RequestContext = {
    method,
    path: pathname,
    query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
    params: match.params,
    headers: req.headers,
    body: read.body,
    origin: `http://${host}`,
  };
  const reply = await route.handler(ctx);
  if (fault) return deliverFault(res, fault, errors, options);
  send(res, reply);
}

function deliverFault(res: ServerResponse, fault: FaultDecision, errors: FaultReplies, options: ResolvedSandboxOptions): void {
  if (fault.action === 'drop') {
    res.socket?.destroy();
    res.destroy();
    return;
  }
  const retryAfter = fault.retryAfterSeconds ?? (fault.status === 429 && options.retryAfterOn429 ? 1 : undefined);
  send(res, errors.faultReply(fault.status, retryAfter));
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const body = reply.body ?? '';
  res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

interface ReadResult {
  readonly body: Buffer;
  readonly bytes: number;
  readonly tooLarge: boolean;
}

/** Collect chunks and concatenate once; past the cap keep draining (so the client can read the 413) but store nothing. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadResult | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (tooLarge) return;
      if (bytes > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      ended = true;
      const body = tooLarge ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, bytes);
      resolve({ body, bytes, tooLarge });
    });
    req.on('close', () => {
      if (!ended) resolve(undefined);
    });
    req.on('error', () => resolve(undefined));
  });
}
