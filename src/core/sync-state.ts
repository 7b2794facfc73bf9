import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type AudienceLease, assertLeaseHeld, InProcessAudienceLocks } from './audience-lock';
import { assertDigest, DIGEST_LENGTH, DigestSet } from './digest-set';
import { ExportError } from './errors';
import { type JournalOperation, journalRecord, type Replayed, replayJournal } from './state-journal';
import { onePer } from './one-per';

/**
 * Durable mirror state: per platform + account + audience, the identifiers this package last
 * delivered and the platform confirmed, as SHA-256 digests (32-byte one-byte strings, see
 * identifiers.ts; a plain address is keyed by its digest, so none ever lands on disk). The file is
 * those 32 bytes per identifier after a short header, written atomically at the end of a run;
 * each batch confirmed in between is appended to a journal beside it (state-journal.ts).
 */
export interface AudienceKey {
  readonly platform: string;
  readonly accountKey: string;
  readonly audienceId: string;
}

export interface LoadedState {
  readonly members: Set<string>;
  /**
   * False when all that is known is the journal of a first run that was interrupted: the audience
   * may still hold opted-out profiles put there by other means, so mirror removes them again.
   */
  readonly complete: boolean;
  /** A journal was folded in: the next save should be written even if the run changes nothing. */
  readonly journalled: boolean;
}

export interface SyncStateStore {
  load(key: AudienceKey): Promise<LoadedState | undefined>;
  /**
   * Journal one batch the platform confirmed (digests), the moment it is confirmed. With a lease,
   * refused (`aborted`) once the lease is gone: a stopped run never writes after the next run began.
   */
  record(key: AudienceKey, operation: JournalOperation, digests: readonly string[], lease?: AudienceLease): Promise<void>;
  /** `members` are distinct digests; `size` is how many it yields. Folds in and ends the journal. Fenced like `record`. */
  save(key: AudienceKey, members: Iterable<string>, size: number, lease?: AudienceLease): Promise<void>;
  /** Remember which audience a segment name resolved to, so a dry run can find its state offline. */
  rememberAudience(platform: string, accountKey: string, segmentName: string, audienceId: string): Promise<void>;
  recallAudience(platform: string, accountKey: string, segmentName: string): Promise<string | undefined>;
}

const MAGIC = Buffer.from('AXS1');
const HASH_BYTES = DIGEST_LENGTH;

/** One store per directory in a process, so index updates from concurrent exports are serialised. */
export const stateStoreFor = onePer((directory) => new FileSyncStateStore(directory));

export class FileSyncStateStore implements SyncStateStore {
  /** One Node-RED instance uses a directory: locks inside the process are enough. */
  readonly locks = new InProcessAudienceLocks();
  private indexWrite: Promise<void> = Promise.resolve();
  /** Journal appends in flight, per file: records of concurrent batches must not interleave. */
  private readonly appends = new Map<string, Promise<void>>();
  /** Saves in flight, per state file: the next holder of the audience reads after them. */
  private readonly saves = new Map<string, Promise<void>>();

  constructor(private readonly directory: string) {}

  async load(key: AudienceKey): Promise<LoadedState | undefined> {
    // Writes queued by the previous holder of the audience land before anything is read.
    await this.saves.get(this.fileFor(key));
    await this.appends.get(this.journalFor(key));
    const base = await this.readState(key);
    const journal = await readIfPresent(this.journalFor(key), 'Could not read the mirror state journal');
    if (!journal || journal.length === 0) return loadedState(base, undefined);
    const replayed = replayJournal(journal, base);
    if (replayed.completeBytes < journal.length) await this.cutTornRecord(replayed.completeBytes, key);
    return loadedState(base, replayed);
  }

  async record(key: AudienceKey, operation: JournalOperation, digests: readonly string[], lease?: AudienceLease): Promise<void> {
    // Checked and queued in one synchronous step: nothing can take the lease in between.
    assertLeaseHeld(lease);
    const file = this.journalFor(key);
    const record = journalRecord(operation, digests);
    const append = (this.appends.get(file) ?? Promise.resolve()).then(async () => {
      try {
        await fs.mkdir(this.directory, { recursive: true });
        await fs.appendFile(file, record, { mode: 0o600 });
      } catch {
        throw new ExportError('state_io', 'Could not write the mirror state journal');
      }
    });
    this.appends.set(file, append.catch(() => undefined));
    await append;
  }

  /** A crash mid-append leaves a partial record: cut it, or the next record would be read as its rest. */
  private async cutTornRecord(completeBytes: number, key: AudienceKey): Promise<void> {
    const file = this.journalFor(key);
    await (this.appends.get(file) ?? Promise.resolve());
    await fs.truncate(file, completeBytes).catch(() => {
      throw new ExportError('state_io', 'Could not repair the mirror state journal');
    });
  }

  private async readState(key: AudienceKey): Promise<Set<string> | undefined> {
    const data = await readIfPresent(this.fileFor(key), 'Could not read the mirror state');
    if (!data) return undefined;
    if (data.length < 8 || !data.subarray(0, 4).equals(MAGIC)) throw new ExportError('state_io', 'The mirror state file is damaged');
    const count = data.readUInt32LE(4);
    if (data.length !== 8 + count * HASH_BYTES) throw new ExportError('state_io', 'The mirror state file is damaged');
    // The file's digests become the set's storage as they stand: no string per identifier.
    return DigestSet.fromBytesYielding(data.subarray(8));
  }

