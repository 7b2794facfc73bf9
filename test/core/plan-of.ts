import { DigestSet } from '../../src/core/digest-set';
import type { IdentifierForm } from '../../src/core/identifiers';
import { SegmentMembers } from '../../src/core/segment-members';
import type { SyncMode } from '../../src/core/types';

export interface PlanInput {
  readonly form: IdentifierForm;
  readonly mode: SyncMode;
  /** Identifiers as read, in arrival order (repeats allowed). */
  readonly admitted: readonly string[];
  readonly optedOut?: readonly string[];
  /** The state (keys: digests); undefined = none. */
  readonly previous?: ReadonlySet<string>;
  readonly previousIncomplete?: boolean;
  /** After how many admissions the run attaches the state (a run that waited for its audience); default: before any. */
  readonly attachAfter?: number;
}

/** What the engine would send for a segment, as `runExport` asks `SegmentMembers`: adds, removes, unchanged. */
export function planOf(input: PlanInput): { adds: string[]; removes: string[]; unchanged: number } {
  // Attached synchronously here (one slice covers these few): the property is about what, not when.
  const members = new SegmentMembers(input.form, 0);
  const attachAt = Math.min(input.attachAfter ?? 0, input.admitted.length);
  const attach = () => void members.attach(input.previous ? digestSet(input.previous) : undefined, input.mode === 'mirror', Number.MAX_SAFE_INTEGER);
  input.admitted.forEach((identifier, index) => {
    if (index === attachAt) attach();
    members.admit(identifier);
  });
  if (attachAt >= input.admitted.length) attach();
  for (const identifier of input.optedOut ?? []) members.optOut(identifier);
  members.finish();
  const adds: string[] = [];
  if (input.mode !== 'remove') for (let batch = members.take(7, true); batch; batch = members.take(7, true)) adds.push(...batch.identifiers);
  const removes = input.mode === 'mirror' ? members.leavers(input.previousIncomplete ?? false) : input.mode === 'remove' ? members.everyone() : [];
  return { adds, removes, unchanged: input.mode === 'mirror' ? members.staying : 0 };
}

function digestSet(values: ReadonlySet<string>): DigestSet {
  const set = new DigestSet(values.size);
  for (const value of values) set.add(value);
  return set;
}
