import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256Hex } from '../../src/core/email';
import type { ExportSummary } from '../../src/core/export-run';
import { digestsToHex } from '../../src/core/wire-batch';
import { partOf } from '../../src/core/sequences';
import { partProfilesOf, profilesOf, readSegment } from '../../src/core/segment-reader';
import type { Sandbox } from '../../src/sandbox';
import { exportBaseSchema, SegmentInputSchema } from '../../src/nodes/config-schemas';
import { type Captured, freshDataDir, helper, loadFlow, profiles, snapchatCredentials, snapchatFlow, startTestSandbox, testSettings } from '../nodes/harness';

/**
 * Bad input, runtime side (issue 6 part 3): one real Node-RED runtime with a Snapchat export
 * against the sandbox, fed generated messages and node configs. Every message gets a summary on
 * output 2 (and a Catch error when it failed) within a timeout, the runtime never crashes, and it
 * keeps serving afterwards. Fixed seed: deterministic.
 */
const SEED = 4242;
const OUTCOME_TIMEOUT_MS = 5000;

interface Exporter {
  receive(msg: Record<string, unknown>): void;
}

interface Outcome {
  summary?: ExportSummary;
  error?: { message: string; code?: string };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Send one message and wait for what it leads to: a summary (plus its Catch error if it failed), or a Catch error alone. */
async function outcomeOf(exporter: Exporter, captured: Captured, msg: Record<string, unknown>, label: string): Promise<Outcome> {
  const summaries = captured.summaries.length;
  const errors = captured.errors.length;
  exporter.receive(msg);
  const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (captured.summaries.length > summaries) {
      const summary = captured.summaries[summaries];
      if (summary.error) while (captured.errors.length === errors && Date.now() < deadline) await sleep(2);
      return { summary, error: captured.errors[errors] };
    }
    if (captured.errors.length > errors) {
      await sleep(10); // a summary always comes before its error: none is coming
      assert.equal(captured.summaries.length, summaries, 'a summary after its own error');
      return { error: captured.errors[errors] };
    }
    await sleep(2);
  }
  throw new Error(`no summary and no error within ${OUTCOME_TIMEOUT_MS} ms for ${label}`);
}

const segmentValue = fc.oneof(
  fc.constantFrom('Seg A', ' Seg B ', '', '   ', 'x'.repeat(501)),
  fc.string({ maxLength: 12 }),
  fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 })), id: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.anything({ maxDepth: 2 }),
);
const emailish = fc.oneof(
  fc.constantFrom('a@example.com', ' B@Example.com ', 'c@x.org', 'bad', '', '@x.com', 'a@b', sha256Hex('d@example.com')),
  fc.integer({ min: 0, max: 50 }).map((n) => `u${n}@example.com`),
  fc.string({ maxLength: 20 }),
);
const profile = fc.oneof(
  { weight: 4, arbitrary: fc.record({ email: fc.oneof(emailish, fc.anything({ maxDepth: 1 })) }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: emailish },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) },
);
const payloadValue = fc.oneof({ weight: 3, arbitrary: fc.array(profile, { maxLength: 25 }) }, { weight: 2, arbitrary: fc.anything({ maxDepth: 3 }) });
/** msg.parts: absent, garbage (never a valid part), or a whole one-part sequence. */
const partsValue = fc.oneof(
  fc.constant(undefined),
  fc.anything({ maxDepth: 2 }).filter((parts) => partOf({ parts }) === undefined),
  fc.record({ id: fc.anything({ maxDepth: 1 }), index: fc.anything({ maxDepth: 1 }), count: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }).filter((parts) => partOf({ parts }) === undefined),
  fc.constant('whole-sequence' as const),
);
const messageValue = fc.record(
  { payload: payloadValue, segment: segmentValue, topic: segmentValue, parts: partsValue, dryRun: fc.anything({ maxDepth: 1 }) },
  { requiredKeys: ['payload'] },
);

let sequence = 0;

/** The message to send, and what the engine should make of it (computed before the node consumes the payload). */
function prepare(generated: typeof messageValue extends fc.Arbitrary<infer T> ? T : never): { msg: Record<string, unknown>; segmentOk: boolean; gathered: unknown; partRefusal?: string } {
  const msg: Record<string, unknown> = { ...generated };
  let gathered: unknown = generated.payload;
  let partRefusal: string | undefined;
  if (generated.parts === 'whole-sequence') {
    msg.parts = { id: `seq-${++sequence}`, index: 0, count: 1 };
    // A part's payload is refused on arrival, before its run asks for a segment name.
    try {
      gathered = [...partProfilesOf(generated.payload)];
    } catch (thrown) {
      partRefusal = (thrown as Error).message;
    }
  } else if (!('parts' in generated)) delete msg.parts;
  const segmentOk = SegmentInputSchema.safeParse(generated.segment ?? generated.topic).success;
  return { msg, segmentOk, gathered, partRefusal };
}

