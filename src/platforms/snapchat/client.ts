import type { AxiosInstance, Method } from 'axios';
import type { z } from 'zod';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus, joinUrl, type JsonBody, parseJson, retryAfterMs, sendJson } from '../../core/http';
import { type StreamedBody, streamJsonRows } from '../../core/json-body';
import type { WireBatch } from '../../core/types';
import { type RateLimiter, takeTurn } from '../../core/rate-limiter';
import { platformCodeOf, redact } from '../../core/redact';
import type { AccessToken } from '../../core/token-manager';
import { ErrorEnvelopeSchema, isSuccess, MeEnvelopeSchema, type Segment, type SegmentsEnvelope, SegmentsEnvelopeSchema, UsersEnvelopeSchema } from './schemas';

export interface SnapchatClientOptions {
  readonly http: AxiosInstance;
  readonly apiBaseUrl: string;
  readonly token: () => Promise<AccessToken>;
  /** Shared by every request made with the connection's token (10 requests/s per token). */
  readonly limiter: RateLimiter;
}

const PAGE_SIZE = 1000;
export const EMAIL_SCHEMA = 'EMAIL_SHA256';

/** Snapchat Marketing API calls for Customer List segments; every failure is an ExportError. */
export class SnapchatClient {
  private readonly base: string;

  constructor(private readonly options: SnapchatClientOptions) {
    this.base = joinUrl(options.apiBaseUrl, '');
  }

  /** Who the token belongs to: display name and organisation (never the email). */
  async me(): Promise<{ displayName?: string; organizationId?: string }> {
    const envelope = await this.call('GET', `${this.base}/v1/me`, undefined, MeEnvelopeSchema);
    return { displayName: envelope.me.display_name, organizationId: envelope.me.organization_id };
  }

  async listSegments(adAccountId: string): Promise<Segment[]> {
    const segments: Segment[] = [];
    let url: string | undefined = `${this.base}/v1/adaccounts/${encodeURIComponent(adAccountId)}/segments?limit=${PAGE_SIZE}`;
    while (url) {
      const envelope: SegmentsEnvelope = await this.call('GET', url, undefined, SegmentsEnvelopeSchema);
      for (const item of envelope.segments) if (item.segment) segments.push(item.segment);
      url = envelope.paging?.next_link ? this.followLink(envelope.paging.next_link) : undefined;
    }
    return segments;
  }

  async createSegment(adAccountId: string, name: string, retentionDays: number): Promise<Segment> {
    const body = JSON.stringify({
      segments: [{ name, description: 'Exported from Node-RED (audience export)', source_type: 'FIRST_PARTY', retention_in_days: retentionDays, ad_account_id: adAccountId }],
    });
    const envelope = await this.call('POST', `${this.base}/v1/adaccounts/${encodeURIComponent(adAccountId)}/segments`, body, SegmentsEnvelopeSchema);
    return firstSegment(envelope.segments);
  }

  async getSegment(segmentId: string): Promise<Segment> {
    const envelope = await this.call('GET', `${this.base}/v1/segments/${encodeURIComponent(segmentId)}`, undefined, SegmentsEnvelopeSchema);
    return firstSegment(envelope.segments);
  }

  /** Add (POST) or remove (DELETE) hashed emails; answers how many rows Snapchat took. */
  async changeUsers(segmentId: string, change: 'add' | 'remove', hashes: WireBatch | readonly string[], signal?: AbortSignal): Promise<number> {
    const envelope = await this.call(
      change === 'add' ? 'POST' : 'DELETE',
      `${this.base}/v1/segments/${encodeURIComponent(segmentId)}/users`,
      // Made lazily: the body streams from the batch only once the request may go.
      () => usersBody(hashes),
      UsersEnvelopeSchema,
      signal,
    );
    const item = envelope.users[0];
    if (item && !isSuccess(item.sub_request_status)) throw subRequestError(item.sub_request_error_reason);
    return item?.user?.number_uploaded_users ?? hashes.length;
  }

  async removeAllUsers(segmentId: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `${this.base}/v1/segments/${encodeURIComponent(segmentId)}/all_users`, undefined, SegmentsEnvelopeSchema, signal);
  }

  private async call<S extends z.ZodType<{ request_status?: string }>>(method: Method, url: string, body: JsonBody | (() => JsonBody) | undefined, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    const token = await this.options.token();
    await takeTurn(this.options.limiter, signal);
    const payload = typeof body === 'function' ? body() : body;
    const response = await sendJson(this.options.http, { method, url, body: payload, headers: { Authorization: `Bearer ${token.value}` } });
    const json = parseJson(response.data);
    if (response.status < 200 || response.status >= 300) throw statusError(response.status, json, response.headers['retry-after'], token.generation);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ExportError('platform_unavailable', `Snapchat sent an answer this package does not understand (HTTP ${response.status})`, { retryable: false });
    if (!isSuccess(parsed.data.request_status)) throw statusError(response.status, json, undefined, token.generation);
    return parsed.data;
  }

  /** Follow a `next_link` through the configured base (a proxy or the sandbox), not the host it names. */
  private followLink(link: string): string {
    try {
      const next = new URL(link, this.base);
      return `${this.base}${next.pathname}${next.search}`;
    } catch {
      throw new ExportError('platform_unavailable', 'Snapchat sent a malformed paging link', { retryable: false });
    }
  }
}

/**
 * The JSON for `/users`, streamed: 100,000 rows `["<hash>"]` are ~7 MB. Snapchat only ever
 * receives SHA-256 hex.
 */
export function usersBody(hashes: WireBatch | readonly string[]): StreamedBody {
  return streamJsonRows(`{"users":[{"schema":["${EMAIL_SCHEMA}"],"data":[`, hashes, '[', ']', ']}]}');
}

function firstSegment(items: z.infer<typeof SegmentsEnvelopeSchema>['segments']): Segment {
  const item = items[0];
  if (!item) throw new ExportError('platform_unavailable', 'Snapchat answered without the segment', { retryable: false });
  if (!isSuccess(item.sub_request_status) || !item.segment) throw subRequestError(item.sub_request_error_reason);
  return item.segment;
}

function subRequestError(reason: string | undefined): ExportError {
  const text = reason ? redact(reason) : 'no reason given';
  const code = /^(E\d+)/.exec(reason ?? '')?.[1];
  return new ExportError('rejected', `Snapchat refused the request: ${text}`, { platformCode: code });
}

function statusError(status: number, body: unknown, retryAfter: unknown, tokenGeneration: number): ExportError {
  const envelope = ErrorEnvelopeSchema.safeParse(body);
  const detail = envelope.success ? (envelope.data.debug_message ?? envelope.data.display_message ?? envelope.data.msg) : undefined;
  const platformCode = envelope.success ? platformCodeOf(envelope.data.error_code) : undefined;
  const text = `Snapchat answered HTTP ${status}${platformCode ? ` ${platformCode}` : ''}${detail ? `: ${redact(detail)}` : ''}`;
  if (status === 403 || platformCode === 'E3002') {
    return new ExportError('forbidden', `${text} (the authorising user needs Account Admin or Data Manager on the ad account)`, { httpStatus: status, platformCode });
  }
  const code = status >= 200 && status < 300 ? 'rejected' : errorCodeForStatus(status);
  return new ExportError(code, text, { httpStatus: status, platformCode, retryAfterMs: retryAfterMs(retryAfter), tokenGeneration });
}
