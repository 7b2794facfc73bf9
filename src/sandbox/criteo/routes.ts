/**
 * Criteo Marketing Solutions API, audience-segments part (reference §4), under
 * `/{version}/marketing-solutions`. Every call passes, in order: the version check (410 retired, 404
 * unknown), Bearer auth (401 authorization-token-invalid|expired), the per-app quota (429), then the
 * portfolio check (403 access-control) — and, once past auth, carries the x-ratelimit-* headers.
 *
 * Where the reference is silent (§8.1, §8.3) the status and code are the sandbox's choice and say so
 * in a comment marked ASSUMPTION; clients should key on the HTTP status and the problem `type`.
 */
import { hostileName } from '../hostile';
import type { TokenSubject } from '../oauth';
import type { Handler, Reply, RequestContext, Router } from '../router';
import { effectiveCallsPerMinute, type CriteoContext } from './context';
import { accessDenied, apiError, audienceInvalid, criteoFaults, gatewayError, ok, problem, rateLimitHeaders, tooManyRequests, validation, type Problem } from './envelope';
import { CRITEO_SANDBOX } from './fixtures';
import { classifyIdentifiers, MAX_INVALID_SAMPLES } from './identifiers';
import { SEGMENT_CONFIG_KEYS, toResource, type Segment } from './store';

export const SEARCH_LIMIT = { min: 0, max: 100, default: 50 } as const;
const SUPPORTED_VERSIONS: ReadonlySet<string> = new Set(CRITEO_SANDBOX.supportedVersions);
const PREFIX = '/:version/marketing-solutions';

type AuthedHandler = (ctx: RequestContext, subject: TokenSubject) => Reply;

export function registerApiRoutes(router: Router, criteo: CriteoContext, errors: ReturnType<typeof criteoFaults>): void {
  const add = (method: string, pattern: string, handler: AuthedHandler): void =>
    router.add({ method, pattern: PREFIX + pattern, kind: 'api', errors, handler: guarded(criteo, handler) });

  add('GET', '/me', (ctx) => me(criteo, ctx));
  add('POST', '/audience-segments/search', (ctx, subject) => search(criteo, ctx, subject));
  add('POST', '/audience-segments/create', (ctx, subject) => create(criteo, ctx, subject));
  add('PATCH', '/audience-segments/:segmentId/contact-list', (ctx, subject) => amend(criteo, ctx, subject));
  add('DELETE', '/audience-segments/:segmentId/contact-list', (ctx, subject) =>
    withContactList(criteo, ctx, subject, (segment) => {
      criteo.calls.wipe += 1;
      criteo.store.wipe(segment.id);
      return ok({ data: { id: segment.id, type: 'AudienceContactlist' } });
    }),
  );
  add('GET', '/audience-segments/:segmentId/contact-list/statistics', (ctx, subject) =>
    withContactList(criteo, ctx, subject, (segment) => {
      criteo.calls.statistics += 1;
      return ok(statistics(criteo, segment));
    }),
  );
}

/**
 * ContactListStatisticsEntityV1Response. Matches are a deterministic 60 % (floor) of the identifiers;
 * matchRate is their share as a fraction or a percentage (setting). A list without identifiers has no
 * statistics yet: zeros, or — as the spec's nullable `data` and `data.attributes` allow — null ones.
 */
function statistics(criteo: CriteoContext, segment: Segment): Record<string, unknown> {
  const identifiers = segment.members.size;
  if (identifiers === 0 && criteo.settings.emptyStatistics === 'data-null') return { data: null };
  if (identifiers === 0 && criteo.settings.emptyStatistics === 'attributes-null') return { data: { id: segment.id, type: 'ContactlistStatistics', attributes: null } };
  const matches = Math.floor(identifiers * CRITEO_SANDBOX.matchRate);
  const share = identifiers === 0 ? 0 : matches / identifiers;
  const matchRate = criteo.settings.matchRate === 'percent' ? share * 100 : share;
  return { data: { id: segment.id, type: 'ContactlistStatistics', attributes: { numberOfIdentifiers: identifiers, numberOfMatches: matches, matchRate } } };
}

