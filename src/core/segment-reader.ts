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

/**
 * The profiles a payload holds (DESIGN §3): an array of profiles, one profile object, or one email
 * address as text. Anything else is refused with a sentence that says what would work.
 */
export function profilesOf(payload: unknown): readonly unknown[] {
  if (Array.isArray(payload)) return payload;
  if (typeof payload === 'string') {
    if (normaliseEmail(payload) !== undefined || /^\s*[0-9a-fA-F]{64}\s*$/.test(payload)) return [payload];
    const hint = /[,;\t]/.test(payload) || /\r?\n/.test(payload.trim())
      ? ': it looks like CSV. Put a CSV node before this node (File-in → CSV), so each row becomes a profile'
      : ': to export a file, read it with a File-in node and parse it with a CSV or JSON node before this node';
    throw new ExportError('invalid_input', `msg.payload is text that is not an email address${hint}`);
  }
  if (Buffer.isBuffer(payload)) {
    throw new ExportError('invalid_input', 'msg.payload is binary data (a Buffer): set the File-in node to output a UTF-8 string, then parse it with a CSV or JSON node');
  }
  if (typeof payload === 'object' && payload !== null) return [payload];
  throw new ExportError('invalid_input', `msg.payload must be profiles: an array of profile objects, one profile object or an email address (got ${describe(payload)})`);
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

/**
 * Map, normalise, hash and dedupe in one pass. A profile is an object holding the email at
 * `emailField`, or a bare string that is the email. Anything unusable is counted as invalid.
 */
export function readSegment(payload: unknown, options: ReadOptions): SegmentIdentifiers {
  const reader = new SegmentReader(payload, options);
  reader.read(Number.POSITIVE_INFINITY);
  return reader.result();
}

/** Profiles read between two turns of the event loop: tens of milliseconds of work. */
export const PROFILES_PER_SLICE = 20_000;

/**
 * The same, a slice at a time, letting the event loop run between slices: a million profiles take
 * about a second to read and hash, which would otherwise stall every flow and the editor.
 */
export async function readSegmentYielding(payload: unknown, options: ReadOptions, profilesPerSlice = PROFILES_PER_SLICE): Promise<SegmentIdentifiers> {
  const reader = new SegmentReader(payload, options);
  while (!reader.done) {
    reader.read(profilesPerSlice);
    if (!reader.done) await new Promise((resolve) => setImmediate(resolve));
  }
  return reader.result();
}

class SegmentReader {
  private readonly profiles: readonly unknown[];
  private readonly readEmail: FieldReader;
  private readonly readConsent: FieldReader | undefined;
  private readonly fromRaw: (raw: string) => string | undefined;
  private readonly members: Set<string>;
  private readonly optedOut: Set<string>;
  private next = 0;
  private invalid = 0;
  private duplicates = 0;
  private optedOutCount = 0;
  private readonly fieldNames = new Set<string>();
  private sampled = 0;

  constructor(payload: unknown, options: ReadOptions) {
    const profiles = profilesOf(payload);
    this.profiles = profiles;
    this.readEmail = fieldReader(options.emailField, options.parsePath);
    this.readConsent = options.consentField ? fieldReader(options.consentField, options.parsePath) : undefined;
    const form = identifierForm(options.encoding);
    this.fromRaw = form.fromRaw;
    this.members = form.newSet(profiles.length);
    this.optedOut = form.newSet(0);
  }

  get done(): boolean {
    return this.next >= this.profiles.length;
  }

  read(count: number): void {
    const { profiles, readEmail, readConsent, fromRaw, members, optedOut } = this;
    const end = Math.min(profiles.length, this.next + count);
    for (let i = this.next; i < end; i++) {
      const profile = profiles[i];
      if (this.sampled < FIELD_NAME_SAMPLE && isPlainRecord(profile)) {
        this.sampled++;
        for (const name of Object.keys(profile)) this.fieldNames.add(name);
      }
      const raw = typeof profile === 'string' ? profile : readEmail(profile);
      const identifier = typeof raw === 'string' ? fromRaw(raw) : undefined;
      if (identifier === undefined) {
        this.invalid++;
        continue;
      }
      if (readConsent && typeof profile !== 'string' && consentWithdrawn(readConsent(profile))) {
        this.optedOutCount++;
        optedOut.add(identifier);
        continue;
      }
      const size = members.size;
      if (members.add(identifier).size === size) this.duplicates++;
    }
    this.next = end;
  }

  result(): SegmentIdentifiers {
    const { members, optedOut } = this;
    // A profile that opted out anywhere in the segment is not exported, even if listed twice.
    for (const identifier of optedOut) members.delete(identifier);
    return { members, optedOut, profiles: this.profiles.length, invalid: this.invalid, duplicates: this.duplicates, optedOutCount: this.optedOutCount, fieldNames: [...this.fieldNames] };
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
