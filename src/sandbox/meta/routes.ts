/**
 * Meta Graph API, customer-list Custom Audience part (reference §1–§6): debug_token, the ad account's
 * terms, audience listing (cursor paging) and creation (500 cap), reading an audience, and member
 * upload through `/users` and `/usersreplace` sessions. Every call passes the token (Bearer header or
 * `access_token`), the optional `appsecret_proof`, the API version and the ad account's throttle first.
 */
import { createHmac } from 'node:crypto';
import { hostileName } from '../hostile';
import { json, parseJson } from '../reply';
import type { Handler, Reply, RequestContext, Router } from '../router';
import type { MetaCalls, MetaContext, MetaToken } from './context';
import { graphError, metaFaults, usageHeader } from './envelope';
import { META_SANDBOX } from './fixtures';
import type { MetaAccount, MetaAudience, UploadSessionState } from './store';

type Params = Record<string, unknown>;
interface Authed {
  readonly token: string;
  readonly subject: MetaToken;
  readonly params: Params;
}
type AuthedHandler = (ctx: RequestContext, auth: Authed) => Reply;

const HEX64 = /^[0-9a-f]{64}$/;

export function registerApiRoutes(router: Router, meta: MetaContext): void {
  const errors = metaFaults();
  const add = (method: string, pattern: string, counter: keyof MetaCalls | undefined, handler: AuthedHandler): void => {
    for (const version of META_SANDBOX.routedVersions) {
      router.add({ method, pattern: pattern.replace('/:version/', `/${version}/`), kind: 'api', errors, handler: (ctx) => authed(meta, counter, handler)({ ...ctx, params: { ...ctx.params, version } }) });
    }
  };

  add('GET', '/:version/debug_token', 'debugToken', (_ctx, auth) => debugToken(meta, auth));
  add('GET', '/:version/:node/customaudiences', 'audiencesList', (ctx, auth) => withAccount(meta, ctx, auth, (account) => listAudiences(meta, ctx, auth, account)));
  add('POST', '/:version/:node/customaudiences', 'audiencesCreate', (ctx, auth) => withAccount(meta, ctx, auth, (account) => createAudience(meta, auth, account)));
  add('POST', '/:version/:node/users', undefined, (ctx, auth) => withAudience(meta, ctx, auth, (audience) => users(meta, auth, audience, String(auth.params.method ?? '').toUpperCase() === 'DELETE' ? 'remove' : 'add')));
  add('DELETE', '/:version/:node/users', undefined, (ctx, auth) => withAudience(meta, ctx, auth, (audience) => users(meta, auth, audience, 'remove')));
  add('POST', '/:version/:node/usersreplace', 'usersReplace', (ctx, auth) => withAudience(meta, ctx, auth, (audience) => usersReplace(meta, auth, audience)));
  add('GET', '/:version/:node', undefined, (ctx, auth) => {
    const node = ctx.params.node;
    if (node.startsWith('act_')) {
      meta.calls.adAccount += 1;
      return withAccount(meta, ctx, auth, (account) => adAccount(meta, auth, account));
    }
    meta.calls.audienceGet += 1;
    return withAudience(meta, ctx, auth, (audience) => ok(meta, audience.adAccountId, audienceJson(meta, audience, auth.params)));
  });
}

