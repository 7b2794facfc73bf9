/**
 * One child run of `npm run bench`'s sequence rows: a segment too big for one message, arriving as a
 * `msg.parts` sequence the way an upstream node (a database cursor, File-in → CSV) sends it — each
 * part made just before it is handed in and not kept afterwards — into a real Node-RED runtime
 * exporting to the sandbox (its own process). Phase 1 sends the sequence with `--mode` (add by
 * default); with `--rerun-changed P`, phase 2 sends it again with P% of the profiles replaced by new
 * ones to an export node in mirror mode on the same audience, which must remove exactly those and
 * add the new. After each phase the sandbox must hold exactly the segment. Prints one RESULT line:
 * per phase the wall time, longest event-loop stall and members held, and the process's peak RSS.
 */
import { parseArgs } from 'node:util';
import { nodeTypesOf } from '../src/core/platform';
import { demoOf } from '../src/sandbox';
import { heapAfterGcMb, memberCount, peakRssMb, prepareUserDir, startRuntime, watchEventLoop } from './runtime';

export interface SequencePhase {
  readonly mode: string;
  readonly seconds: number;
  readonly longestStallMs: number;
  readonly held: number;
  readonly added: number;
  readonly removed: number;
}

export interface SequenceResult {
  readonly phases: SequencePhase[];
  readonly peakRssMb: number;
  readonly heapAfterMb: number;
}

interface Summary {
  status: string;
  added: number;
  removed: number;
  audienceId: string | null;
  error?: { message: string };
}

const AUDIENCES_PATH: Record<string, string> = {
  snapchat: '/_sandbox/snapchat/segments',
  criteo: '/_sandbox/criteo/segments',
  'microsoft-ads': '/_sandbox/microsoft-ads/audiences',
};

const { values } = parseArgs({
  options: {
    sandbox: { type: 'string' },
    platform: { type: 'string', default: 'snapchat' },
    profiles: { type: 'string', default: '2000000' },
    parts: { type: 'string', default: '20' },
    mode: { type: 'string', default: 'add' },
    'rerun-changed': { type: 'string', default: '0' },
  },
});

/** The i-th profile of the segment; in the re-run, the first `changed` of them are new people. */
function profile(i: number, tag: string, changed: number): { id: number; contact: { email: string } } {
  return { id: i, contact: { email: i < changed ? `new${i}.${tag}@example.com` : `customer${i}.${tag}@example.com` } };
}

async function main(): Promise<void> {
  const platform = values.platform ?? 'snapchat';
  const url = values.sandbox ?? '';
  const count = Number(values.profiles);
  const parts = Number(values.parts);
  const changedPercent = Number(values['rerun-changed']);
  const demo = demoOf(platform);
  const types = nodeTypesOf({ id: platform });
  const userDir = await prepareUserDir();
  let finish: (summary: Summary) => void = () => undefined;
  const exporter = (id: string, mode: string, y: number) => ({
    id,
    type: types.export,
    z: 'tab',
    connection: 'conn',
    emailField: 'contact.email',
    mode,
    // A sequence's size is known only at its end: with no size limit its batches leave while it arrives.
    maxProfiles: 0,
    batchMessages: 'none',
    x: 200,
    y,
    wires: [[], ['done']],
    ...demo.exporter,
  });
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'conn', type: types.connection, consent: true, scope: 'administrators', ...demo.connection(url) },
    exporter('first', values.mode ?? 'add', 100),
    exporter('mirror', 'mirror', 200),
    { id: 'done', type: 'function', z: 'tab', func: 'global.get("benchDone")(msg.payload); return null;', outputs: 0, x: 400, y: 100, wires: [] },
  ];
  const runtime = await startRuntime(userDir, flows, { conn: { ...demo.credentials } }, { benchDone: (summary: Summary) => finish(summary) });
  const tag = `${process.pid}-${Date.now()}`;
  const segment = { name: `Sequence ${tag}` };
  const perPart = Math.ceil(count / parts);

  async function phase(nodeId: string, mode: string, changed: number): Promise<SequencePhase> {
    const stopWatching = await watchEventLoop();
    const started = performance.now();
    const summary = await new Promise<Summary>((resolve) => {
      finish = resolve;
      void (async () => {
        const id = `${tag}-${nodeId}`;
        for (let index = 0; index < parts; index++) {
          let payload: unknown[] | undefined = [];
          const end = Math.min(count, (index + 1) * perPart);
          for (let i = index * perPart; i < end; i++) {
            payload.push(profile(i, tag, changed));
            // The producer's own work is spread over turns too: the stall measured is the export's.
            if (i % 10_000 === 9_999) await new Promise((resolve) => setImmediate(resolve));
          }
          runtime.getNode(nodeId).receive({ payload, segment, parts: { id, index, count: parts } });
          payload = undefined; // an upstream node does not keep a part once it has sent it
          // Node-RED delivers each message on its own turn of the event loop.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
    });
    const seconds = (performance.now() - started) / 1000;
    const longestStallMs = stopWatching();
    if (summary.status !== 'completed') throw new Error(`the ${mode} run did not complete: ${JSON.stringify(summary)}`);
    const held = await memberCount(url, AUDIENCES_PATH[platform], summary.audienceId ?? '');
    if (held !== count) throw new Error(`after the ${mode} run the sandbox holds ${held} identifiers, expected ${count}`);
    return { mode, seconds, longestStallMs, held, added: summary.added, removed: summary.removed };
  }

  const phases = [await phase('first', values.mode ?? 'add', 0)];
  if (changedPercent > 0) {
    const changed = Math.round((count * changedPercent) / 100);
    const rerun = await phase('mirror', 'mirror', changed);
    if (rerun.added !== changed || rerun.removed !== changed) throw new Error(`the mirror re-run added ${rerun.added} and removed ${rerun.removed}, expected ${changed} each`);
    phases.push(rerun);
  }
  await runtime.stop();
  const result: SequenceResult = { phases, peakRssMb: peakRssMb(), heapAfterMb: heapAfterGcMb() };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
  // Node-RED leaves timers behind: exit once stdout has drained.
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.stdout.write('', () => process.exit(1));
  },
);
