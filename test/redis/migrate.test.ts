import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { sha256Digest } from '../../src/core/email';
import { fileDocument } from '../../src/core/json-file';
import { DocumentSecretPins, FileSecretPins } from '../../src/core/secret-pins';
import { EncryptedRefreshTokenFile, EncryptedRefreshTokenStore } from '../../src/core/secret-store';
import { type AudienceKey, FileSyncStateStore } from '../../src/core/sync-state';
import { ApprovalStore } from '../../src/nodes/approvals';
import { RedisConnection } from '../../src/store/redis-connection';
import { RedisDocuments } from '../../src/store/redis-documents';
import { RedisKeys } from '../../src/store/redis-keys';
import { RedisSyncStateStore } from '../../src/store/redis-state';
import { type RedisServer, startRedisServer } from './server';

/** The one-shot migration (`audience-export-migrate`, built): a user directory's file store, copied to Redis, reads the same. */
const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../dist/store/migrate-cli.js');
const d = (name: string) => sha256Digest(`${name}@example.com`);

describe('migrating a file store to Redis', function () {
  this.timeout(60_000);
  let server: RedisServer;
  const connections: RedisConnection[] = [];
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await server?.stop();
  });

  it('copies states, journals, the name index, approvals, pins and tokens; refuses to overwrite unless forced', async () => {
    const userDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-migrate-'));
    const dataDir = path.join(userDir, 'audience-export');
    const files = new FileSyncStateStore(path.join(dataDir, 'state'));
    const saved: AudienceKey = { platform: 'snapchat', accountKey: 'acct|1', audienceId: 'aud-1' };
    const interrupted: AudienceKey = { platform: 'criteo', accountKey: 'adv-9', audienceId: '77' };
    const big = Array.from({ length: 70_000 }, (_, i) => d(`m${i}`));
    await files.save(saved, big, big.length);
    await files.record(saved, 'remove', [d('m0')]);
    await files.record(saved, 'add', [d('late')]);
    await files.record(interrupted, 'add', [d('first-run')]);
    await files.rememberAudience('snapchat', 'acct', 'Big | spenders', 'aud-1');
    await new ApprovalStore(fileDocument(path.join(dataDir, 'approvals.json'))).approveConnection('conn', 'print', 'administrators');
    const hosts = ['https://adsapi.example'];
    await new FileSecretPins(path.join(dataDir, 'pins.json')).verify('conn', { clientSecret: 'client-secret-1' }, hosts);
    const material = { clientSecret: 'client-secret-1', connectionId: 'conn', credentialRefreshToken: 'refresh-1', hosts: 'h' };
    await new EncryptedRefreshTokenFile(path.join(dataDir, 'tokens', 'abc.json'), material).save('rotated-token-1');

    const prefix = `m${randomUUID().slice(0, 8)}:`;
    const { stdout } = await run(process.execPath, [CLI, '--from', userDir, '--to', server.url, '--key-prefix', prefix]);
    assert.match(stdout, /: 1 mirror states, 2 journals, 1 audience names, 3 approvals\/pins\/token documents/);
    assert.doesNotMatch(stdout, /acct|spenders|conn|secret/);

    const connection = new RedisConnection(server.url);
    connections.push(connection);
    const keys = new RedisKeys(prefix);
    const redis = new RedisSyncStateStore(connection, keys, 5_000);
    for (const key of [saved, interrupted]) {
      const [fromFiles, fromRedis] = [await files.load(key), await redis.load(key)];
      assert.deepEqual([...(fromRedis?.members ?? [])].sort(), [...(fromFiles?.members ?? [])].sort(), key.platform);
      assert.deepEqual([fromRedis?.complete, fromRedis?.journalled], [fromFiles?.complete, fromFiles?.journalled]);
    }
    assert.equal((await redis.load(interrupted))?.complete, false, 'an interrupted first run stays incomplete');
    assert.equal(await redis.recallAudience('snapchat', 'acct', 'Big | spenders'), 'aud-1');
    const documents = new RedisDocuments(connection, keys);
    assert.equal((await new ApprovalStore(documents.document('approvals.json')).connection('conn'))?.fingerprint, 'print');
    await new DocumentSecretPins(documents.document('pins.json')).assertEnteredFor('conn', { clientSecret: 'client-secret-1' }, hosts);
    assert.equal(await new EncryptedRefreshTokenStore(documents.document('tokens/abc.json'), material).load(), 'rotated-token-1');

    // Again: the keys exist, nothing is overwritten without --force.
    await assert.rejects(run(process.execPath, [CLI, '--from', dataDir, '--to', server.url, '--key-prefix', prefix]), (error: { code?: number; stderr?: string }) => error.code === 1 && /exist already/.test(error.stderr ?? ''));
    await run(process.execPath, [CLI, '--from', dataDir, '--to', server.url, '--key-prefix', prefix, '--force']);
    // A bad target is a usage error.
    await assert.rejects(run(process.execPath, [CLI, '--from', dataDir, '--to', 'http://nope']), (error: { code?: number }) => error.code === 2);
  });
});