/** How often each branch was taken, so a property cannot pass by never reaching one. */
const seen = { noSegment: 0, notArray: 0, counted: 0, withMembers: 0, refused: 0, parts: 0, real: 0, dry: 0, configOk: 0, configInvalid: 0 };

function checkDryRunOutcome(outcome: Outcome, segmentOk: boolean, gathered: unknown, label: string, partRefusal?: string): void {
  const { summary, error } = outcome;
  assert.ok(summary, `no summary for ${label}`);
  if (partRefusal !== undefined) {
    seen.notArray++;
    assert.equal(summary.error?.code, 'invalid_input', label);
    assert.equal(summary.error.message, partRefusal);
    assert.equal(error?.code, 'invalid_input', `Catch error for ${label}`);
    return;
  }
  let profiles: readonly unknown[] | undefined;
  let refusal: string | undefined;
  try {
    profiles = profilesOf(gathered);
  } catch (thrown) {
    refusal = (thrown as Error).message;
  }
  if (!segmentOk) seen.noSegment++;
  else if (!profiles) seen.notArray++;
  else seen.counted++;
  if (!segmentOk) {
    assert.equal(summary.status, 'failed', label);
    assert.equal(summary.error?.code, 'invalid_input', label);
    assert.match(summary.error.message, /msg\.segment/);
    assert.equal(error?.code, 'invalid_input', `Catch error for ${label}`);
    return;
  }
  if (!profiles) {
    // Not profiles: the same refusal the reader gives (an array, one object or an address would do).
    assert.equal(summary.status, 'failed', label);
    assert.equal(summary.error?.code, 'invalid_input', label);
    assert.equal(summary.error.message, refusal);
    assert.equal(error?.code, 'invalid_input', `Catch error for ${label}`);
    return;
  }
  const read = readSegment(profiles, { emailField: 'email', encoding: 'sha256' });
  if (read.profiles > 0 && read.invalid === read.profiles) {
    // Profiles, and not one usable address: the guard refuses, in a dry run too.
    assert.equal(summary.status, 'failed', label);
    assert.equal(summary.error?.code, 'no_valid_emails', label);
    assert.equal(error?.code, 'no_valid_emails', `Catch error for ${label}`);
    seen.refused++;
    return;
  }
  assert.equal(summary.status, 'completed', `${label}: ${JSON.stringify(summary.error)}`);
  assert.equal(summary.dryRun, true);
  assert.deepEqual(
    { profiles: summary.profiles, invalid: summary.invalid, duplicates: summary.duplicates, added: summary.added, removed: summary.removed },
    { profiles: read.profiles, invalid: read.invalid, duplicates: read.duplicates, added: read.members.size, removed: 0 },
    label,
  );
  assert.equal(error, undefined, `no Catch error for ${label}`);
  if (read.members.size > 0) seen.withMembers++;
}

