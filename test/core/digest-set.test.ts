import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DigestSet } from '../../src/core/digest-set';
import { sha256Digest } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';

/** Digests that share their first four bytes land in the same slot: the probing must tell them apart. */
const colliding = (n: number) => `\u0001\u0002\u0003\u0004${String(n).padStart(28, 'x')}`;
const digest = fc.oneof(
  fc.integer({ min: 0, max: 60 }).map((n) => sha256Digest(`user${n}@example.com`)),
  fc.integer({ min: 0, max: 6 }).map(colliding),
);
const operation = fc.oneof(
  { weight: 6, arbitrary: digest.map((d) => ({ op: 'add' as const, d })) },
  { weight: 3, arbitrary: digest.map((d) => ({ op: 'delete' as const, d })) },
  { weight: 2, arbitrary: digest.map((d) => ({ op: 'has' as const, d })) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const, d: '' }) },
);

describe('digest set', () => {
  it('behaves as a Set of strings under any sequence of add, delete, has and clear (growing from any size)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.array(operation, { minLength: 20, maxLength: 300, size: 'max' }), (expected, operations) => {
        const set = new DigestSet(expected);
        const model = new Set<string>();
        for (const { op, d } of operations) {
          if (op === 'add') {
            set.add(d);
            model.add(d);
          } else if (op === 'delete') assert.equal(set.delete(d), model.delete(d));
          else if (op === 'has') assert.equal(set.has(d), model.has(d));
          else {
            set.clear();
            model.clear();
          }
          assert.equal(set.size, model.size);
        }
        // Same members, in insertion order (a re-added member goes to the end, as in a Set).
        assert.deepEqual([...set], [...model]);
        assert.deepEqual([...set.entries()], [...model.entries()]);
        const seen: string[] = [];
        set.forEach((value) => seen.push(value));
        assert.deepEqual(seen, [...model]);
      }),
      { seed: 4242, numRuns: 500 },
    );
  });

  it('holds a million digests', () => {
    const set = new DigestSet(1_000_000);
    for (let i = 0; i < 1_000_000; i++) set.add(sha256Digest(`user${i}@example.com`));
    set.add(sha256Digest('user5@example.com'));
    assert.equal(set.size, 1_000_000);
    assert.ok(set.has(sha256Digest('user999999@example.com')));
    assert.ok(!set.has(sha256Digest('user1000000@example.com')));
  });

  it('costs no more for crafted digests that share their first bytes than for random ones (no hash flooding)', () => {
    // 60,000 values sharing their first 4, 8 or 28 bytes: before the keyed slot they all had one home
    // slot and every insert walked the run of the others (quadratic: 4.2 s for 60k in a runtime).
    const random = new DigestSet(60_000);
    for (let i = 0; i < 60_000; i++) random.add(sha256Digest(`user${i}@example.com`));
    const baseline = random.probeDistances();
    for (const prefix of [4, 8, 28]) {
      const crafted = new DigestSet(60_000);
      for (let i = 0; i < 60_000; i++) {
        const tail = Buffer.alloc(32 - prefix);
        tail.writeUInt32BE(i, tail.length - 4);
        crafted.add(Buffer.concat([Buffer.alloc(prefix, 0xab), tail]).toString('latin1'));
      }
      assert.equal(crafted.size, 60_000);
      const cost = crafted.probeDistances();
      assert.ok(cost.mean < baseline.mean * 2 + 0.5, `prefix ${prefix}: mean probe ${cost.mean} vs random ${baseline.mean}`);
      assert.ok(cost.max < 100, `prefix ${prefix}: longest probe ${cost.max}`);
    }
  });

  it('keeps a crafted state file cheap too: sets built from same-prefix digests with any sizes stay short', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 31 }), (count, prefix) => {
        const set = new DigestSet(count);
        for (let i = 0; i < count; i++) {
          const digest = Buffer.alloc(32, 0x11);
          digest.writeUInt32BE(i, 28);
          digest[Math.min(prefix, 27)] ^= i & 0xff;
          set.add(digest.toString('latin1'));
        }
        return set.probeDistances().max < 64;
      }),
      { seed: 99, numRuns: 40 },
    );
  });

  it('refuses anything that is not a 32-byte digest (a hex hash or an address would be a bug upstream)', () => {
    const set = new DigestSet();
    for (const bad of ['a@example.com', 'ab'.repeat(32), '']) {
      assert.throws(() => set.add(bad), (error: unknown) => error instanceof ExportError && error.code === 'internal');
    }
    assert.equal(set.size, 0);
  });
});
