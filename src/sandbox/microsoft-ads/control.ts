/**
 * /_sandbox/microsoft-ads/* — for other processes (demo, fault suites) that cannot reach the in-process
 * API. Audience listings carry member counts only; the member list has its own route (tests).
 */
import { z } from 'zod';
import { json, parseJson } from '../reply';
import type { Handler, RequestContext, Router } from '../router';
import { registerTokenControls } from '../token-controls';
import { FIXTURE_SUBJECT, type MsContext } from './context';
import { toRecord } from './store';

const switchesBody = z
  .object({
    termsAccepted: z.boolean(),
    termsErrorCode: z.union([z.literal(8003), z.literal(3913)]),
    termsRequiredForCreate: z.boolean(),
    callRateLimit: z.number().int().min(0).nullable(),
    throttleStatus: z.union([z.literal(429), z.literal(400)]),
    idsAsNumbers: z.boolean(),
    codesAsStrings: z.boolean(),
    sizesAsNumbers: z.boolean(),
    faultEnvelope: z.enum(['bare', 'wrapped']),
  })
  .partial()
  .strict();

export function registerControlRoutes(router: Router, ms: MsContext): void {
  const control = (method: string, pattern: string, handler: Handler): void =>
    router.add({ method, pattern: `/_sandbox/microsoft-ads${pattern}`, kind: 'control', handler });

  control('GET', '/audiences', (ctx) => {
    const accountId = ctx.query.get('accountId') ?? undefined;
    return json(200, { audiences: ms.store.all(accountId).map((a) => ({ ...toRecord(a), members: a.members.size })) });
  });
  control('GET', '/audiences/:id/members', (ctx) => {
    const audience = ms.store.audience(ctx.params.id);
    if (!audience) return json(404, { error: 'unknown audience' });
    return json(200, { id: audience.id, count: audience.members.size, members: [...audience.members] });
  });
  control('GET', '/calls', () => json(200, ms.calls));
  control('GET', '/switches', () => json(200, { ...ms.switches, callRateLimit: ms.switches.callRateLimit ?? null }));
  // Partial JSON of the switches; callRateLimit null = unlimited.
  control('POST', '/switches', (ctx) => {
    const body = readJson(ctx);
    const parsed = body === undefined ? undefined : switchesBody.safeParse(body);
    if (!parsed?.success) return json(400, { error: parsed ? z.prettifyError(parsed.error) : 'body must be JSON' });
    const { callRateLimit, ...rest } = parsed.data;
    Object.assign(ms.switches, rest);
    if (callRateLimit !== undefined) ms.switches.callRateLimit = callRateLimit ?? undefined;
    return json(200, { ...ms.switches, callRateLimit: ms.switches.callRateLimit ?? null });
  });
  // {"count"?: n}: the next n API calls that pass auth answer 117 CallRateExceeded.
  control('POST', '/throttle-next', (ctx) => {
    const body = ctx.body.length ? readJson(ctx) : {};
    const count = typeof body === 'object' && body !== null && 'count' in body ? body.count : 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return json(400, { error: 'expected {"count"?: positive integer}' });
    ms.pending.throttleNext += count;
    return json(200, { throttleNext: ms.pending.throttleNext });
  });
  // {"name": "…"}: the next AddAudiences of that name loses a creation race (4853, the list exists afterwards).
  control('POST', '/duplicate-name-race', (ctx) => {
    const body = readJson(ctx);
    const name = typeof body === 'object' && body !== null && 'name' in body ? body.name : undefined;
    if (typeof name !== 'string' || name.length === 0) return json(400, { error: 'expected {"name": string}' });
    ms.pending.duplicateRaces.push(name);
    return json(200, { ok: true });
  });
  registerTokenControls(control, ms.tokens, FIXTURE_SUBJECT);
}

function readJson(ctx: RequestContext): unknown {
  const parsed = parseJson(ctx.body);
  return parsed.ok ? parsed.value : undefined;
}
