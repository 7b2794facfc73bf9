import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExportSummary } from '../../src/core/export-run';
import type { Sandbox } from '../../src/sandbox';
import { coreNode, criteoCredentials, helper, microsoftCredentials, packageNodes, snapchatCredentials, useSandboxRuntime } from './harness';

const examplesDir = path.resolve(__dirname, '../../examples');

const CREDENTIALS: Record<string, () => { conn: Record<string, string> }> = {
  'snapchat-connection': snapchatCredentials,
  'microsoft-ads-connection': microsoftCredentials,
  'criteo-connection': criteoCredentials,
};

function membersOf(sandbox: Sandbox, summary: ExportSummary): ReadonlySet<string> {
  const id = summary.audienceId ?? '';
  if (summary.platform === 'snapchat') return sandbox.snapchat.members(id);
  if (summary.platform === 'microsoft-ads') return sandbox.microsoftAds.members(id);
  return sandbox.criteo.members(id);
}

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

/**
 * Every shipped example imports and runs: loaded as a user would import it (debug nodes swapped
 * for test probes, the connection pointed at the sandbox with consent ticked), its first Inject
 * pressed, and its summary checked.
 */
describe('examples/', function () {
  let sandbox: Sandbox;

  useSandboxRuntime({}, { set: (started) => (sandbox = started), get: () => sandbox });

  const files = require('node:fs').readdirSync(examplesDir).filter((f: string) => f.endsWith('.json')) as string[];
  it('has an example for every flow node type the package registers', async () => {
    const types = new Set<string>();
    for (const file of files) for (const node of JSON.parse(await fs.readFile(path.join(examplesDir, file), 'utf8')) as FlowNode[]) types.add(node.type);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const registered = Object.keys((require('../../package.json') as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes);
    for (const type of registered) assert.ok(types.has(type), `an example uses ${type}`);
  });

  for (const file of files) {
    it(`${file} imports and runs against the sandbox`, async () => {
      const flow = JSON.parse(await fs.readFile(path.join(examplesDir, file), 'utf8')) as FlowNode[];
      const connection = flow.find((n) => n.type.endsWith('-connection'));
      const exporter = flow.find((n) => n.type.endsWith('-audience'));
      assert.ok(connection && exporter, 'the example has a connection and an export node');
      assert.equal(connection.consent, false, 'examples ship with consent unticked: the user agrees, not the example');
      const summaryProbe = exporter.wires?.[1]?.[0];
      assert.ok(summaryProbe, 'output 2 is wired');
      const loaded = [
        { id: 'tab', type: 'tab', label: file },
        ...flow.map((node) => ({
          ...node,
          z: node.type.endsWith('-connection') ? undefined : 'tab',
          type: node.type === 'debug' ? 'helper' : node.type,
          ...(node === connection ? { consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url } : {}),
        })),
      ];
      const credentials = { [connection.id]: CREDENTIALS[connection.type]().conn };
      await helper.load([...packageNodes, coreNode('common/20-inject.js'), coreNode('function/10-function.js'), coreNode('sequence/17-split.js'), coreNode('common/90-comment.js')], loaded, credentials);
      const summary = await new Promise<ExportSummary>((resolve) => {
        (helper.getNode(summaryProbe) as unknown as { on(e: 'input', l: (msg: { payload: ExportSummary }) => void): void }).on('input', (msg) => resolve(msg.payload));
        const inject = flow.find((n) => n.type === 'inject');
        (helper.getNode(inject?.id ?? '') as unknown as { receive(msg: object): void }).receive({});
      });
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      assert.ok(summary.profiles > 0);
      assert.ok(summary.added > 0);
      if (exporter.dryRun) assert.equal(sandbox.recorder.requests.filter((r) => r.path.includes('/users')).length, 0);
      else assert.equal(membersOf(sandbox, summary).size, summary.added);
    });
  }
});