  async save(key: AudienceKey, members: Iterable<string>, size: number, lease?: AudienceLease): Promise<void> {
    const file = this.fileFor(key);
    const journal = this.journalFor(key);
    await this.appends.get(journal);
    assertLeaseHeld(lease);
    const saving = (async () => {
      await this.writeAtomically(file, stateChunks(members, size));
      // Replaying a journal onto the state it was folded into changes nothing, so a crash between the
      // rename above and this removal is harmless.
      await fs.rm(journal, { force: true }).catch(() => undefined);
      this.appends.delete(journal);
    })();
    const settled = saving.catch(() => undefined);
    this.saves.set(file, settled);
    try {
      await saving;
    } finally {
      if (this.saves.get(file) === settled) this.saves.delete(file);
    }
  }

  async rememberAudience(platform: string, accountKey: string, segmentName: string, audienceId: string): Promise<void> {
    // Serialised: concurrent exports of one runtime must not lose each other's entries.
    this.indexWrite = this.indexWrite.then(async () => {
      const index = await this.readIndex();
      index[indexKey(platform, accountKey, segmentName)] = audienceId;
      await this.writeAtomically(this.indexFile(), [Buffer.from(JSON.stringify(index, null, 1))]);
    });
    await this.indexWrite;
  }

  async recallAudience(platform: string, accountKey: string, segmentName: string): Promise<string | undefined> {
    const index = await this.readIndex();
    return index[indexKey(platform, accountKey, segmentName)];
  }

  private async readIndex(): Promise<Record<string, string>> {
    try {
      const parsed: unknown = JSON.parse(await fs.readFile(this.indexFile(), 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    }
  }

  private fileFor(key: AudienceKey): string {
    const digest = createHash('sha256').update(`${key.platform}\n${key.accountKey}\n${key.audienceId}`).digest('hex').slice(0, 32);
    return path.join(this.directory, `${key.platform}-${digest}.state`);
  }

  private journalFor(key: AudienceKey): string {
    return `${this.fileFor(key)}.journal`;
  }

  private indexFile(): string {
    return path.join(this.directory, 'audiences.json');
  }

  private async writeAtomically(file: string, chunks: Iterable<Buffer>): Promise<void> {
    // Unique per write: two exports saving at the same moment must not share a temp file.
    const temporary = `${file}.${randomUUID()}.tmp`;
    try {
      await fs.mkdir(this.directory, { recursive: true });
      const handle = await fs.open(temporary, 'w', 0o600);
      try {
        for (const chunk of chunks) await handle.write(chunk);
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, file);
    } catch (error) {
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      if (error instanceof ExportError) throw error;
      throw new ExportError('state_io', 'Could not write the mirror state');
    }
  }
}

/**
 * What a store loaded: the saved state (`base`), with the journal of confirmed batches folded in
 * (`replayed`, undefined when there is none). Undefined when neither says anything. Every store's `load` ends here.
 */
export function loadedState(base: Set<string> | undefined, replayed: Replayed | undefined): LoadedState | undefined {
  if (!replayed) return base && { members: base, complete: true, journalled: false };
  if (!base && replayed.records === 0) return undefined;
  return { members: replayed.members, complete: base !== undefined || replayed.replaced, journalled: true };
}

/** A file's bytes, or undefined when there is none; any other failure is `state_io`. */
async function readIfPresent(file: string, failure: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ExportError('state_io', failure);
  }
}

/** Identifiers written per chunk: one 2 MB buffer reused, not one buffer of the whole state (32 MB per million). */
const CHUNK_IDENTIFIERS = 65_536;

/**
 * The state file's bytes: magic, count, then each digest's 32 bytes. The buffer is reused: each
 * chunk must be written before the next is asked for.
 */
function* stateChunks(members: Iterable<string>, size: number): Generator<Buffer> {
  const header = Buffer.alloc(8);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(size, 4);
  yield header;
  if (members instanceof DigestSet) {
    // Its storage is already the file's body: written as it stands, the runs between deleted
    // entries gathered into writes of at least a chunk (a mirror that removed 100,000 leaves as many holes).
    if (members.size !== size) throw new ExportError('internal', 'The mirror state holds another count than announced');
    const gathered = Buffer.allocUnsafe(CHUNK_IDENTIFIERS * HASH_BYTES);
    let filled = 0;
    for (const run of members.chunks()) {
      if (run.length >= gathered.length) {
        if (filled > 0) yield gathered.subarray(0, filled);
        filled = 0;
        yield run;
        continue;
      }
      if (filled + run.length > gathered.length) {
        yield gathered.subarray(0, filled);
        filled = 0;
      }
      filled += run.copy(gathered, filled);
    }
    if (filled > 0) yield gathered.subarray(0, filled);
    return;
  }
  const buffer = Buffer.allocUnsafe(Math.min(size, CHUNK_IDENTIFIERS) * HASH_BYTES);
  let count = 0;
  let offset = 0;
  for (const digest of members) {
    if (++count > size) throw new ExportError('internal', 'More identifiers than announced for the mirror state');
    assertDigest(digest);
    buffer.write(digest, offset, HASH_BYTES, 'latin1');
    offset += HASH_BYTES;
    if (offset === buffer.length) {
      yield buffer;
      offset = 0;
    }
  }
  if (count !== size) throw new ExportError('internal', 'Fewer identifiers than announced for the mirror state');
  if (offset > 0) yield buffer.subarray(0, offset);
}

function indexKey(platform: string, accountKey: string, segmentName: string): string {
  return `${platform}|${accountKey}|${segmentName}`;
}