/** Query, then body (JSON, or a form whose object fields are JSON text), merged: Graph reads parameters from either. */
export function readParams(ctx: RequestContext): Params | undefined {
  const params: Params = Object.fromEntries(ctx.query.entries());
  if (ctx.body.length === 0) return params;
  const type = String(ctx.headers['content-type'] ?? '');
  if (type.includes('application/json')) {
    const body = parseJson(ctx.body);
    if (!body.ok || typeof body.value !== 'object' || body.value === null || Array.isArray(body.value)) return undefined;
    return { ...params, ...(body.value as Params) };
  }
  for (const [key, value] of new URLSearchParams(ctx.body.toString('utf8'))) {
    params[key] = /^[[{]/.test(value) ? (parseJsonText(value) ?? value) : value;
  }
  return params;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Version, token, proof, throttle — in Graph's order. An unknown token is 190 without subcode, an
 * expired one 190/463, a revoked one 190/460; the status is the `authErrorStatus` switch (not a signal).
 */
function authed(meta: MetaContext, counter: keyof MetaCalls | undefined, handler: AuthedHandler): Handler {
  return (ctx) => {
    const version = /^v(\d+)\.\d+$/.exec(ctx.params.version ?? '');
    if (!version) return graphError(400, { code: 2500, message: `Unknown path components: /${ctx.params.version}`, type: 'OAuthException' });
    if (Number(version[1]) < META_SANDBOX.oldestVersion) return graphError(400, { code: 2635, message: `You are calling a deprecated version of the Ads API. Please update to the latest version: ${META_SANDBOX.apiVersion}.` });
    const params = readParams(ctx);
    if (!params) return graphError(400, { code: 100, message: 'Invalid JSON in the request body', type: 'GraphMethodException' });
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.headers.authorization ?? '');
    const token = bearer?.[1] ?? (typeof params.access_token === 'string' ? params.access_token : undefined);
    const status = meta.switches.authErrorStatus;
    if (!token) return graphError(status, { code: 104, message: 'An access token is required to request this resource.' });
    // debug_token may be called with the app token `{app-id}|{app-secret}`.
    const appToken = token === `${META_SANDBOX.appId}|${META_SANDBOX.appSecret}`;
    const subject = appToken ? undefined : meta.tokens.get(token);
    if (!appToken) {
      if (!subject) return graphError(status, { code: 190, message: 'Invalid OAuth access token - Cannot parse access token' });
      if (subject.invalid === 460) return graphError(status, { code: 190, subcode: 460, message: 'Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.' });
      const expired = subject.invalid === 463 || (subject.expiresAt > 0 && subject.expiresAt * 1000 <= Date.now());
      if (expired) return graphError(status, { code: 190, subcode: 463, message: 'Error validating access token: Session has expired.' });
      const proof = typeof params.appsecret_proof === 'string' ? params.appsecret_proof : undefined;
      const expected = createHmac('sha256', META_SANDBOX.appSecret).update(token).digest('hex');
      if (proof !== undefined && proof !== expected) return graphError(400, { code: 100, message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException' });
      if (proof === undefined && meta.switches.requireAppSecret) return graphError(400, { code: 100, message: 'API calls from the server require an appsecret_proof argument', type: 'GraphMethodException' });
    } else if (ctx.params.node !== undefined) {
      return graphError(400, { code: 190, message: 'An app access token cannot be used for this request' });
    }
    const fault = takeFault(meta, ctx.path);
    if (fault) return fault;
    const throttled = throttle(meta, ctx);
    if (throttled) return throttled;
    if (counter) meta.calls[counter] += 1;
    return handler(ctx, { token, subject: subject ?? { type: 'USER', userId: META_SANDBOX.appId, issuedAt: 0, expiresAt: 0 }, params });
  };
}

/** One-shot Graph errors queued by the controls (a 1/99 for an oversized upload, a 368, …). */
function takeFault(meta: MetaContext, path: string): Reply | undefined {
  const index = meta.pending.faults.findIndex((fault) => fault.pathIncludes === undefined || path.includes(fault.pathIncludes));
  if (index < 0) return undefined;
  const fault = meta.pending.faults[index];
  fault.remaining -= 1;
  if (fault.remaining <= 0) meta.pending.faults.splice(index, 1);
  return graphError(fault.status, { code: fault.code, subcode: fault.subcode, message: fault.message, transient: fault.code === 2 ? true : undefined });
}

/** The ad account a request touches: `act_{id}` in the path, or the owner of the audience in the path. */
function accountOf(meta: MetaContext, ctx: RequestContext): string | undefined {
  const node = ctx.params.node;
  if (!node) return undefined;
  if (node.startsWith('act_')) return node.slice(4);
  return meta.store.audience(node)?.adAccountId;
}

/** Queued throttles first, then the account's hourly bucket (when rate limiting is on). */
function throttle(meta: MetaContext, ctx: RequestContext): Reply | undefined {
  const account = accountOf(meta, ctx);
  const queued = meta.pending.throttles[0];
  if (queued) {
    queued.remaining -= 1;
    if (queued.remaining <= 0) meta.pending.throttles.shift();
    const headers = usageHeader(meta.switches.usageHeader, account ?? META_SANDBOX.adAccountId, 100, queued.minutes);
    return graphError(meta.switches.throttleStatus, { code: queued.code, subcode: queued.subcode, message: throttleMessage(queued.code) }, headers);
  }
  if (!account || !meta.options.rateLimit) return undefined;
  const bucket = meta.perAccount.refill(account, Date.now());
  if (bucket.tokens < 1) {
    const minutes = Math.max(1, Math.ceil((1 - bucket.tokens) / meta.perAccount.rule.ratePerSecond / 60));
    return graphError(meta.switches.throttleStatus, { code: 80003, subcode: 2446079, message: throttleMessage(80003) }, usageHeader(meta.switches.usageHeader, account, 100, minutes));
  }
  bucket.tokens -= 1;
  return undefined;
}

function throttleMessage(code: number): string {
  switch (code) {
    case 4:
      return 'Application request limit reached';
    case 17:
      return 'User request limit reached';
    case 341:
      return 'Application limit reached';
    case 613:
      return 'Calls to this api have exceeded the rate limit.';
    default:
      return 'There have been too many calls to this ad-account. Wait a bit and try again.';
  }
}

/** A successful answer, with the account's usage header. */
function ok(meta: MetaContext, adAccountId: string, value: unknown): Reply {
  const used = meta.options.rateLimit ? 100 * (1 - meta.perAccount.refill(adAccountId, Date.now()).tokens / meta.perAccount.rule.burst) : 0;
  return json(200, value, usageHeader(meta.switches.usageHeader, adAccountId, used, 0));
}

function withAccount(meta: MetaContext, ctx: RequestContext, _auth: Authed, then: (account: MetaAccount) => Reply): Reply {
  const node = ctx.params.node;
  const account = node.startsWith('act_') ? meta.store.account(node) : undefined;
  if (!account || !account.assigned) return objectMissing(node);
  return then(account);
}

function withAudience(meta: MetaContext, ctx: RequestContext, _auth: Authed, then: (audience: MetaAudience) => Reply): Reply {
  const audience = meta.store.audience(ctx.params.node);
  const account = audience ? meta.store.account(audience.adAccountId) : undefined;
  if (!audience || !account?.assigned) return objectMissing(ctx.params.node);
  expireReplace(meta, audience);
  return then(audience);
}

/** `100/33`: the object does not exist, or the token's user may not see it (reference §6). */
function objectMissing(node: string): Reply {
  return graphError(400, {
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
    message: `Unsupported get request. Object with ID '${node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  });
}

function debugToken(meta: MetaContext, auth: Authed): Reply {
  const input = typeof auth.params.input_token === 'string' ? auth.params.input_token : '';
  const token = meta.tokens.get(input);
  const now = Math.floor(Date.now() / 1000);
  if (!token) return json(200, { data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' }, scopes: [] } });
  const valid = !token.invalid && (token.expiresAt === 0 || token.expiresAt > now);
  return json(200, {
    data: {
      app_id: META_SANDBOX.appId,
      type: token.type,
      application: 'Sandbox Audience Export',
      data_access_expires_at: token.expiresAt === 0 ? 0 : token.expiresAt + 30 * 86400,
      expires_at: token.expiresAt,
      is_valid: valid,
      issued_at: token.issuedAt,
      scopes: META_SANDBOX.scope.split(','),
      user_id: token.userId,
    },
  });
}

function adAccount(meta: MetaContext, auth: Authed, account: MetaAccount): Reply {
  const fields = String(auth.params.fields ?? 'id').split(',');
  const value: Record<string, unknown> = { id: `act_${account.id}` };
  if (fields.includes('name')) value.name = account.name;
  if (fields.includes('account_id')) value.account_id = account.id;
  // Reference §1: `{"tos_accepted":{"custom_audience_tos":1}}`; an account without accepted terms shows an empty map.
  if (fields.includes('tos_accepted')) value.tos_accepted = account.tosAccepted ? { custom_audience_tos: 1 } : {};
  return ok(meta, account.id, value);
}

/** Cursor paging (reference §2): `limit` (default 25), `after`; `paging.next` only when more follow. */
function listAudiences(meta: MetaContext, ctx: RequestContext, auth: Authed, account: MetaAccount): Reply {
  const limit = auth.params.limit === undefined ? 25 : Number(auth.params.limit);
  if (!Number.isInteger(limit) || limit < 1) return graphError(400, { code: 100, message: '(#100) param limit must be a positive integer', type: 'OAuthException' });
  if (limit > 500) return graphError(500, { code: 1, message: 'Please reduce the amount of data you\'re asking for, then retry your request' });
  const all = meta.store.all(account.id);
  const after = typeof auth.params.after === 'string' ? decodeCursor(auth.params.after) : 0;
  const page = all.slice(after, after + limit);
  const fields = String(auth.params.fields ?? 'id').split(',');
  const data = page.map((audience) => {
    const entry: Record<string, unknown> = { id: audience.id };
    if (fields.includes('name')) entry.name = hostileName(audience.name);
    if (fields.includes('subtype')) entry.subtype = audience.subtype;
    return entry;
  });
  const more = after + limit < all.length;
  const paging = page.length > 0 ? { cursors: { before: encodeCursor(after), after: encodeCursor(after + page.length) }, ...(more ? { next: nextLink(ctx, encodeCursor(after + page.length)) } : {}) } : undefined;
  return ok(meta, account.id, { data, ...(paging ? { paging } : {}) });
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : 0;
}

function nextLink(ctx: RequestContext, after: string): string {
  const query = new URLSearchParams(ctx.query);
  query.delete('access_token');
  query.set('after', after);
  return `${ctx.origin}${ctx.path}?${query.toString()}`;
}

const FILE_SOURCES = new Set(['USER_PROVIDED_ONLY', 'PARTNER_PROVIDED_ONLY', 'BOTH_USER_AND_PARTNER_PROVIDED']);

function createAudience(meta: MetaContext, auth: Authed, account: MetaAccount): Reply {
  const { name, subtype, customer_file_source: source, description } = auth.params;
  if (!account.tosAccepted) return termsError(meta);
  if (typeof name !== 'string' || name.trim() === '') return graphError(400, { code: 100, message: '(#100) The parameter name is required', type: 'OAuthException' });
  if (subtype !== undefined && subtype !== 'CUSTOM') return graphError(400, { code: 100, message: '(#100) This sandbox creates customer-list audiences only (subtype CUSTOM)' });
  if (source !== undefined && (typeof source !== 'string' || !FILE_SOURCES.has(source))) return graphError(400, { code: 100, message: '(#100) Param customer_file_source must be one of {USER_PROVIDED_ONLY, PARTNER_PROVIDED_ONLY, BOTH_USER_AND_PARTNER_PROVIDED}' });
  // ASSUMPTION: the code of the 500-audience cap is not in the sources read (reference §2 states only the cap).
  if (meta.store.all(account.id).filter((audience) => audience.subtype === 'CUSTOM').length >= META_SANDBOX.maxAudiences) {
    return graphError(400, { code: 2654, subcode: 1713092, message: 'Failed to create custom audience: you have reached the maximum of 500 customer-list audiences for this ad account', userTitle: 'Audience limit reached' });
  }
  const audience = meta.store.create({ adAccountId: account.id, name, subtype: 'CUSTOM', customerFileSource: typeof source === 'string' ? source : undefined, description: typeof description === 'string' ? description : undefined });
  return ok(meta, account.id, { id: audience.id });
}

function termsError(meta: MetaContext): Reply {
  if (meta.switches.tosError === '100/1487390') return graphError(400, { code: 100, subcode: 1487390, message: 'You must accept the Custom Audience Terms of Service' });
  return graphError(403, { code: 200, subcode: 1870090, message: 'Permissions error', userTitle: 'Custom Audience Terms Not Accepted', userMessage: 'You need to accept the Custom Audience Terms before you can create or edit an audience.' });
}

/** Reference §5: size bounds (a range around the count), operation and delivery status. */
function audienceJson(meta: MetaContext, audience: MetaAudience, params: Params): Record<string, unknown> {
  const size = audience.members.size;
  const replacing = Boolean(audience.replace && !audience.replace.session.finished);
  const words = meta.switches.operationStatusWords;
  const operation = replacing
    ? { code: words ? 'replace_in_progress' : 414, description: 'Replace in progress' }
    : audience.lastReplaceFailed
      ? { code: words ? 'replace_error' : 415, description: 'Replace failed' }
      : { code: 200, description: 'Normal' };
  const delivery = size >= 100 ? { code: 200, description: 'This audience is ready for use.' } : { code: 300, description: 'This audience is too small to be used.' };
  const all: Record<string, unknown> = {
    id: audience.id,
    name: hostileName(audience.name),
    subtype: audience.subtype,
    approximate_count_lower_bound: Math.floor(size * 0.9),
    approximate_count_upper_bound: Math.ceil(size * 1.1),
    operation_status: operation,
    delivery_status: delivery,
    customer_file_source: audience.customerFileSource,
    data_source: audience.dataSource ? { type: 'FILE_IMPORTED', sub_type: audience.dataSource } : { type: 'UNKNOWN' },
    time_content_updated: Math.floor(Date.now() / 1000),
  };
  const fields = String(params.fields ?? 'id').split(',');
  return Object.fromEntries(Object.entries(all).filter(([key]) => key === 'id' || fields.includes(key)));
}

interface Upload {
  readonly rows: string[];
  readonly source: 'HASHES' | 'MULTI_HASHES';
  readonly session?: { readonly id: string; readonly seq: number; readonly last: boolean };
}

/**
 * The payload (reference §3): `schema` `EMAIL_SHA256` with flat or one-element rows, or `["EMAIL"]`
 * with one-element rows; more than 10,000 rows is `1/99`, the real "unknown error" seen at 30,000.
 */
function readUpload(params: Params): Upload | Reply {
  const payload = typeof params.payload === 'string' ? parseJsonText(params.payload) : params.payload;
  if (typeof payload !== 'object' || payload === null) return graphError(400, { code: 100, message: '(#100) The parameter payload is required' });
  const { schema, data } = payload as { schema?: unknown; data?: unknown };
  const multi = Array.isArray(schema);
  if (multi ? !(schema.length === 1 && schema[0] === 'EMAIL') : schema !== 'EMAIL_SHA256') {
    return graphError(400, { code: 100, message: '(#100) Data is missing or does not match schema: use EMAIL_SHA256 or ["EMAIL"]' });
  }
  if (!Array.isArray(data) || data.length === 0) return graphError(400, { code: 100, message: '(#100) Data is missing or does not match schema' });
  if (data.length > META_SANDBOX.maxRows) return graphError(500, { code: 1, subcode: 99, message: 'An unknown error occurred' });
  const rows: string[] = [];
  for (const row of data) {
    const value = Array.isArray(row) ? (row.length === 1 ? row[0] : undefined) : multi ? undefined : row;
    if (typeof value !== 'string') return graphError(400, { code: 100, message: '(#100) Data is missing or does not match schema' });
    rows.push(value);
  }
  const session = typeof params.session === 'string' ? parseJsonText(params.session) : params.session;
  let parsedSession: Upload['session'];
  if (session !== undefined) {
    const s = session as { session_id?: unknown; batch_seq?: unknown; last_batch_flag?: unknown };
    const id = typeof s.session_id === 'number' || typeof s.session_id === 'string' ? String(s.session_id) : '';
    const seq = Number(s.batch_seq);
    if (!/^[1-9]\d{0,18}$/.test(id) || !Number.isInteger(seq) || seq < 1) return graphError(400, { code: 100, message: '(#100) session must have a positive session_id and batch_seq' });
    parsedSession = { id, seq, last: s.last_batch_flag === true || s.last_batch_flag === 'true' };
  }
  return { rows, source: multi ? 'MULTI_HASHES' : 'HASHES', session: parsedSession };
}

function dataSourceClash(audience: MetaAudience, source: 'HASHES' | 'MULTI_HASHES'): Reply | undefined {
  if (!audience.dataSource || audience.dataSource === source) return undefined;
  const created = audience.dataSource === 'MULTI_HASHES' ? 'FILE_IMPORTED.MULTI_HASHES' : 'FILE_IMPORTED.HASHES_OR_USER_IDS';
  const wanted = source === 'MULTI_HASHES' ? 'FILE_IMPORTED.MULTI_HASHES' : 'FILE_IMPORTED.HASHES_OR_USER_IDS';
  return graphError(400, { code: 2650, message: `(#2650) Failed to update the custom audience: This audience was created from data source ${created}, which does not support data source ${wanted}` });
}

function uploadAnswer(meta: MetaContext, audience: MetaAudience, session: UploadSessionState, invalidSamples: string[], replace: boolean): Reply {
  const n = (value: number): number | string => (meta.switches.numbersAsStrings ? String(value) : value);
  const samples = meta.switches.samplesAsArray ? invalidSamples.slice(0, 100) : Object.fromEntries(invalidSamples.slice(0, 100).map((sample, i) => [String(i), sample]));
  const idKey = replace && meta.switches.replaceAccountId ? { account_id: audience.adAccountId } : { audience_id: audience.id };
  return ok(meta, audience.adAccountId, { ...idKey, session_id: meta.switches.numbersAsStrings ? session.id : Number(session.id), num_received: n(session.received), num_invalid_entries: n(session.invalid), invalid_entry_samples: samples });
}

function users(meta: MetaContext, auth: Authed, audience: MetaAudience, action: 'add' | 'remove'): Reply {
  meta.calls[action === 'add' ? 'usersAdd' : 'usersRemove'] += 1;
  const account = meta.store.account(audience.adAccountId);
  if (!account?.tosAccepted) return termsError(meta);
  if (audience.replace && !audience.replace.session.finished) {
    return graphError(400, { code: 2650, subcode: 1870145, message: '(#2650) Failed to update the custom audience', userTitle: 'Audience Update In Progress', userMessage: 'A replace is running on this audience: wait until it has finished.' });
  }
  const upload = readUpload(auth.params);
  if ('status' in upload) return upload;
  const clash = dataSourceClash(audience, upload.source);
  if (clash) return clash;
  // Sessions are optional on /users (reference §9 #1): without one, Meta still answers a session id.
  const sessionId = upload.session?.id ?? String(Date.now());
  let session = audience.sessions.get(sessionId);
  if (session && session.finished) {
    return graphError(400, { code: 2650, subcode: 1870159, message: '(#2650) Failed to update the custom audience', userTitle: 'Session Finished', userMessage: 'This upload session has already received its last batch.' });
  }
  if (!session) {
    session = { id: sessionId, edge: 'users', startedAt: Date.now(), received: 0, invalid: 0, finished: false, batches: 0 };
    audience.sessions.set(sessionId, session);
  }
  const invalid: string[] = [];
  for (const row of upload.rows) {
    const hash = row.trim().toLowerCase();
    if (!HEX64.test(hash)) {
      invalid.push(row.slice(0, 80));
      continue;
    }
    if (action === 'add') audience.members.add(hash);
    else audience.members.delete(hash);
  }
  audience.dataSource ??= upload.source;
  session.received += upload.rows.length;
  session.invalid += invalid.length;
  session.batches += 1;
  if (upload.session?.last) session.finished = true;
  return uploadAnswer(meta, audience, { ...session, received: session.received, invalid: invalid.length }, invalid, false);
}

/** A replace whose 90-minute window passed: the audience keeps what arrived (reference §4, 1870158). */
function expireReplace(meta: MetaContext, audience: MetaAudience): void {
  const replace = audience.replace;
  if (!replace || replace.session.finished || Date.now() - replace.session.startedAt < meta.replaceWindowMs) return;
  replace.session.finished = true;
  audience.members = replace.members;
  audience.lastReplaceFailed = true;
}

/**
 * The replace session (reference §4): `batch_seq` 1 starts it (and may be re-sent while the session
 * is open), later batches may repeat or skip numbers but never be 1 of another session, the last flag
 * ends it; the members are swapped when it ends. Errors are `2650` with the Guide's subcodes.
 */
function usersReplace(meta: MetaContext, auth: Authed, audience: MetaAudience): Reply {
  const account = meta.store.account(audience.adAccountId);
  if (!account?.tosAccepted) return termsError(meta);
  if (audience.subtype !== 'CUSTOM') return graphError(400, { code: 100, message: '(#100) Replace works on customer-list audiences only' });
  const upload = readUpload(auth.params);
  if ('status' in upload) return upload;
  if (!upload.session) return graphError(400, { code: 100, message: '(#100) The parameter session is required' });
  const clash = dataSourceClash(audience, upload.source);
  if (clash) return clash;
  const { id, seq, last } = upload.session;
  const replace2650 = (subcode: number, title: string, message: string): Reply => graphError(400, { code: 2650, subcode, message: '(#2650) Failed to update the custom audience', userTitle: title, userMessage: message });
  const open = audience.replace && !audience.replace.session.finished ? audience.replace : undefined;
  const known = audience.sessions.get(id);
  if (known?.edge === 'replace' && known.finished) {
    return audience.lastReplaceFailed && known === audience.replace?.session
      ? replace2650(1870158, 'Replace Session Timed Out', 'The replace session timed out; the audience was replaced with what was uploaded so far.')
      : replace2650(1870159, 'Replace Session Finished', 'This replace session has already received its last batch.');
  }
  if (seq === 1) {
    if (open && open.session.id !== id) return replace2650(1870145, 'Audience Update In Progress', 'Another replace is running on this audience.');
    const session: UploadSessionState = { id, edge: 'replace', startedAt: open?.session.startedAt ?? Date.now(), received: 0, invalid: 0, finished: false, batches: 0 };
    audience.sessions.set(id, session);
    audience.replace = { session, members: new Set() };
    audience.lastReplaceFailed = false;
  } else if (!open || open.session.id !== id) {
    return replace2650(1870147, 'Invalid Upload Batch', 'The first batch of a replace session must have batch_seq 1.');
  }
  const current = audience.replace;
  if (!current) return replace2650(1870148, 'Something Went Wrong', 'The audience was not fully updated; retry.');
  const invalid: string[] = [];
  for (const row of upload.rows) {
    const hash = row.trim().toLowerCase();
    if (HEX64.test(hash)) current.members.add(hash);
    else invalid.push(row.slice(0, 80));
  }
  audience.dataSource ??= upload.source;
  current.session.received += upload.rows.length;
  current.session.invalid += invalid.length;
  current.session.batches += 1;
  if (last) {
    current.session.finished = true;
    audience.members = current.members;
  }
  return uploadAnswer(meta, audience, { ...current.session, invalid: invalid.length }, invalid, true);
}
