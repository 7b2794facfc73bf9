/**
 * Campaign Management v13 REST, the customer-list part (reference §2–§5): AddAudiences, GetAudiencesByIds
 * (QueryByIds), UpdateAudiences, DeleteAudiences and ApplyCustomerListUserData. Every call passes, in
 * order: Bearer token (105/109), DeveloperToken (105), CustomerId and CustomerAccountId (1029/1030, 106),
 * throttling (117), then the operation. Per-item failures are HTTP 200 with PartialErrors; whole-call
 * failures are ApiFaultDetail faults. Every answer carries a TrackingId header.
 */
import { randomUUID } from 'node:crypto';
import type { TokenSubject } from '../oauth';
import { hostileName } from '../hostile';
import { parseJson } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import type { ApplyAction, MicrosoftAdsCalls, MsContext } from './context';
import { MICROSOFT_ADS_SANDBOX } from './fixtures';
import {
  isValidMembershipDuration,
  isValidName,
  MAX_DESCRIPTION_LENGTH,
  SIZE_VISIBLE_MINIMUM,
  type Audience,
  type AudienceScope,
  type MsAccount,
} from './store';
import { MS_ERROR, type MsError } from './wire';

export const MAX_AUDIENCES_PER_CALL = 100;
export const MAX_AUDIENCE_IDS_PER_CALL = 100;
export const MAX_CUSTOMER_LIST_ITEMS = 1000;
const AUDIENCE_TYPES: ReadonlySet<string> = new Set([
  'RemarketingList',
  'Custom',
  'InMarket',
  'Product',
  'SimilarRemarketingList',
  'CombinedList',
  'CustomerList',
  'ImpressionBasedRemarketingList',
]);

/** What a call that passed the checks knows about itself. */
interface Call {
  readonly trackingId: string;
  readonly subject: TokenSubject;
  readonly customerId: string;
  readonly account: MsAccount;
}

type CallHandler = (ctx: RequestContext, call: Call) => Reply;
type Counter = Exclude<keyof MicrosoftAdsCalls, 'token' | 'applyByAction'>;

const API = MICROSOFT_ADS_SANDBOX.paths.api;

export function registerApiRoutes(router: Router, ms: MsContext): void {
  const add = (method: string, path: string, counter: Counter, handler: CallHandler): void =>
    router.add({ method, pattern: `${API}${path}`, kind: 'api', errors: ms.wire.faults, handler: guarded(ms, counter, handler) });

  add('POST', '/Audiences', 'addAudiences', (ctx, call) => addAudiences(ms, ctx, call));
  add('POST', '/Audiences/QueryByIds', 'queryByIds', (ctx, call) => queryByIds(ms, ctx, call));
  add('PUT', '/Audiences', 'updateAudiences', (ctx, call) => updateAudiences(ms, ctx, call));
  add('DELETE', '/Audiences', 'deleteAudiences', (ctx, call) => deleteAudiences(ms, ctx, call));
  add('POST', '/CustomerListUserData/Apply', 'apply', (ctx, call) => applyUserData(ms, ctx, call));
}

