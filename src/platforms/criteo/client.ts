import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import type { z } from 'zod';
import { ExportError } from '../../core/errors';
import { errorCodeForStatus, joinUrl, type JsonBody, parseJson, sendJson } from '../../core/http';
import { streamJsonRows } from '../../core/json-body';
import type { WireBatch } from '../../core/types';
import { type RateLimiter, takeTurn } from '../../core/rate-limiter';
import { platformCodeOf, redact } from '../../core/redact';
import type { AccessToken } from '../../core/token-manager';
import {
  AmendmentResponseSchema,
  CreateResponseSchema,
  ErrorsEnvelopeSchema,
  MeResponseSchema,
  type Problem,
  SearchResponseSchema,
  type Segment,
  StatisticsResponseSchema,
  usableSegments,
} from './schemas';

export interface CriteoClientOptions {
  readonly http: AxiosInstance;
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
  readonly token: () => Promise<AccessToken>;
  readonly limiter: RateLimiter;
}

const PAGE_SIZE = 100;

/** Criteo's audience-segments API (contact lists); every failure is an ExportError. */
export class CriteoClient {
  private readonly base: string;

  constructor(private readonly options: CriteoClientOptions) {
    this.base = joinUrl(options.apiBaseUrl, `/${encodeURIComponent(options.apiVersion)}/marketing-solutions`);
  }

  /** The application the token belongs to (name and organisation). */
  async me(): Promise<{ name?: string; organizationId?: string }> {
    const response = await this.call('GET', '/me', undefined, MeResponseSchema);
    const attributes = response.data?.attributes;
    return { name: attributes?.name ?? undefined, organizationId: attributes?.organizationId ?? undefined };
  }

  /** Every contact-list segment (of the advertiser when given), page by page. */
  async searchContactLists(advertiserId: string | undefined): Promise<Segment[]> {
    const found: Segment[] = [];
    const attributes = { ...(advertiserId ? { advertiserIds: [advertiserId] } : {}), audienceSegmentTypes: ['ContactList'] };
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const page = await this.call('POST', `/audience-segments/search?limit=${PAGE_SIZE}&offset=${offset}`, JSON.stringify({ data: { attributes } }), SearchResponseSchema);
      found.push(...usableSegments(page.data));
      const total = page.meta?.totalItems;
      if (page.data.length < PAGE_SIZE || (typeof total === 'number' && offset + PAGE_SIZE >= total)) return found;
    }
  }

  /** Create a contact-list segment; `duplicate` when the name is taken (as a 400 or as a 200 warning). */
  async createContactList(advertiserId: string, name: string): Promise<Segment | 'duplicate'> {
    const body = JSON.stringify({ data: [{ type: 'AudienceSegment', attributes: { advertiserId, name, description: 'Exported from Node-RED (audience export)', contactList: {} } }] });
    let response;
    try {
      response = await this.call('POST', '/audience-segments/create', body, CreateResponseSchema);
    } catch (thrown) {
      if (thrown instanceof ExportError && thrown.platformCode === 'name-must-be-unique') return 'duplicate';
      throw thrown;
    }
    const [created] = usableSegments(response.data);
    if (created) return created;
    const problem = [...response.errors, ...response.warnings][0];
    if (problem?.code === 'name-must-be-unique') return 'duplicate';
    throw new ExportError('rejected', `Criteo created no segment${problem ? `: ${describe(problem)}` : ''}`, { platformCode: platformCodeOf(problem?.code) });
  }

  /** Add or remove identifiers; answers Criteo's valid and invalid counts (never its samples: they are raw identifiers). */
  async amendContactList(segmentId: string, operation: 'add' | 'remove', identifiers: WireBatch | readonly string[], signal?: AbortSignal): Promise<{ valid: number; invalid: number }> {
    // Each identifier is written as a JSON string: hex from the engine's digests, or a plain address escaped.
    const head = `{"data":{"type":"ContactlistAmendment","attributes":{"operation":${JSON.stringify(operation)},"identifierType":"email","identifiers":[`;
    const body = () => streamJsonRows(head, identifiers, '', '', ']}}}');
    const response = await this.call('PATCH', `/audience-segments/${encodeURIComponent(segmentId)}/contact-list`, body, AmendmentResponseSchema, signal);
    const { nbValidIdentifiers, nbInvalidIdentifiers } = response.data.attributes;
    const invalid = nbInvalidIdentifiers ?? 0;
    return { valid: nbValidIdentifiers ?? identifiers.length - invalid, invalid };
  }

  async wipeContactList(segmentId: string, signal?: AbortSignal): Promise<void> {
    await this.call('DELETE', `/audience-segments/${encodeURIComponent(segmentId)}/contact-list`, undefined, ErrorsEnvelopeSchema, signal);
  }

  async statistics(segmentId: string): Promise<{ identifiers?: number; matches?: number; matchRate?: number }> {
    const response = await this.call('GET', `/audience-segments/${encodeURIComponent(segmentId)}/contact-list/statistics`, undefined, StatisticsResponseSchema);
    const { numberOfIdentifiers, numberOfMatches, matchRate } = response.data?.attributes ?? {};
    return { identifiers: numberOfIdentifiers ?? undefined, matches: numberOfMatches ?? undefined, matchRate: matchRate ?? undefined };
  }

  private async call<S extends z.ZodType>(method: Method, path: string, body: JsonBody | (() => JsonBody) | undefined, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    const token = await this.options.token();
    await takeTurn(this.options.limiter, signal);
    const payload = typeof body === 'function' ? body() : body;
    const response = await sendJson(this.options.http, { method, url: `${this.base}${path}`, body: payload, headers: { Authorization: `Bearer ${token.value}` } });
    const json = parseJson(response.data);
    if (response.status < 200 || response.status >= 300) throw this.statusError(response, json, token.generation);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ExportError('platform_unavailable', `Criteo sent an answer this package does not understand (HTTP ${response.status})`, { retryable: false });
    return parsed.data;
  }

  private statusError(response: AxiosResponse<string>, body: unknown, tokenGeneration: number): ExportError {
    const { status } = response;
    const envelope = ErrorsEnvelopeSchema.safeParse(body);
    const problem = envelope.success ? envelope.data.errors[0] : undefined;
    const code = platformCodeOf(problem?.code);
    const text = `Criteo answered HTTP ${status}${problem ? `: ${describe(problem)}` : ''}`;
    if (status === 401) return new ExportError('auth_expired', text, { httpStatus: status, platformCode: code, tokenGeneration });
    if (status === 410) {
      return new ExportError('api_version_retired', `Criteo API version ${this.options.apiVersion} is retired (410 Gone): set the connection's API version to a supported one such as 2026-07`, { httpStatus: status, platformCode: code });
    }
    if (status === 429) return new ExportError('rate_limited', text, { httpStatus: status, platformCode: code, retryAfterMs: rateLimitReset(response.headers['x-ratelimit-reset']) });
    if (status === 404 && code === 'audience-invalid') return new ExportError('not_found', `${text} (the audience segment does not exist or is not a contact list)`, { httpStatus: status, platformCode: code });
    return new ExportError(errorCodeForStatus(status), text, { httpStatus: status, platformCode: code });
  }
}

/** `x-ratelimit-reset` is the epoch second at which calls are allowed again. */
function rateLimitReset(value: unknown, now: number = Date.now()): number | undefined {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return Math.max(1000, seconds * 1000 - now);
}

function describe(problem: Problem): string {
  return redact([problem.code, problem.title ?? problem.detail].filter(Boolean).join(' — '));
}
