import { ExportError, toExportError } from './errors';
import { identifierForm } from './identifiers';
import { SegmentMembers } from './segment-members';
import { PROFILES_PER_SLICE, ProfileReader, profilesOf, type ReadCounts, type ReadOptions } from './segment-reader';

/** A part this size is read as it arrives, in one go: about a tenth of a second of hashing. */
export const SYNC_PROFILES = 100_000;

/** A size guess beyond this is not trusted up front (a hostile `parts.count` must not allocate gigabytes). */
const MAX_PRESIZE = 20_000_000;

export interface IntakePace {
  readonly knownProfiles?: number;
  /** A guess of the segment's size (a sequence's part count × its first part's length): the identifier table is sized once, not regrown. */
  readonly expectedProfiles?: number;
  /** Profiles read between two turns of the event loop. */
  readonly profilesPerSlice?: number;
  /** A part up to this size is read in one go as it arrives. */
  readonly syncProfiles?: number;
}

/**
 * A segment as it arrives: one message, or the parts of a `msg.parts` sequence in any order. Each
 * payload is read, normalised, hashed and deduplicated the moment it is pushed, a slice at a time
 * between turns of the event loop, and then let go: what stays is the identifiers (`members`), not
 * the profiles. A run reads from it while it fills (`changed`), so batches leave while the rest is
 * still arriving. Knows no platform and no Node-RED.
 */
export class SegmentIntake {
  readonly members: SegmentMembers;
  private readonly reader: ProfileReader;
  /** Payloads waiting for their turn (normally none: each is read as it comes). */
  private readonly queue: (readonly unknown[])[] = [];
  private reading = false;
  private ended = false;
  private failure?: ExportError;
  private discarded = false;
  private wake?: () => void;

  /** Profiles in the segment when known up front (a single message): the size guard needs no reading. */
  readonly knownProfiles?: number;
  private readonly profilesPerSlice: number;
  private readonly syncProfiles: number;

  constructor(options: ReadOptions, pace: IntakePace = {}) {
    this.knownProfiles = pace.knownProfiles;
    this.profilesPerSlice = pace.profilesPerSlice ?? PROFILES_PER_SLICE;
    this.syncProfiles = pace.syncProfiles ?? SYNC_PROFILES;
    this.members = new SegmentMembers(identifierForm(options.encoding), Math.min(pace.knownProfiles ?? pace.expectedProfiles ?? 0, MAX_PRESIZE));
    this.reader = new ProfileReader(options, this.members);
  }

  /** A segment that is one message: pushed and ended at once. */
  static ofPayload(payload: unknown, options: ReadOptions): SegmentIntake {
    const intake = new SegmentIntake(options, { knownProfiles: Array.isArray(payload) ? payload.length : undefined });
    intake.push(payload);
    intake.end();
    return intake;
  }

  get counts(): ReadCounts {
    return this.reader;
  }

  /** All pushed payloads are read and no more will come. */
  get complete(): boolean {
    return this.ended && !this.reading && this.queue.length === 0 && !this.failure;
  }

  /** Nothing more will change: complete, failed or discarded. */
  get settled(): boolean {
    return this.complete || this.failure !== undefined || this.discarded;
  }

  /** Why the segment cannot be exported (a broken or expired sequence, a payload that is not profiles). */
  get error(): ExportError | undefined {
    return this.failure;
  }

  /**
   * Take one payload; it is read at once (or after those before it) and let go. A part of up to
   * `SYNC_PROFILES` is read before this returns: hashing keeps pace with the upstream node that
   * produces the parts (it cannot make the next one meanwhile), so parts never pile up as profiles.
   * A bigger payload is read a slice at a time between turns of the event loop.
   */
  push(payload: unknown): void {
    if (this.ended || this.failure || this.discarded) return;
    let profiles: readonly unknown[];
    try {
      profiles = profilesOf(payload);
    } catch (thrown) {
      return this.fail(toExportError(thrown));
    }
    if (!this.reading && this.queue.length === 0 && profiles.length <= this.syncProfiles) {
      this.reader.read(profiles, 0, profiles.length);
      this.signal();
      return;
    }
    this.queue.push(profiles);
    if (!this.reading) void this.readQueued();
  }

  /** No more payloads: the segment is whole once those pushed are read. */
  end(): void {
    this.ended = true;
    this.signal();
  }

  /** The segment cannot be exported: the run stops sending and says why. */
  fail(error: ExportError): void {
    if (this.failure || this.discarded) return;
    this.failure = error;
    this.queue.length = 0;
    this.signal();
  }

  /** Nobody will export it (skipped, or its node closed): stop reading and let go of what is queued. */
  discard(): void {
    this.discarded = true;
    this.queue.length = 0;
    this.signal();
  }

  /** Resolves when more identifiers were read, the segment is complete, or it failed. */
  changed(): Promise<void> {
    if (this.complete || this.failure || this.discarded) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.wake;
      this.wake = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Wait for the whole segment; rejects with its error. */
  async whole(): Promise<void> {
    while (!this.complete) {
      if (this.failure) throw this.failure;
      if (this.discarded) throw new ExportError('aborted', 'The segment was let go before it was read');
      await this.changed();
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async readQueued(): Promise<void> {
    this.reading = true;
    try {
      while (this.queue.length > 0 && !this.failure && !this.discarded) {
        const profiles = this.queue.shift() ?? [];
        for (let from = 0; from < profiles.length && !this.failure && !this.discarded; from += this.profilesPerSlice) {
          this.reader.read(profiles, from, Math.min(profiles.length, from + this.profilesPerSlice));
          this.signal();
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } catch (thrown) {
      this.fail(toExportError(thrown));
    } finally {
      this.reading = false;
      this.signal();
    }
  }
}
