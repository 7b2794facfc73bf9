import { randomUUID } from 'node:crypto';
import { type AudienceLease, assertLeaseHeld } from '../core/audience-lock';
import { assertDigest, DIGEST_LENGTH, DigestSet } from '../core/digest-set';
import { ExportError } from '../core/errors';
import { type JournalOperation, journalRecord, replayJournal } from '../core/state-journal';
import { type AudienceKey, type LoadedState, loadedState, type SyncStateStore } from '../core/sync-state';
import type { RedisConnection } from './redis-connection';
import { RedisKeys } from './redis-keys';
import { isFenced, RedisAudienceLocks } from './redis-locks';

/** Append a journal record, only while the lease (if any) still holds the token. */
const PUSH = `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return redis.call('RPUSH', KEYS[2], ARGV[2])`;
/** Put a pending save in place of the state and end the journal, in one step, only while the lease holds. */
const COMMIT = `if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then redis.call('DEL', KEYS[2]) return -1 end
redis.call('RENAME', KEYS[2], KEYS[3])
redis.call('PERSIST', KEYS[3])
redis.call('DEL', KEYS[4])
return 1`;

/** What a write whose lease Redis found taken is refused as (the same refusal as a lease released here). */
const TAKEN: AudienceLease = { held: false, release: async () => undefined };

/** Digests per list element: 1 MB commands, pipelined (appending to one big string is several times slower). */
const CHUNK_IDENTIFIERS = 32_768;
const MAGIC = 'AXS1';
/** A save that dies half-way leaves its pending key behind: it goes by itself. */
const PENDING_TTL_MS = 60 * 60 * 1000;

/**
 * The mirror state on Redis, the same contract as FileSyncStateStore: per audience a list of a
 * header and 1 MB chunks of 32-byte digests (binary, pushed pipelined to a pending key and renamed
 * over the state in one step), a list of journal records beside it, and the audience-name index as a hash.
 * Journal appends and the final rename are fenced by the lease token inside Redis, so a run that
 * lost its lease writes nothing even if its own clock says otherwise.
 */
export class RedisSyncStateStore implements SyncStateStore {
  readonly locks: RedisAudienceLocks;

  constructor(
    private readonly connection: RedisConnection,
    private readonly keys: RedisKeys,
    leaseMs: number,
  ) {
    this.locks = new RedisAudienceLocks(connection, keys, leaseMs);
  }

  /** The run's stop signal, stopped too when Redis goes away (see RedisConnection.guard). */
  guard(signal: AbortSignal): AbortSignal {
    return this.connection.guard(signal);
  }

  async load(key: AudienceKey): Promise<LoadedState | undefined> {
    const name = RedisKeys.audienceName(key);
    const [state, records] = await this.connection.run('Could not read the mirror state', async (client) => {
      const replies = await client.multi().lrangeBuffer(this.keys.state(name), 0, -1).lrangeBuffer(this.keys.journal(name), 0, -1).exec();
      if (!replies || replies.some(([error]) => error)) throw new Error('transaction failed');
      return [replies[0][1] as Buffer[], replies[1][1] as Buffer[]];
    });
    const base = state.length > 0 ? await membersOf(state) : undefined;
    return loadedState(base, records.length === 0 ? undefined : replayJournal(Buffer.concat(records), base));
  }

  async record(key: AudienceKey, operation: JournalOperation, digests: readonly string[], lease?: AudienceLease): Promise<void> {
    assertLeaseHeld(lease);
    const name = RedisKeys.audienceName(key);
    const record = journalRecord(operation, digests);
    const fence = isFenced(lease) ? lease.fence : { key: this.keys.lease('none'), token: '' };
    const pushed = await this.connection.run('Could not write the mirror state journal', (client) => client.eval(PUSH, 2, fence.key, this.keys.journal(name), fence.token, record));
    if (pushed === -1) assertLeaseHeld(TAKEN);
  }