describe('property: export node in a Node-RED runtime under bad input', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  before(async () => {
    sandbox = await startTestSandbox();
    helper.settings(testSettings(await freshDataDir()));
    await helper.startServer();
    process.on('unhandledRejection', onUncaught);
  });

  after(async () => {
    process.off('unhandledRejection', onUncaught);
    await helper.unload();
    await helper.stopServer();
    await sandbox.close();
  });

  beforeEach(() => helper.unload());
  afterEach(() => assert.deepEqual(uncaught, [], 'no unhandled rejection'));
  after(() => {
    if (process.env.PROPERTY_STATS) console.log(seen);
  });

  it('dry run: any message shape gets a summary (and a Catch error when it failed) and the right counts', async () => {
    const { exporter, captured } = await loadFlow(snapchatFlow(sandbox, { dryRun: true }), snapchatCredentials());
    await fc.assert(
      fc.asyncProperty(messageValue, async (generated) => {
        const label = fc.stringify(generated);
        const { msg, segmentOk, gathered, partRefusal } = prepare(generated);
        if (generated.parts === 'whole-sequence') seen.parts++;
        const outcome = await outcomeOf(exporter as unknown as Exporter, captured, msg, label);
        checkDryRunOutcome(outcome, segmentOk, gathered, label, partRefusal);
      }),
      { seed: SEED, numRuns: 500 },
    );
    for (const branch of ['noSegment', 'notArray', 'counted', 'withMembers', 'parts'] as const) assert.ok(seen[branch] >= 10, `${branch} reached ${seen[branch]} times`);
    assert.equal(sandbox.recorder.requests.filter((r) => !r.path.includes('oauth')).length, 0, 'a dry run sends nothing to the platform');
  });

  it('real runs with msg.dryRun of any type: a real export only unless msg.dryRun === true, and the audience equals the segment', async () => {
    // Random segments shrink at random: the removal guard is off here (its own tests are in test/nodes/safe-runs.test.ts).
    const { exporter, captured } = await loadFlow(snapchatFlow(sandbox, { maxRemovalPercent: 100 }), snapchatCredentials());
    const realMessage = fc.record({
      payload: fc.array(profile, { maxLength: 25 }),
      segment: fc.constantFrom('Real A', 'Real B', { name: 'Real C', id: 7 }),
      dryRun: fc.oneof(fc.constant(true), fc.anything({ maxDepth: 1 })),
    });
    await fc.assert(
      fc.asyncProperty(realMessage, async (generated) => {
        const label = fc.stringify(generated);
        const read = readSegment(generated.payload, { emailField: 'email', encoding: 'sha256' });
        const members = digestsToHex([...read.members]);
        const { summary } = await outcomeOf(exporter as unknown as Exporter, captured, { ...generated }, label);
        assert.ok(summary, label);
        if (read.profiles > 0 && read.invalid === read.profiles) {
          assert.equal(summary.error?.code, 'no_valid_emails', label);
          return;
        }
        assert.equal(summary.status, 'completed', `${label}: ${JSON.stringify(summary.error)}`);
        assert.equal(summary.dryRun, generated.dryRun === true, label);
        seen[generated.dryRun === true ? 'dry' : 'real']++;
        if (generated.dryRun !== true) {
          assert.ok(summary.audienceId, label);
          assert.deepEqual(new Set(sandbox.snapchat.members(summary.audienceId)), new Set(members), `audience equals segment: ${label}`);
        }
      }),
      { seed: SEED, numRuns: 25 },
    );
    assert.ok(seen.real >= 5 && seen.dry >= 3, `real ${seen.real}, dry ${seen.dry}`);
  });

  it('arbitrary node configs: the node works or reports invalid_config on input, never crashes the runtime', async () => {
    const configValue = fc.oneof(
      fc.constantFrom('', ' ', 'email', 'contact.email', 'a..b', '.', 'e mail', 'mirror', 'add', 'remove', 'replace', 'sideways', 'true', 'false', '-1', '0', '10', '1e9', 'abc', 'Cfg', 'Cfg,Other', ',,'),
      fc.integer({ min: -1000, max: 1000 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    );
    /** Mostly sensible values with garbage mixed in, so both outcomes are common. */
    const mostly = (...good: unknown[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: configValue });
    const config = fc.record(
      {
        emailField: mostly('email', ' email ', 'contact.email'),
        consentField: mostly('', 'ok'),
        mode: mostly('mirror', 'add', 'remove', 'replace'),
        maxProfiles: mostly(0, 1, 2, '5', '', 1000),
        segments: mostly('', 'Cfg', 'Other', 'Cfg, Other', [], ['Cfg']),
        dryRun: mostly(false, true, 'true', 'false'),
        retentionDays: mostly(30, '180'),
        audienceId: mostly(''),
      },
      { requiredKeys: [] },
    );
    const schema = exportBaseSchema(10_000_000);
    await fc.assert(
      fc.asyncProperty(config, async (props) => {
        const label = fc.stringify(props);
        await helper.unload();
        const { exporter, captured } = await loadFlow(snapchatFlow(sandbox, props), snapchatCredentials());
        const baseOk = schema.safeParse({ connection: 'conn', ...props }).success;
        seen[baseOk ? 'configOk' : 'configInvalid']++;
        for (const msg of [{ payload: [{ email: 'cfg@example.com' }, { email: 'bad' }], segment: 'Cfg', dryRun: true }, { payload: 'not an array', topic: 'Cfg', dryRun: true }]) {
          const { summary, error } = await outcomeOf(exporter as unknown as Exporter, captured, msg, label);
          if (!baseOk) {
            assert.equal(summary, undefined, label);
            assert.equal(error?.code, 'invalid_config', label);
          } else if (summary) {
            assert.ok(['completed', 'failed', 'skipped'].includes(summary.status), label);
            if (summary.error) assert.ok(['invalid_input', 'segment_too_large', 'no_valid_emails', 'removal_guard'].includes(summary.error.code), `${label}: ${summary.error.code}`);
          } else assert.equal(error?.code, 'invalid_config', label);
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
    assert.ok(seen.configOk >= 5 && seen.configInvalid >= 5, `valid ${seen.configOk}, invalid ${seen.configInvalid}`);
  });

  it('after all that, a normal export still completes (the runtime keeps serving)', async () => {
    const { run } = await loadFlow(snapchatFlow(sandbox), snapchatCredentials());
    const members = profiles(500, 0, 'after.example.com');
    const summary = await run({ payload: members, segment: 'After' });
    assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
    assert.equal(summary.added, 500);
    assert.deepEqual(new Set(sandbox.snapchat.members(summary.audienceId ?? '')), new Set(members.map((p) => sha256Hex(p.email))));
  });
});
