import { createHash } from 'node:crypto';
import type { AudienceKey } from '../core/sync-state';

/**
 * Every Redis key of the package, under one prefix. Account ids, audience ids, segment names and
 * connection ids appear only as digests (the same digests as the file store's file names, so the
 * migration maps one onto the other); values hold digests, encrypted tokens and platform ids only.
 */
export class RedisKeys {
  constructor(private readonly prefix: string) {}

  /** The file store's name for an audience's state, without its `.state`: `<platform>-<digest>`. */
  static audienceName(key: AudienceKey): string {
    return `${key.platform}-${shortDigest(`${key.platform}\n${key.accountKey}\n${key.audienceId}`)}`;
  }

  /** The mirror state: a list of a header and chunks of 32-byte digests, nothing else. */
  state(audienceName: string): string {
    return `${this.prefix}state:${audienceName}`;
  }

  /** The journal: a list of records (state-journal.ts), one per confirmed batch. */
  journal(audienceName: string): string {
    return `${this.prefix}journal:${audienceName}`;
  }

  /** Where a save is written before it replaces the state in one step. */
  pending(audienceName: string, unique: string): string {
    return `${this.prefix}pending:${audienceName}:${unique}`;
  }

  /** The audience-name index: a hash of digest(platform, account, segment name) → audience id. */
  index(): string {
    return `${this.prefix}audiences`;
  }

  static indexField(platform: string, accountKey: string, segmentName: string): string {
    return shortDigest(`${platform}\n${accountKey}\n${segmentName}`);
  }

  lease(lockKey: string): string {
    return `${this.prefix}lease:${shortDigest(lockKey)}`;
  }

  /** A small JSON document (approvals, pins, a connection's rotated token), by its file store name. */
  document(name: string): string {
    return `${this.prefix}doc:${name}`;
  }
}

export function shortDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
