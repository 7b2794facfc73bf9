/** Shared helpers for the sandbox suites: every call goes over real HTTP with global fetch. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { SNAPCHAT_SANDBOX, type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox';

export const SNAP = SNAPCHAT_SANDBOX;

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  ms: number;
}

export async function http(
  sb: Sandbox | string,
  method: string,
  path: string,
  init: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; redirect?: RequestRedirect } = {},
): Promise<HttpResult> {
  const base = typeof sb === 'string' ? sb : sb.url;
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const started = performance.now();
  const res = await fetch(base + path, { method, headers, body, redirect: init.redirect ?? 'manual' });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms };
}

export function tokenRequest(sb: Sandbox, form: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
  return http(sb, 'POST', SNAP.paths.token, {
    rawBody: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

export interface TokenBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** A fresh access token from the fixture refresh token. */
export async function accessToken(sb: Sandbox, refreshToken: string = SNAP.refreshToken): Promise<string> {
  const res = await tokenRequest(sb, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: SNAP.clientId,
    client_secret: SNAP.clientSecret,
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return (res.json as TokenBody).access_token;
}

/** Distinct, valid lowercase 64-hex "hashes" without paying for SHA-256. */
export function fakeHashes(count: number, offset = 0): string[] {
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = (offset + i).toString(16).padStart(64, '0');
  return out;
}

/** The users body as a string (built by hand: large bodies are the point). */
export function usersBody(hashes: ReadonlyArray<string>, schema: ReadonlyArray<string> = ['EMAIL_SHA256'], id?: string): string {
  const idPart = id === undefined ? '' : `"id":${JSON.stringify(id)},`;
  return `{"users":[{${idPart}"schema":${JSON.stringify(schema)},"data":[${hashes.map((h) => `["${h}"]`).join(',')}]}]}`;
}

export function sendUsers(sb: Sandbox, method: 'POST' | 'DELETE', segmentId: string, token: string, body: string): Promise<HttpResult> {
  return http(sb, method, `/v1/segments/${segmentId}/users`, { token, rawBody: body, headers: { 'content-type': 'application/json' } });
}

/** Narrow an unknown JSON body to a record for property assertions. */
export function obj(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new Error(`expected a JSON object, got ${String(value)}`);
  return value as Record<string, unknown>;
}

export interface SegmentsEnvelope {
  request_status: string;
  request_id: string;
  segments: Array<{ sub_request_status: string; segment: Record<string, unknown> & { id: string; name: string } }>;
  paging?: { next_link?: string };
}

export interface UsersEnvelope {
  request_status: string;
  request_id: string;
  users: Array<{ sub_request_status: string; user: { number_uploaded_users: number } }>;
}

export interface ErrorEnvelope {
  request_status: string;
  request_id: string;
  debug_message: string;
  display_message?: string;
  error_code: string;
}

/**
 * One sandbox for the calling suite, reset before each of its tests; `ready` receives it and a fresh
 * access token (Snapchat's unless `token` says how to get another platform's) before each test.
 */
export function useSandbox(
  ready: (sandbox: Sandbox, token: string) => void,
  options: SandboxOptions = { rateLimit: false },
  token: (sandbox: Sandbox) => Promise<string> = (sandbox) => accessToken(sandbox),
): void {
  let sandbox: Sandbox | undefined;
  before(async () => {
    sandbox = await startSandbox(options);
  });
  after(() => sandbox?.close());
  beforeEach(async () => {
    if (!sandbox) throw new Error('the sandbox did not start');
    sandbox.reset();
    ready(sandbox, await token(sandbox));
  });
}

const CLI = ['--import', 'tsx', 'src/sandbox/cli.ts'];
const ROOT = path.resolve(__dirname, '../..');

/** The sandbox CLI run to its end (`--help`, a bad flag): its exit code and everything it printed. */
export async function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

/**
 * The sandbox CLI as a server in a child process, once it has printed its URL and `until`; `stop()`
 * sends SIGTERM and resolves with the exit code, `kill()` (in a `finally`) makes sure it is gone.
 */
export async function startCli(args: string[], until: string): Promise<{ url: string; out: string; stop(): Promise<number | null>; kill(): void }> {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const m = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out);
        if (m && out.includes(until)) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`cli exited early (${code}): ${out}`)));
    });
    return {
      url,
      out,
      async stop() {
        child.kill('SIGTERM');
        const [code] = (await once(child, 'exit')) as [number | null];
        return code;
      },
      kill() {
        if (child.exitCode === null) child.kill('SIGKILL');
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}
