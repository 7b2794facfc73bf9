import axios, { type AxiosInstance, type AxiosResponse, isAxiosError } from 'axios';
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
