import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeInitializer } from 'node-red';
import type { BatchReport, ExportSummary } from '../../src/core/export-run';
import { nodeTypesOf } from '../../src/core/platform';
import { demoOf, type Sandbox, startSandbox, type SandboxOptions } from '../../src/sandbox';

/**
 * Node tests run the built nodes (dist/) in a real Node-RED runtime (node-red-node-test-helper),
 * talking over real HTTP to the sandbox on loopback. NODE_RED_PATH picks the runtime under test
 * (Node-RED 4 from devDependencies, or Node-RED 5 for the second leg).
 */
const runtimePath = require.resolve(process.env.NODE_RED_PATH ?? 'node-red');
helper.init(runtimePath);
/** A core node module of the runtime under test, e.g. `common/25-catch.js`. */
export function coreNode(file: string): NodeInitializer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(require.resolve(`@node-red/nodes/core/${file}`, { paths: [path.dirname(runtimePath)] }));
}
const catchNode = coreNode('common/25-catch.js');

/** The package's one node set, as built (dist/): every platform's connection and export types. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const packageNodes: NodeInitializer[] = [require('../../dist/nodes/audience-export.js')];

export { helper };

export interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

export interface Captured {
  batches: BatchReport[];
  summaries: ExportSummary[];
  errors: Array<{ message: string; code?: string; payload?: unknown }>;
  statuses: Array<{ fill?: string; text?: string }>;
  /** Called as each batch report arrives: lets a test inject a fault in the middle of a run. */
  onBatch?: (report: BatchReport) => void;
  /** Resolves once the Catch node has received `count` errors (Catch delivery follows the summary). */
  errorsArrived(count?: number): Promise<void>;
  /** Every message, status and error text seen, for the privacy checks. */
  everything(): string;
}

export async function startTestSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ rateLimit: false, ...options });
}

export async function freshDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'ax-node-'));
}

/** Where a suite keeps its sandbox: a test may replace it (a restart), so teardown asks for the current one. */
export interface SandboxSlot {
  set(sandbox: Sandbox): void;
  get(): Sandbox | undefined;
}

/**
 * Each test of the calling suite gets a fresh sandbox, its own data directory and a started
 * test-helper server, all torn down after it.
 */
export function useSandboxRuntime(options: SandboxOptions, slot: SandboxSlot): void {
  beforeEach(async () => {
    slot.set(await startTestSandbox(options));
    helper.settings(testSettings(await freshDataDir()));
    await helper.startServer();
  });
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await slot.get()?.close();
  });
}

/** Runtime settings for a test: its own data directory and fast retries. */
export function testSettings(dataDir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { audienceExportDir: dataDir, audienceExportRetry: { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 200, maxAttempts: 6 }, audienceExportThrottleWaitMs: 50, ...extra };
}

/** A tab with a connection `conn`, an export `exp` wired to two probes, and a Catch node feeding a third. */
export function exportFlow(connection: { type: string } & Record<string, unknown>, exporter: { type: string } & Record<string, unknown>): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'conn', name: 'test', consent: true, scope: 'administrators', ...connection },
    { id: 'exp', connection: 'conn', emailField: 'email', mode: 'mirror', z: 'tab', x: 100, y: 100, wires: [['batches'], ['summaries']], ...exporter },
    { id: 'batches', type: 'helper', z: 'tab', x: 300, y: 80 },
    { id: 'summaries', type: 'helper', z: 'tab', x: 300, y: 120 },
    { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, x: 100, y: 200, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 200 },
  ];
}

/** exportFlow for a platform the sandbox simulates, its nodes pointed at `sandbox` as the platform's demo says. */
export function platformFlow(platform: string, sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] {
  const demo = demoOf(platform);
  const types = nodeTypesOf({ id: platform });
  return exportFlow({ type: types.connection, ...demo.connection(sandbox.url), ...connectionProps }, { type: types.export, ...demo.exporter, ...exportProps });
}

/** The credentials of exportFlow's connection `conn`: the platform demo's, with `overrides`. */
export function platformCredentials(platform: string, overrides: Record<string, string> = {}): { conn: Record<string, string> } {
  return { conn: { ...demoOf(platform).credentials, ...overrides } };
}

export const snapchatFlow = (sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] => platformFlow('snapchat', sandbox, exportProps, connectionProps);
export const microsoftFlow = (sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] => platformFlow('microsoft-ads', sandbox, exportProps, connectionProps);
export const criteoFlow = (sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] => platformFlow('criteo', sandbox, exportProps, connectionProps);
export const snapchatCredentials = (overrides: Record<string, string> = {}) => platformCredentials('snapchat', overrides);
export const microsoftCredentials = (overrides: Record<string, string> = {}) => platformCredentials('microsoft-ads', overrides);
export const criteoCredentials = (overrides: Record<string, string> = {}) => platformCredentials('criteo', overrides);

