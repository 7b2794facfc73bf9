/**
 * Criteo's response shapes (reference §3–§4): `{data, errors, warnings}` on success and
 * `{errors:[CommonProblem]}` on failure, where a problem is `{traceId, type, code, instance, title, detail}`
 * with a kebab-case code. Gateway-level errors (401, 404 version, 410, 429, 5xx) carry `errors` only;
 * the audience operations' own errors also carry an empty `warnings`, as their 200s do.
 */
import { randomBytes } from 'node:crypto';
import { hostileText } from '../hostile';
import { json } from '../reply';
import type { FaultReplies, Reply } from '../router';

export type ProblemType = 'access-control' | 'authentication' | 'authorization' | 'availability' | 'deprecation' | 'quota' | 'validation' | 'unknown';

export interface Problem {
  readonly traceId: string;
  /** A ProblemType — followed by the echo in hostile mode. */
  readonly type: string;
  readonly code: string;
  readonly instance: string;
  readonly title: string;
  readonly detail?: string;
}

export function traceId(): string {
  return randomBytes(16).toString('hex');
}

/** Every problem of every answer (errors and warnings) is built here, so each text passes through hostileText once. */
export function problem(type: ProblemType, code: string, instance: string, title: string, detail?: string): Problem {
  const p = { traceId: hostileText(traceId()), type: hostileText(type), code: hostileText(code), instance: hostileText(instance), title: hostileText(title) };
  return detail === undefined ? p : { ...p, detail: hostileText(detail) };
}

/** `{errors:[…]}` — gateway-level failures. */
export function gatewayError(status: number, p: Problem, headers: Record<string, string> = {}): Reply {
  return json(status, { errors: [p] }, headers);
}

/** `{errors:[…], warnings:[]}` — an audience operation refused the request. */
export function apiError(status: number, problems: ReadonlyArray<Problem>, headers: Record<string, string> = {}): Reply {
  return json(status, { errors: problems, warnings: [] }, headers);
}

export function ok(value: Record<string, unknown>): Reply {
  return json(200, { ...value, errors: value.errors ?? [], warnings: value.warnings ?? [] });
}

export function validation(instance: string, code: string, title: string, detail?: string): Reply {
  return apiError(400, [problem('validation', code, instance, title, detail)]);
}

/** Reference §3 example, `instance` included (`/audience/{id}`). */
export function audienceInvalid(segmentId: string): Reply {
  return apiError(404, [
    problem('validation', 'audience-invalid', `/audience/${segmentId}`, 'Audience is invalid', 'Audience is not found, please choose a valid audience'),
  ]);
}

/**
 * ASSUMPTION: the code of a portfolio refusal is undocumented (reference §8.3); only the type
 * `access-control` and the 403 status (2023-10 spec) are known.
 */
export function accessDenied(instance: string, detail: string): Reply {
  return apiError(403, [problem('access-control', 'access-denied', instance, 'Access denied', detail)]);
}

export function rateLimitHeaders(limit: number, remaining: number, resetEpochSeconds: number): Record<string, string> {
  return { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(resetEpochSeconds) };
}

/** Reference §5: 429 with x-ratelimit-* headers; no Retry-After is documented (sent only when asked). */
export function tooManyRequests(instance: string, headers: Record<string, string>): Reply {
  return gatewayError(429, problem('quota', 'too-many-requests', instance, 'Too many requests', 'The API call quota of this application is exhausted; retry after x-ratelimit-reset'), headers);
}

/** How injected faults look on Criteo; `limit` gives the x-ratelimit-limit of an injected 429. */
export function criteoFaults(limit: () => number): FaultReplies {
  return {
    faultReply(status, retryAfterSeconds) {
      const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      const instance = '';
      if (status === 429) {
        const reset = Math.ceil(Date.now() / 1000) + Math.max(1, retryAfterSeconds ?? 1);
        return tooManyRequests(instance, { ...rateLimitHeaders(limit(), 0, reset), ...headers });
      }
      if (status === 401) return gatewayError(401, problem('authorization', 'authorization-token-invalid', instance, 'The authorization token is invalid'), headers);
      if (status === 403) return gatewayError(403, problem('access-control', 'access-denied', instance, 'Access denied'), headers);
      if (status >= 500) {
        const title = status === 503 ? 'Service unavailable' : 'Internal server error';
        return gatewayError(status, problem('availability', status === 503 ? 'service-unavailable' : 'internal-error', instance, title), headers);
      }
      return gatewayError(status, problem('validation', 'injected-fault', instance, `Injected ${status}`), headers);
    },
  };
}
