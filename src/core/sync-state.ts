import { createHash, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isSha256Hex, sha256Hex } from './email';
import { ExportError } from './errors';
import type { PlatformName } from './types';

/**
 * Durable mirror state: per platform + account + audience, the identifiers this package last
 * delivered and the platform confirmed. Stored as raw 32-byte SHA-256 values (a plain
 * identifier is stored as its hash, so no address ever lands on disk), written atomically.
 */
export interface AudienceKey {
  readonly platform: PlatformName;
  readonly accountKey: string;
  readonly audienceId: string;
}

export interface SyncStateStore {
  load(key: AudienceKey): Promise<Set<string> | undefined>;
  /** `size` is how many identifiers `members` yields (they are distinct). */
  save(key: AudienceKey, members: Iterable<string>, size: number): Promise<void>;
  /** Remember which audience a segment name resolved to, so a dry run can find its state offline. */
  rememberAudience(platform: PlatformName, accountKey: string, segmentName: string, audienceId: string): Promise<void>;
  recallAudience(platform: PlatformName, accountKey: string, segmentName: string): Promise<string | undefined>;
}

const MAGIC = Buffer.from('AXS1');
const HASH_BYTES = 32;

/** The form an identifier takes in the state: its own value if already a hash, else its SHA-256. */
export function stateIdentifier(identifier: string): string {
  return isSha256Hex(identifier) ? identifier : sha256Hex(identifier);
}

/** One store per directory in a process, so index updates from concurrent exports are serialised. */
const stores = new Map<string, FileSyncStateStore>();

export function stateStoreFor(directory: string): FileSyncStateStore {
  let store = stores.get(directory);
  if (!store) {
    store = new FileSyncStateStore(directory);
    stores.set(directory, store);
  }
  return store;
}

export class FileSyncStateStore implements SyncStateStore {
  private indexWrite: Promise<void> = Promise.resolve();

  constructor(private readonly directory: string) {}

  async load(key: AudienceKey): Promise<Set<string> | undefined> {
    let data: Buffer;
    try {
      data = await fs.readFile(this.fileFor(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ExportError('state_io', 'Could not read the mirror state');
    }
    if (data.length < 8 || !data.subarray(0, 4).equals(MAGIC)) throw new ExportError('state_io', 'The mirror state file is damaged');
    const count = data.readUInt32LE(4);
    if (data.length !== 8 + count * HASH_BYTES) throw new ExportError('state_io', 'The mirror state file is damaged');
    const members = new Set<string>();
    for (let offset = 8; offset < data.length; offset += HASH_BYTES) members.add(data.toString('hex', offset, offset + HASH_BYTES));
    return members;
  }

  async save(key: AudienceKey, members: Iterable<string>, size: number): Promise<void> {
    const data = Buffer.allocUnsafe(8 + size * HASH_BYTES);
    MAGIC.copy(data, 0);
    let count = 0;
    for (const identifier of members) {
      if (count === size) throw new ExportError('internal', 'More identifiers than announced for the mirror state');
      // A hex digest decodes straight into its 32 bytes; anything else (a plain address) stops the hex
      // decoder early and is stored as its SHA-256. Cheaper than testing a million digests with a regex.
      const offset = 8 + count++ * HASH_BYTES;
      if (identifier.length !== 64 || data.write(identifier, offset, HASH_BYTES, 'hex') !== HASH_BYTES) data.write(sha256Hex(identifier), offset, HASH_BYTES, 'hex');
    }
    data.writeUInt32LE(count, 4);
    await this.writeAtomically(this.fileFor(key), data.subarray(0, 8 + count * HASH_BYTES));
  }

  async rememberAudience(platform: PlatformName, accountKey: string, segmentName: string, audienceId: string): Promise<void> {
    // Serialised: concurrent exports of one runtime must not lose each other's entries.
    this.indexWrite = this.indexWrite.then(async () => {
      const index = await this.readIndex();
      index[indexKey(platform, accountKey, segmentName)] = audienceId;
      await this.writeAtomically(this.indexFile(), Buffer.from(JSON.stringify(index, null, 1)));
    });
    await this.indexWrite;
  }

  async recallAudience(platform: PlatformName, accountKey: string, segmentName: string): Promise<string | undefined> {
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

  private indexFile(): string {
    return path.join(this.directory, 'audiences.json');
  }

  private async writeAtomically(file: string, data: Buffer): Promise<void> {
    try {
      await fs.mkdir(this.directory, { recursive: true });
      // Unique per write: two exports saving at the same moment must not share a temp file.
      const temporary = `${file}.${randomUUID()}.tmp`;
      await fs.writeFile(temporary, data, { mode: 0o600 });
      await fs.rename(temporary, file);
    } catch {
      throw new ExportError('state_io', 'Could not write the mirror state');
    }
  }
}

function indexKey(platform: PlatformName, accountKey: string, segmentName: string): string {
  return `${platform}|${accountKey}|${segmentName}`;
}
