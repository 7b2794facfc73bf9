/**
 * `npm run bench`: each platform's export through a real Node-RED runtime into the sandbox, as the
 * issues set them: Snapchat 1,000,000 profiles (no added latency), Microsoft 500,000 and Criteo
 * 1,000,000 (100 ms added per call), platform rate limits on. Each run is a fresh process with a
 * fresh runtime, so its peak RSS is its own; the sandbox runs in another process. Prints wall time,
 * profiles per second and peak RSS per run and their medians, and checks the sandbox holds every
 * identifier. Options: --platform NAME (all), --profiles N, --runs N (3), --latency MS.
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { nodeTypesOf } from '../src/core/platform';
import { demoOf } from '../src/sandbox';
import { heapAfterGcMb, median, memberCount, peakRssMb, prepareUserDir, startRuntime, startSandboxProcess, watchEventLoop } from './runtime';

interface PlatformBench {
  readonly profiles: number;
  readonly latencyMs: number;
  /** Export settings beyond the platform demo's account (src/sandbox/<p>/demo.ts). */
  readonly exporter?: Record<string, unknown>;
  /** Control endpoint listing the sandbox's audiences with member counts. */
  readonly audiencesPath: string;
}

const PLATFORMS: Record<string, PlatformBench> = {
  snapchat: { profiles: 1_000_000, latencyMs: 0, audiencesPath: '/_sandbox/snapchat/segments' },
  'microsoft-ads': { profiles: 500_000, latencyMs: 100, exporter: { acceptTerms: true }, audiencesPath: '/_sandbox/microsoft-ads/audiences' },
  criteo: { profiles: 1_000_000, latencyMs: 100, audiencesPath: '/_sandbox/criteo/segments' },
  meta: { profiles: 1_000_000, latencyMs: 100, audiencesPath: '/_sandbox/meta/audiences' },
};

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
  /** Longest time the event loop was blocked during the export (every flow and the editor wait that long). */
  longestStallMs: number;
}

const { values } = parseArgs({
  options: {
    platform: { type: 'string' },
    profiles: { type: 'string' },
    runs: { type: 'string', default: '3' },
    latency: { type: 'string' },
    child: { type: 'string' },
  },
});

/** One export in this process: generate the segment, send it in, wait for the summary. */
async function runOnce(platform: string, bench: PlatformBench, count: number, sandboxUrl: string): Promise<RunResult> {
  const demo = demoOf(platform);
  const types = nodeTypesOf({ id: platform });
  const userDir = await prepareUserDir();
  let finish: (summary: Summary) => void = () => undefined;
  const flows = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'conn', type: types.connection, consent: true, scope: 'administrators', ...demo.connection(sandboxUrl) },
    { id: 'exp', type: types.export, z: 'tab', connection: 'conn', emailField: 'contact.email', mode: 'mirror', x: 200, y: 100, wires: [[], ['done']], ...demo.exporter, ...bench.exporter },
    { id: 'done', type: 'function', z: 'tab', func: 'global.get("benchDone")(msg.payload); return null;', outputs: 0, x: 400, y: 100, wires: [] },
  ];
  const credentials = { conn: { ...demo.credentials } };
  const runtime = await startRuntime(userDir, flows, credentials, { benchDone: (summary: Summary) => finish(summary) });
  const tag = `${process.pid}-${Date.now()}`;
  let payload: unknown[] | undefined = Array.from({ length: count }, (_, i) => ({ id: i, contact: { email: `customer${i}.${tag}@example.com` } }));
  const rssBeforeMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
  const stopWatching = await watchEventLoop();
  const started = performance.now();
  const summary = await new Promise<Summary>((resolve) => {
    finish = resolve;
    runtime.getNode('exp').receive({ payload, segment: { name: `Bench ${tag}` } });
    payload = undefined; // an upstream node does not keep the segment once it has sent it
  });
  const seconds = (performance.now() - started) / 1000;
  const longestStallMs = stopWatching();
  if (summary.status !== 'completed' || summary.added !== count) throw new Error(`the export did not complete: ${JSON.stringify(summary)}`);
  const held = await memberCount(sandboxUrl, bench.audiencesPath, summary.audienceId ?? '');
  if (held !== count) throw new Error(`the sandbox holds ${held} identifiers, expected ${count}`);
  await runtime.stop();
  return { seconds, batches: summary.batches.total, rssBeforeMb, peakRssMb: peakRssMb(), heapAfterMb: heapAfterGcMb(), held, longestStallMs };
}

async function main(): Promise<void> {
  if (values.child) {
    const bench = PLATFORMS[values.platform ?? ''];
    process.stdout.write(`RESULT ${JSON.stringify(await runOnce(values.platform ?? '', bench, Number(values.profiles), values.child))}\n`);
    return;
  }
  const names = values.platform ? [values.platform] : Object.keys(PLATFORMS);
  for (const name of names) {
    const bench = PLATFORMS[name];
    if (!bench) throw new Error(`unknown platform ${name}: one of ${Object.keys(PLATFORMS).join(', ')}`);
    await benchPlatform(name, Number(values.profiles ?? bench.profiles), Number(values.latency ?? bench.latencyMs), Number(values.runs));
  }
}

async function benchPlatform(name: string, count: number, latencyMs: number, runs: number): Promise<void> {
  const sandbox = await startSandboxProcess(['--quiet', '--latency', String(latencyMs)]);
  console.log(`\n${name}: ${count.toLocaleString('en-US')} profiles, ${runs} runs (fresh process each), sandbox latency ${latencyMs} ms per call, rate limits on, Node ${process.version}`);
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      const args = [...process.execArgv, __filename, '--child', sandbox.url, '--platform', name, '--profiles', String(count)];
      const output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
      const line = output.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) throw new Error(`run ${run} printed no result`);
      const result = JSON.parse(line.slice(7)) as RunResult;
      results.push(result);
      console.log(
        `  run ${run}: ${result.seconds.toFixed(2)} s, ${Math.round(count / result.seconds).toLocaleString('en-US')} profiles/s, ${result.batches} batches, ` +
          `RSS with the input segment ${result.rssBeforeMb} MB, peak RSS ${result.peakRssMb} MB, heap after GC ${result.heapAfterMb} MB, longest event-loop stall ${result.longestStallMs} ms, sandbox holds ${result.held.toLocaleString('en-US')}`,
      );
    }
  } finally {
    await sandbox.stop();
  }
  const seconds = median(results.map((r) => r.seconds));
  console.log(
    `  median of ${runs}: ${seconds.toFixed(2)} s wall, ${Math.round(count / seconds).toLocaleString('en-US')} profiles/s, ` +
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
