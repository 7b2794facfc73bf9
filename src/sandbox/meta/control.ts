/**
 * /_sandbox/meta/* — for other processes (demo, fault suites) that cannot reach the in-process API:
 * audiences, calls, the answer-shape switches, the ToS switch, queued throttles and Graph errors,
 * token expiry and revocation, sign-in codes.
 */
import { z } from 'zod';
import { json, parseJson } from '../reply';
import type { Handler, Router } from '../router';
import type { MetaContext } from './context';
import { issueCode } from './oauth-routes';
import { toRecord } from './store';

const switchesBody = z
  .object({
    requireAppSecret: z.boolean(),
    throttleStatus: z.number().int().min(200).max(599),
    authErrorStatus: z.number().int().min(200).max(599),
    usageHeader: z.enum(['X-Business-Use-Case-Usage', 'X-Business-Use-Case']),
    tosError: z.enum(['200/1870090', '100/1487390']),
    numbersAsStrings: z.boolean(),
    replaceAccountId: z.boolean(),
    samplesAsArray: z.boolean(),
    operationStatusWords: z.boolean(),
  })
  .partial()
  .strict();
const throttleBody = z.object({ code: z.number().int().default(80003), subcode: z.number().int().optional(), minutes: z.number().min(0).default(1), count: z.number().int().min(1).default(1) }).strict();
const faultBody = z.object({ code: z.number().int(), subcode: z.number().int().optional(), message: z.string().default('An unknown error occurred'), status: z.number().int().min(200).max(599).default(400), pathIncludes: z.string().optional(), count: z.number().int().min(1).default(1) }).strict();
const termsBody = z.object({ adAccountId: z.string(), accepted: z.boolean() }).strict();

export function registerControlRoutes(router: Router, meta: MetaContext): void {
  const control = (method: string, pattern: string, handler: Handler): void => router.add({ method, pattern: `/_sandbox/meta${pattern}`, kind: 'control', handler });
  const body = <T>(schema: z.ZodType<T>, raw: Buffer): { ok: true; value: T } | { ok: false; error: string } => {
    const parsed = raw.length ? parseJson(raw) : { ok: true as const, value: {} };
    const result = parsed.ok ? schema.safeParse(parsed.value) : undefined;
    return result?.success ? { ok: true, value: result.data } : { ok: false, error: result ? z.prettifyError(result.error) : 'body must be JSON' };
  };

  control('GET', '/audiences', () => json(200, { audiences: meta.store.all().map((audience) => ({ ...toRecord(audience), members: audience.members.size })) }));
  control('GET', '/audiences/:id/members', (ctx) => {
    const audience = meta.store.audience(ctx.params.id);
    if (!audience) return json(404, { error: 'unknown audience' });
    return json(200, { id: audience.id, count: audience.members.size, members: [...audience.members] });
  });
  control('GET', '/calls', () => json(200, meta.calls));
  control('GET', '/switches', () => json(200, meta.switches));
  control('POST', '/switches', (ctx) => {
    const parsed = body(switchesBody, ctx.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    Object.assign(meta.switches, parsed.value);
    return json(200, meta.switches);
  });
  // {"adAccountId","accepted"}: a person accepted (or not) the Custom Audience terms.
  control('POST', '/terms', (ctx) => {
    const parsed = body(termsBody, ctx.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    const account = meta.store.account(parsed.value.adAccountId);
    if (!account) return json(404, { error: 'unknown ad account' });
    account.tosAccepted = parsed.value.accepted;
    return json(200, { adAccountId: account.id, tosAccepted: account.tosAccepted });
  });
  // {"code"?: 80003, "subcode"?, "minutes"?: 1, "count"?: 1}: the next calls answer a throttle with the usage header.
  control('POST', '/throttle', (ctx) => {
    const parsed = body(throttleBody, ctx.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    const { count, ...spec } = parsed.value;
    meta.pending.throttles.push({ ...spec, remaining: count });
    return json(200, { throttles: meta.pending.throttles.length });
  });
  // {"code", "subcode"?, "message"?, "status"?, "pathIncludes"?, "count"?}: the next matching calls answer this Graph error.
  control('POST', '/graph-errors', (ctx) => {
    const parsed = body(faultBody, ctx.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    const { count, ...spec } = parsed.value;
    meta.pending.faults.push({ ...spec, remaining: count });
    return json(200, { faults: meta.pending.faults.length });
  });
  control('POST', '/expire-access-tokens', () => {
    for (const token of meta.tokens.values()) token.invalid = 463;
    return json(200, { ok: true });
  });
  control('POST', '/revoke-access-tokens', () => {
    for (const token of meta.tokens.values()) token.invalid = 460;
    return json(200, { ok: true });
  });
  control('POST', '/authorization-codes', (ctx) => {
    const parsed = body(z.object({ redirect_uri: z.string().optional() }).strict(), ctx.body);
    if (!parsed.ok) return json(400, { error: parsed.error });
    return json(200, { code: issueCode(meta, parsed.value.redirect_uri) });
  });
}