/** Version, Bearer, quota; then the handler, whose answer gets the x-ratelimit-* headers. */
function guarded(criteo: CriteoContext, handler: AuthedHandler): Handler {
  return (ctx) => {
    const version = ctx.params.version;
    if (criteo.settings.retiredVersions.has(version)) {
      return gatewayError(
        410,
        problem('deprecation', 'version-decommissioned', ctx.path, 'API version decommissioned', `Version ${version} is no longer available; use ${CRITEO_SANDBOX.apiVersion}`),
      );
    }
    if (!SUPPORTED_VERSIONS.has(version)) {
      // ASSUMPTION: an unknown version is a plain 404 at the gateway.
      return gatewayError(404, problem('unknown', 'not-found', ctx.path, 'Resource not found', `Unknown API version ${version}`));
    }

    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.headers.authorization ?? '');
    const check = bearer ? criteo.tokens.verifyAccessToken(bearer[1]) : undefined;
    if (!check?.ok) {
      const expired = check?.reason === 'expired';
      return gatewayError(
        401,
        problem('authorization', expired ? 'authorization-token-expired' : 'authorization-token-invalid', ctx.path, expired ? 'The authorization token has expired' : 'The authorization token is invalid'),
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    }

    // Reference §5: per app (client id). Authorization-code apps really get 10/min per consented
    // account, auto-scaled; the sandbox applies the one per-app quota to both grants.
    const limit = effectiveCallsPerMinute(criteo);
    let headers: Record<string, string> = {};
    if (limit !== undefined) {
      const quota = criteo.windows.take(check.subject.clientId, limit);
      headers = rateLimitHeaders(quota.limit, quota.remaining, quota.resetEpochSeconds);
      if (!quota.ok) {
        if (criteo.options.retryAfterOn429) headers['retry-after'] = String(quota.retryAfterSeconds);
        return tooManyRequests(ctx.path, headers);
      }
    }
    const reply = handler(ctx, check.subject);
    return limit === undefined ? reply : { ...reply, headers: { ...reply.headers, ...headers } };
  };
}

/** ApplicationSummaryModelResponse (CR-OAS): `data.type` and `data.attributes`, no `data.id`. */
function me(criteo: CriteoContext, _ctx: RequestContext): Reply {
  criteo.calls.me += 1;
  const app = CRITEO_SANDBOX.application;
  return ok({
    data: {
      // ASSUMPTION: the spec gives `type` no value; "Application" is the sandbox's choice.
      type: 'Application',
      attributes: { applicationId: app.applicationId, criteoService: app.criteoService, description: app.description, name: app.name, organizationId: app.organizationId },
    },
  });
}

function search(criteo: CriteoContext, ctx: RequestContext, subject: TokenSubject): Reply {
  criteo.calls.search += 1;
  const limit = intParam(ctx.query.get('limit'), SEARCH_LIMIT.default);
  if (limit === undefined || limit < SEARCH_LIMIT.min || limit > SEARCH_LIMIT.max) {
    // ASSUMPTION: code of a paging error (the spec gives only the 0..100 range).
    return validation(ctx.path, 'invalid-paging', 'Invalid paging', `limit must be an integer between ${SEARCH_LIMIT.min} and ${SEARCH_LIMIT.max}`);
  }
  const offset = intParam(ctx.query.get('offset'), 0);
  if (offset === undefined) return validation(ctx.path, 'invalid-paging', 'Invalid paging', 'offset must be a non-negative integer');

  // ASSUMPTION: the body is required (`{data:{attributes:{}}}` searches everything); a client sending
  // its filters elsewhere gets a 400 rather than an unfiltered answer.
  const body = readJson(ctx);
  const data = isObject(body) ? body.data : undefined;
  const attributes = isObject(data) ? data.attributes : undefined;
  if (!isObject(attributes)) return invalidBody(ctx, 'Body must be {"data":{"attributes":{…}}}');
  const filters: Record<'advertiserIds' | 'audienceSegmentIds' | 'audienceSegmentTypes', Set<string> | undefined> = {
    advertiserIds: undefined,
    audienceSegmentIds: undefined,
    audienceSegmentTypes: undefined,
  };
  for (const key of Object.keys(filters) as Array<keyof typeof filters>) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return invalidBody(ctx, `data.attributes.${key} must be an array of strings`);
    filters[key] = new Set(value as string[]);
  }

  const portfolio = criteo.store.portfolio(subject.userId);
  for (const id of filters.advertiserIds ?? []) {
    if (!portfolio.has(id)) return accessDenied(ctx.path, `Advertiser ${id} is not in the portfolio of this application`);
  }
  // Filters are ANDed; segment ids outside the portfolio simply match nothing.
  const matches: Array<Record<string, unknown>> = criteo.store
    .all({ advertiserIds: filters.advertiserIds ?? portfolio, ids: filters.audienceSegmentIds, types: filters.audienceSegmentTypes })
    .map(toResource);
  const nullEntry = nullSearchEntry(criteo, filters);
  if (nullEntry) matches.unshift(nullEntry);
  return ok({ data: matches.slice(offset, offset + limit), meta: { limit, offset, totalItems: matches.length } });
}

/**
 * The nullSearchEntry setting: one extra contact list of the fixture advertiser, first in every search that
 * could list it (no segment-id filter), counted in totalItems, with its `id`, `attributes` or
 * `attributes.name` null — all three are `nullable: true` in the spec's AudienceSegmentEntityV1Resource.
 */
