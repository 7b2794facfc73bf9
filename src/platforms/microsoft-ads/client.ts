import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import { ExportError, type ErrorCode } from '../../core/errors';
import { errorCodeForStatus, joinUrl, parseJsonKeepingBigIds, sendJson } from '../../core/http';
import { takeTurn } from '../../core/rate-limiter';
import { redact } from '../../core/redact';
import type { AccessToken } from '../../core/token-manager';
import {
  AddAudiencesResponseSchema,
  ApplyResponseSchema,
  type Audience,
  type BatchError,
  FaultSchema,
  QueryAudiencesResponseSchema,
} from './schemas';

export interface MicrosoftAdsClientOptions {
  readonly http: AxiosInstance;
  readonly apiBaseUrl: string;
  readonly developerToken: string;
  readonly token: () => Promise<AccessToken>;
  /** How long a 117 CallRateExceeded makes us wait (60 s in production; shorter in tests). */
  readonly throttleWaitMs: number;
}

export interface AccountHeaders {
  readonly customerId: string;
  readonly accountId: string;
}

export type ApplyAction = 'Add' | 'Remove' | 'Replace';

export interface ApplyRequest {
  readonly audienceId: string;
  readonly action: ApplyAction;
  readonly items: readonly string[];
  /** Sends AcceptCustomerMatchTerm: true; otherwise the field is left out (false would be refused with 8003). */
  readonly acceptTerms: boolean;
}

/** Error codes with a meaning of their own (reference §5), mapped to the engine's taxonomy. */
const CODE_MAP: ReadonlyMap<number, { code: ErrorCode; hint?: string }> = new Map([
  [0, { code: 'platform_unavailable' }],
  [105, { code: 'auth_expired' }],
  [109, { code: 'auth_expired' }],
  [106, { code: 'forbidden', hint: 'the user may not manage this customer or account (check customerId and accountId)' }],
  [117, { code: 'rate_limited' }],
  [3913, { code: 'terms_not_accepted' }],
  [8003, { code: 'terms_not_accepted' }],
  [4835, { code: 'not_found', hint: 'the audience does not exist in this account' }],
  [8000, { code: 'not_found', hint: 'the customer list does not exist in this account' }],
]);

const TERMS_HINT = 'accept the Customer Match terms: tick "Accept Customer Match terms" on the export node (AcceptCustomerMatchTerm) or accept them in the Microsoft Advertising web UI; nothing more was sent';

/** Campaign Management v13 REST calls for Customer Match lists; every failure is an ExportError. */
export class MicrosoftAdsClient {
  private readonly base: string;

  constructor(private readonly options: MicrosoftAdsClientOptions) {
    this.base = joinUrl(options.apiBaseUrl, '/CampaignManagement/v13');
  }

  /** All customer lists of the account (QueryByIds with null ids), or the given ones. */
  async queryAudiences(account: AccountHeaders, audienceIds: readonly string[] | null): Promise<Audience[]> {
    const body = { AudienceIds: audienceIds, Type: 'CustomerList', ReturnAdditionalFields: null };
    const response = await this.call(account, 'POST', '/Audiences/QueryByIds', JSON.stringify(body), QueryAudiencesResponseSchema);
    const missing = response.PartialErrors.find((e) => e.Code === 4835);
    if (missing && audienceIds) throw codeError(missing.Code, missing.ErrorCode, 'Microsoft could not find the audience', undefined);
    return response.Audiences;
  }

  /**
   * Create a customer list (scope Account, parent = the account). Answers its id, or `duplicate`
   * when the name is already taken (4853: someone else created it first).
   */
  async addCustomerList(account: AccountHeaders, name: string, membershipDuration: number): Promise<{ id: string } | 'duplicate'> {
    const audience = { Type: 'CustomerList', Name: name, Description: 'Exported from Node-RED (audience export)', Scope: 'Account', ParentId: account.accountId, MembershipDuration: membershipDuration };
    const response = await this.call(account, 'POST', '/Audiences', JSON.stringify({ Audiences: [audience] }), AddAudiencesResponseSchema);
    const id = response.AudienceIds?.[0];
    if (id) return { id };
    const error = response.PartialErrors[0];
    if (error?.Code === 4853) return 'duplicate';
    throw error ? codeError(error.Code, error.ErrorCode, 'Microsoft refused to create the customer list', undefined) : new ExportError('platform_unavailable', 'Microsoft created no customer list and gave no reason', { retryable: false });
  }