interface HelperNode {
  on(event: 'input', listener: (msg: { payload: unknown; error?: { message: string; code?: string } }) => void): void;
  status: unknown;
  receive(msg: Record<string, unknown>): void;
}

/** Load a flow, wire listeners on the helper nodes, and spy on the export node's status. */
export async function loadFlow(flow: FlowNode[], credentials: Record<string, Record<string, string>>): Promise<{ exporter: HelperNode; captured: Captured; run: (msg: Record<string, unknown>) => Promise<ExportSummary> }> {
  await helper.load([...packageNodes, catchNode], flow, credentials);
  const exporter = helper.getNode('exp') as unknown as HelperNode;
  const captured: Captured = {
    batches: [],
    summaries: [],
    errors: [],
    statuses: [],
    everything() {
      return JSON.stringify([this.batches, this.summaries, this.errors, this.statuses]);
    },
    async errorsArrived(count = 1) {
      const deadline = Date.now() + 5000;
      while (this.errors.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
  const originalStatus = (exporter.status as (s: { fill?: string; text?: string }) => void).bind(exporter);
  exporter.status = (status: { fill?: string; text?: string }) => {
    captured.statuses.push(status);
    originalStatus(status);
  };
  const waiting: Array<(s: ExportSummary) => void> = [];
  (helper.getNode('batches') as unknown as HelperNode).on('input', (msg) => {
    captured.batches.push(msg.payload as BatchReport);
    captured.onBatch?.(msg.payload as BatchReport);
  });
  (helper.getNode('summaries') as unknown as HelperNode).on('input', (msg) => {
    captured.summaries.push(msg.payload as ExportSummary);
    waiting.shift()?.(msg.payload as ExportSummary);
  });
  (helper.getNode('caught') as unknown as HelperNode).on('input', (msg) =>
    captured.errors.push({ message: msg.error?.message ?? '', code: msg.error?.code, payload: msg.payload }),
  );
  const run = (msg: Record<string, unknown>) =>
    new Promise<ExportSummary>((resolve) => {
      waiting.push(resolve);
      exporter.receive(msg);
    });
  return { exporter, captured, run };
}

export function profiles(count: number, start = 0, domain = 'example.com'): Array<{ email: string }> {
  return Array.from({ length: count }, (_, i) => ({ email: `user${start + i}@${domain}` }));
}

/**
 * The bad-input set every export node must survive (issue: payload a string, number, null,
 * object, array of nulls, profiles without the field, 10 MB strings): a clear error or an
 * `invalid` count, never a crash, and the node keeps serving.
 */
export async function assertBadInputHandled(run: (msg: Record<string, unknown>) => Promise<ExportSummary>): Promise<void> {
  const huge = 'z'.repeat(10 * 1024 * 1024);
  for (const [payload, reason] of [
    [42, /must be profiles/],
    [null, /must be profiles/],
    ['not an address, but text', /looks like CSV/],
    [huge, /text that is not an email address/],
  ] as const) {
    const summary = await run({ payload, segment: 'Bad' });
    if (summary.status !== 'failed' || summary.error?.code !== 'invalid_input' || !reason.test(summary.error.message)) {
      throw new Error(`payload ${JSON.stringify(payload).slice(0, 80)} gave ${JSON.stringify(summary)}`);
    }
  }
  // One profile object, or one address, is a segment of one.
  for (const payload of ['single@example.com', { email: 'single@example.com' }]) {
    const summary = await run({ payload, segment: 'Single' });
    if (summary.status !== 'completed' || summary.profiles !== 1) throw new Error(`payload ${JSON.stringify(payload)} gave ${JSON.stringify(summary)}`);
  }
  const counted = await run({ payload: [null, null, { name: 'no email' }, { email: huge }, huge, { email: 'ok@example.com' }], segment: 'Bad' });
  if (counted.status !== 'completed' || counted.invalid !== 5 || counted.added !== 1) throw new Error(`invalid profiles gave ${JSON.stringify(counted)}`);
  const unnamed = await run({ payload: profiles(2) });
  if (unnamed.error?.code !== 'invalid_input') throw new Error(`a message without a segment gave ${JSON.stringify(unnamed)}`);
  const fine = await run({ payload: profiles(3), segment: 'Good' });
  if (fine.status !== 'completed') throw new Error(`the node stopped serving: ${JSON.stringify(fine)}`);
}
