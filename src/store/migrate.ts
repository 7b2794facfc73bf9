import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DIGEST_LENGTH } from '../core/digest-set';
import { replayJournal } from '../core/state-journal';
import type { RedisConnection } from './redis-connection';
import { RedisKeys } from './redis-keys';

/**
 * The one-shot copy of a file store (a data directory: `<userDir>/audience-export` or
 * `audienceExportDir`) to Redis, for an installation moving to several instances. Run it with every
 * instance stopped. Copies the mirror states and their journals (as they are: a journal stays a
 * journal, so an interrupted first run stays marked incomplete), the audience-name index, approvals,
 * host pins and rotated tokens (still encrypted). Run history stays with each instance's files.
 */
export interface MigrationReport {
  states: number;
  journals: number;
  audienceNames: number;
  documents: number;
}

const STATE_MAGIC = 'AXS1';
const CHUNK_BYTES = 32_768 * DIGEST_LENGTH;

export class MigrationError extends Error {}

export async function migrateFileStore(dataDir: string, connection: RedisConnection, keys: RedisKeys, options: { force?: boolean } = {}): Promise<MigrationReport> {
  const client = await connection.ready();
  const report: MigrationReport = { states: 0, journals: 0, audienceNames: 0, documents: 0 };
  const stateDir = path.join(dataDir, 'state');
  const names = await listDir(stateDir);
  const audiences = new Set(names.flatMap((file) => /^(.+)\.state(\.journal)?$/.exec(file)?.[1] ?? []));
  const documents = ['approvals.json', 'pins.json', ...(await listDir(path.join(dataDir, 'tokens'))).filter((f) => f.endsWith('.json')).map((f) => `tokens/${f}`)];

  if (!options.force) {
    const targets = [...[...audiences].flatMap((name) => [keys.state(name), keys.journal(name)]), keys.index(), ...documents.map((name) => keys.document(name))];
    const existing = targets.length > 0 ? await client.exists(...targets) : 0;
    if (existing > 0) throw new MigrationError(`${existing} of the keys to write exist already in Redis: nothing was copied (--force overwrites them)`);
  }

  for (const name of audiences) {
    const state = await readIfPresent(path.join(stateDir, `${name}.state`));
    if (state) {
      if (state.length < 8 || state.toString('latin1', 0, 4) !== STATE_MAGIC || state.length !== 8 + state.readUInt32LE(4) * DIGEST_LENGTH) {
        throw new MigrationError(`The mirror state file ${name}.state is damaged: nothing more was copied`);
      }
      const pending = keys.pending(name, 'migration');
      const multi = client.multi().del(pending).rpush(pending, state.subarray(0, 8));
      for (let offset = 8; offset < state.length; offset += CHUNK_BYTES) multi.rpush(pending, state.subarray(offset, Math.min(offset + CHUNK_BYTES, state.length)));
      await multi.rename(pending, keys.state(name)).exec();
      report.states++;
    }
    const journal = await readIfPresent(path.join(stateDir, `${name}.state.journal`));
    if (journal && journal.length > 0) {
      // Only complete records: a record torn by a crash is what the file store would cut too.
      const complete = journal.subarray(0, replayJournal(journal, undefined).completeBytes);
      await client.multi().del(keys.journal(name)).rpush(keys.journal(name), complete).exec();
      report.journals++;
    } else if (options.force) {
      await client.del(keys.journal(name));
    }
  }

  const index = await readJson(path.join(stateDir, 'audiences.json'));
  if (index && typeof index === 'object') {
    for (const [entry, audienceId] of Object.entries(index as Record<string, unknown>)) {
      const [platform, accountKey, ...segment] = entry.split('|');
      if (typeof audienceId !== 'string' || segment.length === 0) continue;
      await client.hset(keys.index(), RedisKeys.indexField(platform, accountKey, segment.join('|')), audienceId);
      report.audienceNames++;
    }
  }

  for (const name of documents) {
    const value = await readJson(path.join(dataDir, name));
    if (value === undefined) continue;
    await client.set(keys.document(name), JSON.stringify(value));
    report.documents++;
  }
  return report;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

async function readIfPresent(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A JSON file's value; undefined when there is none. A file that is not JSON stops the migration. */
async function readJson(file: string): Promise<unknown> {
  const text = await readIfPresent(file);
  if (!text) return undefined;
  try {
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch {
    throw new MigrationError(`${path.basename(file)} is not JSON: repair or remove it, then migrate again`);
  }
}
