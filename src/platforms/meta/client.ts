import { createHmac } from 'node:crypto';
import type { AxiosInstance, Method } from 'axios';
import type { z } from 'zod';
import { ExportError } from '../../core/errors';
import { joinUrl, type JsonBody, parseJson, sendJson } from '../../core/http';
import { streamJsonRows } from '../../core/json-body';
import { type RateLimiter, takeTurn } from '../../core/rate-limiter';
import type { AccessToken } from '../../core/token-manager';
import type { WireBatch } from '../../core/types';
import { graphError } from './errors';
import {
  AdAccountSchema,
  type Audience,
  AudiencePageSchema,
  AudienceSchema,
  AudienceSummarySchema,
  CreatedSchema,
  DebugTokenSchema,
  type DebugToken,
  UsersResponseSchema,
} from './schemas';

export interface MetaClientOptions {
  readonly http: AxiosInstance;
  readonly apiBaseUrl: string;
  readonly apiVersion: string;
  readonly token: () => Promise<AccessToken>;
  /** Optional: signs every call with `appsecret_proof`, and makes the app token for `debug_token`. */
  readonly appSecret?: string;
  readonly appId?: string;
  readonly limiter: RateLimiter;
}

/** Page size of the audience listing: Meta advises small pages (reference §2, "reduce the amount of data"). */
const PAGE_SIZE = 100;
/** Audiences this package looks through before giving up (the cap is 500 customer-file audiences per account). */
const MAX_PAGES = 50;

/** An upload session (reference §3): advertiser-made id, 1-based sequence, the last batch flagged. */
export interface UploadSession {
  readonly session_id: number;
  readonly batch_seq: number;
  readonly last_batch_flag: boolean;
  readonly estimated_num_total?: number;
}

export interface UploadResult {
  readonly received?: number;
  readonly invalid: number;
}

