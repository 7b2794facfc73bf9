import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExportError } from '../../src/core/errors';
import { fileDocument, type JsonDocument, MISSING } from '../../src/core/json-file';
import { DocumentSecretPins } from '../../src/core/secret-pins';
import { EncryptedRefreshTokenStore } from '../../src/core/secret-store';
import { ApprovalStore } from '../../src/nodes/approvals';
import { RedisConnection } from '../../src/store/redis-connection';
import { RedisDocuments } from '../../src/store/redis-documents';
import { RedisKeys } from '../../src/store/redis-keys';
import { type RedisServer, startRedisServer } from './server';

/**
 * Approvals, host pins and rotated tokens as documents (issue 17): one contract for a file and a
 * Redis key, and on Redis, instances that change one document at once lose nothing.
 */
interface Place {
  readonly name: string;
  /** A document by name in a fresh place; `instance` tells separate processes apart (their own connections). */
  fresh(): Promise<(name: string, instance?: number) => JsonDocument>;
}

let server: RedisServer;
const connections: RedisConnection[] = [];
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await server?.stop();
});

const files: Place = {
  name: 'file',
  async fresh() {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-docs-'));
    return (name) => fileDocument(path.join(dir, name));
  },
};
const redis: Place = {
  name: 'Redis',
  async fresh() {
    const keys = new RedisKeys(`d${randomUUID().slice(0, 8)}:`);
    const instances = new Map<number, RedisDocuments>();
    return (name, instance = 0) => {
      let documents = instances.get(instance);
      if (!documents) {
        const connection = new RedisConnection(server.url);
        connections.push(connection);
        documents = new RedisDocuments(connection, keys);
        instances.set(instance, documents);
      }
      return documents.document(name);
    };
  },
};

for (const place of [files, redis]) {
  describe(`small documents: ${place.name}`, () => {
    it('reads MISSING, then what was written; updates see each other', async () => {
      const doc = await place.fresh();
      assert.equal(await doc('approvals.json').read('unreadable'), MISSING);
      await doc('approvals.json').write({ a: 1 }, 2);
      assert.deepEqual(await doc('approvals.json').read('unreadable'), { a: 1 });
      await Promise.all(Array.from({ length: 10 }, () => doc('approvals.json').update('unreadable', (current) => ({ a: (current as { a: number }).a + 1 }))));
      assert.deepEqual(await doc('approvals.json').read('unreadable'), { a: 11 });
      assert.equal(await doc('tokens/x.json').read('unreadable'), MISSING, 'documents are apart');
    });

    it('a change that throws writes nothing', async () => {
      const doc = await place.fresh();
      await doc('pins.json').write({ kept: true });
      await assert.rejects(
        doc('pins.json').update('unreadable', () => {
          throw new Error('refused');
        }),
        /refused/,
      );
      assert.deepEqual(await doc('pins.json').read('unreadable'), { kept: true });
    });

    it('approvals, pins and tokens work on it as on their files', async () => {
      const doc = await place.fresh();
      const approvals = new ApprovalStore(doc('approvals.json'));
      await approvals.approveConnection('conn', 'print-c', 'administrators');
      assert.equal(await approvals.approveExport('exp', 'print-e', { id: 'conn', fingerprint: 'print-c', scope: 'administrators' }), true);
      assert.equal(await new ApprovalStore(doc('approvals.json', 1)).exportFingerprint('exp'), 'print-e', 'another instance sees the approval');

      const hosts = ['https://adsapi.example'];
      await new DocumentSecretPins(doc('pins.json')).verify('conn', { clientSecret: 'very-secret-value' }, hosts);
      await new DocumentSecretPins(doc('pins.json', 1)).assertEnteredFor('conn', { clientSecret: 'very-secret-value' }, hosts);
      await assert.rejects(new DocumentSecretPins(doc('pins.json', 1)).verify('conn', { clientSecret: 'very-secret-value' }, ['https://listener.example']), (error: unknown) => (error as ExportError).code === 'secrets_required');

      const material = { clientSecret: 'very-secret-value', connectionId: 'conn', credentialRefreshToken: 'refresh-1', hosts: 'h' };
      await new EncryptedRefreshTokenStore(doc('tokens/t.json'), material).save('rotated-refresh-token');
      assert.equal(await new EncryptedRefreshTokenStore(doc('tokens/t.json', 1), material).load(), 'rotated-refresh-token');
      const stored = JSON.stringify([await doc('tokens/t.json').read('x'), await doc('pins.json').read('x')]);
      assert.doesNotMatch(stored, /rotated-refresh-token|very-secret-value/, 'nothing secret in the clear');
    });
  });
}

describe('small documents on Redis, several instances', () => {
  it('updates from two instances at once are all kept (optimistic transactions)', async () => {
    const doc = await redis.fresh();
    const bump = (instance: number, field: string) =>
      doc('approvals.json', instance).update('unreadable', (current) => {
        const value = current === MISSING ? {} : (current as Record<string, number>);
        return { ...value, [field]: (value[field] ?? 0) + 1, total: (value.total ?? 0) + 1 };
      });
    await Promise.all(Array.from({ length: 40 }, (_, i) => bump(i % 2, `i${i % 2}`)));
    assert.deepEqual(await doc('approvals.json').read('x'), { i0: 20, i1: 20, total: 40 });
  });

  it('keeps every key free of ids, names and secrets', async () => {
    const doc = await redis.fresh();
    await new ApprovalStore(doc('approvals.json')).approveConnection('connection-id-123', 'print', 'administrators');
    const client = await connections[0].ready();
    const keys = await client.keys('*');
    assert.ok(keys.length > 0);
    for (const key of keys) assert.match(key, /^[a-z0-9-]+:(doc:(approvals|pins)\.json|doc:tokens\/[0-9a-z]+\.json|state:[a-z-]+-[0-9a-f]{32}|journal:[a-z-]+-[0-9a-f]{32}|lease:[0-9a-f]{32}|audiences|pending:.*)$/, key);
  });
});
