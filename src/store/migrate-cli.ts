#!/usr/bin/env node
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { migrateFileStore } from './migrate';
import { RedisConnection } from './redis-connection';
import { RedisKeys } from './redis-keys';
import { parseStoreSetting, type StoreSetting } from './store-setting';

/**
 * audience-export-migrate --from <userDir or audienceExportDir> --to redis://host:port[/db] [--key-prefix p] [--force]
 * Copies one instance's file store to Redis (see migrate.ts). Prints counts, never names or values.
 */
const USAGE = 'usage: audience-export-migrate --from <Node-RED user directory or audienceExportDir> --to redis://host:port[/db] [--key-prefix audience-export:] [--force]';

const ArgsSchema = z.object({ from: z.string().min(1), to: z.string().min(1), 'key-prefix': z.string().optional(), force: z.boolean().optional() });

async function main(): Promise<number> {
  let args: z.infer<typeof ArgsSchema>;
  try {
    const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, 'key-prefix': { type: 'string' }, force: { type: 'boolean' } }, strict: true });
    args = ArgsSchema.parse(values);
  } catch {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let setting: StoreSetting;
  try {
    setting = parseStoreSetting(args['key-prefix'] ? { url: args.to, keyPrefix: args['key-prefix'] } : args.to);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (setting.kind !== 'redis') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  // A user directory holds audience-export/; an audienceExportDir is the data directory itself.
  const nested = path.join(args.from, 'audience-export');
  const dataDir = existsSync(nested) ? nested : args.from;
  if (!existsSync(dataDir)) {
    process.stderr.write(`${dataDir} does not exist\n`);
    return 2;
  }
  const connection = new RedisConnection(setting.url);
  try {
    const report = await migrateFileStore(dataDir, connection, new RedisKeys(setting.keyPrefix), { force: args.force });
    process.stdout.write(
      `Copied ${dataDir} to ${connection.where} (prefix ${setting.keyPrefix}): ${report.states} mirror states, ${report.journals} journals, ${report.audienceNames} audience names, ${report.documents} approvals/pins/token documents.\n` +
        `Now set audienceExportStore in every instance's settings.js and start them.\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`Migration failed: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await connection.close();
  }
}

void main().then((code) => process.exit(code));
