import assert from 'node:assert/strict';
import fc from 'fast-check';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeRedUtil = (require(require.resolve('@node-red/util', { paths: [require.resolve(process.env.NODE_RED_PATH ?? 'node-red')] })) as { util: { normalisePropertyExpression(expression: string): Array<string | number> } }).util;
import { isSha256Hex, normaliseEmail, sha256Digest, sha256Hex, toIdentifier } from '../../src/core/email';
import { ExportError } from '../../src/core/errors';
import { fieldReader, isValidField, type PathParser } from '../../src/core/field-path';
import { bodyText, streamJsonRows } from '../../src/core/json-body';
import { hexToDigest, identifierForm } from '../../src/core/identifiers';
import { digestsToHex, wholeBatch } from '../../src/core/wire-batch';
import { isBareComplete, partOf, SequenceTracker } from '../../src/core/sequences';
import { planOf } from '../core/plan-of';
import { redact } from '../../src/core/redact';
import { consentWithdrawn, readSegment } from '../../src/core/segment-reader';
import type { SyncMode } from '../../src/core/types';
import { ConnectionBaseSchema, exportBaseSchema, SegmentInputSchema } from '../../src/nodes/config-schemas';

/**
 * Bad input, engine side (issue 6 part 3): property-based tests over every string, JSON value,
 * field path, set and message part the engine may be handed. Fixed seed: deterministic and fast.
 */
const SEED = 4242;
const runs = (numRuns: number) => ({ seed: SEED, numRuns });

const HEX64 = /^[0-9a-f]{64}$/;

/** Strings of every kind: ASCII, full unicode (incl. lone surrogates), control characters, white space. */
const anyString = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u0000', '\u007f', '\u00a0', '\u2028', '\ufeff', '@', '.', 'a', 'Z', '0', 'ß', 'İ'), maxLength: 80 }),
);

const asciiLocal = fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,30}$/);
const asciiLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
/** Addresses the normaliser must accept. */
const validEmail = fc
  .tuple(asciiLocal, fc.array(asciiLabel, { minLength: 2, maxLength: 4 }))
  .map(([local, labels]) => `${local}@${labels.join('.')}`)
  .filter((email) => email.length <= 254);
/** Near-misses: valid addresses with one thing broken, or noise wrapped around them. */
const emailLike = fc.oneof(
  validEmail,
  validEmail.map((e) => e.toUpperCase()),
  fc.tuple(validEmail, anyString, fc.nat()).map(([e, noise, at]) => {
    const i = at % (e.length + 1);
    return e.slice(0, i) + noise + e.slice(i);
  }),
  validEmail.map((e) => e.replace('@', '@@')),
  validEmail.map((e) => `${e}.`),
  validEmail.map((e) => e.replace('.', '..')),
  fc.stringMatching(/^[0-9a-fA-F]{64}$/),
  fc.stringMatching(/^\s*[0-9a-fA-F]{64}\s*$/),
  anyString,
);

