/**
 * Keeps what tests assert on: every API and auth request (control endpoints excluded) with its
 * outcome. Bodies only when asked (memory), and never for auth routes (they carry secrets).
 */

export interface RecordedRequest {
  readonly method: string;
  /** Pathname plus query string. */
  readonly path: string;
  /** 0 when the connection was dropped without an answer. */
  readonly status: number;
  readonly ms: number;
  readonly bodyBytes: number;
  readonly body?: string;
  /** Epoch ms when the request arrived. */
  readonly at: number;
}

export interface RecorderFilter {
  method?: string;
  pathIncludes?: string;
}

export interface RequestRecorder {
  readonly requests: ReadonlyArray<RecordedRequest>;
  clear(): void;
  count(filter?: RecorderFilter): number;
}

/** A long-running demo should not grow without bound; tests never get near this. */
const MAX_ENTRIES = 50_000;

export class Recorder implements RequestRecorder {
  private entries: RecordedRequest[] = [];

  constructor(readonly recordBodies: boolean) {}

  get requests(): ReadonlyArray<RecordedRequest> {
    return this.entries;
  }

  add(entry: RecordedRequest): void {
    this.entries.push(entry);
    // Trim in chunks so a full recorder does not copy 50k entries on every request.
    if (this.entries.length > MAX_ENTRIES * 1.1) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }

  clear(): void {
    this.entries = [];
  }

  count(filter: RecorderFilter = {}): number {
    const method = filter.method?.toUpperCase();
    let n = 0;
    for (const r of this.entries) {
      if (method && r.method !== method) continue;
      if (filter.pathIncludes !== undefined && !r.path.includes(filter.pathIncludes)) continue;
      n += 1;
    }
    return n;
  }
}
