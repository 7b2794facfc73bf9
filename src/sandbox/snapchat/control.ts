/**
 * /_sandbox/snapchat/* — for other processes (demo, fault suites) that cannot reach the in-process API.
 * Segment listings carry member counts only; the member list has its own route (tests).
 */
import { z } from 'zod';
import { json, parseJson } from '../reply';
import type { Handler, Router } from '../router';
import { registerTokenControls } from '../token-controls';
import { FIXTURE_SUBJECT, type SnapContext } from './context';
import { toRecord } from './store';

const switchesBody = z.object({ meEnvelope: z.boolean() }).partial().strict();

export function registerControlRoutes(router: Router, snap: SnapContext): void {
  const control = (method: string, pattern: string, handler: Handler): void =>
    router.add({ method, pattern: `/_sandbox/snapchat${pattern}`, kind: 'control', handler });

  control('GET', '/segments', () =>
    json(200, {
      segments: snap.store.all().map((s) => ({ ...toRecord(s), members: s.members.size })),
    }),
  );
  control('GET', '/segments/:id/members', (ctx) => {
    const segment = snap.store.segment(ctx.params.id);
    if (!segment) return json(404, { error: 'unknown segment' });
    return json(200, { id: segment.id, count: segment.members.size, members: [...segment.members] });
  });
  control('GET', '/calls', () => json(200, snap.calls));
  control('GET', '/switches', () => json(200, snap.switches));
  // Partial JSON of the switches: {"meEnvelope"?: boolean}.
  control('POST', '/switches', (ctx) => {
    const body = parseJson(ctx.body);
    const parsed = body.ok ? switchesBody.safeParse(body.value) : undefined;
    if (!parsed?.success) return json(400, { error: parsed ? z.prettifyError(parsed.error) : 'body must be JSON' });
    Object.assign(snap.switches, parsed.data);
    return json(200, snap.switches);
  });
  // {"count"?: n}: the next n segment/users writes answer 200 with failed sub-requests (failNextSubRequests).
  control('POST', '/sub-request-errors', (ctx) => {
    const body = ctx.body.length ? parseJson(ctx.body) : { ok: true as const, value: {} };
    const value = body.ok ? body.value : undefined;
    const count = typeof value === 'object' && value !== null && 'count' in value ? value.count : 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) return json(400, { error: 'expected {"count"?: positive integer}' });
    snap.pending.subRequestErrors += count;
    return json(200, { subRequestErrors: snap.pending.subRequestErrors });
  });
  registerTokenControls(control, snap.tokens, FIXTURE_SUBJECT);
}
