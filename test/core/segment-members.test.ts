import assert from 'node:assert/strict';
import { sha256Digest, sha256Hex } from '../../src/core/email';
import { identifierForm } from '../../src/core/identifiers';
import { planOf } from './plan-of';

const hashed = identifierForm('sha256');
const d = (name: string) => sha256Digest(`${name}@example.com`);
const ds = (...names: string[]) => names.map(d);
const set = (...names: string[]) => new Set(ds(...names));

describe('segment members: what a run adds, removes and leaves', () => {
  it('mirror adds the new, removes those who left, leaves the rest', () => {
    const plan = planOf({ form: hashed, mode: 'mirror', admitted: ds('a', 'b', 'c'), previous: set('b', 'c', 'd', 'e') });
    assert.deepEqual(plan.adds, ds('a'));
    assert.deepEqual([...plan.removes].sort(), ds('d', 'e').sort());
    assert.equal(plan.unchanged, 2);
  });

  it('the same whether the state was attached before the segment arrived or half-way through', () => {
    for (let attachAfter = 0; attachAfter <= 4; attachAfter++) {
      const plan = planOf({ form: hashed, mode: 'mirror', admitted: ds('a', 'b', 'c', 'b'), previous: set('b', 'c', 'd'), attachAfter });
      assert.deepEqual(plan, { adds: ds('a'), removes: ds('d'), unchanged: 2 }, `attached after ${attachAfter}`);
    }
  });

  it('mirror without state adds everything and removes the opted-out once', () => {
    const plan = planOf({ form: hashed, mode: 'mirror', admitted: ds('a', 'b'), optedOut: ds('x') });
    assert.deepEqual(plan.adds, ds('a', 'b'));
    assert.deepEqual(plan.removes, ds('x'));
  });

  it('mirror with state removes an opted-out profile only if it was delivered, and one listed twice is not kept', () => {
    const plan = planOf({ form: hashed, mode: 'mirror', admitted: ds('a', 'x'), optedOut: ds('x', 'y'), previous: set('a', 'x') });
    assert.deepEqual(plan.adds, []);
    assert.deepEqual(plan.removes, ds('x'));
    assert.equal(plan.unchanged, 1);
  });

  it('add and remove send the segment as it is; replace adds everyone', () => {
    assert.deepEqual(planOf({ form: hashed, mode: 'add', admitted: ds('a', 'b'), previous: set('a') }).adds, ds('a', 'b'));
    const remove = planOf({ form: hashed, mode: 'remove', admitted: ds('a'), optedOut: ds('x') });
    assert.deepEqual(remove, { adds: [], removes: ds('a', 'x'), unchanged: 0 });
    assert.deepEqual(planOf({ form: hashed, mode: 'replace', admitted: ds('a'), previous: set('z') }), { adds: ds('a'), removes: [], unchanged: 0 });
  });

  it('compares plain addresses with the hashed state and removes leavers by hash', () => {
    const plan = planOf({
      form: identifierForm('plain'),
      mode: 'mirror',
      admitted: ['stay@example.com', 'new@example.com'],
      previous: new Set([sha256Digest('stay@example.com'), sha256Digest('left@example.com')]),
    });
    assert.deepEqual(plan.adds, ['new@example.com']);
    assert.deepEqual(plan.removes, [sha256Hex('left@example.com')]);
    assert.equal(plan.unchanged, 1);
  });
});
