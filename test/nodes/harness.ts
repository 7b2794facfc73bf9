import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import helper from 'node-red-node-test-helper';
import type { NodeInitializer } from 'node-red';
import type { BatchReport, ExportSummary } from '../../src/core/export-run';
import { CRITEO_SANDBOX, MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX, startSandbox, type SandboxOptions } from '../../src/sandbox';

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

// eslint-disable-next-line @typescript-eslint/no-require-imports
const builtNode = (type: string): NodeInitializer => require(`../../dist/nodes/${type}.js`);
export const snapchatNodes = [builtNode('snapchat-connection'), builtNode('snapchat-audience')];
/** Every node type of the package, so any platform's flow loads. */
export const packageNodes = ['snapchat', 'microsoft-ads', 'criteo'].flatMap((platform) => [builtNode(`${platform}-connection`), builtNode(`${platform}-audience`)]);

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

export function snapchatFlow(sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] {
  return exportFlow(
    { type: 'snapchat-connection', authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, ...connectionProps },
    { type: 'snapchat-audience', adAccountId: SNAPCHAT_SANDBOX.adAccountId, ...exportProps },
  );
}

export function microsoftFlow(sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] {
  return exportFlow(
    { type: 'microsoft-ads-connection', authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, tenant: MICROSOFT_ADS_SANDBOX.tenant, environment: 'production', ...connectionProps },
    { type: 'microsoft-ads-audience', customerId: MICROSOFT_ADS_SANDBOX.customerId, accountId: MICROSOFT_ADS_SANDBOX.accountId, membershipDuration: 30, acceptTerms: false, ...exportProps },
  );
}

export function criteoFlow(sandbox: Sandbox, exportProps: Record<string, unknown> = {}, connectionProps: Record<string, unknown> = {}): FlowNode[] {
  return exportFlow(
    { type: 'criteo-connection', authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, grantType: 'client_credentials', apiVersion: CRITEO_SANDBOX.apiVersion, ...connectionProps },
    { type: 'criteo-audience', advertiserId: CRITEO_SANDBOX.advertiserId, emailEncoding: 'sha256', ...exportProps },
  );
}

export const microsoftCredentials = (overrides: Record<string, string> = {}) => ({
  conn: {
    clientId: MICROSOFT_ADS_SANDBOX.clientId,
    clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret,
    refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken,
    developerToken: MICROSOFT_ADS_SANDBOX.developerToken,
    ...overrides,
  },
});

export const criteoCredentials = (overrides: Record<string, string> = {}) => ({
  conn: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret, refreshToken: CRITEO_SANDBOX.refreshToken, ...overrides },
});

export const snapchatCredentials = (overrides: Record<string, string> = {}) => ({
  conn: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken, ...overrides },
});

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
