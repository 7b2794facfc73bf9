import { DigestSet } from './digest-set';
import { type EmailEncoding, isSha256Hex, normaliseEmail, sha256Digest, toIdentifier } from './email';
import type { WireBatch } from './types';
import { digestBatch, wireBatchOf } from './wire-batch';

/**
 * How the engine holds identifiers between reading a segment and sending it. A hashed identifier
 * is kept as its 32 raw SHA-256 bytes in a one-byte string ("digest"): half the memory of 64 hex
 * digits, and the mirror state's own form, so planning and saving never convert. Hex is made only
 * for the batch being sent. Plain mode (Criteo) keeps what it sends, a normalised address or a hex
 * hash, and keys its state by the digest.
 */
export interface IdentifierForm {
  /** A profile's raw email value as the engine's identifier; undefined when it is not usable. */
  fromRaw(raw: string): string | undefined;
  /** An empty set for this form's identifiers, sized for `expected` of them. */
  newSet(expected: number): Set<string>;
  /** One batch as the platform takes it. */
  toWire(identifiers: readonly string[]): WireBatch;
  /** The identifier's key in the mirror state (a digest); undefined when the identifier is its own key. */
  readonly toStateKey?: (identifier: string) => string;
  /** A state key as an identifier to send (the removal of someone who left); undefined when the same. */
  readonly fromStateKey?: (key: string) => string;
}

const HASHED: IdentifierForm = {
  fromRaw(raw) {
    // Only a value of 64+ characters can trim to a hex digest: skip the test for ordinary addresses.
    if (raw.length >= 64) {
      const trimmed = raw.trim();
      if (isSha256Hex(trimmed)) return hexToDigest(trimmed);
    }
    const email = normaliseEmail(raw);
    return email === undefined ? undefined : sha256Digest(email);
  },
  newSet: (expected) => new DigestSet(expected),
  toWire: digestBatch,
};

const PLAIN: IdentifierForm = {
  fromRaw: (raw) => toIdentifier(raw, 'plain'),
  newSet: () => new Set<string>(),
  toWire: wireBatchOf,
  toStateKey: (identifier) => (isSha256Hex(identifier) ? hexToDigest(identifier) : sha256Digest(identifier)),
  fromStateKey: (key) => Buffer.from(key, 'latin1').toString('hex'),
};

export function identifierForm(encoding: EmailEncoding): IdentifierForm {
  return encoding === 'plain' ? PLAIN : HASHED;
}

export function hexToDigest(hex: string): string {
  return Buffer.from(hex, 'hex').toString('latin1');
}
