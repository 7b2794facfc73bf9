import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NodeInitializer } from 'node-red';
import request from 'supertest';
import type { ExportSummary } from '../../src/core/export-run';
import type { Sandbox } from '../../src/sandbox';
import { nodeTypesOf } from '../../src/core/platform';
import { PLATFORMS } from '../../src/platforms';
import { demoOf } from '../../src/sandbox';
import { coreNode, helper, packageNodes, platformCredentials, useSandboxRuntime } from './harness';

const examplesDir = path.resolve(__dirname, '../../examples');
/** The core nodes the examples use: File-in/out, CSV, Split, Change, Switch, HTTP in/response… */
const EXAMPLE_CORE_NODES = ['common/20-inject.js', 'function/10-function.js', 'function/15-change.js', 'function/10-switch.js', 'sequence/17-split.js', 'common/90-comment.js', 'storage/10-file.js', 'parsers/70-CSV.js', 'network/21-httpin.js'].map(coreNode);

/** The platform of a node type (`criteo-connection` → `criteo`). */
function platformOfType(type: string): string {
  const platform = PLATFORMS.find((candidate) => Object.values(nodeTypesOf(candidate)).includes(type));
  assert.ok(platform, `${type} is a node type of the package`);
  return platform.id;
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
    const registered = PLATFORMS.flatMap((platform) => Object.values(nodeTypesOf(platform)));
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
      const platform = platformOfType(connection.type);
      const loaded = [
        { id: 'tab', type: 'tab', label: file },
        ...flow.map((node) => ({
          ...node,
          z: node.type.endsWith('-connection') ? undefined : 'tab',
          type: node.type === 'debug' ? 'helper' : node.type,
          ...(node === connection ? { ...demoOf(platform).connection(sandbox.url), consent: true } : {}),
        })),
      ];
      const credentials = { [connection.id]: platformCredentials(platform).conn };
      // The runtime's httpNode app, where HTTP-in nodes listen (the helper's request() reaches only httpAdmin).
      let httpNode: unknown;
      const capture: NodeInitializer = (RED) => {
        httpNode = (RED as unknown as { httpNode: unknown }).httpNode;
      };
      await helper.load([capture, ...packageNodes, ...EXAMPLE_CORE_NODES], loaded, credentials);
      const summary = await new Promise<ExportSummary>((resolve) => {
        (helper.getNode(summaryProbe) as unknown as { on(e: 'input', l: (msg: { payload: ExportSummary }) => void): void }).on('input', (msg) => resolve(msg.payload));
        const inject = flow.find((n) => n.type === 'inject');
        (helper.getNode(inject?.id ?? '') as unknown as { receive(msg: object): void }).receive({});
      });
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      assert.ok(summary.profiles > 0);
      assert.ok(summary.added > 0);
      if (exporter.dryRun) assert.equal(sandbox.recorder.requests.filter((r) => r.path.includes('/users')).length, 0);
      else assert.equal(sandbox.members(platform, summary.audienceId ?? '').size, summary.added);
      // A webhook example answers the caller with the summary, over real HTTP.
      const webhook = flow.find((n) => n.type === 'http in');
      if (webhook) {
        const answer = await request(httpNode as Parameters<typeof request>[0]).post('/segments/Pushed%20by%20curl').send({ profiles: [{ email: 'curl@example.com' }] }).set('Content-Type', 'application/json');
        assert.equal(answer.status, 200, answer.text);
        assert.equal((answer.body as ExportSummary).segment, 'Pushed by curl');
        assert.equal((answer.body as ExportSummary).added, 1);
        const refused = await request(httpNode as Parameters<typeof request>[0]).post('/segments/Empty%20push').send({ profiles: [{ mail: 'typo@example.com' }] }).set('Content-Type', 'application/json');
        assert.equal(refused.status, 422, 'a failed export answers 422');
        assert.equal((refused.body as ExportSummary).error?.code, 'no_valid_emails');
      }
    });
  }
});
