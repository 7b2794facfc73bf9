import assert from 'node:assert/strict';
import { describeRedisUrl, parseStoreSetting } from '../../src/store/store-setting';

describe('audienceExportStore setting', () => {
  it('is files when absent, Redis for a redis:// or rediss:// URL or an object with one', () => {
    assert.deepEqual(parseStoreSetting(undefined), { kind: 'file' });
    assert.deepEqual(parseStoreSetting('file'), { kind: 'file' });
    assert.deepEqual(parseStoreSetting('redis://10.0.0.5:6380/2'), { kind: 'redis', url: 'redis://10.0.0.5:6380/2', keyPrefix: 'audience-export:', leaseMs: 30_000 });
    assert.equal(parseStoreSetting('rediss://user:pw@cache.example:6390').kind, 'redis');
    assert.deepEqual(parseStoreSetting({ url: 'redis://localhost', keyPrefix: 'nr-prod:', leaseMs: 10_000 }), { kind: 'redis', url: 'redis://localhost', keyPrefix: 'nr-prod:', leaseMs: 10_000 });
  });

  it('refuses anything else with a clear error that never repeats the value (it may hold a password)', () => {
    for (const bad of ['http://cache:6379', 'redis://', 'redis://:s3cret@/x', 'localhost:6379', 42, { url: 'redis://h', leaseMs: 5 }, { url: 'redis://h', extra: 1 }, { url: 'redis://h', keyPrefix: 'a b' }]) {
      assert.throws(
        () => parseStoreSetting(bad),
        (error: unknown) => error instanceof Error && /audienceExportStore is not valid/.test(error.message) && !/s3cret/.test(error.message),
        JSON.stringify(bad),
      );
    }
  });

  it('names a server by scheme, host, port and database only', () => {
    assert.equal(describeRedisUrl('rediss://admin:s3cret@cache.example:6390/3'), 'rediss://cache.example:6390/3');
    assert.equal(describeRedisUrl('redis://localhost'), 'redis://localhost:6379');
  });
});
