import { assertDigest, DIGEST_LENGTH, DigestSet } from './digest-set';
import { ExportError } from './errors';

/**
 * The mirror state's journal format: every batch the platform confirmed, appended as it is
 * confirmed, so a run that dies half-way (a crash, a killed Node-RED) leaves behind what it did and
 * the next run does not send it again. A record is one byte of operation, a 32-bit count and the
 * digests; the next complete save folds the journal into the state file and deletes it (the store,
 * sync-state.ts, does the file I/O).
 */
export type JournalOperation = 'add' | 'remove' | 'replace';

const OPERATION_BYTE: Record<JournalOperation, number> = { add: 0x2b /* + */, remove: 0x2d /* - */, replace: 0x3d /* = */ };
const HEADER_BYTES = 5;

export function journalRecord(operation: JournalOperation, digests: readonly string[]): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + digests.length * DIGEST_LENGTH);
  record[0] = OPERATION_BYTE[operation];
  record.writeUInt32LE(digests.length, 1);
  let offset = HEADER_BYTES;
  for (const digest of digests) {
    assertDigest(digest);
    record.write(digest, offset, DIGEST_LENGTH, 'latin1');
    offset += DIGEST_LENGTH;
  }
  return record;
}

export interface Replayed {
  readonly members: Set<string>;
  /** True when a record wiped the audience: from then on the members are known exactly. */
  readonly replaced: boolean;
  readonly records: number;
  /** Bytes of complete records: a torn record after them must be cut off before anything is appended. */
  readonly completeBytes: number;
}

/** Apply a journal to `base` (modified in place). A record cut short by a crash is ignored. */
export function replayJournal(journal: Buffer, base: Set<string> | undefined): Replayed {
  let members = base ?? new DigestSet();
  let replaced = false;
  let records = 0;
  let offset = 0;
  while (offset + HEADER_BYTES <= journal.length) {
    const operation = journal[offset];
    const count = journal.readUInt32LE(offset + 1);
    const end = offset + HEADER_BYTES + count * DIGEST_LENGTH;
    if (end > journal.length) break; // torn by the crash that left the journal behind
    if (operation === OPERATION_BYTE.replace) {
      members = new DigestSet(count);
      replaced = true;
    } else if (operation !== OPERATION_BYTE.add && operation !== OPERATION_BYTE.remove) {
      throw new ExportError('state_io', 'The mirror state journal is damaged');
    }
    for (let at = offset + HEADER_BYTES; at < end; at += DIGEST_LENGTH) {
      const digest = journal.toString('latin1', at, at + DIGEST_LENGTH);
      if (operation === OPERATION_BYTE.remove) members.delete(digest);
      else members.add(digest);
    }
    records++;
    offset = end;
  }
  return { members, replaced, records, completeBytes: offset };
}
