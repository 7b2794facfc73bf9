import assert from 'node:assert/strict';
import { parseJsonKeepingBigIds, retryAfterMs } from '../../src/core/http';
import { bodyText, streamJsonRows } from '../../src/core/json-body';

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
  it('streams exactly the JSON it announces, in chunks', async () => {
    const items = Array.from({ length: 4321 }, (_, i) => `id${i}`);
    const body = streamJsonRows('{"data":[', items, (item) => `["${item}"]`, ']}');
    const text = await bodyText(body);
    assert.deepEqual(JSON.parse(text), { data: items.map((item) => [item]) });
    assert.equal(Buffer.byteLength(text), body.length);
    const empty = streamJsonRows('[', [], (item) => item, ']');
    assert.equal(await bodyText(empty), '[]');
    assert.equal(empty.length, 2);
  });
});
