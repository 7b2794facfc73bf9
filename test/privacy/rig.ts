import { promises as fs } from 'node:fs';
import type { ExportSummary } from '../../src/core/export-run';
import type { Sandbox, SandboxOptions } from '../../src/sandbox';
import { coreNode, type FlowNode, freshDataDir, helper, packageNodes, startTestSandbox, testSettings } from '../nodes/harness';
import { type Msg, spyOnTranslations, type TestNode } from './spies';
import { captureIssuedTokens } from './tokens';

/**
 * One runtime for a privacy canary suite: a sandbox, a data directory, every export wired to the same
 * two probes and one Catch, and everything the package says (outputs, Catch messages, statuses, the
 * arguments of its translations, the log) kept for the leak scan. `use` registers the suite's
 * before/after hooks.
 */
export class CanaryRig {
  readonly outputs: Msg[] = [];
  readonly caught: Msg[] = [];
  readonly statuses: Array<{ node: string; status: unknown }> = [];
  readonly i18nCalls: unknown[] = [];
  readonly summaries = new Map<string, ExportSummary>();
  logArgs: unknown[] = [];
  private current?: { sandbox: Sandbox; dataDir: string; issued: ReturnType<typeof captureIssuedTokens> };
  private readonly waiting = new Map<string, (summary: ExportSummary) => void>();
  private runs = 0;

  static use(sandboxOptions: SandboxOptions, settings: Record<string, unknown> = {}): CanaryRig {
    const rig = new CanaryRig();
    before(async () => {
      const issued = captureIssuedTokens();
      const sandbox = await startTestSandbox(sandboxOptions);
      const dataDir = await freshDataDir();
      rig.current = { sandbox, dataDir, issued };
      helper.settings(testSettings(dataDir, settings));
      await helper.startServer();
    });
    after(async () => {
      await helper.unload().catch(() => undefined);
      await helper.stopServer();
      await rig.current?.sandbox.close();
      rig.current?.issued.restore();
      if (rig.current) await fs.rm(rig.current.dataDir, { recursive: true, force: true });
    });
    return rig;
  }

  private get started(): NonNullable<CanaryRig['current']> {
    if (!this.current) throw new Error('the canary rig has not started (CanaryRig.use registers its hooks)');
    return this.current;
  }
  get sandbox(): Sandbox {
    return this.started.sandbox;
  }
  get dataDir(): string {
    return this.started.dataDir;
  }
  /** Every token the sandbox issued so far. */
  get issuedTokens(): ReadonlySet<string> {
    return this.started.issued.tokens;
  }

  /** A connection and an export of a harness flow under new ids, the export wired to the probes. */
  static pick(nodes: FlowNode[], connection: string, exporter: string): FlowNode[] {
    return [
      { ...nodes[1], id: connection },
      { ...nodes[2], id: exporter, connection, wires: [['out1'], ['out2']] },
    ];
  }

  /** The tab, then `nodes`, then the probes and the Catch node. */
  static flow(label: string, nodes: FlowNode[]): FlowNode[] {
    return [
      { id: 'tab', type: 'tab', label },
      ...nodes,
      { id: 'out1', type: 'helper', z: 'tab' },
      { id: 'out2', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  /** Loads the flow and listens to the probes, the Catch node and the status of every node that has one. */
  async load(flow: FlowNode[], credentials: Record<string, Record<string, string>>): Promise<void> {
    await helper.load([...spyOnTranslations(packageNodes, this.i18nCalls), coreNode('common/25-catch.js')], flow, credentials);
    this.logArgs = (helper.log() as unknown as { args: unknown[] }).args;
    for (const { id } of flow) {
      const node = helper.getNode(id) as unknown as TestNode | null;
      if (!node || typeof node.status !== 'function') continue;
      const original = node.status.bind(node);
      node.status = (status: unknown) => {
        this.statuses.push({ node: id, status });
        original(status);
      };
    }
    (helper.getNode('out1') as unknown as TestNode).on('input', (msg) => this.outputs.push(msg));
    (helper.getNode('out2') as unknown as TestNode).on('input', (msg) => {
      this.outputs.push(msg);
      this.summaries.set(msg.tag ?? '', msg.payload as ExportSummary);
      this.waiting.get(msg.tag ?? '')?.(msg.payload as ExportSummary);
    });
    (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => this.caught.push(msg));
  }

  /** Sends `msg` to an export node and resolves with its summary. */
  run(node: string, msg: Record<string, unknown>): Promise<ExportSummary> {
    const tag = `run-${++this.runs}`;
    return new Promise((resolve) => {
      this.waiting.set(tag, resolve);
      (helper.getNode(node) as unknown as TestNode).receive({ ...msg, tag });
    });
  }

  /** Waits (up to 5 s) until Catch has seen `count` messages. */
  async caughtAtLeast(count: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.caught.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