function header(ctx: RequestContext, name: string): string | undefined {
  const value = ctx.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function guarded(ms: MsContext, counter: Counter, handler: CallHandler): Handler {
  return (ctx) => {
    const trackingId = randomUUID();
    const { wire } = ms;
    const bearer = /^Bearer\s+(\S+)\s*$/.exec(header(ctx, 'authorization') ?? '');
    if (!bearer) return wire.adApiFault(401, MS_ERROR.invalidCredentials, trackingId);
    const check = ms.tokens.verifyAccessToken(bearer[1]);
    if (!check.ok) return wire.adApiFault(401, check.reason === 'expired' ? MS_ERROR.tokenExpired : MS_ERROR.invalidCredentials, trackingId);
    // A missing or wrong developer token is 105 too (there is no separate code for it in the catalogue).
    if (header(ctx, 'DeveloperToken') !== MICROSOFT_ADS_SANDBOX.developerToken) return wire.adApiFault(401, MS_ERROR.invalidCredentials, trackingId);

    // The docs' catalogue has 1029/1030 for absent headers; 106 for ones the user may not use. 106 is an
    // ApiFaultDetail operation error (the SDK examples read it from OperationErrors); HTTP 400 is this
    // sandbox's choice (undocumented for REST) — clients must key on Code, not on the status.
    const customerId = header(ctx, 'CustomerId')?.trim();
    if (!customerId) return wire.operationFault(400, MS_ERROR.customerIdRequired, trackingId);
    const accountId = header(ctx, 'CustomerAccountId')?.trim();
    if (!accountId) return wire.operationFault(400, MS_ERROR.accountIdRequired, trackingId);
    const account = ms.store.account(accountId);
    const managed = ms.customersOf.get(check.subject.userId);
    if (!managed?.has(customerId) || !account || account.customerId !== customerId) {
      return wire.operationFault(400, MS_ERROR.userNotAuthorized, trackingId);
    }

    const throttled = throttle(ms, customerId);
    if (throttled !== undefined) {
      const headers: Record<string, string> =
        ms.options.retryAfterOn429 && ms.switches.throttleStatus === 429 ? { 'retry-after': String(throttled) } : {};
      return wire.adApiFault(ms.switches.throttleStatus, MS_ERROR.callRateExceeded, trackingId, headers);
    }
    ms.calls[counter] += 1;
    return handler(ctx, { trackingId, subject: check.subject, customerId, account });
  };
}

/** Seconds to wait when this call is throttled (117); undefined when it may proceed (and is counted). */
function throttle(ms: MsContext, customerId: string): number | undefined {
  if (ms.pending.throttleNext > 0) {
    ms.pending.throttleNext -= 1;
    return 60;
  }
  const limit = ms.switches.callRateLimit;
  if (limit === undefined) return undefined;
  const taken = ms.window.take(customerId, limit);
  return taken.ok ? undefined : taken.retryAfterSeconds;
}

type Body = Record<string, unknown>;

/** The JSON object body, or undefined when it is not one (answered as 100 NullRequest). */
function readBody(ctx: RequestContext): Body | undefined {
  const parsed = parseJson(ctx.body);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null || Array.isArray(parsed.value)) return undefined;
  return parsed.value as Body;
}

/**
 * An int64 id from a request: a decimal string (the real format) or a JSON number. A number beyond 2^53
 * has already lost digits in JSON.parse — exactly what a JS client that parsed the id as a number sent —
 * so it never matches (every sandbox id is odd and above 2^53).
 */
function readId(value: unknown): string | null {
  if (typeof value === 'string' && /^\d{1,20}$/.test(value.trim())) return value.trim();
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return BigInt(value).toString();
  return null;
}

function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fault(ms: MsContext, call: Call, error: MsError): Reply {
  return ms.wire.operationFault(400, error, call.trackingId);
}

function termsError(ms: MsContext): MsError {
  return ms.switches.termsErrorCode === 3913 ? MS_ERROR.termsNotAcceptedLegacy : MS_ERROR.termsNotAccepted;
}

/** A CustomerList as GetAudiencesByIds returns it (reference §3); sizes are longs, strings unless sizesAsNumbers. */
function audienceJson(ms: MsContext, a: Audience): Record<string, unknown> {
  const size = a.members.size >= SIZE_VISIBLE_MINIMUM ? a.members.size : null;
  return {
    AudienceNetworkSize: ms.wire.size(size),
    CustomerShare: null,
    Description: a.description ?? null,
    ForwardCompatibilityMap: null,
    Id: ms.wire.id(a.id),
    MembershipDuration: a.membershipDuration,
    Name: hostileName(a.name),
    ParentId: ms.wire.id(a.parentId),
    Scope: a.scope,
    SearchSize: ms.wire.size(size),
    SupportedCampaignTypes: ['Search', 'Shopping', 'Audience'],
    Type: 'CustomerList',
  };
}

