import assert from 'node:assert/strict';
import { ExportError } from '../../src/core/errors';
import { type AddOutcome, isBareComplete, partOf, SequenceTracker, type SequenceMessage } from '../../src/core/sequences';

type Msg = SequenceMessage & { tag?: string; topic?: string };

/**
 * A tracker whose outcomes read as before: 'pending' or 'complete' for a placed part. The payloads
 * it passed on (at once, in arrival order) are gathered in `forwarded`.
 */
function assembler(timeoutMs = 60_000) {
  const expired: Array<{ error: ExportError; first: Msg; id: string }> = [];
  const tracker = new SequenceTracker<Msg>({ timeoutMs, onExpired: (error, id, first) => expired.push({ error, first, id }) });
  const forwarded: unknown[] = [];
  const sequences = {
    add(msg: Msg): AddOutcome<Msg> | { state: 'pending' | 'complete'; first: Msg; payload: unknown[] } {
      const outcome = tracker.add(msg);
      if (outcome.state !== 'part') return outcome;
      if (outcome.payload !== undefined) forwarded.push(...(Array.isArray(outcome.payload) ? outcome.payload : [outcome.payload]));
      return { state: outcome.complete ? 'complete' : 'pending', first: outcome.first, payload: [...forwarded] };
    },
    get pending() {
      return tracker.pending;
    },
  };
  return { sequences, expired, forwarded };
}

function failed(outcome: { state: string }): ExportError {
  assert.equal(outcome.state, 'failed', JSON.stringify(outcome));
  return (outcome as unknown as { error: ExportError }).error;
}

