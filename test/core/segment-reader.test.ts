import assert from 'node:assert/strict';
import { sha256Digest } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { consentWithdrawn, readSegment, readSegmentYielding } from '../../src/core/segment-reader';

const read = (payload: unknown, consentField?: string) => readSegment(payload, { emailField: 'contact.email', consentField, encoding: 'sha256' });

describe('segment reader', () => {
  it('maps a dotted email field, hashes, dedupes and counts invalid profiles', () => {
    const result = read([
      { contact: { email: 'a@example.com' } },
      { contact: { email: ' A@Example.com ' } },
      { contact: { email: 'b@example.com' } },
      { contact: {} },
      { email: 'c@example.com' },
      null,
      42,
      'd@example.com',
      { contact: { email: 12 } },
    ]);
    assert.deepEqual([...result.members], [sha256Digest('a@example.com'), sha256Digest('b@example.com'), sha256Digest('d@example.com')]);
    assert.equal(result.profiles, 9);
    assert.equal(result.duplicates, 1);
    assert.equal(result.invalid, 5);
  });

  it('leaves out profiles whose consent flag says no, and keeps them apart for mirror removal', () => {
    const profiles = [
      { contact: { email: 'yes@example.com' }, ok: true },
      { contact: { email: 'no1@example.com' }, ok: false },
      { contact: { email: 'no2@example.com' }, ok: 'No' },
      { contact: { email: 'no3@example.com' }, ok: 0 },
      { contact: { email: 'no4@example.com' }, ok: 'n' },
      { contact: { email: 'unset@example.com' } },
      { contact: { email: 'twice@example.com' }, ok: true },
      { contact: { email: 'twice@example.com' }, ok: 'false' },
    ];
    const result = read(profiles, 'ok');
    assert.deepEqual([...result.members].sort(), [sha256Digest('yes@example.com'), sha256Digest('unset@example.com')].sort());
    assert.equal(result.optedOutCount, 5);
    assert.ok(result.optedOut.has(sha256Digest('twice@example.com')));
  });

  it('knows every withdrawn-consent spelling the contract lists', () => {
    for (const flag of [false, 'false', 'no', 'n', 0, ' FALSE ']) assert.ok(consentWithdrawn(flag), String(flag));
    for (const flag of [true, 'true', 'yes', 1, undefined, null, '']) assert.ok(!consentWithdrawn(flag), String(flag));
  });

  it('reads one profile object or one address as a segment of one; refuses other values with a clear invalid_input error', () => {
    assert.equal(read({ contact: { email: 'a@example.com' } }).members.size, 1);
    assert.equal(read('a@example.com').members.size, 1);
    for (const payload of ['not an address', 42, null, undefined, false]) {
      assert.throws(() => read(payload), (error: unknown) => error instanceof ExportError && error.code === 'invalid_input' && /msg\.payload (must be profiles|is text)/.test(error.message));
    }
  });

  it('counts an array of nulls and huge strings as invalid', () => {
    const huge = 'y'.repeat(10 * 1024 * 1024);
    const result = read([null, null, huge, { contact: { email: huge } }]);
    assert.equal(result.invalid, 4);
    assert.equal(result.members.size, 0);
  });

  it('reads a large segment a slice at a time, with the same result, letting other work run in between', async () => {
    const profiles = Array.from({ length: 50_000 }, (_, i) => ({ contact: { email: `user${i % 40_000}@example.com` }, ok: i % 7 !== 0 }));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const yielding = await readSegmentYielding(profiles, { emailField: 'contact.email', consentField: 'ok', encoding: 'sha256' }, 5_000);
    clearInterval(ticker);
    const whole = readSegment(profiles, { emailField: 'contact.email', consentField: 'ok', encoding: 'sha256' });
    assert.deepEqual([...yielding.members], [...whole.members]);
    assert.deepEqual([...yielding.optedOut], [...whole.optedOut]);
    assert.deepEqual([yielding.duplicates, yielding.invalid, yielding.optedOutCount], [whole.duplicates, whole.invalid, whole.optedOutCount]);
    assert.ok(turns >= 5, `a timer ran ${turns} times while 10 slices were read`);
    await assert.rejects(readSegmentYielding(7, { emailField: 'email', encoding: 'sha256' }), (error: unknown) => error instanceof ExportError && error.code === 'invalid_input');
  });
});
