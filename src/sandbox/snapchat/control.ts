/**
 * /_sandbox/snapchat/* — for other processes (demo, fault suites) that cannot reach the in-process API.
 * Segment listings carry member counts only; the member list has its own route (tests).
 */
import { json, parseJson } from '../reply';
import type { Router } from '../router';
import { FIXTURE_SUBJECT, type SnapContext } from './context';
import { toRecord } from './store';

export function registerControlRoutes(router: Router, snap: SnapContext): void {
  const control = (method: string, pattern: string, handler: Parameters<Router['add']>[0]['handler']): void =>
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
  control('POST', '/expire-access-tokens', () => {
    snap.tokens.expireAccessTokens();
    return json(200, { ok: true });
  });
  control('POST', '/revoke-refresh-tokens', () => {
    snap.tokens.revokeRefreshTokens();
    return json(200, { ok: true });
  });
  // Optional JSON {"redirect_uri": "…"} binds the code to that redirect URI, as authorize would.
  control('POST', '/authorization-codes', (ctx) => {
    const body = ctx.body.length ? parseJson(ctx.body) : { ok: true as const, value: {} };
    const value = body.ok ? body.value : undefined;
    const redirectUri = typeof value === 'object' && value !== null && 'redirect_uri' in value ? value.redirect_uri : undefined;
    if (!body.ok || (redirectUri !== undefined && typeof redirectUri !== 'string')) return json(400, { error: 'expected {"redirect_uri"?: string}' });
    return json(200, { code: snap.tokens.issueCode(FIXTURE_SUBJECT, redirectUri) });
  });
}