describe('property: email normalisation and identifiers', () => {
  it('normaliseEmail never throws, and returns undefined or a trimmed, lowercase, white-space-free address', () => {
    fc.assert(
      fc.property(emailLike, (raw) => {
        const email = normaliseEmail(raw);
        if (email === undefined) return;
        assert.equal(email, email.trim());
        assert.equal(email, email.toLowerCase());
        assert.ok(email.length > 0 && email.length <= 254);
        assert.equal(email.split('@').length, 2);
        assert.ok(!/[\s\u0000-\u0020\u007f]/.test(email), `white space or control character in ${JSON.stringify(email)}`);
        // Idempotent.
        assert.equal(normaliseEmail(email), email);
      }),
      runs(3000),
    );
  });

  it('normaliseEmail (one pass for printable ASCII) equals the definition: trim, lowercase, then check', () => {
    const definition = (raw: string): string | undefined => {
      if (raw.length > 318) return undefined;
      const email = raw.trim().toLowerCase();
      const at = email.indexOf('@');
      const domain = email.slice(at + 1);
      if (email.length === 0 || email.length > 254 || at <= 0 || at !== email.lastIndexOf('@')) return undefined;
      if (domain.indexOf('.') <= 0 || domain.endsWith('.') || domain.includes('..')) return undefined;
      return /[\s\u0000-\u001f\u007f]/.test(email) ? undefined : email;
    };
    const nearAscii = fc.string({ unit: fc.constantFrom('a', 'Z', '.', '@', '-', '1', ' ', '\t', '\u00e9', '\u00a0', '\u007f'), maxLength: 24 });
    fc.assert(
      fc.property(fc.oneof(emailLike, nearAscii), (raw) => assert.equal(normaliseEmail(raw), definition(raw), JSON.stringify(raw))),
      runs(20000),
    );
  });

  it('the engine keeps a hash as its 32-byte digest and sends exactly the wire identifier', () => {
    const hashed = identifierForm('sha256');
    const plain = identifierForm('plain');
    fc.assert(
      fc.property(emailLike, (raw) => {
        const wire = toIdentifier(raw);
        const digest = hashed.fromRaw(raw);
        assert.equal(digest === undefined, wire === undefined);
        if (digest === undefined || wire === undefined) return;
        assert.equal(digest.length, 32);
        assert.deepEqual(wholeBatch(hashed.toWire([digest])), [wire]);
        assert.equal(hexToDigest(wire), digest);
        // Plain mode keys its state by the same digest, and sends removals of leavers as the hex hash.
        const plainId = plain.fromRaw(raw);
        assert.ok(plainId !== undefined && plain.toStateKey && plain.fromStateKey);
        assert.equal(plain.toStateKey(plainId), digest);
        assert.equal(plain.fromStateKey(digest), wire);
        if (!isSha256Hex(raw.trim())) assert.equal(digest, sha256Digest(normaliseEmail(raw) ?? ''));
      }),
      runs(3000),
    );
    assert.deepEqual(digestsToHex([]), []);
  });

  it('a batch in wire form comes out in order, in slices of the size asked, and streams the same body as an array', async () => {
    const hashed = identifierForm('sha256');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 12 }), { maxLength: 60 }), fc.integer({ min: 1, max: 25 }), async (texts, size) => {
        const digests = texts.map(sha256Digest);
        const batch = hashed.toWire(digests);
        const slices = [...batch.slices(size)];
        assert.equal(batch.length, digests.length);
        assert.ok(slices.every((slice, i) => slice.length === Math.min(size, digests.length - i * size)));
        assert.deepEqual(slices.flat(), texts.map(sha256Hex));
        const streamed = streamJsonRows('{"data":[', batch, '[', ']', ']}');
        const fromArray = streamJsonRows('{"data":[', texts.map(sha256Hex), '[', ']', ']}');
        const text = await bodyText(streamed);
        assert.equal(text, await bodyText(fromArray));
        assert.equal(Buffer.byteLength(text), streamed.length);
        assert.deepEqual(JSON.parse(text), { data: texts.map((t) => [sha256Hex(t)]) });
      }),
      runs(200),
    );
  });

  it('toIdentifier never throws, and gives undefined, 64 lowercase hex digits, or (plain) a normalised address', () => {
    fc.assert(
      fc.property(emailLike, fc.constantFrom('sha256' as const, 'plain' as const), (raw, encoding) => {
        const id = toIdentifier(raw, encoding);
        if (id === undefined) return;
        if (encoding === 'sha256') assert.match(id, HEX64);
        else assert.ok(HEX64.test(id) || normaliseEmail(id) === id);
        // Idempotent: an identifier is its own identifier (a hash is never hashed twice).
        assert.equal(toIdentifier(id, encoding), id);
      }),
      runs(3000),
    );
  });

  it('huge strings are rejected cheaply, never thrown on', () => {
    fc.assert(
      fc.property(fc.integer({ min: 255, max: 2_000_000 }), fc.constantFrom('a', ' ', '@', 'a@b.c', '\u00e9'), (length, unit) => {
        const raw = unit.repeat(Math.ceil(length / unit.length));
        assert.equal(normaliseEmail(raw), undefined);
        assert.equal(toIdentifier(raw), undefined);
      }),
      runs(40),
    );
  });

  it('hashing a valid address equals hashing its padded and uppercased variants', () => {
    const padding = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\ufeff'), maxLength: 5 });
    fc.assert(
      fc.property(validEmail, padding, padding, fc.boolean(), (email, left, right, upper) => {
        const variant = `${left}${upper ? email.toUpperCase() : email}${right}`;
        assert.equal(toIdentifier(variant), sha256Hex(email));
        assert.equal(toIdentifier(variant, 'plain'), email);
        // An already hashed value, in any case, is kept (lowercased), not hashed again.
        const hash = sha256Hex(email);
        assert.equal(toIdentifier(upper ? hash.toUpperCase() : hash), hash);
        assert.ok(isSha256Hex(hash));
      }),
      runs(1000),
    );
  });
});

