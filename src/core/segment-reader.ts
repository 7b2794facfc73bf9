import { type EmailEncoding, normaliseEmail } from './email';
import { ExportError } from './errors';
import { type FieldReader, fieldReader, type PathParser } from './field-path';
import { identifierForm } from './identifiers';

export interface ReadOptions {
  /** A key as it stands in the profile, or a property expression (see field-path.ts). */
  readonly emailField: string;
  /** Optional key or property expression of a per-profile marketing consent flag. */
  readonly consentField?: string;
  readonly encoding: EmailEncoding;
  /** The property-expression syntax (Node-RED's, from the node glue); dotted paths without it. */
  readonly parsePath?: PathParser;
}

/** Text holding columns or lines: a CSV (or similar) file or row, not one address. */
const LOOKS_LIKE_CSV = /[,;\t]|\r?\n/;
const HEX_DIGEST = /^\s*[0-9a-fA-F]{64}\s*$/;

/**
 * The profiles a payload holds (DESIGN §3): an array of profiles, one profile object, or one email
 * address as text. Anything else is refused with a sentence that says what would work.
 */
export function profilesOf(payload: unknown): readonly unknown[] {
  if (Array.isArray(payload)) return payload;
  if (typeof payload === 'string') {
    const csv = LOOKS_LIKE_CSV.test(payload.trim());
    if (!csv && (normaliseEmail(payload) !== undefined || HEX_DIGEST.test(payload))) return [payload];
    throw textRefused(csv);
  }
  if (Buffer.isBuffer(payload)) {
    throw new ExportError('invalid_input', 'msg.payload is binary data (a Buffer): set the File-in node to output a UTF-8 string, then parse it with a CSV or JSON node', { params: { variant: 'buffer' } });
  }
  if (typeof payload === 'object' && payload !== null) return [payload];
  throw new ExportError('invalid_input', `msg.payload must be profiles: an array of profile objects, one profile object or an email address (got ${describe(payload)})`, { params: { variant: 'not_profiles' } });
}

/**
 * The profiles one part of a sequence holds: the same forms, except that a line of text that is not
 * an address (the heading of a list read line by line) is one invalid row, a blank line none; a line
 * that holds columns is a CSV row, and refused with the way to read it.
 */
export function partProfilesOf(payload: unknown): readonly unknown[] {
  // File-in's last line, after a file's final newline, is empty: no row at all.
  if (typeof payload === 'string' && payload.trim() === '') return [];
  if (typeof payload === 'string' && !LOOKS_LIKE_CSV.test(payload.trim())) return [payload];
  return profilesOf(payload);
}

function textRefused(csv: boolean): ExportError {
  const hint = csv
    ? ': it looks like CSV. Put a CSV node before this node (File-in → CSV), so each row becomes a profile'
    : ': to export a file, read it with a File-in node and parse it with a CSV or JSON node before this node';
  // Each has its sentence in the catalogues (errors.invalid_input_<variant>): the advice reaches Catch in the runtime's language.
  return new ExportError('invalid_input', `msg.payload is text that is not an email address${hint}`, { params: { variant: csv ? 'csv_text' : 'other_text' } });
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
  /** Top-level field names of the first profiles (names only, never values): for the no_valid_emails message. */
  readonly fieldNames: readonly string[];
}

/** Profiles whose field names are sampled: a segment's rows share their columns. */
const FIELD_NAME_SAMPLE = 20;

const NO_CONSENT = new Set(['false', 'no', 'n', '0']);

/** `false`, `"false"`, `"no"`, `"n"` and `0` withdraw consent (DESIGN §3); anything else, or no value, keeps it. */
export function consentWithdrawn(flag: unknown): boolean {
  if (flag === false || flag === 0) return true;
  return typeof flag === 'string' && NO_CONSENT.has(flag.trim().toLowerCase());
}

/** Where a reader puts what it finds: the engine's members (segment-members.ts), or a plain pair of sets. */
export interface IdentifierSink {
  /** A usable identifier; false when the segment already held it (a duplicate). */
  admit(identifier: string): boolean;
  /** An identifier whose consent flag says no. */
  optOut(identifier: string): void;
}

/** What a reader counted, whatever it was fed. */
export interface ReadCounts {
  readonly profiles: number;
  readonly invalid: number;
  readonly duplicates: number;
  readonly optedOutCount: number;
  /** Top-level field names of the first profiles (names only, never values): for the no_valid_emails message. */
  readonly fieldNames: readonly string[];
}

