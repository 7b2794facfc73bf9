/**
 * `npm run bench`: 1,000,000 generated profiles through a real Node-RED runtime into the sandbox
 * (no added latency, Snapchat's rate limit on). Each run is a fresh process with a fresh runtime,
 * so its peak RSS is its own; the sandbox runs in another process. Prints wall time, profiles per
 * second and peak RSS per run and their medians, and checks the sandbox holds every identifier.
 * Options: --profiles N (1000000), --runs N (3), --latency MS (0).
 */
import { execFileSync } from 'node:child_process';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parseArgs } from 'node:util';
import { SNAPCHAT_SANDBOX } from '../src/sandbox/snapchat/fixtures';
import { median, peakRssMb, prepareUserDir, startRuntime, startSandboxProcess } from './runtime';

interface Summary {
  status: string;
  added: number;
  audienceId: string | null;
  batches: { total: number };
}

interface RunResult {
  seconds: number;
  batches: number;
  rssBeforeMb: number;
  peakRssMb: number;
  heapAfterMb: number;
  held: number;
}

const { values } = parseArgs({
  options: {
    profiles: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    latency: { type: 'string', default: '0' },
    child: { type: 'string' },
  },
});
const count = Number(values.profiles);

/** One export in this process: generate the segment, send it in, wait for the summary. */
async function runOnce(sandboxUrl: string): Promise<RunResult> {
  const userDir = await prepareUserDir();
  let finish: (summary: Summary) => void = () => undefined;
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'conn', type: 'snapchat-connection', consent: true, scope: 'administrators', authBaseUrl: sandboxUrl, apiBaseUrl: sandboxUrl },
    { id: 'exp', type: 'snapchat-audience', z: 'tab', connection: 'conn', adAccountId: SNAPCHAT_SANDBOX.adAccountId, emailField: 'contact.email', mode: 'mirror', x: 200, y: 100, wires: [[], ['done']] },
    { id: 'done', type: 'function', z: 'tab', func: 'global.get("benchDone")(msg.payload); return null;', outputs: 0, x: 400, y: 100, wires: [] },
  ];
  const credentials = { conn: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken } };
  const runtime = await startRuntime(userDir, flows, credentials, { benchDone: (summary: Summary) => finish(summary) });
  const tag = `${process.pid}-${Date.now()}`;
  let payload: unknown[] | undefined = Array.from({ length: count }, (_, i) => ({ id: i, contact: { email: `customer${i}.${tag}@example.com` } }));
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  const started = performance.now();
  const summary = await new Promise<Summary>((resolve) => {
    finish = resolve;
    runtime.getNode('exp').receive({ payload, segment: { name: `Bench ${tag}` } });
  });
  const seconds = (performance.now() - started) / 1000;
  payload = undefined;
  if (summary.status !== 'completed' || summary.added !== count) throw new Error(`the export did not complete: ${JSON.stringify(summary)}`);
  const held = await memberCount(sandboxUrl, summary.audienceId ?? '');
  if (held !== count) throw new Error(`the sandbox holds ${held} identifiers, expected ${count}`);
  await runtime.stop();
  return { seconds, batches: summary.batches.total, rssBeforeMb, peakRssMb: peakRssMb(), heapAfterMb: heapAfterGcMb(), held };
}

/** Heap still in use after a full collection: what the export left behind (should be near the idle runtime). */
function heapAfterGcMb(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

async function memberCount(url: string, audienceId: string): Promise<number> {
  const response = await fetch(`${url}/_sandbox/snapchat/segments`);
  const body = (await response.json()) as { segments?: Array<{ id: string; members: number }> };
  return body.segments?.find((s) => s.id === audienceId)?.members ?? -1;
}

async function main(): Promise<void> {
  if (values.child) {
    process.stdout.write(`RESULT ${JSON.stringify(await runOnce(values.child))}\n`);
    return;
  }
  const runs = Number(values.runs);
  const sandbox = await startSandboxProcess(['--quiet', '--latency', String(values.latency)]);
  console.log(`Snapchat export benchmark: ${count.toLocaleString('en-US')} profiles, ${runs} runs (fresh process each), sandbox latency ${values.latency} ms, Node ${process.version}`);
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const output = execFileSync(process.execPath, [...process.execArgv, __filename, '--child', sandbox.url, '--profiles', String(count)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`run ${run} printed no result`);
      const result = JSON.parse(line.slice(7)) as RunResult;
      results.push(result);
      console.log(
        `run ${run}: ${result.seconds.toFixed(2)} s, ${Math.round(count / result.seconds).toLocaleString('en-US')} profiles/s, ${result.batches} batches, ` +
          `RSS with the input segment ${result.rssBeforeMb} MB, peak RSS ${result.peakRssMb} MB, heap after GC ${result.heapAfterMb} MB, sandbox holds ${result.held.toLocaleString('en-US')}`,
      );
    }
  } finally {
    await sandbox.stop();
  }
  const seconds = median(results.map((r) => r.seconds));
  console.log(
    `median of ${runs}: ${seconds.toFixed(2)} s wall, ${Math.round(count / seconds).toLocaleString('en-US')} profiles/s, ` +
      `peak RSS ${median(results.map((r) => r.peakRssMb))} MB (of which the generated input segment and idle runtime: ${median(results.map((r) => r.rssBeforeMb))} MB)`,
  );
}

main().then(
  // Node-RED leaves timers behind: exit once stdout has drained.
  () => process.stdout.write('', () => process.exit(0)),
  (error: unknown) => {
    console.error(error);
    process.stdout.write('', () => process.exit(1));
  },
);