/** Profiles of every shape: arbitrary values, objects with the email at random depths, bare strings. */
const fieldName = fc.oneof(fc.constantFrom('email', 'contact', 'e', '0', 'ok', 'consent', '__proto__', 'constructor', 'toString'), fc.string({ maxLength: 6 }));
const fieldPath = fc.oneof(
  fc.array(fieldName, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('.')),
  fc.constantFrom('email', 'contact.email', 'a..b', '.', '', ' email ', 'emails.0', 'x[0]'),
  fc.string({ maxLength: 20 }),
);
const consentValue = fc.oneof(
  fc.constantFrom(false, 0, 'false', 'no', 'n', '0', ' No ', 'N', true, 1, 'yes', '', null, undefined),
  fc.anything({ maxDepth: 1 }),
);

function nest(path: string, value: unknown): unknown {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value);
}

const profileFor = (emailField: string, consentField: string | undefined) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.tuple(emailLike, consentValue, fc.boolean()).map(([email, consent, withConsent]) => {
      const profile = nest(emailField, email) as Record<string, unknown>;
      if (withConsent && consentField) Object.assign(profile, nest(consentField, consent));
      return profile;
    }) },
    { weight: 2, arbitrary: emailLike },
    { weight: 2, arbitrary: fc.anything({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.dictionary(fieldName, fc.anything({ maxDepth: 2 }), { maxKeys: 4 }) },
  );

/** A small pool of addresses so duplicates and opt-out/consent collisions actually happen. */
const pooled = fc.constantFrom('a@example.com', 'B@Example.com', ' b@example.com', 'c@x.org', sha256Hex('a@example.com'), 'bad', '');

/** The reader's counts, recomputed the slow obvious way. */
function reference(payload: unknown[], emailField: string, consentField: string | undefined, encoding: 'sha256' | 'plain') {
  const readEmail = fieldReader(emailField);
  const readConsent = consentField ? fieldReader(consentField) : undefined;
  const consenting: string[] = [];
  const optedOut = new Set<string>();
  let invalid = 0;
  let optedOutCount = 0;
  for (const profile of payload) {
    const raw = typeof profile === 'string' ? profile : readEmail(profile);
    const id = typeof raw === 'string' ? toIdentifier(raw, encoding) : undefined;
    if (id === undefined) invalid++;
    else if (readConsent && typeof profile !== 'string' && consentWithdrawn(readConsent(profile))) {
      optedOutCount++;
      optedOut.add(id);
    } else consenting.push(id);
  }
  const firstSeen = [...new Set(consenting)];
  return { members: firstSeen.filter((id) => !optedOut.has(id)), optedOut, invalid, optedOutCount, duplicates: consenting.length - firstSeen.length, consentingOptedOut: firstSeen.filter((id) => optedOut.has(id)).length };
}

describe('property: segment reader', () => {
  it('any payload: an array or an object is read as profiles, an address as one profile, anything else refused with invalid_input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 3 }), emailLike), fieldPath, (payload, emailField) => {
        fc.pre(!Array.isArray(payload));
        // One address: text without columns or lines (a CSV row is refused even when a column holds an address).
        const readable = (typeof payload === 'object' && payload !== null && !Buffer.isBuffer(payload)) || (typeof payload === 'string' && !/[,;\t]|\r?\n/.test(payload.trim()) && toIdentifier(payload) !== undefined);
        if (readable) {
          assert.equal(readSegment(payload, { emailField, encoding: 'sha256' }).profiles, 1);
          return;
        }
        assert.throws(
          () => readSegment(payload, { emailField, encoding: 'sha256' }),
          (error: unknown) => error instanceof ExportError && error.code === 'invalid_input' && /msg\.payload (must be profiles|is text|is binary)/.test(error.message),
        );
      }),
      runs(500),
    );
  });

  it('arrays of arbitrary profiles, any field paths: never throws, counts add up, matches the reference', () => {
    const scenario = fc
      .record({
        emailField: fieldPath,
        consentField: fc.option(fieldPath, { nil: undefined }),
        encoding: fc.constantFrom('sha256' as const, 'plain' as const),
      })
      .chain((options) =>
        fc.record({
          options: fc.constant(options),
          payload: fc.array(
            fc.oneof(profileFor(options.emailField, options.consentField), fc.tuple(pooled, consentValue).map(([email, consent]) => {
              const profile = nest(options.emailField, email) as Record<string, unknown>;
              if (options.consentField) Object.assign(profile, nest(options.consentField, consent));
              return profile;
            })),
            { maxLength: 40 },
          ),
        }),
      );
    const reached = { members: 0, duplicates: 0, optedOut: 0, consentingOptedOut: 0, invalid: 0 };
    fc.assert(
      fc.property(scenario, ({ options, payload }) => {
        const result = readSegment(payload, options);
        const expected = reference(payload, options.emailField, options.consentField, options.encoding);
        // The reader keeps hashes as raw digests; the reference speaks the wire form (hex).
        const wire = (ids: readonly string[]) => wholeBatch(identifierForm(options.encoding).toWire(ids));
        assert.equal(result.profiles, payload.length);
        assert.deepEqual(wire([...result.members]), expected.members);
        assert.deepEqual(new Set(wire([...result.optedOut])), expected.optedOut);
        assert.equal(result.invalid, expected.invalid);
        assert.equal(result.duplicates, expected.duplicates);
        assert.equal(result.optedOutCount, expected.optedOutCount);
        // The invariant: every profile is a member, a duplicate, invalid, opted out, or the first
        // consenting occurrence of an identifier that opted out elsewhere in the segment.
        assert.equal(result.profiles, result.members.size + result.duplicates + result.invalid + result.optedOutCount + expected.consentingOptedOut);
        for (const id of result.members) assert.ok(!result.optedOut.has(id));
        if (options.encoding === 'sha256') for (const id of [...result.members, ...result.optedOut]) assert.equal(id.length, 32);
        if (!options.consentField) assert.equal(result.optedOut.size, 0);
        reached.members += result.members.size > 0 ? 1 : 0;
        reached.duplicates += result.duplicates > 0 ? 1 : 0;
        reached.optedOut += result.optedOutCount > 0 ? 1 : 0;
        reached.consentingOptedOut += expected.consentingOptedOut > 0 ? 1 : 0;
        reached.invalid += result.invalid > 0 ? 1 : 0;
      }),
      runs(1500),
    );
    // Not vacuous: every branch of the reader was taken many times.
    for (const [branch, count] of Object.entries(reached)) assert.ok(count >= 20, `${branch} reached in ${count} runs`);
    if (process.env.PROPERTY_STATS) console.log(reached);
  });
});

