import { Readable } from 'node:stream';
import { wireBatchOf } from './identifiers';
import type { WireBatch } from './types';

export interface StreamedBody {
  readonly stream: Readable;
  /** Exact byte length, sent as Content-Length. */
  readonly length: number;
}

const ROWS_PER_CHUNK = 2000;

/**
 * A JSON body of `head`, one text per item joined by commas, and `tail`, streamed in small chunks.
 * A batch of 100,000 identifiers is ~7 MB of JSON: streamed, no copy of it is ever held whole, nor
 * its identifiers in wire form (a `WireBatch` makes them a slice at a time, once to measure and once
 * to send), so all of it is short-lived garbage the young-generation collector takes.
 * `row` must return JSON-safe text (the platforms' identifiers are hex digests or checked addresses,
 * written with JSON.stringify where they could need escaping).
 */
export function streamJsonRows(head: string, items: WireBatch | readonly string[], row: (item: string) => string, tail: string): StreamedBody {
  const batch = isWireBatch(items) ? items : wireBatchOf(items);
  let length = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, batch.length - 1);
  for (const slice of batch.slices(ROWS_PER_CHUNK)) for (const item of slice) length += Buffer.byteLength(row(item));
  function* chunks(): Generator<string> {
    yield head;
    let first = true;
    for (const slice of batch.slices(ROWS_PER_CHUNK)) {
      const rows = slice.map(row).join(',');
      yield first ? rows : `,${rows}`;
      first = false;
    }
    yield tail;
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), length };
}

function isWireBatch(items: WireBatch | readonly string[]): items is WireBatch {
  return !Array.isArray(items);
}

/** Read a streamed body back (tests, and the rare caller that needs the text). */
export async function bodyText(body: StreamedBody): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body.stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts).toString('utf8');
}
