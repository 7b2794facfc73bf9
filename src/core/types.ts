/**
 * The contract between the platform-neutral engine and a platform folder.
 * A platform adapter declares its limits and maps the engine's few calls to its own API;
 * it never sees Node-RED, and the engine never sees a platform's URL or payload shape.
 */

export type SyncMode = 'mirror' | 'add' | 'remove' | 'replace';
/** What one request does to the audience. `replace` is a wipe-then-add in a single call. */
export type BatchAction = 'add' | 'remove' | 'replace';

export interface PlatformLimits {
  /** Most identifiers one membership request may carry. */
  readonly maxBatchSize: number;
  /** Membership requests in flight at once. */
  readonly concurrency: number;
  /** Default per-export guard (`maxProfiles`). */
  readonly defaultMaxProfiles: number;
}

/** The audience a run writes to. `accountKey` scopes the durable mirror state. */
export interface AudienceRef {
  readonly id: string;
  readonly name: string;
  readonly accountKey: string;
}

/** How a platform makes an audience equal to a segment (DESIGN §5). */
export type ReplaceStrategy =
  /** Wipe the audience with one call, then add every batch (Snapchat, Criteo). */
  | 'clear-then-add'
  /** The first membership call wipes and adds its items, the rest add (Microsoft). */
  | 'first-batch-replaces';

/**
 * One batch as the platform takes it (hex hashes, or plain addresses where allowed), handed out a
 * slice at a time so a 100,000-identifier batch never exists whole in wire form: its hex is made
 * while the request body streams, and is garbage as soon as each slice is written.
 */
export interface WireBatch {
  readonly length: number;
  /** The identifiers in order, in slices of at most `size`. */
  slices(size: number): Iterable<readonly string[]>;
  /** The identifiers as comma-separated JSON strings, each between `before` and `after`, as bytes. */
  jsonRows(before: string, after: string): JsonRows;
}

export interface JsonRows {
  readonly byteLength: number;
  /** The rows in chunks of a few thousand; each call starts again from the first. */
  chunks(): Iterable<Buffer>;
}

export interface BatchOutcome {
  /** Identifiers the platform accepted. */
  readonly accepted: number;
  /** Identifiers the platform refused (never the identifiers themselves). */
  readonly rejected: number;
}

export interface AudienceSnapshot {
  readonly approximateSize?: number;
  /** The platform's own range, when it gives one instead of a count (Meta's lower and upper bounds); `approximateSize` is then the lower bound. */
  readonly approximateSizeRange?: { readonly lower: number; readonly upper: number };
  readonly matchRate?: number;
  readonly status?: string;
}

/** What every membership call may be told: stop before sending when the run was stopped meanwhile. */
export interface CallContext {
  /** Aborted when the run stops (its node closed, or an error made the rest pointless). */
  readonly signal?: AbortSignal;
  /**
   * The run's last batch of its action (its adds, with a replace's own batch; its removals): every other
   * batch of that action has settled. Platforms that upload in sessions close them with it (Meta).
   */
  readonly last?: boolean;
}

/** What the engine tells the adapter about the segment being exported. */
export interface SegmentTarget {
  /** The segment's name, used to find or create an audience by name. */
  readonly segmentName: string;
}

export interface PlatformAdapter {
  /**
   * The key the audience would have without asking the platform (configured id), or undefined
   * when it must be looked up by name. Used by dry runs, which send nothing.
   */
  knownAudience(target: SegmentTarget): { id: string; accountKey: string } | undefined;
  /** Account scope used to remember name → id resolutions for dry runs. */
  accountKey(): string;
  /** Find the audience for this segment, creating it when missing. */
  resolveAudience(target: SegmentTarget): Promise<AudienceRef>;
  /** Send one batch of identifiers (hashes, or plain emails where the platform allows). */
  sendBatch(audience: AudienceRef, action: BatchAction, identifiers: WireBatch, context?: CallContext): Promise<BatchOutcome>;
  /** Empty the audience (only called with the `clear-then-add` strategy). */
  clearAudience(audience: AudienceRef, context?: CallContext): Promise<void>;
  /** Read the audience's size and status after a run; undefined when the platform has none. */
  readAudience(audience: AudienceRef): Promise<AudienceSnapshot | undefined>;
}