  async save(key: AudienceKey, members: Iterable<string>, size: number, lease?: AudienceLease): Promise<void> {
    assertLeaseHeld(lease);
    const name = RedisKeys.audienceName(key);
    const pending = this.keys.pending(name, randomUUID());
    const fence = isFenced(lease) ? lease.fence : { key: this.keys.lease('none'), token: '' };
    const committed = await this.connection.run('Could not write the mirror state', async (client) => {
      // Each command is written at once and answered in order: one round trip for the lot.
      const sent: Array<Promise<unknown>> = [client.rpush(pending, header(size)), client.pexpire(pending, PENDING_TTL_MS)];
      try {
        for (const chunk of stateChunks(members, size)) sent.push(client.rpush(pending, chunk));
      } catch (thrown) {
        await Promise.allSettled(sent);
        await client.del(pending);
        throw thrown;
      }
      try {
        await Promise.all(sent);
        assertLeaseHeld(lease);
      } catch (thrown) {
        await client.del(pending).catch(() => undefined);
        throw thrown;
      }
      return client.eval(COMMIT, 4, fence.key, pending, this.keys.state(name), this.keys.journal(name), fence.token);
    });
    if (committed === -1) assertLeaseHeld(TAKEN);
  }

  async rememberAudience(platform: string, accountKey: string, segmentName: string, audienceId: string): Promise<void> {
    await this.connection.run('Could not write the audience index', (client) => client.hset(this.keys.index(), RedisKeys.indexField(platform, accountKey, segmentName), audienceId));
  }

  async recallAudience(platform: string, accountKey: string, segmentName: string): Promise<string | undefined> {
    const id = await this.connection.run('Could not read the audience index', (client) => client.hget(this.keys.index(), RedisKeys.indexField(platform, accountKey, segmentName)));
    return id ?? undefined;
  }
}

/** The state's first element: `AXS1` and the count of digests (32-bit little-endian) in the elements after it. */
function header(size: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.write(MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(size, 4);
  return bytes;
}

/** The digests of a state list (a header, then chunks of digests); anything else is damage. */
export async function membersOf(elements: readonly Buffer[]): Promise<Set<string>> {
  const [first, ...chunks] = elements;
  const damaged = () => new ExportError('state_io', 'The mirror state in Redis is damaged');
  if (first.length !== 8 || first.toString('latin1', 0, 4) !== MAGIC) throw damaged();
  const count = first.readUInt32LE(4);
  if (chunks.some((chunk) => chunk.length % DIGEST_LENGTH !== 0) || chunks.reduce((sum, chunk) => sum + chunk.length, 0) !== count * DIGEST_LENGTH) throw damaged();
  // The digests side by side become the set's storage, indexed between turns of the event loop (as the file store's).
  return DigestSet.fromBytesYielding(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, count * DIGEST_LENGTH));
}

/** The state's bytes in fresh 1 MB buffers (each is still being sent while the next is filled). */
function* stateChunks(members: Iterable<string>, size: number): Generator<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(size, CHUNK_IDENTIFIERS) * DIGEST_LENGTH);
  let count = 0;
  let offset = 0;
  const chunks: Buffer[] = [];
  for (const digest of members) {
    if (++count > size) throw new ExportError('internal', 'More identifiers than announced for the mirror state');
    assertDigest(digest);
    buffer.write(digest, offset, DIGEST_LENGTH, 'latin1');
    offset += DIGEST_LENGTH;
    if (offset === buffer.length) {
      chunks.push(buffer);
      buffer = Buffer.allocUnsafe(Math.min(size - count, CHUNK_IDENTIFIERS) * DIGEST_LENGTH);
      offset = 0;
    }
  }
  if (count !== size) throw new ExportError('internal', 'Fewer identifiers than announced for the mirror state');
  if (offset > 0) chunks.push(buffer.subarray(0, offset));
  // Yielded only once every digest checked out, so a refused save sends nothing.
  yield* chunks;
}
