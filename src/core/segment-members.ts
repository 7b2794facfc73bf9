import { DigestSet } from './digest-set';
import type { IdentifierForm } from './identifiers';
import type { IdentifierSink } from './segment-reader';

/**
 * A segment's identifiers as they arrive, held once (DESIGN §7). Identifiers this export delivered
 * before (the mirror state, `previous`) are not copied: a bit per state entry says "seen in the
 * segment". Everything else is `fresh`, in arrival order; fresh identifiers are what a run adds,
 * and they are handed out in batches (`take`) while the segment is still arriving. A mirror re-run
 * of ten million with 1% changed holds the state's 320 MB, ten million bits and the 1% — not a second
 * set of ten million.
 */
export class SegmentMembers implements IdentifierSink {
  private fresh: IdentifierList;
  private readonly optedOut: Set<string>;
  private previous?: DigestSet;
  private seen?: Uint8Array;
  /** Mirror: identifiers the state holds are left alone, not added again. */
  private skipKnown = false;
  /** `attach` is checking what was admitted before it. */
  private attaching = false;
  /** Distinct identifiers of the segment that the state holds. */
  private stayingCount = 0;
  /** Fresh entries before this one have been handed out to be sent. */
  private cursor = 0;

  constructor(
    private readonly form: IdentifierForm,
    expected: number,
  ) {
    this.fresh = form.toStateKey ? new PlainList() : new DigestSet(expected);
    this.optedOut = form.newSet(0);
  }

  admit(identifier: string): boolean {
    // While the state is being attached, an identifier admitted before it may still be in `fresh` only.
    if (this.attaching && this.fresh.has(identifier)) return false;
    if (this.previous) {
      const index = this.previous.indexOf(this.keyOf(identifier));
      if (index >= 0) {
        if (this.seen![index] === 1) return false;
        this.seen![index] = 1;
        this.stayingCount++;
        if (this.skipKnown) return true;
      }
    }
    return this.fresh.insert(identifier);
  }

  optOut(identifier: string): void {
    this.optedOut.add(identifier);
  }