describe('property: field paths and config schemas', () => {
  it('fieldReader never throws on any field or value, with dotted paths or Node-RED\'s parser; an exact key always wins', () => {
    const nodeRedParser: PathParser = (expression) => nodeRedUtil.normalisePropertyExpression(expression);
    fc.assert(
      fc.property(anyString, fc.anything({ maxDepth: 3 }), fc.anything({ maxDepth: 1 }), (field, value, exact) => {
        for (const parse of [undefined, nodeRedParser]) {
          fieldReader(field, parse)(value);
          if (isValidField(field)) assert.equal(fieldReader(field, parse)({ [field]: exact, nested: value }), exact);
        }
      }),
      runs(1500),
    );
  });

  it('exportBaseSchema and ConnectionBaseSchema: safeParse never throws; a success is well-formed', () => {
    const schema = exportBaseSchema(1000);
    const configValue = fc.oneof(
      fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }),
      fc.constantFrom('', ' ', 'true', 'false', '-1', '1e3', 'NaN', 'Infinity', '0x10', 'mirror', 'add', 'remove', 'replace', 'contact.email', 'a,,b, c', 'a..b'),
      fc.integer(),
      fc.double(),
    );
    const config = fc.oneof(
      fc.record(
        {
          name: configValue,
          connection: configValue,
          segments: configValue,
          emailField: configValue,
          consentField: configValue,
          mode: configValue,
          dryRun: configValue,
          maxProfiles: configValue,
          scope: configValue,
          consent: configValue,
        },
        { requiredKeys: [] },
      ),
      fc.anything({ maxDepth: 2, withNullPrototype: true }),
    );
    fc.assert(
      fc.property(config, (value) => {
        const parsed = schema.safeParse(value);
        if (parsed.success) {
          const base = parsed.data;
          assert.ok(isValidField(base.emailField));
          assert.ok(base.consentField === '' || isValidField(base.consentField));
          assert.ok(['mirror', 'add', 'remove', 'replace'].includes(base.mode));
          assert.ok(Number.isInteger(base.maxProfiles) && base.maxProfiles >= 0);
          assert.equal(typeof base.dryRun, 'boolean');
          assert.ok(base.segments.every((s) => typeof s === 'string' && s.length > 0));
        }
        ConnectionBaseSchema.safeParse(value);
        SegmentInputSchema.safeParse(value);
      }),
      runs(1500),
    );
  });
});

