/** Shared helpers for the sandbox suites: every call goes over real HTTP with global fetch. */
import { SNAPCHAT_SANDBOX, type Sandbox } from '../../src/sandbox';

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