/** `hex(HMAC-SHA256(app secret, access token))` (reference §1). */
export function appSecretProof(appSecret: string, accessToken: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/** `act_` + digits, whichever way the ad account was typed. */
export function actId(adAccountId: string): string {
  return `act_${adAccountId.replace(/^act_/, '')}`;
}

/** Meta's Graph API for customer-list Custom Audiences; every failure is an ExportError. */
export class MetaClient {
  private readonly base: string;

  constructor(private readonly options: MetaClientOptions) {
    this.base = joinUrl(options.apiBaseUrl, `/${encodeURIComponent(options.apiVersion)}`);
  }

  get apiVersion(): string {
    return this.options.apiVersion;
  }

  /** Who the token belongs to, its type and expiry: read with the app token when app id and secret are known, else with itself. */
  async debugToken(): Promise<DebugToken> {
    const { appId, appSecret } = this.options;
    const token = await this.options.token();
    const checker = appId && appSecret ? `${appId}|${appSecret}` : undefined;
    const query = new URLSearchParams({ input_token: token.value });
    const response = await this.call('GET', `/debug_token?${query.toString()}`, undefined, DebugTokenSchema, { bearer: checker });
    return response.data;
  }

  /** The ad account's name and whether the Custom Audience terms are accepted. */
  async adAccount(adAccountId: string): Promise<{ name?: string; tosAccepted: boolean }> {
    const account = await this.call('GET', `/${actId(adAccountId)}?fields=name,tos_accepted`, undefined, AdAccountSchema, { adAccountId });
    return { name: account.name ?? undefined, tosAccepted: account.tos_accepted?.custom_audience_tos === 1 };
  }

  /** Every audience of the ad account with its name and subtype, page by page (cursor paging). */
  async listAudiences(adAccountId: string): Promise<Array<{ id: string; name: string; subtype?: string }>> {
    const found: Array<{ id: string; name: string; subtype?: string }> = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const query = new URLSearchParams({ fields: 'id,name,subtype', limit: String(PAGE_SIZE) });
      if (after) query.set('after', after);
      const answer = await this.call('GET', `/${actId(adAccountId)}/customaudiences?${query.toString()}`, undefined, AudiencePageSchema, { adAccountId });
      for (const entry of answer.data) {
        const audience = AudienceSummarySchema.safeParse(entry);
        // Entries without a name cannot be found by name: skipped, not fatal.
        if (audience.success && typeof audience.data.name === 'string') found.push({ id: audience.data.id, name: audience.data.name, subtype: audience.data.subtype ?? undefined });
      }
      after = answer.paging?.cursors?.after ?? undefined;
      if (!answer.paging?.next || !after || answer.data.length === 0) return found;
    }
    return found;
  }

  /** Create a customer-list audience (`subtype=CUSTOM`). */
  async createAudience(adAccountId: string, name: string, customerFileSource: string): Promise<string> {
    const body = JSON.stringify({ name, subtype: 'CUSTOM', description: 'Exported from Node-RED (audience export)', customer_file_source: customerFileSource });
    const created = await this.call('POST', `/${actId(adAccountId)}/customaudiences`, body, CreatedSchema, { adAccountId });
    return created.id;
  }

  async audience(audienceId: string): Promise<Audience> {
    const fields = 'id,name,subtype,approximate_count_lower_bound,approximate_count_upper_bound,operation_status,delivery_status';
    return this.call('GET', `/${encodeURIComponent(audienceId)}?fields=${fields}`, undefined, AudienceSchema);
  }

  /**
   * Add (`POST /{id}/users`) or remove (`POST … "method":"DELETE"`, the body kept out of the URL) a batch,
   * or send one batch of a replace session (`/usersreplace`). The payload is multi-key `schema:["EMAIL"]`
   * with one-element rows, as the replace reference lists it (reference §9 #3); always in the body.
   */
  async upload(audienceId: string, edge: 'add' | 'remove' | 'replace', identifiers: WireBatch | readonly string[], session: UploadSession, signal?: AbortSignal): Promise<UploadResult> {
    const method = edge === 'remove' ? '"method":"DELETE",' : '';
    const head = `{${method}"session":${JSON.stringify(session)},"payload":{"schema":["EMAIL"],"data":[`;
    const body = () => streamJsonRows(head, identifiers, '[', ']', ']}}');
    const path = `/${encodeURIComponent(audienceId)}/${edge === 'replace' ? 'usersreplace' : 'users'}`;
    const answer = await this.call('POST', path, body, UsersResponseSchema, { signal });
    return { received: answer.num_received ?? undefined, invalid: answer.num_invalid_entries ?? 0 };
  }

  private async call<S extends z.ZodType>(
    method: Method,
    path: string,
    body: JsonBody | (() => JsonBody) | undefined,
    schema: S,
    extra: { readonly adAccountId?: string; readonly signal?: AbortSignal; readonly bearer?: string } = {},
  ): Promise<z.infer<S>> {
    const token = await this.options.token();
    await takeTurn(this.options.limiter, extra.signal);
    const payload = typeof body === 'function' ? body() : body;
    const bearer = extra.bearer ?? token.value;
    const proof = this.options.appSecret && !extra.bearer ? appSecretProof(this.options.appSecret, token.value) : undefined;
    const url = `${this.base}${path}${proof ? `${path.includes('?') ? '&' : '?'}appsecret_proof=${proof}` : ''}`;
    const response = await sendJson(this.options.http, { method, url, body: payload, headers: { Authorization: `Bearer ${bearer}` } });
    const json = parseJson(response.data);
    const context = { adAccountId: extra.adAccountId, apiVersion: this.options.apiVersion, tokenGeneration: token.generation };
    // An error envelope wins whatever the status says (Meta's statuses are not a reliable signal).
    if (response.status < 200 || response.status >= 300 || (typeof json === 'object' && json !== null && 'error' in json)) throw graphError(response, json, context);
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ExportError('platform_unavailable', `Meta sent an answer this package does not understand (HTTP ${response.status})`, { retryable: false });
    return parsed.data;
  }
}