function addAudiences(ms: MsContext, ctx: RequestContext, call: Call): Reply {
  const body = readBody(ctx);
  if (!body) return fault(ms, call, MS_ERROR.nullRequest);
  const items = body.Audiences;
  if (!Array.isArray(items) || items.length === 0) return fault(ms, call, MS_ERROR.audiencesNullOrEmpty);
  if (items.length > MAX_AUDIENCES_PER_CALL) return fault(ms, call, MS_ERROR.audiencesExceedsLimit);

  const ids: unknown[] = [];
  const errors: unknown[] = [];
  items.forEach((item: unknown, index) => {
    const result = addOne(ms, call, item);
    if (typeof result === 'string') ids.push(ms.wire.id(result));
    else {
      ids.push(null);
      errors.push(ms.wire.batchError(result, index));
    }
  });
  return ms.wire.partial({ AudienceIds: ids }, errors, call.trackingId);
}

/** The new audience's id, or the error for its slot. */
function addOne(ms: MsContext, call: Call, item: unknown): string | MsError {
  if (!isRecord(item)) return MS_ERROR.audienceIsNull;
  // The sandbox simulates Customer Match only; other audience types are refused as invalid.
  if (item.Type !== 'CustomerList') return MS_ERROR.invalidAudienceType;
  if (item.Id !== undefined && item.Id !== null) return MS_ERROR.audienceIdIsNotNull;
  if (!isValidName(item.Name)) return MS_ERROR.invalidAudienceName;
  const name = item.Name;
  const description = item.Description;
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)) {
    return MS_ERROR.invalidAudienceDescription;
  }
  const duration = item.MembershipDuration;
  if (duration !== undefined && duration !== null && !isValidMembershipDuration(duration)) return MS_ERROR.invalidMembershipDuration;

  // Scope/ParentId are "required" in the docs, yet Segment sends neither and works (reference §10 Q4):
  // absent means Account scope in the CustomerAccountId account.
  const rawScope = item.Scope ?? 'Account';
  if (rawScope !== 'Account' && rawScope !== 'Customer') return MS_ERROR.invalidScope;
  const scope: AudienceScope = rawScope;
  const expectedParent = scope === 'Account' ? call.account.id : call.customerId;
  const parentId = item.ParentId === undefined || item.ParentId === null ? expectedParent : readId(item.ParentId);
  if (parentId !== expectedParent) return MS_ERROR.parentIdDoesNotMatchScope;

  if (ms.switches.termsRequiredForCreate && !ms.switches.termsAccepted) return termsError(ms);

  const race = ms.pending.duplicateRaces.indexOf(name);
  if (race >= 0) {
    // Someone else created the same list a moment earlier: it exists now, and this call lost.
    ms.pending.duplicateRaces.splice(race, 1);
    if (!ms.store.nameTaken(name, call.customerId, scope, parentId)) {
      ms.store.create({ customerId: call.customerId, scope, parentId, name, membershipDuration: 30 });
    }
    return MS_ERROR.duplicateAudienceName;
  }
  if (ms.store.nameTaken(name, call.customerId, scope, parentId)) return MS_ERROR.duplicateAudienceName;
  const created = ms.store.create({
    customerId: call.customerId,
    scope,
    parentId,
    name,
    description: typeof description === 'string' ? description : undefined,
    membershipDuration: typeof duration === 'number' ? duration : undefined,
  });
  return created.id;
}

