import type { EmailEncoding } from './email';
import { ExportError } from './errors';
import { fieldReader } from './field-path';
import { identifierForm } from './identifiers';

export interface ReadOptions {
  readonly emailField: string;
  /** Optional dotted path to a per-profile marketing consent flag. */
  readonly consentField?: string;
  readonly encoding: EmailEncoding;
}

/** A segment's members turned into identifiers: the only copy of the segment the engine keeps. */
export interface SegmentIdentifiers {
  /** Unique identifiers of the profiles to export, in first-seen order (in the engine's form: see identifiers.ts). */
  readonly members: Set<string>;
  /** Unique identifiers of profiles whose consent flag says no (removed in mirror mode). */
  readonly optedOut: Set<string>;
  readonly profiles: number;
  readonly invalid: number;
  readonly duplicates: number;
  readonly optedOutCount: number;
}

const NO_CONSENT = new Set(['false', 'no', 'n', '0']);

/** `false`, `"false"`, `"no"`, `"n"` and `0` withdraw consent (DESIGN §3); anything else, or no value, keeps it. */
export function consentWithdrawn(flag: unknown): boolean {
  if (flag === false || flag === 0) return true;
  return typeof flag === 'string' && NO_CONSENT.has(flag.trim().toLowerCase());
}

/**
 * Map, normalise, hash and dedupe in one pass. A profile is an object holding the email at
 * `emailField`, or a bare string that is the email. Anything unusable is counted as invalid.
 */
export function readSegment(payload: unknown, options: ReadOptions): SegmentIdentifiers {
  if (!Array.isArray(payload)) {
    throw new ExportError('invalid_input', `msg.payload must be an array of profiles, got ${describe(payload)}`);
  }
  const readEmail = fieldReader(options.emailField);
  const readConsent = options.consentField ? fieldReader(options.consentField) : undefined;
  const form = identifierForm(options.encoding);
  const fromRaw = form.fromRaw;
  const members = form.newSet(payload.length);
  const optedOut = form.newSet(0);
  let invalid = 0;
  let duplicates = 0;
  let optedOutCount = 0;

  for (const profile of payload as unknown[]) {
    const raw = typeof profile === 'string' ? profile : readEmail(profile);
    const identifier = typeof raw === 'string' ? fromRaw(raw) : undefined;
    if (identifier === undefined) {
      invalid++;
      continue;
    }
    if (readConsent && typeof profile !== 'string' && consentWithdrawn(readConsent(profile))) {
      optedOutCount++;
      optedOut.add(identifier);
      continue;
    }
    if (members.has(identifier)) duplicates++;
    else members.add(identifier);
  }
  // A profile that opted out anywhere in the segment is not exported, even if listed twice.
  for (const identifier of optedOut) members.delete(identifier);
  return { members, optedOut, profiles: payload.length, invalid, duplicates, optedOutCount };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
