/**
 * Snapchat Marketing API, Customer List part (reference §2–§4): segments CRUD and member upload.
 * Every call passes Bearer auth and the rate limit first, then the ad-account ownership check (403 E3002).
 */
import { randomUUID } from 'node:crypto';
import type { TokenSubject } from '../oauth';
import { takeAll } from '../rate-limit';
import { hostileName } from '../hostile';
import { json, parseJson } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import type { SnapchatCalls, SnapContext } from './context';
import { SNAP_ERROR } from './envelope';
import { SNAPCHAT_SANDBOX } from './fixtures';
import { createSegmentsBody, describeIssues, updateSegmentsBody } from './schemas';
import { MAX_SEGMENTS_PER_ACCOUNT, toRecord, type Segment, type SnapSegmentRecord } from './store';
import { parseUsersBody } from './users';

/** Reference §2: `limit` must be 50..1000 (SnapAds4J); 50 when absent. */
export const PAGE_LIMIT = { min: 50, max: 1000, default: 50 } as const;

type AuthedHandler = (ctx: RequestContext, subject: TokenSubject) => Reply;

export function registerApiRoutes(router: Router, snap: SnapContext): void {
  const add = (method: string, pattern: string, counter: keyof SnapchatCalls, handler: AuthedHandler): void =>
    router.add({ method, pattern, kind: 'api', errors: snap.envelope.faults, handler: authed(snap, counter, handler) });

  add('GET', '/v1/me', 'me', () => me(snap));
  add('POST', '/v1/adaccounts/:adAccountId/segments', 'segmentsCreate', (ctx, subject) => createSegments(snap, ctx, subject));
  add('GET', '/v1/adaccounts/:adAccountId/segments', 'segmentsList', (ctx, subject) => listSegments(snap, ctx, subject));
  add('PUT', '/v1/adaccounts/:adAccountId/segments', 'segmentsUpdate', (ctx, subject) => updateSegments(snap, ctx, subject));
  add('GET', '/v1/segments/:segmentId', 'segmentsGet', (ctx, subject) =>
    withSegment(snap, ctx, subject, (segment) => snap.envelope.entities('segments', 'segment', [segmentJson(segment)])),
  );
  add('DELETE', '/v1/segments/:segmentId', 'segmentsDelete', (ctx, subject) =>
    withSegment(snap, ctx, subject, (segment) => {
      snap.store.delete(segment.id);
      return snap.envelope.empty('segments');
    }),
  );
  add('POST', '/v1/segments/:segmentId/users', 'usersPost', (ctx, subject) => changeUsers(snap, ctx, subject, 'add'));
  add('DELETE', '/v1/segments/:segmentId/users', 'usersDelete', (ctx, subject) => changeUsers(snap, ctx, subject, 'remove'));
  add('DELETE', '/v1/segments/:segmentId/all_users', 'allUsersDelete', (ctx, subject) =>
    withSegment(snap, ctx, subject, (segment) => snap.envelope.entities('segments', 'segment', [segmentJson(snap.store.clearMembers(segment.id))])),
  );
}

/**
 * Bearer check, then rate limit. A missing or unknown token gets the JSON envelope; an expired one
 * gets the plain-text `unauthorized` the real API sometimes sends, so clients must parse defensively.
 */
function authed(snap: SnapContext, counter: keyof SnapchatCalls, handler: AuthedHandler): Handler {
  return (ctx) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.headers.authorization ?? '');
    if (!bearer) {
      return snap.envelope.error(401, SNAP_ERROR.unauthorized, 'Missing or malformed Authorization header', { 'www-authenticate': 'Bearer' });
    }
    const check = snap.tokens.verifyAccessToken(bearer[1]);
    if (!check.ok) {
      return check.reason === 'expired'
        ? snap.envelope.plainUnauthorized({ 'www-authenticate': 'Bearer error="invalid_token"' })
        : snap.envelope.error(401, SNAP_ERROR.unauthorized, 'Invalid access token', { 'www-authenticate': 'Bearer error="invalid_token"' });
    }
    if (snap.options.rateLimit) {
      const taken = takeAll([
        [snap.perToken, bearer[1]],
        [snap.perApp, check.subject.clientId],
      ]);
      if (!taken.ok) return snap.envelope.rateLimited(snap.options.retryAfterOn429 ? taken.retryAfterSeconds : undefined);
    }
    snap.calls[counter] += 1;
    return handler(ctx, check.subject);
  };
}

