import assert from 'node:assert/strict';
import { sha256Digest, sha256Hex } from '../../src/core/email';
import { parseJsonKeepingBigIds, retryAfterMs } from '../../src/core/http';
import { bodyText, streamJsonRows } from '../../src/core/json-body';
import { digestBatch } from '../../src/core/wire-batch';

describe('HTTP helpers', () => {
  it('keeps 64-bit ids intact whether they come as numbers or strings, and leaves strings alone', () => {
    const body = '{"AudienceIds":[9007199254740993,"9007199254740995",null],"Id":-12345678901234567,"Size":12.5,"Big":1.2345678901234567e3,"Message":"Audience 9007199254740993, \\"quoted\\" 1234567890123456789 gone","n":42}';
    assert.deepEqual(parseJsonKeepingBigIds(body), {
      AudienceIds: ['9007199254740993', '9007199254740995', null],
      Id: '-12345678901234567',
      Size: 12.5,
      Big: 1234.5678901234567,
      Message: 'Audience 9007199254740993, "quoted" 1234567890123456789 gone',
      n: 42,
    });
    assert.equal(parseJsonKeepingBigIds('not json'), undefined);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs(new Date(61_000).toUTCString(), 1000), 60_000);
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs('soon'), undefined);
  });
});

describe('streamed JSON bodies', () => {
  it('streams exactly the JSON it announces, in chunks, escaping what JSON must escape', async () => {
    const items = Array.from({ length: 4321 }, (_, i) => (i % 1000 === 7 ? `quote"back\\slash\u2028é${i}` : `id${i}`));
    const body = streamJsonRows('{"data":[', items, '[', ']', ']}');
    const text = await bodyText(body);
    assert.deepEqual(JSON.parse(text), { data: items.map((item) => [item]) });
    assert.equal(Buffer.byteLength(text), body.length);
    const empty = streamJsonRows('[', [], '', '', ']');
    assert.equal(await bodyText(empty), '[]');
    assert.equal(empty.length, 2);
  });

  it('writes digests as hex rows byte by byte, the same JSON as from hex strings, across chunk edges', async () => {
    for (const count of [0, 1, 1999, 2000, 2001, 4321]) {
      const texts = Array.from({ length: count }, (_, i) => `user${i}@example.com`);
      const fromDigests = streamJsonRows('{"users":[', digestBatch(texts.map(sha256Digest)), '[', ']', ']}');
      const fromHex = streamJsonRows('{"users":[', texts.map(sha256Hex), '[', ']', ']}');
      const text = await bodyText(fromDigests);
      assert.equal(text, await bodyText(fromHex), `${count} rows`);
      assert.equal(Buffer.byteLength(text), fromDigests.length, `${count} rows`);
      assert.deepEqual(JSON.parse(text), { users: texts.map((t) => [sha256Hex(t)]) });
    }
  });
});
