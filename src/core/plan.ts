import { DigestSet } from './digest-set';
import type { ReplaceStrategy, SyncMode } from './types';

/** What a run will do, decided before anything is sent, and what a dry run reports. */
export interface SyncPlan {
  readonly adds: readonly string[];
  readonly removes: readonly string[];
  /** Identifiers already delivered by an earlier run and left alone (mirror). */
  readonly unchanged: number;
  /** Wipe the audience before adding (replace mode, `clear-then-add` platforms). */
  readonly clearFirst: boolean;
  /** The first add batch is a wipe-and-add call (replace mode, `first-batch-replaces` platforms). */
  readonly firstBatchReplaces: boolean;
}

export interface PlanInput {
  readonly mode: SyncMode;
  readonly members: ReadonlySet<string>;
  readonly optedOut: ReadonlySet<string>;
  /** What this export last delivered to the audience; undefined when there is no state yet. */
  readonly previous: ReadonlySet<string> | undefined;
  readonly replaceStrategy: ReplaceStrategy;
  /**
   * The form identifiers take in `previous` (the state stores digests). Omit when identifiers are
   * digests already; for plain addresses pass their digest, and removals of those who left come out
   * through `fromStateKey` (as hex hashes).
   */
  readonly stateKey?: (identifier: string) => string;
  /** A key of `previous` as an identifier to remove; omit when keys are identifiers. */
  readonly fromStateKey?: (key: string) => string;
  /**
   * `previous` is only what an interrupted first run confirmed: the audience may still hold
   * opted-out profiles from elsewhere, so every opted-out identifier is removed, as with no state.
   */
  readonly previousIncomplete?: boolean;
}

export function planSync(input: PlanInput): SyncPlan {
  const { mode, members, optedOut, previous } = input;
  switch (mode) {
    case 'add':
      return plan([...members], [], 0);
    case 'remove':
      return plan([], [...members, ...optedOut], 0);
    case 'replace': {
      const clear = input.replaceStrategy === 'clear-then-add';
      return { adds: [...members], removes: [], unchanged: 0, clearFirst: clear, firstBatchReplaces: !clear };
    }
    case 'mirror':
      return planMirror(members, optedOut, previous, input);
  }
}

/**
 * Add the new, remove those who left, leave the rest. Without state the audience may still hold
 * opted-out profiles put there by other means, so their removal is sent once; with state, only
 * those this export delivered are removed.
 */
function planMirror(members: ReadonlySet<string>, optedOut: ReadonlySet<string>, previous: ReadonlySet<string> | undefined, options: PlanInput): SyncPlan {
  const { stateKey, fromStateKey } = options;
  if (!previous) return plan([...members], [...optedOut], 0);
  // Keys are digests: a DigestSet (plain mode's members themselves are addresses, in a Set).
  const hashedMembers = stateKey ? new DigestSet(members.size) : undefined;
  const adds: string[] = [];
  let unchanged = 0;
  for (const id of members) {
    const key = stateKey ? stateKey(id) : id;
    hashedMembers?.add(key);
    if (previous.has(key)) unchanged++;
    else adds.push(id);
  }
  const memberKeys: ReadonlySet<string> = hashedMembers ?? members;
  const removes: string[] = [];
  for (const key of previous) if (!memberKeys.has(key)) removes.push(fromStateKey ? fromStateKey(key) : key);
  if (options.previousIncomplete) {
    // Those in `previous` are already in `removes` (they are not members).
    for (const id of optedOut) if (!previous.has(stateKey ? stateKey(id) : id)) removes.push(id);
  }
  return plan(adds, removes, unchanged);
}

function plan(adds: string[], removes: string[], unchanged: number): SyncPlan {
  return { adds, removes, unchanged, clearFirst: false, firstBatchReplaces: false };
}

/**
 * How many of `previous` are not in the segment: what a replace would wipe away that this export had
 * delivered (for the removal guard). Keys as in `planSync`.
 */
export function countLeaving(previous: ReadonlySet<string> | undefined, members: ReadonlySet<string>, stateKey?: (identifier: string) => string): number {
  if (!previous || previous.size === 0) return 0;
  let staying = 0;
  if (stateKey) {
    const keys = new Set<string>();
    for (const id of members) keys.add(stateKey(id));
    for (const key of keys) if (previous.has(key)) staying++;
  } else {
    for (const id of members) if (previous.has(id)) staying++;
  }
  return previous.size - staying;
}