function nullSearchEntry(criteo: CriteoContext, filters: { advertiserIds?: Set<string>; audienceSegmentIds?: Set<string>; audienceSegmentTypes?: Set<string> }): Record<string, unknown> | undefined {
  const mode = criteo.settings.nullSearchEntry;
  if (mode === 'off' || filters.audienceSegmentIds) return undefined;
  if (filters.advertiserIds && !filters.advertiserIds.has(CRITEO_SANDBOX.advertiserId)) return undefined;
  if (filters.audienceSegmentTypes && !filters.audienceSegmentTypes.has('ContactList')) return undefined;
  if (mode === 'attributes') return { id: CRITEO_SANDBOX.nullEntryId, type: 'AudienceSegment', attributes: null };
  const at = '2026-01-05T08:00:00.000Z';
  const attributes = {
    advertiserId: CRITEO_SANDBOX.advertiserId,
    name: mode === 'name' ? null : hostileName('Segment without an id'),
    description: null,
    type: 'ContactList',
    createdAt: at,
    updatedAt: at,
    contactList: { isReadOnly: true },
  };
  return { id: mode === 'id' ? null : CRITEO_SANDBOX.nullEntryId, type: 'AudienceSegment', attributes };
}

function create(criteo: CriteoContext, ctx: RequestContext, subject: TokenSubject): Reply {
  criteo.calls.create += 1;
  const body = readJson(ctx);
  const items = isObject(body) ? body.data : undefined;
  if (!Array.isArray(items) || items.length === 0) return invalidBody(ctx, 'Body must be {"data":[{"attributes":{…}}]} with at least one item');
  const parsed: Array<{ advertiserId: string; name: string; description: string | null; configKeys: string[]; config: unknown }> = [];
  for (const [i, item] of items.entries()) {
    const attributes = isObject(item) ? item.attributes : undefined;
    if (!isObject(item) || !isObject(attributes)) return invalidBody(ctx, `data[${i}].attributes must be an object`);
    if (item.type !== undefined && item.type !== 'AudienceSegment') return invalidBody(ctx, `data[${i}].type must be "AudienceSegment"`);
    const { advertiserId, name, description } = attributes;
    if (typeof advertiserId !== 'string' || advertiserId === '') return invalidBody(ctx, `data[${i}].attributes.advertiserId is required (a string)`);
    if (typeof name !== 'string') return invalidBody(ctx, `data[${i}].attributes.name is required (a string)`);
    if (description !== undefined && description !== null && typeof description !== 'string') return invalidBody(ctx, `data[${i}].attributes.description must be a string`);
    const configKeys = Object.keys(SEGMENT_CONFIG_KEYS).filter((k) => attributes[k] !== undefined && attributes[k] !== null);
    parsed.push({ advertiserId, name, description: description ?? null, configKeys, config: configKeys.length === 1 ? attributes[configKeys[0]] : undefined });
  }
  // Permission is request-level: one foreign advertiser refuses the whole request (ASSUMPTION: 403 as in search).
  const portfolio = criteo.store.portfolio(subject.userId);
  const foreign = parsed.find((p) => !portfolio.has(p.advertiserId));
  if (foreign) return accessDenied(ctx.path, `Advertiser ${foreign.advertiserId} is not in the portfolio of this application`);

  const created: Segment[] = [];
  const problems: Problem[] = [];
  for (const item of parsed) {
    if (item.name.trim() === '') {
      problems.push(problem('validation', 'name-must-not-be-empty', ctx.path, 'Segment name must not be empty'));
      continue;
    }
    if (item.configKeys.length !== 1 || !isObject(item.config)) {
      // ASSUMPTION: code for "set exactly one of contactList/inMarket/…" (reference §4).
      problems.push(
        problem('validation', 'segment-configuration-invalid', ctx.path, 'Invalid segment configuration', `Set exactly one of ${Object.keys(SEGMENT_CONFIG_KEYS).join(', ')} (an object)`),
      );
      continue;
    }
    if (criteo.settings.duplicateNameRaces.delete(item.name) && !criteo.store.findByName(item.advertiserId, item.name)) {
      criteo.store.create({ advertiserId: item.advertiserId, name: item.name, description: 'created concurrently by someone else' });
    }
    if (criteo.store.findByName(item.advertiserId, item.name)) {
      problems.push(problem('validation', 'name-must-be-unique', ctx.path, 'Segment name must be unique', `Another Segment exists with the name: ${item.name}`));
      continue;
    }
    const type = SEGMENT_CONFIG_KEYS[item.configKeys[0]];
    created.push(
      criteo.store.create({ advertiserId: item.advertiserId, name: item.name, description: item.description, type, config: type === 'ContactList' ? {} : (item.config as Record<string, unknown>) }),
    );
  }
  const data = created.map(toResource);
  // Reference §4/§8.4: Segment's mock answers 400 + errors; Criteo's partial-approval docs answer 200 +
  // warnings. Either way anything that could be created is (partial success = 200).
  if (criteo.settings.duplicateNameMode === '200-warning') return ok({ data, warnings: problems });
  if (created.length === 0) return apiError(400, problems);
  return ok({ data, errors: problems });
}

