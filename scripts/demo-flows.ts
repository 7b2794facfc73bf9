/**
 * The demo's flows, as `npm start` seeds them and the browser tests load them: one tab per platform the
 * sandbox simulates, from its example (`examples/<platform>-export.json`), the connection pointed at the
 * sandbox with its fixture credentials (src/sandbox/<platform>/demo.ts) and "I agree" ticked.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeTypesOf } from '../src/core/platform';
import { SANDBOX_DEMOS, type SandboxDemo } from '../src/sandbox';

const ROOT = path.resolve(__dirname, '..');

export type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Every node type the demo needs registered. */
export const DEMO_NODE_TYPES = SANDBOX_DEMOS.flatMap((demo) => Object.values(nodeTypesOf({ id: demo.platform })));

/** The demo's example flow, by convention `examples/<platform>-export.json`. */
export const exampleOf = (demo: SandboxDemo): string => `${demo.platform}-export.json`;

/** A stable tab id per platform, so a reloaded browser keeps its place. */
export const tabIdOf = (demo: SandboxDemo): string => createHash('sha256').update(`demo-tab:${demo.platform}`).digest('hex').slice(0, 16);

export function demoFlows(sandboxUrl: string): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const flows: FlowNode[] = [];
  const credentials: Record<string, Record<string, string>> = {};
  for (const demo of SANDBOX_DEMOS) {
    const types = nodeTypesOf({ id: demo.platform });
    const tabId = tabIdOf(demo);
    const file = path.join(ROOT, 'examples', exampleOf(demo));
    const example = JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
    flows.push({
      id: tabId,
      type: 'tab',
      label: demo.tabLabel,
      disabled: false,
      info: `Seeded by \`npm start\` from examples/${exampleOf(demo)}, pointed at the local sandbox (${sandboxUrl}). Rebuilt on every start.`,
    });
    let connections = 0;
    for (const original of example) {
      const node: FlowNode = { ...original };
      if (node.type === types.connection) {
        Object.assign(node, demo.connection(sandboxUrl), { consent: true });
        credentials[node.id] = { ...demo.credentials };
        connections += 1;
        flows.push(node); // config nodes stay global (no z)
        continue;
      }
      if (node.type === types.export) Object.assign(node, demo.exporter);
      node.z = tabId;
      flows.push(node);
    }
    if (connections === 0) throw new Error(`${path.relative(ROOT, file)} has no ${types.connection} node`);
  }
  const ids = new Set(flows.map((node) => node.id));
  if (ids.size !== flows.length) throw new Error('the examples share node ids; each example needs its own');
  return { flows, credentials };
}