describe('msg.parts sequences', () => {
  it('passes each part on as it arrives (in any order) and completes once every part is in', () => {
    const { sequences } = assembler();
    assert.equal(sequences.add({ parts: { id: 's', index: 2, count: 3 }, payload: [{ n: 5 }] }).state, 'pending');
    assert.equal(sequences.add({ parts: { id: 's', index: 0, count: 3 }, payload: [{ n: 1 }, { n: 2 }], tag: 'first' }).state, 'pending');
    assert.equal(sequences.pending, 1);
    const done = sequences.add({ parts: { id: 's', index: 1, count: 3 }, payload: { n: 3 } });
    assert.equal(done.state, 'complete');
    if (done.state === 'complete') {
      assert.deepEqual(done.payload, [{ n: 5 }, { n: 1 }, { n: 2 }, { n: 3 }], 'in arrival order: nothing is held back');
      assert.equal(done.first.tag, 'first', 'the lowest index names the outputs');
    }
    assert.equal(sequences.pending, 0);
  });

  it('waits for a count only the last part carries, and takes NaN for "not known yet" (the CSV node after File-in)', () => {
    const { sequences } = assembler();
    assert.equal(sequences.add({ parts: { id: 7, index: 0, count: Number.NaN }, payload: 'a@example.com' }).state, 'pending');
    assert.equal(sequences.add({ parts: { id: 7, index: 1 }, payload: 'b@example.com' }).state, 'pending');
    const done = sequences.add({ parts: { id: 7, index: 2, count: 3 }, payload: 'c@example.com', complete: true });
    assert.ok(done.state === 'complete' && done.payload.length === 3);
  });

  it('ends a sequence at msg.complete when no part stated the count, waiting for late lower indexes', () => {
    const { sequences } = assembler();
    sequences.add({ parts: { id: 'c', index: 0, count: Number.NaN }, payload: { email: 'a@example.com' } });
    assert.equal(sequences.add({ parts: { id: 'c', index: 2, count: Number.NaN }, payload: { email: 'c@example.com' }, complete: true }).state, 'pending');
    const done = sequences.add({ parts: { id: 'c', index: 1, count: Number.NaN }, payload: { email: 'b@example.com' } });
    assert.ok(done.state === 'complete');
    if (done.state === 'complete') assert.deepEqual(done.payload, [{ email: 'a@example.com' }, { email: 'c@example.com' }, { email: 'b@example.com' }]);
  });

  it('a bare { complete: true } ends the one pending sequence (the CSV node, file with a final newline)', () => {
    const { sequences } = assembler();
    const closing = { complete: true };
    assert.ok(isBareComplete(closing));
    sequences.add({ parts: { id: 'f', index: 0, count: Number.NaN }, payload: { email: 'a@example.com' }, topic: 'Newsletter' });
    sequences.add({ parts: { id: 'f', index: 1, count: Number.NaN }, payload: { email: 'b@example.com' } });
    const done = sequences.add(closing);
    assert.ok(done.state === 'complete');
    if (done.state === 'complete') {
      assert.equal(done.payload.length, 2);
      assert.equal(done.first.topic, 'Newsletter', 'the segment comes from the first part, not the closing message');
    }
  });

  it('a bare complete with several sequences pending fails them all; with none pending it is an error', () => {
    const { sequences } = assembler();
    sequences.add({ parts: { id: 'a', index: 0 }, payload: [1] });
    sequences.add({ parts: { id: 'b', index: 0 }, payload: [2] });
    assert.match(failed(sequences.add({ complete: true })).message, /2 sequences were pending/);
    assert.equal(sequences.pending, 0, 'their data is let go');
    assert.equal(sequences.add({ parts: { id: 'a', index: 1, count: 2 }, payload: [3] }).state, 'dropped', 'a straggler of a failed sequence is not a new one');
    assert.match(failed(sequences.add({ complete: true })).message, /no sequence was pending/);
  });

  it('fails a sequence whose count changes, whose index passes the count, or that repeats a part; nothing is kept', () => {
    for (const [second, pattern] of [
      [{ parts: { id: 'x', index: 1, count: 4 } }, /changed its count from 3 to 4/],
      [{ parts: { id: 'x', index: 3, count: 3 } }, /index 3 but a count of 3/],
      [{ parts: { id: 'x', index: 5 } }, /index 5 but a count of 3/],
      [{ parts: { id: 'x', index: 0 } }, /part 0 twice/],
      [{ parts: { id: 'x', index: -1 } }, /index must be a whole number/],
      [{ parts: { id: 'x', index: 1, count: 0 } }, /count must be a whole number from 1/],
      [{ parts: { id: 'x', index: 1.5 } }, /index must be a whole number/],
    ] as const) {
      const { sequences } = assembler();
      sequences.add({ parts: { id: 'x', index: 0, count: 3 }, payload: ['a@example.com'] });
      const error = failed(sequences.add({ ...second, payload: ['b@example.com'] }));
      assert.equal(error.code, 'invalid_input');
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('@'), 'no payload in the message');
    }
  });

  it('fails when an index arrived before a count that is smaller (a stray part does not complete the sequence early)', () => {
    const { sequences } = assembler();
    sequences.add({ parts: { id: 'x', index: 5 }, payload: ['stray@example.com'] });
    assert.match(failed(sequences.add({ parts: { id: 'x', index: 0, count: 2 }, payload: ['a@example.com'] })).message, /index 5 but a count of 2/);
  });

  it('expires a sequence that stops arriving, reports it once with its first message, and lets its data go', async () => {
    const { sequences, expired } = assembler(40);
    sequences.add({ parts: { id: 'slow', index: 1, count: 3 }, payload: ['b@example.com'], tag: 'late' });
    sequences.add({ parts: { id: 'slow', index: 0, count: 3 }, payload: ['a@example.com'], tag: 'first' });
    await new Promise((resolve) => setTimeout(resolve, 25));
    sequences.add({ parts: { id: 'other', index: 0, count: 2 }, payload: [] });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(expired.length, 1, 'the first sequence expired');
    assert.equal(expired[0].error.code, 'sequence_timeout');
    assert.match(expired[0].error.message, /received 2 of 3 parts/);
    assert.equal(expired[0].first.tag, 'first', 'with its lowest-index message');
    assert.equal(expired[0].id, 'slow');
    assert.equal(sequences.add({ parts: { id: 'slow', index: 2, count: 3 }, payload: [] }).state, 'dropped', 'a straggler does not start it again');
    await new Promise((resolve) => setTimeout(resolve, 40));
    assert.equal(expired.length, 2);
    assert.equal(sequences.pending, 0);
  });

  it('each new part restarts the expiry clock (a slow steady stream is not cut off)', async () => {
    const { sequences, expired } = assembler(40);
    for (let index = 0; index < 5; index++) {
      sequences.add({ parts: { id: 'steady', index, count: 6 }, payload: [] });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(sequences.add({ parts: { id: 'steady', index: 5, count: 6 }, payload: [] }).state, 'complete');
    assert.equal(expired.length, 0);
  });

  it('tells parts from other messages', () => {
    assert.deepEqual(partOf({ parts: { id: 'x', index: 0, count: 1 } }), { id: 'x', index: 0, count: 1 });
    assert.deepEqual(partOf({ parts: { id: 3, index: 2, count: Number.NaN } }), { id: '3', index: 2 });
    assert.equal(partOf({ parts: { id: 'x' } }), undefined);
    assert.equal(partOf({ parts: 'nope' }), undefined);
    assert.equal(partOf({}), undefined);
    assert.ok(partOf({ parts: { id: 'x', index: 'zero' } }) instanceof ExportError);
    assert.ok(!isBareComplete({ complete: true, parts: { id: 'x', index: 0 } }));
    assert.ok(!isBareComplete({ payload: [] }));
  });
});
