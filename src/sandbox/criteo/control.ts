/**
 * /_sandbox/criteo/* — for other processes (demo, fault suites) that cannot reach the in-process API.
 * Segment listings carry member counts only; the member list has its own route (tests).
 */
import { z } from 'zod';
import { json, parseJson } from '../reply';
import type { Handler, Router } from '../router';
import { registerTokenControls } from '../token-controls';
import { effectiveCallsPerMinute, FIXTURE_SUBJECT, type CriteoContext } from './context';
import { toRecord } from './store';

const settingsBody = z
  .object({
    duplicateNameMode: z.enum(['400', '200-warning']),
    retiredVersions: z.array(z.string()),
    /** null: back to the default. */
    callsPerMinute: z.number().int().min(0).nullable(),
    duplicateNameRace: z.string().min(1),
    matchRate: z.enum(['fraction', 'percent']),
    nullSearchEntry: z.enum(['off', 'id', 'attributes', 'name']),
    emptyStatistics: z.enum(['zeros', 'data-null', 'attributes-null']),
  })
  .partial()
  .strict();

export function registerControlRoutes(router: Router, criteo: CriteoContext): void {
  const control = (method: string, pattern: string, handler: Handler): void =>
    router.add({ method, pattern: `/_sandbox/criteo${pattern}`, kind: 'control', handler });

  control('GET', '/segments', () => json(200, { segments: criteo.store.all().map((s) => ({ ...toRecord(s), members: s.members.size })) }));
  control('GET', '/segments/:id/members', (ctx) => {
    const segment = criteo.store.segment(ctx.params.id);
    if (!segment) return json(404, { error: 'unknown segment' });
    return json(200, { id: segment.id, count: segment.members.size, members: [...segment.members] });
  });
  control('GET', '/calls', () => json(200, criteo.calls));
  control('GET', '/settings', () => json(200, settingsView(criteo)));
  control('POST', '/settings', (ctx) => {
    const body = parseJson(ctx.body);
    const parsed = body.ok ? settingsBody.safeParse(body.value) : undefined;
    if (!parsed?.success) return json(400, { error: parsed ? z.prettifyError(parsed.error) : 'body must be JSON' });
    const s = parsed.data;
    if (s.duplicateNameMode !== undefined) criteo.settings.duplicateNameMode = s.duplicateNameMode;
    if (s.retiredVersions !== undefined) criteo.settings.retiredVersions = new Set(s.retiredVersions);
    if (s.callsPerMinute !== undefined) criteo.settings.callsPerMinute = s.callsPerMinute ?? undefined;
    if (s.duplicateNameRace !== undefined) criteo.settings.duplicateNameRaces.add(s.duplicateNameRace);
    if (s.matchRate !== undefined) criteo.settings.matchRate = s.matchRate;
    if (s.nullSearchEntry !== undefined) criteo.settings.nullSearchEntry = s.nullSearchEntry;
    if (s.emptyStatistics !== undefined) criteo.settings.emptyStatistics = s.emptyStatistics;
    return json(200, settingsView(criteo));
  });
  registerTokenControls(control, criteo.tokens, FIXTURE_SUBJECT);
}

function settingsView(criteo: CriteoContext): Record<string, unknown> {
  return {
    duplicateNameMode: criteo.settings.duplicateNameMode,
    retiredVersions: [...criteo.settings.retiredVersions],
    callsPerMinute: effectiveCallsPerMinute(criteo) ?? null,
    pendingDuplicateNameRaces: [...criteo.settings.duplicateNameRaces],
    matchRate: criteo.settings.matchRate,
    nullSearchEntry: criteo.settings.nullSearchEntry,
    emptyStatistics: criteo.settings.emptyStatistics,
  };
}
