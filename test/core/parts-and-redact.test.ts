import assert from 'node:assert/strict';
import { PartsGatherer } from '../../src/core/parts-gatherer';
import { redact, registerSecret } from '../../src/core/redact';

describe('msg.parts gathering', () => {
  it('gathers out-of-order parts, arrays and single items, until the sequence is complete', () => {
    const gatherer = new PartsGatherer<{ parts?: unknown; payload?: unknown; tag?: string }>();
    assert.equal(gatherer.add({ parts: { id: 's', index: 2, count: 3 }, payload: [{ n: 5 }] }).complete, false);
    assert.equal(gatherer.add({ parts: { id: 's', index: 0, count: 3 }, payload: [{ n: 1 }, { n: 2 }], tag: 'first' }).complete, false);
    assert.equal(gatherer.pending, 1);
    const done = gatherer.add({ parts: { id: 's', index: 1, count: 3 }, payload: { n: 3 } });
    assert.ok(done.complete);
    if (done.complete) {
      assert.deepEqual(done.payload, [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 5 }]);
      assert.equal(done.first.tag, 'first');
    }
    assert.equal(gatherer.pending, 0);
  });

  it('waits for a count that only the last part carries (streams)', () => {
    const gatherer = new PartsGatherer<{ parts?: unknown; payload?: unknown }>();
    assert.equal(gatherer.add({ parts: { id: 7, index: 0 }, payload: 'a@example.com' }).complete, false);
    const done = gatherer.add({ parts: { id: 7, index: 1, count: 2 }, payload: 'b@example.com' });
    assert.ok(done.complete && done.payload.length === 2);
  });

  it('recognises only well-formed parts', () => {
    assert.ok(PartsGatherer.isPart({ parts: { id: 'x', index: 0, count: 1 } }));
    assert.ok(!PartsGatherer.isPart({ parts: { id: 'x' } }));
    assert.ok(!PartsGatherer.isPart({ parts: 'nope' }));
    assert.ok(!PartsGatherer.isPart({}));
  });
});

describe('redaction', () => {
  it('masks emails, bearer tokens, secret parameters and registered secrets', () => {
    registerSecret('s3cr3t-client-value');
    const text = redact(
      'user Jane.Doe+x@Example.co.uk failed; Authorization: Bearer abc.def-123; refresh_token=xyz789&client_secret=s3cr3t-client-value; "access_token":"tok"',
    );
    for (const leak of ['Jane.Doe', 'abc.def-123', 'xyz789', 's3cr3t-client-value', '"tok"']) assert.ok(!text.includes(leak), `${leak} in ${text}`);
    assert.match(text, /\[email\]/);
  });

  it('caps the length of what a platform echoes', () => {
    assert.ok(redact('x'.repeat(10_000)).length <= 301);
  });
});

describe('msg.parts gathering with a stray index', () => {
  it('does not let an index beyond count stand in for a missing part', () => {
    const gatherer = new PartsGatherer<{ parts?: unknown; payload?: unknown }>();
    assert.equal(gatherer.add({ parts: { id: 'x', index: 0, count: 2 }, payload: ['a@example.com'] }).complete, false);
    assert.equal(gatherer.add({ parts: { id: 'x', index: 5, count: 2 }, payload: ['stray@example.com'] }).complete, false);
    const done = gatherer.add({ parts: { id: 'x', index: 1, count: 2 }, payload: ['b@example.com'] });
    assert.ok(done.complete);
    if (done.complete) assert.deepEqual(done.payload, ['a@example.com', 'b@example.com']);
  });
});
