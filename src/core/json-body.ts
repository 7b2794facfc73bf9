import { Readable } from 'node:stream';

export interface StreamedBody {
  readonly stream: Readable;
  /** Exact byte length, sent as Content-Length. */
  readonly length: number;
}

const ROWS_PER_CHUNK = 2000;

/**
 * A JSON body of `head`, one text per item joined by commas, and `tail`, streamed in small chunks.
 * A batch of 100,000 identifiers is ~7 MB of JSON: streamed, no copy of it is ever held whole
 * (several batches in flight would otherwise pin tens of MB of buffers until a full GC).
 * `row` must return JSON-safe text (the platforms' identifiers are hex digests or checked addresses,
 * written with JSON.stringify where they could need escaping).
 */
export function streamJsonRows(head: string, items: readonly string[], row: (item: string) => string, tail: string): StreamedBody {
  let length = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, items.length - 1);
  for (const item of items) length += Buffer.byteLength(row(item));
  function* chunks(): Generator<string> {
    yield head;
    for (let start = 0; start < items.length; start += ROWS_PER_CHUNK) {
      const rows = items.slice(start, start + ROWS_PER_CHUNK).map(row).join(',');
      yield start === 0 ? rows : `,${rows}`;
    }
    yield tail;
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), length };
}

/** Read a streamed body back (tests, and the rare caller that needs the text). */
export async function bodyText(body: StreamedBody): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body.stream) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(parts).toString('utf8');
}