const idSet = (max = 30) => fc.uniqueArray(fc.integer({ min: 0, max: 60 }).map((n) => sha256Digest(`u${n}@example.com`)), { maxLength: max }).map((ids) => new Set(ids));

describe('property: sync plan', () => {
  it('every mode over random member, opt-out and previous sets keeps its invariants, whenever the state is attached', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60 }).map((n) => sha256Digest(`u${n}@example.com`)), { maxLength: 40 }),
        idSet(10),
        fc.option(idSet(), { nil: undefined }),
        fc.constantFrom<SyncMode>('mirror', 'add', 'remove', 'replace'),
        fc.boolean(),
        fc.nat(45),
        (admitted, optedOutRaw, previous, mode, previousIncomplete, attachAfter) => {
          const optedOut = [...optedOutRaw];
          // A profile that opted out anywhere in the segment is not a member.
          const members = new Set(admitted.filter((id) => !optedOutRaw.has(id)));
          const plan = planOf({ form: identifierForm('sha256'), mode, admitted, optedOut, previous, previousIncomplete, attachAfter });
          assert.equal(new Set(plan.adds).size, plan.adds.length, 'no duplicate adds');
          assert.equal(new Set(plan.removes).size, plan.removes.length, 'no duplicate removes');
          for (const id of plan.adds) assert.ok(members.has(id), 'adds ⊆ members');
          for (const id of plan.removes) assert.ok(!members.has(id) || mode === 'remove', 'a member is never removed (except in remove mode)');
          switch (mode) {
            case 'add':
            case 'replace':
              assert.deepEqual(new Set(plan.adds), members);
              assert.equal(plan.removes.length, 0);
              break;
            case 'remove':
              assert.equal(plan.adds.length, 0);
              assert.deepEqual(new Set(plan.removes), new Set([...members, ...optedOut]));
              break;
            case 'mirror': {
              const before = previous ?? new Set<string>();
              for (const id of plan.adds) assert.ok(!before.has(id), 'adds ∩ previous = ∅');
              for (const id of plan.removes) assert.ok(before.has(id) || optedOutRaw.has(id), 'removes ⊆ previous ∪ optedOut');
              assert.equal(plan.adds.length + plan.unchanged, members.size, 'adds + unchanged = members');
              // Applying the plan to the previous audience gives exactly the members.
              const after = new Set(before);
              for (const id of plan.removes) after.delete(id);
              for (const id of plan.adds) after.add(id);
              assert.deepEqual(after, members);
              if (!previous) assert.deepEqual(new Set(plan.removes), optedOutRaw);
              // State known only from an interrupted first run: every opted-out identifier is removed.
              if (previousIncomplete) for (const id of optedOut) assert.ok(plan.removes.includes(id), 'opted out removed');
              break;
            }
          }
        },
      ),
      runs(2000),
    );
  });

  it('mirror with plain identifiers compares against hashed state', () => {
    const emails = (max: number) => fc.uniqueArray(fc.integer({ min: 0, max: 40 }).map((n) => `u${n}@example.com`), { maxLength: max }).map((list) => new Set(list));
    fc.assert(
      fc.property(emails(25), emails(25), fc.nat(30), (members, previousPlain, attachAfter) => {
        const previous = new Set([...previousPlain].map(sha256Digest));
        const plan = planOf({ form: identifierForm('plain'), mode: 'mirror', admitted: [...members], previous, attachAfter });
        for (const id of plan.adds) assert.ok(!previousPlain.has(id));
        assert.equal(plan.adds.length + plan.unchanged, members.size);
        assert.deepEqual(new Set(plan.removes), new Set([...previousPlain].filter((e) => !members.has(e)).map(sha256Hex)));
      }),
      runs(1000),
    );
  });
});