/**
 * Map, normalise and hash profiles into a sink, counting as it goes. A profile is an object holding
 * the email at `emailField`, or a bare string that is the email. Anything unusable is counted as
 * invalid. Fed any number of payloads (the parts of a sequence, in any order).
 */
export class ProfileReader implements ReadCounts {
  private readonly readEmail: FieldReader;
  private readonly readConsent: FieldReader | undefined;
  private readonly fromRaw: (raw: string) => string | undefined;
  profiles = 0;
  invalid = 0;
  duplicates = 0;
  optedOutCount = 0;
  private readonly names = new Set<string>();
  private sampled = 0;

  constructor(
    options: ReadOptions,
    private readonly sink: IdentifierSink,
  ) {
    this.readEmail = fieldReader(options.emailField, options.parsePath);
    this.readConsent = options.consentField ? fieldReader(options.consentField, options.parsePath) : undefined;
    this.fromRaw = identifierForm(options.encoding).fromRaw;
  }

  get fieldNames(): readonly string[] {
    return [...this.names];
  }

  /** Read `profiles[from]` up to (not including) `profiles[to]`. */
  read(profiles: readonly unknown[], from: number, to: number): void {
    const { readEmail, readConsent, fromRaw, sink } = this;
    for (let i = from; i < to; i++) {
      const profile = profiles[i];
      if (this.sampled < FIELD_NAME_SAMPLE && isPlainRecord(profile)) {
        this.sampled++;
        for (const name of Object.keys(profile)) this.names.add(name);
      }
      const raw = typeof profile === 'string' ? profile : readEmail(profile);
      const identifier = typeof raw === 'string' ? fromRaw(raw) : undefined;
      if (identifier === undefined) {
        this.invalid++;
        continue;
      }
      if (readConsent && typeof profile !== 'string' && consentWithdrawn(readConsent(profile))) {
        this.optedOutCount++;
        sink.optOut(identifier);
        continue;
      }
      if (!sink.admit(identifier)) this.duplicates++;
    }
    this.profiles += to - from;
  }
}

/** Read a whole payload at once (tests, small inputs): the members and counts. */
export function readSegment(payload: unknown, options: ReadOptions): SegmentIdentifiers {
  const profiles = profilesOf(payload);
  const sets = new SetPair(options.encoding, profiles.length);
  const reader = new ProfileReader(options, sets);
  reader.read(profiles, 0, profiles.length);
  return sets.result(reader);
}

/** Profiles read between two turns of the event loop: tens of milliseconds of work. */
export const PROFILES_PER_SLICE = 20_000;

/** The same, a slice at a time, letting the event loop run between slices. */
export async function readSegmentYielding(payload: unknown, options: ReadOptions, profilesPerSlice = PROFILES_PER_SLICE): Promise<SegmentIdentifiers> {
  const profiles = profilesOf(payload);
  const sets = new SetPair(options.encoding, profiles.length);
  const reader = new ProfileReader(options, sets);
  for (let from = 0; from < profiles.length; from += profilesPerSlice) {
    reader.read(profiles, from, Math.min(profiles.length, from + profilesPerSlice));
    if (from + profilesPerSlice < profiles.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return sets.result(reader);
}

/** Members and opted-out identifiers as two sets. */
class SetPair implements IdentifierSink {
  private readonly members: Set<string>;
  private readonly optedOut: Set<string>;

  constructor(encoding: EmailEncoding, expected: number) {
    const form = identifierForm(encoding);
    this.members = form.newSet(expected);
    this.optedOut = form.newSet(0);
  }

  admit(identifier: string): boolean {
    const size = this.members.size;
    return this.members.add(identifier).size !== size;
  }

  optOut(identifier: string): void {
    this.optedOut.add(identifier);
  }

  result(counts: ReadCounts): SegmentIdentifiers {
    const { members, optedOut } = this;
    // A profile that opted out anywhere in the segment is not exported, even if listed twice.
    for (const identifier of optedOut) members.delete(identifier);
    return { members, optedOut, profiles: counts.profiles, invalid: counts.invalid, duplicates: counts.duplicates, optedOutCount: counts.optedOutCount, fieldNames: counts.fieldNames };
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' || typeof value === 'bigint') return 'a number';
  if (typeof value === 'boolean') return `${value}`;
  return `a ${typeof value}`;
}
