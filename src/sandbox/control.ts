/**
 * Platform-neutral control endpoints under /_sandbox/ (health, faults, hostile mode, reset, request log) for
 * processes that do not hold the Sandbox object. Never faulted, never recorded.
 */
import { z } from 'zod';
import type { FaultInjector } from './faults';
import type { HostileMode } from './hostile';
import type { Recorder } from './recorder';
import { json, parseJson } from './reply';
import type { Reply, RequestContext, Router } from './router';

const rate = z.number().min(0).max(1);
const faultSettingsBody = z
  .object({
    latencyMs: z.number().min(0),
    error429Rate: rate,
    error5xxRate: rate,
    dropRate: rate,
    includeAuth: z.boolean(),
    seed: z.number().int(),
    expireTokensEvery: z.number().int().min(0),
  })
  .partial()
  .strict();

const failNextBody = z
  .object({
    status: z.union([z.number().int().min(100).max(599), z.literal('drop'), z.literal('dropAfterApply')]),
    count: z.number().int().min(1).optional(),
    pathIncludes: z.string().optional(),
    method: z.string().optional(),
    retryAfterSeconds: z.number().int().min(0).optional(),
    afterApply: z.boolean().optional(),
  })
  .strict();

const hostileBody = z.object({ on: z.boolean(), names: z.boolean().optional() }).strict();

export interface ControlDeps {
  readonly faults: FaultInjector;
  readonly recorder: Recorder;
  readonly hostile: HostileMode;
  readonly platforms: ReadonlyArray<string>;
  readonly reset: () => void;
}

export function registerSandboxControl(router: Router, deps: ControlDeps): void {
  const started = Date.now();
  const control = (method: string, pattern: string, handler: (ctx: RequestContext) => Reply): void =>
    router.add({ method, pattern: `/_sandbox${pattern}`, kind: 'control', handler });

  control('GET', '/health', () => json(200, { status: 'ok', platforms: deps.platforms, uptimeMs: Date.now() - started }));
  control('GET', '/faults', () => json(200, { settings: deps.faults.get(), injected: deps.faults.injected(), tokenExpiries: deps.faults.tokenExpiries() }));
  control('POST', '/faults', (ctx) => {
    const parsed = parseBody(ctx, faultSettingsBody);
    if (!parsed.ok) return parsed.reply;
    deps.faults.set(parsed.value);
    return json(200, { settings: deps.faults.get() });
  });
  control('DELETE', '/faults', () => {
    deps.faults.reset();
    return json(200, { settings: deps.faults.get() });
  });
  control('POST', '/faults/next', (ctx) => {
    const parsed = parseBody(ctx, failNextBody);
    if (!parsed.ok) return parsed.reply;
    deps.faults.failNext(parsed.value);
    return json(200, { queued: parsed.value });
  });
  control('GET', '/hostile', () => json(200, deps.hostile.get()));
  // {"on": boolean, "names"?: boolean}: the whole state, `names` left out = off.
  control('POST', '/hostile', (ctx) => {
    const parsed = parseBody(ctx, hostileBody);
    if (!parsed.ok) return parsed.reply;
    deps.hostile.set(parsed.value);
    return json(200, deps.hostile.get());
  });
  control('POST', '/reset', () => {
    deps.reset();
    return json(200, { ok: true });
  });
  // Recent requests without bodies, for a demo to show what the client sent.
  control('GET', '/requests', (ctx) => {
    const limit = Math.min(1000, Math.max(1, Number(ctx.query.get('limit') ?? 100) || 100));
    const recent = deps.recorder.requests.slice(-limit).map(({ body: _body, ...rest }) => rest);
    return json(200, { total: deps.recorder.requests.length, requests: recent });
  });
}

function parseBody<T>(ctx: RequestContext, schema: z.ZodType<T>): { ok: true; value: T } | { ok: false; reply: Reply } {
  const body = parseJson(ctx.body);
  if (!body.ok) return { ok: false, reply: json(400, { error: 'body must be JSON' }) };
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) return { ok: false, reply: json(400, { error: z.prettifyError(parsed.error) }) };
  return { ok: true, value: parsed.data };
}
