/**
 * Meta's answer shapes (reference §6): errors are `{"error":{message,type,code,error_subcode,
 * error_user_title?,error_user_msg?,fbtrace_id}}` whatever the HTTP status; every API answer carries
 * the usage header of the ad account it touched.
 */
import { randomBytes } from 'node:crypto';
import { hostileHeader, hostileText } from '../hostile';
import { html, json } from '../reply';
import type { FaultReplies, Reply } from '../router';

export function fbtraceId(): string {
  return randomBytes(8).toString('base64').replace(/[+/=]/g, 'A');
}

export interface GraphErrorInput {
  readonly code: number;
  readonly subcode?: number;
  readonly message: string;
  readonly type?: string;
  readonly userTitle?: string;
  readonly userMessage?: string;
  readonly transient?: boolean;
}

export function graphError(status: number, error: GraphErrorInput, headers: Record<string, string> = {}): Reply {
  const body = {
    error: {
      message: hostileText(error.message),
      type: hostileText(error.type ?? (error.code === 190 ? 'OAuthException' : 'OAuthException')),
      code: error.code,
      ...(error.subcode !== undefined ? { error_subcode: error.subcode } : {}),
      ...(error.transient !== undefined ? { is_transient: error.transient } : {}),
      ...(error.userTitle !== undefined ? { error_user_title: hostileText(error.userTitle) } : {}),
      ...(error.userMessage !== undefined ? { error_user_msg: hostileText(error.userMessage) } : {}),
      fbtrace_id: hostileText(fbtraceId()),
    },
  };
  return json(status, body, headers);
}

/** `X-Business-Use-Case-Usage` for one ad account: percentages of the hour's quota, and the wait in minutes. */
export function usageHeader(name: string, adAccountId: string, callCountPercent: number, minutes: number): Record<string, string> {
  const entry = {
    type: 'custom_audience',
    call_count: Math.min(100, Math.round(callCountPercent)),
    total_cputime: Math.min(100, Math.round(callCountPercent / 2)),
    total_time: Math.min(100, Math.round(callCountPercent / 2)),
    estimated_time_to_regain_access: minutes,
    ads_api_access_tier: 'standard_access',
  };
  return { [name.toLowerCase()]: hostileHeader(JSON.stringify({ [adAccountId]: [entry] })) };
}

/** The fault injector's 429/5xx in Meta's words: a BUC throttle, a transient error, or a gateway's HTML page. */
export function metaFaults(): FaultReplies {
  return {
    faultReply(status, retryAfterSeconds) {
      const headers: Record<string, string> = retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
      if (status === 429) {
        return graphError(429, { code: 80003, subcode: 2446079, message: 'There have been too many calls to this ad-account. Wait a bit and try again.' }, headers);
      }
      if (status === 502 || status === 504) return { ...html(status, '<html><body><h1>Sorry, something went wrong.</h1></body></html>'), headers: { 'content-type': 'text/html; charset=utf-8', ...headers } };
      if (status >= 500) return graphError(status, { code: 2, message: 'An unexpected error has occurred. Please retry your request later.', transient: true }, headers);
      return graphError(status, { code: 1, message: 'An unknown error occurred' }, headers);
    },
  };
}
