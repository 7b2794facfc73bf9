import assert from 'node:assert/strict';
import { isSha256Hex, normaliseEmail, sha256Hex, toIdentifier } from '../../src/core/email';

// Test vectors from reference/snapchat.md §5 (Segment's tests, re-checked with sha256sum).
const PERSON_HASH = 'b375b7bbddb3de3298fbc7641063d9f03a38e118aa4480c8ab9f58740982e8bd';

describe('email normalisation and hashing', () => {
  it('hashes the reference vectors to the published digest', () => {
    for (const raw of ['person@email.com', 'Person@email.com ', 'Person@email.com', '  PERSON@EMAIL.COM\t']) {
      assert.equal(toIdentifier(raw), PERSON_HASH, raw);
    }
    assert.equal(sha256Hex('person@email.com'), PERSON_HASH);
  });

  it('passes a pre-hashed value through lowercased, never hashing it twice', () => {
    assert.equal(toIdentifier(PERSON_HASH.toUpperCase()), PERSON_HASH);
    assert.equal(toIdentifier(` ${PERSON_HASH} `), PERSON_HASH);
    assert.ok(isSha256Hex(PERSON_HASH));
    assert.ok(!isSha256Hex(PERSON_HASH.slice(1)));
  });

  it('returns the normalised address in plain mode', () => {
    assert.equal(toIdentifier(' Person@Email.com', 'plain'), 'person@email.com');
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', '   ', 'no-at-sign', '@example.com', 'a@b', 'a@@b.com', 'a@b@c.com', 'a b@c.com', 'a@.com', 'a@b.com.', 'a@b..com', 'a@b\u0000.com']) {
      assert.equal(normaliseEmail(bad), undefined, JSON.stringify(bad));
      assert.equal(toIdentifier(bad), undefined, JSON.stringify(bad));
    }
  });

  it('rejects a 10 MB string without hashing it', () => {
    const huge = `${'x'.repeat(10 * 1024 * 1024)}@example.com`;
    assert.equal(toIdentifier(huge), undefined);
  });
});
