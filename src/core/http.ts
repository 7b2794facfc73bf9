import axios, { type AxiosInstance, type AxiosResponse, isAxiosError, type Method } from 'axios';
import * as http from 'node:http';
import * as https from 'node:https';
import { ExportError } from './errors';

/**
 * One HTTP client a connection: keep-alive sockets, no size caps (a 100,000-row body is ~7 MB),
 * and every status handed back to the platform code to classify. Axios errors never leave this
 * module: they carry request headers (the bearer token) and bodies (identifiers).
 */
export function createHttpClient(timeoutMs = 120_000): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    maxBodyLength: Infinity,
    maxContentLength: Infinity,
    maxRedirects: 0,
    validateStatus: () => true,
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 16 }),
    // Bodies are parsed by the platform code, so malformed or plain-text answers are seen as they are.
    responseType: 'text',
    transformResponse: (data: unknown) => data,
  });
}

/** Send a request; a transport failure (refused, reset, timeout, dropped) becomes a retryable `network` error. */
export async function send(client: AxiosInstance, config: Parameters<AxiosInstance['request']>[0]): Promise<AxiosResponse<string>> {
  try {
    return await client.request<string>(config);
  } catch (thrown) {
    throw networkError(thrown);
  }
}

/** A configured base URL (a root, maybe with a trailing slash) joined with the platform's own path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

/** A JSON body: text, or rows streamed with their exact length. */
export type JsonBody = string | { readonly stream: NodeJS.ReadableStream; readonly length: number };

/** Send JSON (or nothing) with the given headers; streamed bodies go out with their Content-Length. */
export function sendJson(
  client: AxiosInstance,
  request: { readonly method: Method; readonly url: string; readonly body?: JsonBody; readonly headers: Record<string, string> },
): Promise<AxiosResponse<string>> {
  const { body } = request;
  const streamed = typeof body === 'object' ? body : undefined;
  return send(client, {
    method: request.method,
    url: request.url,
    data: streamed ? streamed.stream : body,
    headers: {
      Accept: 'application/json',
      ...request.headers,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(streamed ? { 'Content-Length': String(streamed.length) } : {}),
    },
  });
}

export function networkError(thrown: unknown): ExportError {
  if (isAxiosError(thrown)) {
    const code = thrown.code ?? 'ERR_NETWORK';
    return new ExportError('network', `Network error talking to the platform (${code})`);
  }
  return new ExportError('network', 'Network error talking to the platform');
}

/** Parse a JSON body defensively: some platforms answer errors in plain text. */
export function parseJson(body: string | undefined): unknown {
  if (!body) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Parse JSON keeping integers too large for a double (64-bit ids such as Microsoft's) as strings:
 * bare integer literals of 16 digits or more outside strings are quoted before parsing, so an id
 * arrives intact whether the platform wrote it as a string or as a number.
 */
export function parseJsonKeepingBigIds(body: string | undefined): unknown {
  if (!body) return undefined;
  return parseJson(/\d{16}/.test(body) ? quoteLongIntegers(body) : body);
}

function quoteLongIntegers(text: string): string {
  let out = '';
  let copiedTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    const isDigit = c >= 0x30 && c <= 0x39;
    if (!isDigit && c !== 0x2d) continue;
    let end = i + (c === 0x2d ? 1 : 0);
    while (end < text.length && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
    const next = text.charCodeAt(end);
    const isInteger = next !== 0x2e && next !== 0x65 && next !== 0x45; // not a fraction or exponent
    if (isInteger && end - i - (c === 0x2d ? 1 : 0) >= 16) {
      out += `${text.slice(copiedTo, i)}"${text.slice(i, end)}"`;
      copiedTo = end;
    }
    i = end - 1;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(value));
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The engine's error code for an HTTP status when the platform says nothing more specific. */
export function errorCodeForStatus(status: number): ExportError['code'] {
  if (status === 401) return 'auth_expired';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'platform_unavailable';
  return 'rejected';
}
