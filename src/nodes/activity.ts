import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ErrorCode } from '../core/errors';
import type { ExportSummary } from '../core/export-run';
import { MISSING, readJsonFile, writeJsonFile } from '../core/json-file';
import { onePer } from '../core/one-per';
import type { AdminApp, NodeRedApi } from './red-types';
import { dataDirectory } from './runtime-settings';
import type { LiveProgress } from './status';

/**
 * What the editor's "Audience exports" sidebar shows: each export node's live progress (in memory,
 * pushed to open editors over Node-RED's comms) and its last runs (kept under the data directory,
 * `history/<node>.json`, at most HISTORY_LIMIT per node). A run is remembered by its counts, status
 * and audience figures only: no profile, address or identifier.
 */

export const HISTORY_LIMIT = 50;
/** The comms topics: `audience-export/progress/<node id>` and `audience-export/run/<node id>`. */
export const TOPIC = 'audience-export';

export interface RunRecord {
  readonly at: string;
  readonly status: ExportSummary['status'];
  readonly segment: string;
  readonly dryRun: boolean;
  readonly profiles: number;
  readonly added: number;
  readonly removed: number;
  readonly invalid: number;
  readonly optedOut: number;
  readonly rejected: number;
  readonly durationMs: number;
  readonly audienceName: string | null;
  readonly audienceSize?: number;
  readonly matchRate?: number;
  readonly error?: ErrorCode;
}

const RecordsSchema = z.array(z.looseObject({ at: z.string(), status: z.string() })).catch([]);

export function recordOf(summary: ExportSummary): RunRecord {
  const { finishedAt, status, segment, dryRun, profiles, added, removed, invalid, optedOut, rejected, durationMs, audienceName, audience, error } = summary;
  return {
    at: finishedAt,
    status,
    segment,
    dryRun,
    profiles,
    added,
    removed,
    invalid,
    optedOut,
    rejected,
    durationMs,
    audienceName,
    ...(audience?.approximateSize !== undefined ? { audienceSize: audience.approximateSize } : {}),
    ...(audience?.matchRate !== undefined ? { matchRate: audience.matchRate } : {}),
    ...(error ? { error: error.code } : {}),
  };
}

/** The runs of every export node of one data directory; writes to one node's file are serialised. */
export class RunHistory {
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly directory: string) {}

  /** Node ids are Node-RED's (hex, `.`/`-` in subflows); anything else is named by its digest. */
  private fileOf(nodeId: string): string {
    const name = /^[A-Za-z0-9._-]{1,64}$/.test(nodeId) ? nodeId : createHash('sha256').update(nodeId).digest('hex').slice(0, 32);
    return path.join(this.directory, `${name}.json`);
  }

  async runs(nodeId: string): Promise<RunRecord[]> {
    const json = await readJsonFile(this.fileOf(nodeId), 'The export history could not be read');
    return json === MISSING ? [] : (RecordsSchema.parse(json) as unknown as RunRecord[]);
  }

  /** Newest last; the oldest fall off past HISTORY_LIMIT. */
  record(nodeId: string, run: RunRecord): Promise<void> {
    const next = (this.writes.get(nodeId) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => writeJsonFile(this.fileOf(nodeId), [...(await this.runs(nodeId)), run].slice(-HISTORY_LIMIT)));
    this.writes.set(nodeId, next);
    return next;
  }
}

export const runHistoryFor = onePer((directory) => new RunHistory(directory));

/** Live progress of the export nodes of this runtime, by node id. */
const live = new Map<string, LiveProgress>();

/** An export node's activity: its progress to the editors, its finished runs to the history. */
export class ExportActivity {
  private readonly history: RunHistory;

  constructor(
    private readonly RED: NodeRedApi,
    private readonly nodeId: string,
  ) {
    this.history = runHistoryFor(path.join(dataDirectory(RED), 'history'));
  }

  progress(progress: LiveProgress): void {
    live.set(this.nodeId, progress);
    this.RED.comms?.publish(`${TOPIC}/progress/${this.nodeId}`, progress, false);
  }

  async finished(summary: ExportSummary): Promise<void> {
    const run = recordOf(summary);
    this.RED.comms?.publish(`${TOPIC}/run/${this.nodeId}`, run, false);
    await this.history.record(this.nodeId, run);
  }

  /** The node left the flow (or is redeployed): no live progress for it any more; its history stays. */
  closed(): void {
    live.delete(this.nodeId);
  }
}

const registered = new WeakSet<AdminApp>();

/**
 * `GET /audience-export/activity?nodes=a,b`: live progress and last runs of the export nodes named
 * (those the editor shows). Counts and statuses only, so Node-RED's read permission is enough.
 */
export function registerActivityApi(RED: NodeRedApi): void {
  const app = RED.httpAdmin;
  if (!app || registered.has(app)) return;
  registered.add(app);
  const history = runHistoryFor(path.join(dataDirectory(RED), 'history'));
  const QuerySchema = z.object({ nodes: z.string().max(20_000).default('') });
  app.get(`/${TOPIC}/activity`, (req, res, next) => (RED.auth ? RED.auth.needsPermission('audience-export.read')(req, res, next) : next()), (req, res) => {
    const query = QuerySchema.safeParse(req.query);
    const ids = query.success ? query.data.nodes.split(',').filter(Boolean).slice(0, 500) : [];
    void Promise.all(ids.map(async (id) => [id, { live: live.get(id), runs: await history.runs(id).catch(() => []) }] as const)).then(
      (entries) => res.json({ nodes: Object.fromEntries(entries) }),
      () => res.status(500).json({ error: { code: 'state_io', message: 'The export history could not be read' } }),
    );
  });
}
