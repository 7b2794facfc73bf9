import { ExportError } from './errors';
import { redact } from './redact';
import type { SyncMode } from './types';

/**
 * The guards that keep a mistake from emptying an audience (DESIGN §3), decided before any member
 * is uploaded, in dry runs too: a mistyped email field or an upstream query that returned nothing
 * must fail loudly, not mirror an empty segment onto a million-member audience with a green status.
 */

/** Field names listed in a `no_valid_emails` message, at most (names only, never values). */
const MAX_FIELD_NAMES = 20;
const MAX_NAME_LENGTH = 40;

export interface ReadCounts {
  readonly profiles: number;
  readonly invalid: number;
}

/**
 * Fails `no_valid_emails` when profiles arrived but not one held a usable address. The message names
 * the email field and the fields the profiles do have, so a renamed CRM column is found at once;
 * a field name that looks like an address is masked like any other text.
 */
export function assertSomeAddressUsable(counts: ReadCounts, emailField: string, fieldNames: readonly string[]): void {
  if (counts.profiles === 0 || counts.invalid < counts.profiles) return;
  const names = fieldNames.slice(0, MAX_FIELD_NAMES).map((name) => (name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name));
  const more = fieldNames.length > MAX_FIELD_NAMES ? ', …' : '';
  const fields = names.length > 0 ? `the profiles have the fields ${names.join(', ')}${more}` : 'the profiles have no fields to choose from';
  throw new ExportError(
    'no_valid_emails',
    redact(`Email field \`${emailField}\` matched no address in ${count(counts.invalid)} of ${count(counts.profiles)} ${counts.profiles === 1 ? 'profile' : 'profiles'}; ${fields}; nothing was sent`, { maxLength: 600 }),
    // `count` picks the catalogue's plural form (profile, profiles).
    { params: { field: redact(emailField, { maxLength: MAX_NAME_LENGTH }), fields: names.length > 0 ? redact(`${names.join(', ')}${more}`, { maxLength: 400 }) : '—', invalid: counts.invalid, profiles: counts.profiles, count: counts.profiles } },
  );
}

export interface RemovalCheck {
  readonly mode: SyncMode;
  /** 0–100; 100 turns the guard off. */
  readonly maxRemovalPercent: number;
  /** Identifiers this export last delivered to the audience (the mirror state); undefined without state. */
  readonly delivered: number | undefined;
  /** Of those, how many the run would remove (mirror) or wipe away (replace). */
  readonly removals: number;
  /** Usable identifiers in the segment. */
  readonly members: number;
  /** Additions already sent while the segment was read (mirror): they stay, the removals do not go. */
  readonly sentAlready?: number;
}

/**
 * Fails `removal_guard` when a mirror or replace run would remove more than `maxRemovalPercent` of
 * what this export last delivered (an empty segment is a 100% removal), and refuses a replace with
 * no usable identifier at all (it would only wipe). Add and remove runs say what they do: unguarded.
 */
export function assertRemovalAllowed(check: RemovalCheck): void {
  const { mode, maxRemovalPercent, delivered, removals } = check;
  if (maxRemovalPercent >= 100 || (mode !== 'mirror' && mode !== 'replace')) return;
  if (mode === 'replace' && check.members === 0) {
    throw new ExportError(
      'removal_guard',
      'Replace with no usable identifier would only empty the audience; nothing was sent. If that is what you want, set maxRemovalPercent to 100 for this run',
      { params: { variant: 'wipe_only', max: maxRemovalPercent } },
    );
  }
  if (!delivered) return;
  const share = (removals / delivered) * 100;
  if (share <= maxRemovalPercent) return;
  const verb = mode === 'mirror' ? 'remove' : 'wipe away';
  const sent = check.sentAlready ?? 0;
  const outcome = sent > 0 ? `no one was removed (${count(sent)} additions had already gone out while the segment was read)` : 'nothing was sent';
  throw new ExportError(
    'removal_guard',
    `${mode === 'mirror' ? 'Mirror' : 'Replace'} would ${verb} ${count(removals)} of the ${count(delivered)} ${delivered === 1 ? 'identifier' : 'identifiers'} this export last delivered to the audience (${percent(share)}), more than maxRemovalPercent (${maxRemovalPercent}%); ${outcome}. If the segment really shrank, raise maxRemovalPercent for one run (100 turns the guard off)`,
    { params: { removing: removals, delivered, count: delivered, percent: share >= 10 ? Math.round(share) : Math.round(share * 10) / 10, max: maxRemovalPercent } },
  );
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function percent(share: number): string {
  return `${share >= 10 ? Math.round(share) : Math.round(share * 10) / 10}%`;
}