/**
 * The authenticated user as SN-DOC Ads-API/user "Get Authenticated User" documents it: `{"me":{…}}`, no
 * `request_status` (and, on the current page, no `request_id`). The meEnvelope switch adds both back.
 */
function me(snap: SnapContext): Reply {
  const user = {
    id: SNAPCHAT_SANDBOX.userId,
    updated_at: ME_TIMESTAMP,
    created_at: ME_TIMESTAMP,
    email: SNAPCHAT_SANDBOX.email,
    organization_id: SNAPCHAT_SANDBOX.organizationId,
    display_name: SNAPCHAT_SANDBOX.displayName,
    member_status: 'MEMBER',
  };
  if (!snap.switches.meEnvelope) return json(200, { me: user });
  return json(200, { request_status: snap.envelope.word('SUCCESS'), request_id: randomUUID(), me: user });
}

/** A fixed account creation time: the fixture user has always existed. */
const ME_TIMESTAMP = '2024-01-15T09:30:00.000Z';

function ownsAccount(snap: SnapContext, subject: TokenSubject, adAccountId: string): boolean {
  return snap.store.account(adAccountId)?.ownerUserId === subject.userId;
}

function withSegment(snap: SnapContext, ctx: RequestContext, subject: TokenSubject, then: (segment: Segment) => Reply): Reply {
  const segment = snap.store.segment(ctx.params.segmentId);
  if (!segment) return snap.envelope.error(404, SNAP_ERROR.notFound, 'Segment not found');
  if (!ownsAccount(snap, subject, segment.adAccountId)) return snap.envelope.permissionDenied();
  return then(segment);
}

function badRequest(snap: SnapContext, code: string, message: string): Reply {
  return snap.envelope.error(400, code, message);
}

function createSegments(snap: SnapContext, ctx: RequestContext, subject: TokenSubject): Reply {
  const adAccountId = ctx.params.adAccountId;
  if (!ownsAccount(snap, subject, adAccountId)) return snap.envelope.permissionDenied();
  const body = parseJson(ctx.body);
  if (!body.ok) return badRequest(snap, SNAP_ERROR.badRequest, 'Request body is not valid JSON');
  const parsed = createSegmentsBody.safeParse(body.value);
  if (!parsed.success) return badRequest(snap, SNAP_ERROR.badRequest, describeIssues(parsed.error));
  const items = parsed.data.segments;
  const mismatch = items.findIndex((s) => s.ad_account_id !== undefined && s.ad_account_id !== adAccountId);
  if (mismatch >= 0) return badRequest(snap, SNAP_ERROR.badRequest, `segments.${mismatch}.ad_account_id does not match the ad account in the URL`);
  if (snap.store.countIn(adAccountId) + items.length > MAX_SEGMENTS_PER_ACCOUNT) {
    return badRequest(snap, SNAP_ERROR.tooManySegments, `An ad account holds at most ${MAX_SEGMENTS_PER_ACCOUNT} segments`);
  }
  const refused = takeSubRequestErrors(snap, 'segments', items.length);
  if (refused) return refused;
  // Duplicate names are allowed, as on Snapchat: finding an audience by name is the client's job.
  const created = items.map((s) =>
    snap.store.create({ adAccountId, name: s.name, description: s.description, retentionDays: s.retention_in_days }),
  );
  return snap.envelope.entities('segments', 'segment', created.map(segmentJson));
}