  /**
   * What this export delivered before, once the run has loaded it: identifiers already admitted are
   * checked against it a slice at a time (a run that waited for its audience and its state may have
   * read millions meanwhile), while the segment keeps arriving. Mirror (`skipKnown`) leaves the known
   * ones out of what is added. Only before the first `take`.
   */
  async attach(previous: Set<string> | undefined, skipKnown: boolean, perSlice = ATTACH_SLICE): Promise<void> {
    if (!previous || this.cursor > 0) return;
    const state = previous instanceof DigestSet ? previous : digestSetOf(previous);
    const seen = new Uint8Array(state.span);
    this.previous = state;
    this.seen = seen;
    this.skipKnown = skipKnown;
    this.attaching = true;
    try {
      const admitted = this.fresh.span;
      for (let from = 0; from < admitted; from += perSlice) {
        for (let i = from; i < Math.min(admitted, from + perSlice); i++) {
          const identifier = this.fresh.at(i);
          if (identifier === undefined) continue;
          const index = state.indexOf(this.keyOf(identifier));
          if (index < 0) continue;
          seen[index] = 1;
          this.stayingCount++;
          if (skipKnown) this.fresh.delete(identifier);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.attaching = false;
    }
    // Mirror keeps only the changes: let the table sized for everyone go.
    if (skipKnown && this.fresh instanceof DigestSet && this.fresh.span > 2 * this.fresh.size + 1024) this.fresh = compacted(this.fresh);
  }

  /** Distinct usable identifiers of the segment (after `finish`, without the opted-out). */
  get size(): number {
    return this.skipKnown ? this.stayingCount + this.fresh.size : this.fresh.size;
  }

  /** Of what the state holds, how many are in the segment. */
  get staying(): number {
    return this.stayingCount;
  }

  /** Identifiers the state holds (what this export delivered), or undefined without state. */
  get delivered(): number | undefined {
    return this.previous?.size;
  }

  /** Fresh identifiers not handed out yet. */
  get waiting(): number {
    return this.fresh.size - this.handedOut;
  }

  private handedOut = 0;

  /**
   * The next batch of fresh identifiers: `max` of them, or fewer when `final` (the segment is all
   * read). Undefined when there is not enough yet: while the segment arrives, one full batch is kept
   * back, so the run's last batch is always known as such when it goes. `from`/`to` are the fresh
   * entries it covers, for recording what the platform confirmed.
   */
  take(max: number, final: boolean): FreshBatch | undefined {
    if (final ? this.waiting < 1 : this.waiting <= max) return undefined;
    const identifiers: string[] = [];
    const from = this.cursor;
    let at = from;
    while (identifiers.length < max && at < this.fresh.span) {
      const identifier = this.fresh.at(at++);
      if (identifier !== undefined) identifiers.push(identifier);
    }
    this.cursor = at;
    this.handedOut += identifiers.length;
    return { identifiers, from, to: at };
  }

  /** The segment is all read: a profile that opted out anywhere in it is not exported, even if listed twice. Before any `take` of the last batches. */
  finish(): void {
    for (const identifier of this.optedOut) {
      if (this.fresh.delete(identifier)) continue;
      const index = this.previous?.indexOf(this.keyOf(identifier)) ?? -1;
      if (index >= 0 && this.seen![index] === 1) {
        this.seen![index] = 0;
        this.stayingCount--;
      }
    }
  }

  /**
   * Mirror's removals, once the segment is all read: what the state holds that the segment does
   * not. Without state (or with only an interrupted first run's), the opted-out are removed too:
   * the audience may hold them from elsewhere.
   */
  leavers(previousIncomplete: boolean): string[] {
    const removes: string[] = [];
    const { previous, seen } = this;
    if (previous && seen) {
      for (let i = 0; i < previous.span; i++) {
        if (seen[i] === 1) continue;
        const key = previous.at(i);
        if (key !== undefined) removes.push(this.form.fromStateKey ? this.form.fromStateKey(key) : key);
      }
    }
    if (!previous || previousIncomplete) {
      for (const identifier of this.optedOut) if (!previous?.has(this.keyOf(identifier))) removes.push(identifier);
    }
    return removes;
  }

  /** Every identifier of the segment and every opted-out one: what a `remove` run sends. */
  everyone(): string[] {
    const all: string[] = [];
    if (this.previous && this.skipKnown) throw new Error('everyone() is for runs that add the known too');
    for (let i = 0; i < this.fresh.span; i++) {
      const identifier = this.fresh.at(i);
      if (identifier !== undefined) all.push(identifier);
    }
    for (const identifier of this.optedOut) all.push(identifier);
    return all;
  }

  /** The fresh identifiers of the entries `from`–`to`, as state keys (for the state after a run). */
  *keysBetween(from: number, to: number): Generator<string> {
    for (let i = from; i < to; i++) {
      const identifier = this.fresh.at(i);
      if (identifier !== undefined) yield this.keyOf(identifier);
    }
  }

  /** Fresh identifiers as they stand when they are their own state keys (hashed), for a state that is exactly them. */
  freshAsState(): DigestSet | undefined {
    return this.fresh instanceof DigestSet ? this.fresh : undefined;
  }

  get freshCount(): number {
    return this.fresh.size;
  }

  /** An identifier's key in the mirror state. */
  keyOf(identifier: string): string {
    return this.form.toStateKey ? this.form.toStateKey(identifier) : identifier;
  }
}

export interface FreshBatch {
  readonly identifiers: string[];
  readonly from: number;
  readonly to: number;
}

/** Identifiers checked against the state per turn of the event loop while attaching it. */
const ATTACH_SLICE = 100_000;

/** The live entries of `set` in a set sized for them (before any entry was handed out: indexes may change). */
function compacted(set: DigestSet): DigestSet {
  const copy = new DigestSet(set.size);
  for (const digest of set) copy.add(digest);
  return copy;
}

/** An insertion-ordered set addressable by entry: a DigestSet, or a PlainList for plain addresses. */
interface IdentifierList {
  readonly size: number;
  readonly span: number;
  has(identifier: string): boolean;
  insert(identifier: string): boolean;
  delete(identifier: string): boolean;
  at(index: number): string | undefined;
}

/** Plain addresses (Criteo's opt-in plain mode), in arrival order. */
class PlainList implements IdentifierList {
  private readonly items: (string | undefined)[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.index.size;
  }

  get span(): number {
    return this.items.length;
  }

  has(identifier: string): boolean {
    return this.index.has(identifier);
  }

  insert(identifier: string): boolean {
    if (this.index.has(identifier)) return false;
    this.index.set(identifier, this.items.length);
    this.items.push(identifier);
    return true;
  }

  delete(identifier: string): boolean {
    const at = this.index.get(identifier);
    if (at === undefined) return false;
    this.items[at] = undefined;
    this.index.delete(identifier);
    return true;
  }

  at(index: number): string | undefined {
    return this.items[index];
  }
}

function digestSetOf(values: Set<string>): DigestSet {
  const set = new DigestSet(values.size);
  for (const value of values) set.add(value);
  return set;
}