function amend(criteo: CriteoContext, ctx: RequestContext, subject: TokenSubject): Reply {
  return withContactList(criteo, ctx, subject, (segment) => {
    const body = readJson(ctx);
    const data = isObject(body) ? body.data : undefined;
    const attributes = isObject(data) ? data.attributes : undefined;
    if (!isObject(data) || !isObject(attributes)) return invalidBody(ctx, 'Body must be {"data":{"type":"ContactlistAmendment","attributes":{…}}}');
    if (data.type !== 'ContactlistAmendment') return invalidBody(ctx, 'data.type must be "ContactlistAmendment"');
    const operation = attributes.operation;
    if (operation !== 'add' && operation !== 'remove') return invalidBody(ctx, 'data.attributes.operation must be "add" or "remove"');
    criteo.calls[operation === 'add' ? 'patchAdd' : 'patchRemove'] += 1;
    // identifierType is optional in the spec (ContactlistAmendmentAttributes): absent or null is read as
    // email. ASSUMPTION: the sandbox simulates "email" only (madid, identityLink, gum and phoneNumber are
    // real values the exporter never sends), so any other value is refused.
    const identifierType = attributes.identifierType;
    if (identifierType !== undefined && identifierType !== null && identifierType !== 'email') {
      return validation(ctx.path, 'invalid-identifier-type', 'Invalid identifier type', 'data.attributes.identifierType must be "email" (the only type the sandbox simulates)');
    }
    const identifiers = attributes.identifiers;
    if (!Array.isArray(identifiers)) return invalidBody(ctx, 'data.attributes.identifiers must be an array');
    if (identifiers.length > CRITEO_SANDBOX.maxIdentifiersPerRequest) {
      // ASSUMPTION (reference §8.1): the real answer to an oversized batch is unknown (a 400 code or a 413).
      return validation(
        ctx.path,
        'too-many-identifiers',
        'Too many identifiers',
        `At most ${CRITEO_SANDBOX.maxIdentifiersPerRequest} identifiers per request; got ${identifiers.length}`,
      );
    }
    // Invalid identifiers are counted and sampled, never applied; an empty list is a valid no-op.
    const { valid, invalidCount, invalidSamples } = classifyIdentifiers(identifiers);
    criteo.store.amend(segment.id, operation, valid);
    return ok({
      data: {
        type: 'ContactlistAmendment',
        attributes: {
          contactListId: Number(segment.id),
          operation,
          requestDate: dotNetDate(new Date()),
          identifierType: 'email',
          nbValidIdentifiers: valid.length,
          nbInvalidIdentifiers: invalidCount,
          sampleInvalidIdentifiers: invalidSamples.slice(0, MAX_INVALID_SAMPLES),
        },
      },
    });
  });
}

/** 404 audience-invalid, 403 outside the portfolio, 400 when the segment has no contact list. */
function withContactList(criteo: CriteoContext, ctx: RequestContext, subject: TokenSubject, then: (segment: Segment) => Reply): Reply {
  const id = ctx.params.segmentId;
  const segment = criteo.store.segment(id);
  if (!segment) return audienceInvalid(id);
  if (!criteo.store.portfolio(subject.userId).has(segment.advertiserId)) {
    return accessDenied(ctx.path, `Audience segment ${id} belongs to an advertiser outside the portfolio of this application`);
  }
  if (segment.type !== 'ContactList') {
    // ASSUMPTION: a segment of another type has no contact list; answered as a validation error.
    return validation(ctx.path, 'segment-not-contact-list', 'Not a contact list', `Audience segment ${id} is of type ${segment.type}; only ContactList segments have a contact list`);
  }
  return then(segment);
}

function invalidBody(ctx: RequestContext, detail: string): Reply {
  // ASSUMPTION: the code of a malformed body (the spec documents only 200).
  return validation(ctx.path, 'invalid-request-body', 'Invalid request body', detail);
}

function readJson(ctx: RequestContext): unknown {
  try {
    return JSON.parse(ctx.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function intParam(raw: string | null, fallback: number): number | undefined {
  if (raw === null || raw === '') return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

/** "2018-12-10T10:00:50.0000000+00:00", the format of the reference's sample. */
function dotNetDate(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