  /** One ApplyCustomerListUserData call; answers how many items Microsoft refused (PartialErrors by Index). */
  async apply(account: AccountHeaders, request: ApplyRequest, signal?: AbortSignal): Promise<number> {
    const data = {
      ...(request.acceptTerms ? { AcceptCustomerMatchTerm: true } : {}),
      ActionType: request.action,
      AudienceId: request.audienceId,
      CustomerListItemSubType: 'Email',
      CustomerListItems: request.items,
    };
    const response = await this.call(account, 'POST', '/CustomerListUserData/Apply', JSON.stringify({ CustomerListUserData: data }), ApplyResponseSchema, signal);
    const fatal = response.PartialErrors.find((e) => isFatalCode(e.Code));
    if (fatal) throw codeError(fatal.Code, fatal.ErrorCode, 'Microsoft refused the customer list data', undefined);
    return rejectedItems(response.PartialErrors, request.items.length);
  }

  private async call<S extends z.ZodType>(account: AccountHeaders, method: 'POST' | 'PUT' | 'DELETE', path: string, body: string, schema: S, signal?: AbortSignal): Promise<z.infer<S>> {
    const token = await this.options.token();
    await takeTurn(undefined, signal);
    const response = await sendJson(this.options.http, {
      method,
      url: `${this.base}${path}`,
      body,
      headers: {
        Authorization: `Bearer ${token.value}`,
        DeveloperToken: this.options.developerToken,
        CustomerId: account.customerId,
        CustomerAccountId: account.accountId,
      },
    });
    const json = parseJsonKeepingBigIds(response.data);
    const trackingId = trackingIdOf(response.headers['trackingid'] ?? response.headers['x-ms-trackingid']);
    if (response.status < 200 || response.status >= 300) throw this.faultError(response.status, json, trackingId, token.generation);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ExportError('platform_unavailable', `Microsoft sent an answer this package does not understand (HTTP ${response.status}${trackingId ? `, TrackingId ${trackingId}` : ''})`, { retryable: false });
    }
    return parsed.data;
  }

  private faultError(status: number, body: unknown, trackingId: string | undefined, tokenGeneration: number): ExportError {
    const fault = FaultSchema.safeParse(body);
    const first = fault.success ? (fault.data.Errors?.[0] ?? fault.data.OperationErrors?.[0] ?? fault.data.BatchErrors?.[0]) : undefined;
    const tracking = trackingId ?? (fault.success ? trackingIdOf(fault.data.TrackingId) : undefined);
    if (!first) {
      const code = errorCodeForStatus(status);
      return new ExportError(code, `Microsoft answered HTTP ${status}${tracking ? ` (TrackingId ${tracking})` : ''}`, { httpStatus: status, tokenGeneration });
    }
    const error = codeError(first.Code, first.ErrorCode, `Microsoft answered HTTP ${status}`, tracking, status, tokenGeneration);
    if (error.code === 'rate_limited') {
      return new ExportError('rate_limited', error.message, { httpStatus: status, platformCode: '117', retryAfterMs: this.options.throttleWaitMs });
    }
    return error;
  }
}

/** A TrackingId is a GUID for support tickets: anything else a platform puts there is not shown. */
function trackingIdOf(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(value) ? value : undefined;
}

function isFatalCode(code: number): boolean {
  return code === 8003 || code === 3913 || code === 8000 || code === 4835 || code === 106;
}

/** Items refused, counted once each by their Index; an error without an Index refuses the whole call. */
function rejectedItems(errors: readonly BatchError[], items: number): number {
  if (errors.length === 0) return 0;
  if (errors.some((e) => e.Index === null || e.Index === undefined)) return items;
  return new Set(errors.map((e) => e.Index)).size;
}

function codeError(code: number, errorCode: string | null | undefined, prefix: string, trackingId: string | undefined, httpStatus?: number, tokenGeneration?: number): ExportError {
  const known = CODE_MAP.get(code);
  const name = errorCode ? redact(errorCode) : 'unknown';
  const hint = known?.code === 'terms_not_accepted' ? TERMS_HINT : known?.hint;
  const message = `${prefix}: ${code} ${name}${hint ? ` — ${hint}` : ''}${trackingId ? ` (TrackingId ${trackingId})` : ''}`;
  const engineCode: ErrorCode = known?.code ?? (httpStatus !== undefined ? errorCodeForStatus(httpStatus) : 'rejected');
  return new ExportError(engineCode, message, { httpStatus, platformCode: String(code), tokenGeneration });
}
