/**
 * Snapchat's response envelopes (reference §2): the entity envelope with per-item sub-statuses and the
 * error envelope with an E-code. The status words' case is configurable because the real API mixes
 * "SUCCESS" and "success".
 */
import { randomUUID } from 'node:crypto';
import { hostileText } from '../hostile';
import { json, text } from '../reply';
import type { FaultReplies, Reply } from '../router';

/**
 * E-codes. Only E3002 (permission) is documented; the real catalogue was not found (reference §9), so
 * the others are the sandbox's own choice — clients should key on the HTTP status, not on these.
 */
export const SNAP_ERROR = {
  badRequest: 'E2001',
  tooManyIdentifiers: 'E2002',
  badSchema: 'E2003',
  badIdentifier: 'E2004',
  badPaging: 'E2005',
  tooManySegments: 'E2006',
  immutableField: 'E2007',
  notFound: 'E2404',
  unauthorized: 'E3001',
  permission: 'E3002',
  rateLimited: 'E1008',
  methodNotAllowed: 'E1005',
  internal: 'E5000',
} as const;

const DISPLAY_UNAVAILABLE = "We're sorry, but the requested resource is not available at this time";

export class SnapEnvelope {
  constructor(private readonly statusCase: 'upper' | 'lower') {}

  word(w: 'SUCCESS' | 'ERROR'): string {
    return this.statusCase === 'lower' ? w.toLowerCase() : w;
  }

  /** `{"request_status":"SUCCESS","request_id":…,"<key>s":[{"sub_request_status":"SUCCESS","<key>":{…}}]}` */
  entities(collection: string, itemKey: string, items: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}): Reply {
    const ok = this.word('SUCCESS');
    return json(200, {
      request_status: ok,
      request_id: randomUUID(),
      ...extra,
      [collection]: items.map((item) => ({ sub_request_status: ok, [itemKey]: item })),
    });
  }

  /** An empty collection, as the delete-segment answer has it. */
  empty(collection: string): Reply {
    return json(200, { request_status: this.word('SUCCESS'), request_id: randomUUID(), [collection]: [] });
  }

  /** Text fields pass through hostileText (hostile.ts); the status words too, since any string may be hostile. */
  error(status: number, code: string, debugMessage: string, headers: Record<string, string> = {}): Reply {
    return json(
      status,
      {
        request_status: hostileText(this.word('ERROR')),
        request_id: hostileText(randomUUID()),
        debug_message: hostileText(debugMessage),
        display_message: hostileText(status === 403 || status === 404 ? DISPLAY_UNAVAILABLE : "We're sorry, something went wrong"),
        error_code: hostileText(code),
      },
      headers,
    );
  }

  permissionDenied(): Reply {
    return this.error(403, SNAP_ERROR.permission, 'Caller does not have permission');
  }

  /** The bare `unauthorized` the real API sometimes sends for an expired token: clients must parse defensively. */
  plainUnauthorized(headers: Record<string, string> = {}): Reply {
    return text(401, hostileText('unauthorized'), headers);
  }

  rateLimited(retryAfterSeconds: number | undefined): Reply {
    const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    // The error envelope minus display_message, as the reference's only sample has it.
    return json(
      429,
      {
        request_status: hostileText(this.word('ERROR')),
        request_id: hostileText(randomUUID()),
        debug_message: hostileText('Rate limit exceeded'),
        error_code: hostileText(SNAP_ERROR.rateLimited),
      },
      headers,
    );
  }

  /**
   * HTTP 200 whose `count` items all failed: `sub_request_status` ERROR with a `sub_request_error_reason`
   * (reference §2). `request_status` stays SUCCESS, as a client that reads the items must see it.
   */
  subRequestErrors(collection: string, count: number, reason: string): Reply {
    const items = Array.from({ length: count }, () => ({ sub_request_status: hostileText(this.word('ERROR')), sub_request_error_reason: hostileText(reason) }));
    return json(200, { request_status: this.word('SUCCESS'), request_id: hostileText(randomUUID()), [collection]: items });
  }

  /** How injected faults look on Snapchat: 503 and 401 come as plain text (parse defensively), the rest as envelopes. */
  readonly faults: FaultReplies = {
    faultReply: (status, retryAfterSeconds) => {
      const headers: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
      if (status === 429) return this.rateLimited(retryAfterSeconds);
      if (status === 503) return text(503, hostileText('Service Unavailable'), headers);
      if (status === 401) return this.plainUnauthorized(headers);
      if (status === 403) return this.permissionDenied();
      if (status >= 500) {
        return json(
          status,
          { request_status: hostileText(this.word('ERROR')), debug_message: hostileText('Internal error'), error_code: hostileText(SNAP_ERROR.internal) },
          headers,
        );
      }
      return this.error(status, SNAP_ERROR.badRequest, `Injected ${status}`, headers);
    },
  };
}
