import assert from 'node:assert/strict';
import { sha256Digest, sha256Hex } from '../../src/core/email';
import { identifierForm } from '../../src/core/identifiers';
import { planSync } from '../../src/core/plan';

const { toStateKey, fromStateKey } = identifierForm('plain');
const plainKeys = { stateKey: toStateKey, fromStateKey };

const set = (...ids: string[]) => new Set(ids);
const base = { optedOut: set(), replaceStrategy: 'clear-then-add' as const };

describe('sync planning', () => {
  it('mirror adds the new, removes those who left, leaves the rest', () => {
    const plan = planSync({ ...base, mode: 'mirror', members: set('a', 'b', 'c'), previous: set('b', 'c', 'd', 'e') });
    assert.deepEqual(plan.adds, ['a']);
    assert.deepEqual([...plan.removes].sort(), ['d', 'e']);
    assert.equal(plan.unchanged, 2);
  });

  it('mirror without state adds everything and removes the opted-out once', () => {
    const plan = planSync({ ...base, mode: 'mirror', members: set('a', 'b'), optedOut: set('x'), previous: undefined });
    assert.deepEqual(plan.adds, ['a', 'b']);
    assert.deepEqual(plan.removes, ['x']);
  });

  it('mirror with state removes an opted-out profile only if it was delivered', () => {
    const plan = planSync({ ...base, mode: 'mirror', members: set('a'), optedOut: set('x', 'y'), previous: set('a', 'x') });
    assert.deepEqual(plan.adds, []);
    assert.deepEqual(plan.removes, ['x']);
  });

  it('add and remove send the segment as it is', () => {
    assert.deepEqual(planSync({ ...base, mode: 'add', members: set('a', 'b'), previous: set('a') }).adds, ['a', 'b']);
    const remove = planSync({ ...base, mode: 'remove', members: set('a'), optedOut: set('x'), previous: undefined });
    assert.deepEqual(remove.removes, ['a', 'x']);
    assert.deepEqual(remove.adds, []);
  });

  it('replace follows the platform strategy', () => {
    const clear = planSync({ ...base, mode: 'replace', members: set('a'), previous: set('z') });
    assert.equal(clear.clearFirst, true);
    assert.equal(clear.firstBatchReplaces, false);
    assert.deepEqual(clear.removes, []);
    const first = planSync({ ...base, replaceStrategy: 'first-batch-replaces', mode: 'replace', members: set('a'), previous: undefined });
    assert.equal(first.clearFirst, false);
    assert.equal(first.firstBatchReplaces, true);
  });
});

describe('sync planning with plain identifiers', () => {
  it('compares plain addresses with the hashed state and removes leavers by hash', () => {
    const previous = new Set([sha256Digest('stay@example.com'), sha256Digest('left@example.com')]);
    const plan = planSync({
      mode: 'mirror',
      members: new Set(['stay@example.com', 'new@example.com']),
      optedOut: new Set(),
      previous,
      replaceStrategy: 'clear-then-add',
      ...plainKeys,
    });
    assert.deepEqual(plan.adds, ['new@example.com']);
    assert.deepEqual(plan.removes, [sha256Hex('left@example.com')]);
    assert.equal(plan.unchanged, 1);
  });
});