function queryByIds(ms: MsContext, ctx: RequestContext, call: Call): Reply {
  const body = readBody(ctx);
  if (!body) return fault(ms, call, MS_ERROR.nullRequest);
  // Type is a flags enum serialized as one comma-separated string (reference §2); null = every type.
  const rawType = body.Type;
  let wantsCustomerLists = true;
  if (rawType !== undefined && rawType !== null) {
    if (typeof rawType !== 'string') return fault(ms, call, MS_ERROR.invalidAudienceType);
    const types = rawType.split(',').map((t) => t.trim());
    if (types.some((t) => !AUDIENCE_TYPES.has(t))) return fault(ms, call, MS_ERROR.invalidAudienceType);
    wantsCustomerLists = types.includes('CustomerList');
  }

  const rawIds = body.AudienceIds;
  if (rawIds === undefined || rawIds === null || (Array.isArray(rawIds) && rawIds.length === 0)) {
    // Null or empty: every customer- and account-scoped audience visible from the CustomerAccountId account.
    const audiences = wantsCustomerLists ? ms.store.visibleFrom(call.account.id) : [];
    return ms.wire.partial({ Audiences: audiences.map((a) => audienceJson(ms, a)) }, [], call.trackingId);
  }
  if (!Array.isArray(rawIds)) return fault(ms, call, MS_ERROR.nullRequest);
  if (rawIds.length > MAX_AUDIENCE_IDS_PER_CALL) return fault(ms, call, MS_ERROR.audienceIdsExceedsLimit);
  const audiences: unknown[] = [];
  const errors: unknown[] = [];
  rawIds.forEach((raw: unknown, index) => {
    const id = readId(raw);
    const audience = id === null ? undefined : ms.store.audience(id);
    if (audience && wantsCustomerLists && ms.store.isVisibleFrom(audience, call.account.id)) audiences.push(audienceJson(ms, audience));
    else {
      audiences.push(null);
      errors.push(ms.wire.batchError(MS_ERROR.invalidAudienceId, index));
    }
  });
  return ms.wire.partial({ Audiences: audiences }, errors, call.trackingId);
}

function updateAudiences(ms: MsContext, ctx: RequestContext, call: Call): Reply {
  const body = readBody(ctx);
  if (!body) return fault(ms, call, MS_ERROR.nullRequest);
  const items = body.Audiences;
  if (!Array.isArray(items) || items.length === 0) return fault(ms, call, MS_ERROR.audiencesNullOrEmpty);
  if (items.length > MAX_AUDIENCES_PER_CALL) return fault(ms, call, MS_ERROR.audiencesExceedsLimit);
  const errors: unknown[] = [];
  items.forEach((item: unknown, index) => {
    const error = updateOne(ms, call, item);
    if (error) errors.push(ms.wire.batchError(error, index));
  });
  return ms.wire.partial({}, errors, call.trackingId);
}

/** Validates the whole item before changing anything; undefined when it was applied. */
function updateOne(ms: MsContext, call: Call, item: unknown): MsError | undefined {
  if (!isRecord(item)) return MS_ERROR.audienceIsNull;
  if (item.Id === undefined || item.Id === null) return MS_ERROR.audienceIdIsNull;
  const id = readId(item.Id);
  const audience = id === null ? undefined : ms.store.audience(id);
  if (!audience || !ms.store.isVisibleFrom(audience, call.account.id)) return MS_ERROR.invalidAudienceId;
  if (item.Type !== undefined && item.Type !== 'CustomerList') return MS_ERROR.audienceTypeMismatch;
  if (item.Scope !== undefined && item.Scope !== null && item.Scope !== audience.scope) return MS_ERROR.cannotChangeScope;
  const name = item.Name;
  if (name !== undefined && name !== null) {
    if (!isValidName(name)) return MS_ERROR.invalidAudienceName;
    if (ms.store.nameTaken(name, audience.customerId, audience.scope, audience.parentId, audience.id)) return MS_ERROR.duplicateAudienceName;
  }
  const description = item.Description;
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > MAX_DESCRIPTION_LENGTH)) {
    return MS_ERROR.invalidAudienceDescription;
  }
  const duration = item.MembershipDuration;
  if (duration !== undefined && duration !== null && !isValidMembershipDuration(duration)) return MS_ERROR.invalidMembershipDuration;
  ms.store.update(audience.id, {
    name: typeof name === 'string' ? name : undefined,
    description: typeof description === 'string' ? description : undefined,
    membershipDuration: typeof duration === 'number' ? duration : undefined,
  });
  return undefined;
}

