import { assertDigest, DIGEST_LENGTH } from './digest-set';
import type { JsonRows, WireBatch } from './types';

/** Rows per chunk of a streamed body: ~136 KB, short-lived, taken by the young-generation collector. */
const ROWS_PER_CHUNK = 2000;
const COMMA = 0x2c;
const QUOTE = 0x22;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');

/** Digests (see identifiers.ts), sent as lowercase hex made only as each chunk is written. */
export function digestBatch(digests: readonly string[]): WireBatch {
  return {
    length: digests.length,
    slices: (size) => mappedSlices(digests, size, digestsToHex),
    jsonRows: (before, after) => hexJsonRows(digests, before, after),
  };
}

/** A batch already in wire form: plain addresses, or hex hashes. */
export function wireBatchOf(identifiers: readonly string[]): WireBatch {
  return {
    length: identifiers.length,
    slices: (size) => mappedSlices(identifiers, size, (slice) => slice),
    jsonRows: (before, after) => textJsonRows(identifiers, before, after),
  };
}

/** Every identifier of a batch at once, for platforms whose batches are small (Microsoft: 1,000). */
export function wholeBatch(batch: WireBatch): string[] {
  const all: string[] = [];
  for (const slice of batch.slices(batch.length || 1)) all.push(...slice);
  return all;
}

/**
 * Digests as lowercase hex: one native conversion for the whole slice, then each value is a slice
 * of that one string (no per-identifier buffer).
 */
export function digestsToHex(digests: readonly string[]): string[] {
  for (const digest of digests) assertDigest(digest);
  const hex = Buffer.from(digests.join(''), 'latin1').toString('hex');
  const width = DIGEST_LENGTH * 2;
  const out = new Array<string>(digests.length);
  for (let i = 0; i < digests.length; i++) out[i] = hex.slice(i * width, (i + 1) * width);
  return out;
}

/**
 * JSON rows of hex written byte by byte from the digests: no string per identifier, no row strings
 * to join, no text for the socket to encode again. `before` and `after` are ASCII JSON syntax.
 */
function hexJsonRows(digests: readonly string[], before: string, after: string): JsonRows {
  const open = [...Buffer.from(before, 'latin1'), QUOTE];
  const close = [QUOTE, ...Buffer.from(after, 'latin1')];
  const rowBytes = open.length + DIGEST_LENGTH * 2 + close.length;
  const count = digests.length;
  function* chunks(): Generator<Buffer> {
    for (let start = 0; start < count; start += ROWS_PER_CHUNK) {
      const end = Math.min(count, start + ROWS_PER_CHUNK);
      const buffer = Buffer.allocUnsafe((end - start) * (rowBytes + 1) - (start === 0 ? 1 : 0));
      let at = 0;
      for (let i = start; i < end; i++) {
        const digest = digests[i];
        assertDigest(digest);
        if (i > 0) buffer[at++] = COMMA;
        for (const byte of open) buffer[at++] = byte;
        for (let k = 0; k < DIGEST_LENGTH; k++) {
          const code = digest.charCodeAt(k);
          buffer[at++] = HEX_DIGITS[code >> 4];
          buffer[at++] = HEX_DIGITS[code & 15];
        }
        for (const byte of close) buffer[at++] = byte;
      }
      yield buffer;
    }
  }
  return { byteLength: count === 0 ? 0 : count * (rowBytes + 1) - 1, chunks };
}

/** JSON rows of any text, each escaped by JSON.stringify (plain addresses may need it). */
function textJsonRows(items: readonly string[], before: string, after: string): JsonRows {
  const row = (item: string): string => `${before}${JSON.stringify(item)}${after}`;
  let byteLength = Math.max(0, items.length - 1);
  for (const item of items) byteLength += Buffer.byteLength(row(item));
  function* chunks(): Generator<Buffer> {
    for (let start = 0; start < items.length; start += ROWS_PER_CHUNK) {
      const rows = items.slice(start, start + ROWS_PER_CHUNK).map(row).join(',');
      yield Buffer.from(start === 0 ? rows : `,${rows}`, 'utf8');
    }
  }
  return { byteLength, chunks };
}

function* mappedSlices(items: readonly string[], size: number, map: (slice: readonly string[]) => readonly string[]): Generator<readonly string[]> {
  for (let start = 0; start < items.length; start += size) yield map(items.slice(start, start + size));
}
