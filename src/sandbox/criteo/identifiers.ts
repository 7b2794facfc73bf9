/**
 * Contact-list identifiers (reference §5). Criteo accepts plain emails (hashed on arrival) and
 * MD5/SHA-256 hex digests under the one identifierType `email`. The sandbox stores what Criteo would
 * match on: a plain email as sha256(lowercase(trim)) hex, a 32- or 64-hex digest lowercased as is — so
 * removing by SHA-256 removes a member added in plain. MD5 digests are kept as MD5 (not converted).
 */
import { createHash } from 'node:crypto';

/** At most this many invalid identifiers are echoed back (the reference gives no number). */
export const MAX_INVALID_SAMPLES = 5;

export interface ClassifiedIdentifiers {
  /** Normalised values to apply, in request order (duplicates kept: they count as valid each time). */
  readonly valid: string[];
  readonly invalidCount: number;
  readonly invalidSamples: string[];
}

/** One pass over the identifiers: classify, normalise, sample the invalid ones. */
export function classifyIdentifiers(identifiers: ReadonlyArray<unknown>): ClassifiedIdentifiers {
  const valid: string[] = [];
  const invalidSamples: string[] = [];
  let invalidCount = 0;
  for (let i = 0; i < identifiers.length; i++) {
    const raw = identifiers[i];
    const normalised = typeof raw === 'string' ? normaliseIdentifier(raw) : undefined;
    if (normalised !== undefined) {
      valid.push(normalised);
      continue;
    }
    invalidCount += 1;
    if (invalidSamples.length < MAX_INVALID_SAMPLES) invalidSamples.push(typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw));
  }
  return { valid, invalidCount, invalidSamples };
}

/** The stored form of one identifier, or undefined when it is neither an email nor a 32/64-hex digest. */
export function normaliseIdentifier(raw: string): string | undefined {
  const value = raw.trim();
  if ((value.length === 64 || value.length === 32) && isHex(value)) return value.toLowerCase();
  if (isEmailShape(value)) return createHash('sha256').update(value.toLowerCase(), 'utf8').digest('hex');
  return undefined;
}

function isHex(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** local@domain.tld without whitespace: a shape check, not RFC 5322 (Criteo's own rule is unknown). */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

function isEmailShape(value: string): boolean {
  return value.length <= 320 && EMAIL_SHAPE.test(value);
}
