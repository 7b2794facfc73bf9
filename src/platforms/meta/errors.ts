import type { AxiosResponse } from 'axios';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus } from '../../core/http';
import { platformCodeOf, redact } from '../../core/redact';
import { type GraphError, GraphErrorSchema } from './schemas';

/** Throttle codes (reference §6): application (4), user (17), page (32), application limit (341), ad account (613), Custom Audience BUC (80003). */
const THROTTLE_CODES: ReadonlySet<number> = new Set([4, 17, 32, 341, 613, 80003]);
/** Wait when a throttle names no time: Meta says stop calling for a while (calls while throttled extend it). */
export const DEFAULT_THROTTLE_WAIT_MS = 60_000;
/** ToS not accepted: `200/1870090` (Guide) or `100/1487390` (a fixture, reference §9 #7). */
const TOS_SUBCODES: ReadonlySet<number> = new Set([1870090, 1487390]);
/** Replace session errors that clear by themselves (update in progress, something went wrong). */
const REPLACE_RETRY_SUBCODES: ReadonlySet<number> = new Set([1870145, 1870148]);

/** The page where a human of the business accepts the Custom Audience terms (reference §1). */
export function termsLink(adAccountId: string): string {
  return `https://business.facebook.com/ads/manage/customaudiences/tos/?act=${encodeURIComponent(adAccountId)}`;
}

/**
 * `X-Business-Use-Case-Usage` (or `X-Business-Use-Case`, read case-insensitively): the longest
 * `estimated_time_to_regain_access` (minutes) of any entry, as milliseconds; undefined when none is set.
 */
export function regainAccessMs(headers: AxiosResponse['headers'] | Readonly<Record<string, unknown>>): number | undefined {
  let longest: number | undefined;
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!/^x-business-use-case(-usage)?$/i.test(name) || typeof value !== 'string') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      continue;
    }
    if (typeof parsed !== 'object' || parsed === null) continue;
    for (const entries of Object.values(parsed)) {
      for (const entry of Array.isArray(entries) ? (entries as unknown[]) : []) {
        const minutes = typeof entry === 'object' && entry !== null ? Number((entry as Record<string, unknown>).estimated_time_to_regain_access) : NaN;
        if (Number.isFinite(minutes) && minutes > 0) longest = Math.max(longest ?? 0, minutes * 60_000);
      }
    }
  }
  return longest;
}

export interface ClassifyContext {
  readonly adAccountId?: string;
  readonly apiVersion: string;
  readonly tokenGeneration?: number;
}

/**
 * A failed Graph API answer as an ExportError, classified on `error.code`/`error_subcode`, never on
 * the HTTP status (Meta sends 400 for 190, 403 for 200, sometimes 500 for a throttle); a body that is
 * not the error envelope (an HTML page) is a transient outage.
 */
export function graphError(response: Pick<AxiosResponse<string>, 'status' | 'headers'>, body: unknown, context: ClassifyContext): ExportError {
  const { status } = response;
  const parsed = GraphErrorSchema.safeParse(body);
  if (!parsed.success) {
    const code = status >= 200 && status < 300 ? 'platform_unavailable' : errorCodeForStatus(status);
    return new ExportError(code === 'rejected' ? 'platform_unavailable' : code, `Meta answered HTTP ${status} without its error envelope`, { httpStatus: status, retryable: true });
  }
  const error = parsed.data.error;
  const code = error.code ?? undefined;
  const subcode = error.error_subcode ?? undefined;
  const platformCode = platformCodeOf(subcode !== undefined ? `${code ?? ''}/${subcode}` : code);
  const text = `Meta error ${code ?? '?'}${subcode !== undefined ? `/${subcode}` : ''}: ${describe(error)}`;
  const options = { httpStatus: status, platformCode, tokenGeneration: context.tokenGeneration };
  const waitFromHeader = regainAccessMs(response.headers);

  if (code === 190 || code === 102) {
    return new ExportError('reauth_required', `${text}. The access token is expired or revoked: enter a new one or sign in again (nothing more is sent)`, options);
  }
  if (code !== undefined && THROTTLE_CODES.has(code)) {
    return new ExportError('rate_limited', text, { ...options, retryAfterMs: waitFromHeader ?? DEFAULT_THROTTLE_WAIT_MS });
  }
  if ((subcode !== undefined && TOS_SUBCODES.has(subcode)) || /terms of service|terms not accepted/i.test(error.message ?? '')) {
    const link = context.adAccountId ? termsLink(context.adAccountId) : 'https://business.facebook.com/ads/manage/customaudiences/tos/';
    return new ExportError('terms_not_accepted', `The Custom Audience terms are not accepted for this ad account: a person of the business must accept them at ${link}`, { ...options, params: { link } });
  }
  if (code === 2635) {
    return new ExportError('api_version_retired', `Meta API version ${context.apiVersion} is deprecated: set the connection's API version to a supported one such as v26.0`, options);
  }
  if (code === 2650 && subcode !== undefined && REPLACE_RETRY_SUBCODES.has(subcode)) {
    return new ExportError('platform_unavailable', `${text} (the audience is being updated; retried later)`, { ...options, retryAfterMs: waitFromHeader ?? DEFAULT_THROTTLE_WAIT_MS });
  }
  if (code === 1 || code === 2 || code === 803 || error.is_transient === true) return new ExportError('platform_unavailable', text, options);
  if (code === 100 && subcode === 33) return new ExportError('not_found', `${text} (the object does not exist, or the token's user is not assigned to the ad account)`, options);
  if (code === 10 || code === 270 || code === 368 || (code !== undefined && code >= 200 && code <= 299)) return new ExportError('forbidden', text, options);
  if (code !== undefined) return new ExportError('rejected', text, { ...options, retryable: false });
  return new ExportError(errorCodeForStatus(status), text, options);
}

/** The error's words, redacted (a hostile answer may echo the request). */
function describe(error: GraphError): string {
  const words = [error.error_user_title, error.error_user_msg ?? error.message].filter((part): part is string => typeof part === 'string' && part.length > 0);
  return redact(words.join(' — ') || 'no message');
}