function listSegments(snap: SnapContext, ctx: RequestContext, subject: TokenSubject): Reply {
  const adAccountId = ctx.params.adAccountId;
  if (!ownsAccount(snap, subject, adAccountId)) return snap.envelope.permissionDenied();
  const rawLimit = ctx.query.get('limit');
  const limit = rawLimit === null ? PAGE_LIMIT.default : /^\d{1,7}$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= PAGE_LIMIT.min && limit <= PAGE_LIMIT.max)) {
    return badRequest(snap, SNAP_ERROR.badPaging, `limit must be between ${PAGE_LIMIT.min} and ${PAGE_LIMIT.max}`);
  }
  const rawCursor = ctx.query.get('cursor');
  const after = rawCursor === null ? undefined : decodeCursor(rawCursor);
  if (after === null) return badRequest(snap, SNAP_ERROR.badPaging, 'Invalid cursor');
  const { items, more } = snap.store.page(adAccountId, after, limit);
  const extra: Record<string, unknown> = {};
  if (more) {
    const cursor = encodeCursor(items[items.length - 1].id);
    const path = `/v1/adaccounts/${encodeURIComponent(adAccountId)}/segments`;
    extra.paging = { next_link: `${ctx.origin}${path}?cursor=${cursor}&limit=${limit}` };
  }
  return snap.envelope.entities('segments', 'segment', items.map(segmentJson), extra);
}

function updateSegments(snap: SnapContext, ctx: RequestContext, subject: TokenSubject): Reply {
  const adAccountId = ctx.params.adAccountId;
  if (!ownsAccount(snap, subject, adAccountId)) return snap.envelope.permissionDenied();
  const body = parseJson(ctx.body);
  if (!body.ok) return badRequest(snap, SNAP_ERROR.badRequest, 'Request body is not valid JSON');
  const parsed = updateSegmentsBody.safeParse(body.value);
  if (!parsed.success) return badRequest(snap, SNAP_ERROR.badRequest, describeIssues(parsed.error));
  const items = parsed.data.segments;
  // Validate every item before changing any, so a refused request changes nothing.
  for (const [i, item] of items.entries()) {
    const segment = snap.store.segment(item.id);
    if (!segment || segment.adAccountId !== adAccountId) return badRequest(snap, SNAP_ERROR.badRequest, `segments.${i}.id is not a segment of this ad account`);
    // Vendors report retention as fixed at creation (reference §3); resending the same value is fine.
    if (item.retention_in_days !== undefined && item.retention_in_days !== segment.retentionDays) {
      return badRequest(snap, SNAP_ERROR.immutableField, `segments.${i}.retention_in_days cannot be changed after creation`);
    }
  }
  const refused = takeSubRequestErrors(snap, 'segments', items.length);
  if (refused) return refused;
  const updated = items.map((item) => snap.store.update(item.id, { name: item.name, description: item.description }));
  return snap.envelope.entities('segments', 'segment', updated.map(segmentJson));
}

const USERS_ERROR: Record<'body' | 'tooMany' | 'schema' | 'identifier', string> = {
  body: SNAP_ERROR.badRequest,
  tooMany: SNAP_ERROR.tooManyIdentifiers,
  schema: SNAP_ERROR.badSchema,
  identifier: SNAP_ERROR.badIdentifier,
};

function changeUsers(snap: SnapContext, ctx: RequestContext, subject: TokenSubject, op: 'add' | 'remove'): Reply {
  return withSegment(snap, ctx, subject, (segment) => {
    const parsed = parseUsersBody(ctx.body, segment.id);
    if (!parsed.ok) return badRequest(snap, USERS_ERROR[parsed.kind], parsed.message);
    const refused = takeSubRequestErrors(snap, 'users', parsed.items.length);
    if (refused) return refused;
    for (const item of parsed.items) snap.store.applyRows(segment.id, item.rows, op);
    // number_uploaded_users counts accepted rows, not matches or changes (reference §4).
    return snap.envelope.entities(
      'users',
      'user',
      parsed.items.map((item) => ({ number_uploaded_users: item.rows.length })),
    );
  });
}

/** A segment as the API shows it: the store's record, its name made hostile when hostile names are on. */
function segmentJson(segment: Segment): SnapSegmentRecord {
  const record = toRecord(segment);
  return { ...record, name: hostileName(record.name) };
}

/** When failNextSubRequests is pending: a 200 whose every item failed, and nothing applied. */
function takeSubRequestErrors(snap: SnapContext, collection: string, count: number): Reply | undefined {
  if (snap.pending.subRequestErrors <= 0) return undefined;
  snap.pending.subRequestErrors -= 1;
  return snap.envelope.subRequestErrors(collection, count, `${SNAP_ERROR.badRequest}: the sub-request was refused (injected by the sandbox)`);
}

/** Cursors are opaque to clients; here they carry the last segment id of the previous page. */
function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string | null {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d{1,30}$/.test(id) ? id : null;
}