describe('property: msg.parts sequences', () => {
  const scenario = fc
    .record({
      chunks: fc.array(fc.oneof(fc.array(fc.integer(), { maxLength: 4 }), fc.integer(), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 12 }),
      id: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
      // Where the count is stated: on every part, only on the last to arrive (File-in), or nowhere but a closing msg.complete (CSV).
      countOn: fc.constantFrom('every' as const, 'last' as const, 'complete' as const),
    })
    .chain((s) =>
      fc.record({
        s: fc.constant(s),
        order: fc.shuffledSubarray([...s.chunks.keys()], { minLength: s.chunks.length, maxLength: s.chunks.length }),
        dupe: fc.option(fc.record({ index: fc.nat(s.chunks.length - 1), at: fc.nat() }), { nil: undefined }),
      }),
    );

  it('random permutations of a sequence complete exactly once, with the payload in index order; a repeated part fails it instead', () => {
    fc.assert(
      fc.property(scenario, ({ s, order, dupe }) => {
        const count = s.chunks.length;
        const message = (index: number, position: number) => {
          const last = position === count - 1;
          const stated = s.countOn === 'every' || (s.countOn === 'last' && last) ? count : Number.NaN;
          return { payload: s.chunks[index], parts: { id: s.id, index, count: stated }, ...(last && s.countOn !== 'complete' ? { complete: true } : {}) };
        };
        const sequence: Array<{ payload?: unknown; parts?: unknown; complete?: unknown }> = order.map((index, position) => message(index, position));
        if (s.countOn === 'complete') sequence.push({ complete: true });
        // A repeated part: after the original arrived, before the message that completes the sequence.
        const original = order.indexOf(dupe?.index ?? -1);
        const repeated = dupe && original < sequence.length - 1;
        if (repeated) sequence.splice(original + 1 + (dupe.at % (sequence.length - 1 - original)), 0, { payload: s.chunks[dupe.index], parts: { id: s.id, index: dupe.index, count: Number.NaN } });
        const sequences = new SequenceTracker<{ payload?: unknown; parts?: unknown; complete?: unknown }>({ timeoutMs: 60_000, onExpired: () => assert.fail('nothing expires here') });
        const outcomes = sequence.map((msg) => {
          const outcome = sequences.add(msg);
          return outcome.state === 'part' ? (outcome.complete ? 'complete' : 'pending') : outcome.state;
        });
        sequences.clear();
        if (repeated) {
          assert.ok(outcomes.includes('failed'), `a repeated part must fail the sequence: ${outcomes.join(',')}`);
          assert.ok(!outcomes.includes('complete'), 'and never complete it');
          return;
        }
        assert.deepEqual(outcomes.filter((state) => state === 'complete').length, 1, outcomes.join(','));
        assert.equal(outcomes.at(-1), 'complete', 'it completes on the message that brings the last missing piece');
        // Every part's payload is passed on once, as it arrives: together they are the segment.
        const again = new SequenceTracker<{ payload?: unknown; parts?: unknown; complete?: unknown }>({ timeoutMs: 60_000, onExpired: () => undefined });
        const byIndex = new Map<number, unknown>();
        for (const msg of sequence) {
          const outcome = again.add(msg);
          const index = (msg.parts as { index?: number } | undefined)?.index;
          if (outcome.state === 'part' && outcome.payload !== undefined && index !== undefined) {
            assert.ok(!byIndex.has(index), 'a part is passed on once');
            byIndex.set(index, outcome.payload);
          }
        }
        again.clear();
        const forwarded = [...byIndex.keys()].sort((a, b) => a - b).flatMap((index) => {
          const chunk = byIndex.get(index);
          return Array.isArray(chunk) ? chunk : [chunk];
        });
        assert.deepEqual(forwarded, s.chunks.flatMap((chunk) => (Array.isArray(chunk) ? chunk : [chunk])));
      }),
      runs(1000),
    );
  });

  it('garbage msg.parts is never taken for a part, and placing it never throws', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 2, withNullPrototype: true }), fc.anything({ maxDepth: 1 }), (parts, complete) => {
        const msg = { parts, payload: [], complete };
        const part = partOf(msg);
        if (part === undefined && !isBareComplete(msg)) return;
        const sequences = new SequenceTracker<typeof msg>({ timeoutMs: 60_000, onExpired: () => undefined });
        sequences.add(msg);
        sequences.clear();
      }),
      runs(1000),
    );
  });
});

describe('property: redaction', () => {
  it('never throws, caps the length, and leaves no address behind', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyString, validEmail), { maxLength: 8 }), (parts) => {
        const out = redact(parts.join(' '));
        assert.ok(out.length <= 301);
        for (const part of parts) if (normaliseEmail(part) && part.length > 8) assert.ok(!out.includes(part), `left ${part} in ${out}`);
      }),
      runs(1000),
    );
  });
});
