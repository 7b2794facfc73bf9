import assert from 'node:assert/strict';
import type { ExportSummary } from '../../src/core/export-run';
import type { NodeRedApi, NodeStatus, RuntimeNode } from '../../src/nodes/red-types';
import { type LiveProgress, ExportStatus } from '../../src/nodes/status';

/**
 * The status an export node shows, with the catalogue's English words and a runtime in `lang`: batches
 * finished (never back), waits in words, the queue, the first result kept in view by a queued run,
 * numbers written the language's way.
 */
function statusRig(lang = 'en-US') {
  const words: Record<string, string> = {
    preparing: 'preparing',
    preparingQueued: 'preparing, __queued__ queued',
    progress: '__sent__ of __total__ sent',
    progressQueued: '__sent__/__total__, __queued__ queued',
    rateLimited: 'rate limited, __seconds__ s',
    retrying: 'retry in __seconds__ s',
    busy: 'audience busy',
    completed: 'done +__added__ −__removed__',
    'failure.no_valid_emails': 'no email found',
  };
  const RED = {
    settings: { lang },
    _: (key: string, values: Record<string, string> = {}) => (words[key.replace('audience-export.status.', '')] ?? key).replace(/__(\w+)__/g, (_w, name: string) => values[name] ?? ''),
  } as unknown as NodeRedApi;
  const shown: string[] = [];
  const live: LiveProgress[] = [];
  const node = { status: (status: NodeStatus) => shown.push(status.text ?? '') } as unknown as RuntimeNode;
  return { status: new ExportStatus(RED, node, (progress) => live.push(progress)), shown, live };
}

const summary = (added: number, removed: number, extra: Partial<ExportSummary> = {}) =>
  ({ status: 'completed', dryRun: false, added, removed, invalid: 0, rejected: 0, batches: { total: 2, ok: 2, failed: 0 }, ...extra }) as ExportSummary;

describe('export node status', () => {
  it('counts finished batches, never backwards, whatever order they finish in', () => {
    const { status, shown } = statusRig();
    status.started(false);
    status.planned(3);
    for (let i = 0; i < 3; i++) status.batchDone(3);
    assert.deepEqual(shown, ['preparing', '0 of 3 sent', '3 of 3 sent']); // the middle ones within 250 ms are skipped
  });

  it('says a wait in words and keeps it until it is over', () => {
    const { status, shown, live } = statusRig();
    status.started(false);
    status.planned(2);
    status.retrying({ ms: 60_000, code: 'rate_limited' });
    status.batchDone(2);
    status.retrying({ ms: 5_000, code: 'platform_unavailable' });
    assert.deepEqual(shown.slice(2), ['rate limited, 60 s', 'retry in 5 s']);
    assert.equal(live.at(-1)?.waitSeconds, 5);
  });

  it('shows the queue, and a queued run leaves the last result in view until it sends', () => {
    const { status, shown } = statusRig();
    status.started(false);
    status.setQueued(1);
    status.planned(2);
    status.finished(summary(1234, 5));
    status.started(true);
    status.setQueued(0);
    status.planned(1);
    assert.equal(shown.at(-1), 'done +1,234 −5', 'still the first result');
    status.batchDone(1);
    status.finished(summary(0, 0));
    assert.deepEqual(shown, ['preparing', 'preparing, 1 queued', '0/2, 1 queued', 'done +1,234 −5', '1 of 1 sent', 'done +0 −0']);
  });

  it("writes numbers the runtime language's way, and failures as words", () => {
    const { status, shown } = statusRig('fr');
    status.finished(summary(97_987, 1_999));
    assert.match(shown[0], /^done \+97\u202f987 −1\u202f999$/);
    status.finished({ ...summary(0, 0), status: 'failed', error: { code: 'no_valid_emails', message: '' } });
    assert.equal(shown[1], 'no email found');
  });
});