function deleteAudiences(ms: MsContext, ctx: RequestContext, call: Call): Reply {
  const body = readBody(ctx);
  if (!body) return fault(ms, call, MS_ERROR.nullRequest);
  const rawIds = body.AudienceIds;
  if (!Array.isArray(rawIds) || rawIds.length === 0) return fault(ms, call, MS_ERROR.audienceIdsNullOrEmpty);
  if (rawIds.length > MAX_AUDIENCE_IDS_PER_CALL) return fault(ms, call, MS_ERROR.audienceIdsExceedsLimit);
  const errors: unknown[] = [];
  rawIds.forEach((raw: unknown, index) => {
    const id = readId(raw);
    const audience = id === null ? undefined : ms.store.audience(id);
    if (!audience || !ms.store.isVisibleFrom(audience, call.account.id)) errors.push(ms.wire.batchError(MS_ERROR.invalidAudienceId, index));
    else ms.store.delete(audience.id);
  });
  return ms.wire.partial({}, errors, call.trackingId);
}

const ACTIONS: ReadonlySet<string> = new Set<ApplyAction>(['Add', 'Remove', 'Replace']);

/**
 * ApplyCustomerListUserData (reference §4). Whole-call checks, in order: body, item count (>1,000),
 * audience (8000), ActionType (8001), sub type (8002), terms (8003/3913). Then each item: a lowercase
 * 64-hex SHA-256 or a PartialError 8004 at its Index (not applied; the others are).
 */
function applyUserData(ms: MsContext, ctx: RequestContext, call: Call): Reply {
  const body = readBody(ctx);
  const data = body?.CustomerListUserData;
  if (!isRecord(data)) return fault(ms, call, MS_ERROR.nullRequest);
  const items = data.CustomerListItems;
  if (!Array.isArray(items)) return fault(ms, call, MS_ERROR.emailOrCrmRequired);
  if (items.length > MAX_CUSTOMER_LIST_ITEMS) return fault(ms, call, MS_ERROR.batchLimitExceeded);

  const id = readId(data.AudienceId);
  const audience = id === null ? undefined : ms.store.audience(id);
  if (!audience || !ms.store.isVisibleFrom(audience, call.account.id)) return fault(ms, call, MS_ERROR.invalidCustomerListId);
  const action = data.ActionType;
  if (typeof action !== 'string' || !ACTIONS.has(action)) return fault(ms, call, MS_ERROR.invalidActionType);
  ms.calls.applyByAction[action as ApplyAction] += 1;
  // Email is the only supported identifier; CRM and Phone are "not currently supported" (reference §0).
  if (data.CustomerListItemSubType !== 'Email') return fault(ms, call, MS_ERROR.subTypeNotSupported);

  // true accepts and processes; false always fails; absent falls back to the web-UI acceptance (the switch).
  // Acceptance through the API is not remembered: the docs ask for it "in each API call".
  const accept = data.AcceptCustomerMatchTerm;
  if (accept === false || (accept !== true && !ms.switches.termsAccepted)) return fault(ms, call, termsError(ms));

  const valid: string[] = [];
  const errors: unknown[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (isLowerHex64(item)) valid.push(item);
    else errors.push(ms.wire.batchError(MS_ERROR.emailMustBeHashed, i)); // never echo the value
  }
  ms.store.apply(audience.id, action as ApplyAction, valid);
  return ms.wire.partial({}, errors, call.trackingId);
}

export function isLowerHex64(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}
