import { Readable } from 'node:stream';
import { wireBatchOf } from './wire-batch';
import type { WireBatch } from './types';

export interface StreamedBody {
  readonly stream: Readable;
  /** Exact byte length, sent as Content-Length. */
  readonly length: number;
}

/**
 * A JSON body of `head`, then each identifier as a JSON string between `before` and `after`, joined
 * by commas, then `tail` (Snapchat's rows are `["<hash>"]`: before `[`, after `]`). A batch of
 * 100,000 identifiers is ~7 MB of JSON: it is streamed in chunks the batch renders straight into
 * bytes, so neither the body nor its identifiers in wire form ever exist whole.
 */
export function streamJsonRows(head: string, items: WireBatch | readonly string[], before: string, after: string, tail: string): StreamedBody {
  const batch = isWireBatch(items) ? items : wireBatchOf(items);
  const rows = batch.jsonRows(before, after);
  function* chunks(): Generator<Buffer | string> {
    yield head;
    yield* rows.chunks();
    yield tail;
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), length: Buffer.byteLength(head) + rows.byteLength + Buffer.byteLength(tail) };
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
