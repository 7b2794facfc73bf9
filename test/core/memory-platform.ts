import { ExportError } from '../../src/core/errors';
import type { EnginePlatform } from '../../src/core/export-run';
import type { AudienceRef, BatchAction, CallContext, PlatformAdapter, ReplaceStrategy, WireBatch } from '../../src/core/types';
import { wholeBatch } from '../../src/core/wire-batch';

/**
 * An in-memory platform: enough to test the engine's planning, failure handling and state without
 * HTTP (the node tests cover the real Snapchat client against the sandbox).
 */
export class MemoryPlatform implements PlatformAdapter {
  /** What the engine reads of the platform's definition. */
  readonly definition: EnginePlatform;
  readonly members = new Set<string>();
  readonly calls: Array<{ action: BatchAction | 'clear' | 'resolve'; size: number }> = [];
  failures: Array<(action: BatchAction, ids: readonly string[]) => ExportError | undefined> = [];
  /** Batches that never get an answer (the process dies while they are in flight). */
  stalls: Array<(ids: readonly string[]) => boolean> = [];

  constructor(replaceStrategy: ReplaceStrategy = 'clear-then-add', maxBatchSize = 3) {
    this.definition = { id: 'memory', limits: { maxBatchSize, concurrency: 2, defaultMaxProfiles: 100 }, replaceStrategy };
  }

  knownAudience() {
    return undefined;
  }
  accountKey() {
    return 'acct';
  }
  async resolveAudience(): Promise<AudienceRef> {
    this.calls.push({ action: 'resolve', size: 0 });
    return { id: 'aud-1', name: 'Segment', accountKey: 'acct' };
  }
  async sendBatch(_audience: AudienceRef, action: BatchAction, batch: WireBatch, _context?: CallContext) {
    const ids = wholeBatch(batch);
    this.calls.push({ action, size: ids.length });
    if (this.stalls.some((stall) => stall(ids))) await new Promise<never>(() => undefined);
    for (const failure of this.failures) {
      const error = failure(action, ids);
      if (error) throw error;
    }
    if (action === 'replace') this.members.clear();
    for (const id of ids) {
      if (action === 'remove') this.members.delete(id);
      else this.members.add(id);
    }
    return { accepted: ids.length, rejected: 0 };
  }
  async clearAudience() {
    this.calls.push({ action: 'clear', size: 0 });
    this.members.clear();
  }
  async readAudience() {
    return { approximateSize: this.members.size };
  }
}

