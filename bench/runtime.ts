import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as path from 'node:path';

/**
 * What the benchmarks share: the sandbox in its own process (so its CPU and memory are not counted
 * as ours), and a real embedded Node-RED runtime whose user directory holds this package the way
 * an installed module sits there.
 */
export const ROOT = path.resolve(__dirname, '..');

export interface SandboxProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startSandboxProcess(args: string[] = []): Promise<SandboxProcess> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'dist/sandbox/cli.js'), '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  child.stdout?.resume();
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** A user directory with this package linked into node_modules, as `npm install` would place it. */
export async function prepareUserDir(): Promise<string> {
  const userDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-bench-'));
  const scopeDir = path.join(userDir, 'node_modules', '@audience-export');
  await fs.mkdir(scopeDir, { recursive: true });
  await fs.symlink(ROOT, path.join(scopeDir, 'node-red-audience-export'), 'dir');
  await fs.writeFile(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bench', private: true, dependencies: { '@audience-export/node-red-audience-export': '*' } }));
  return userDir;
}

interface EmbeddedNode {
  receive(msg: Record<string, unknown>): void;
}

export interface EmbeddedRuntime {
  getNode(id: string): EmbeddedNode;
  stop(): Promise<void>;
}

interface RedModule {
  init(server: http.Server, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): EmbeddedNode | null };
}

/** Node-RED embedded in this process with `flows` deployed; `globals` are reachable from Function nodes. */
export async function startRuntime(userDir: string, flows: unknown[], credentials: Record<string, unknown>, globals: Record<string, unknown>): Promise<EmbeddedRuntime> {
  await fs.writeFile(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  await fs.writeFile(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require(process.env.NODE_RED_PATH ?? 'node-red') as RedModule;
  const server = http.createServer();
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    functionGlobalContext: globals,
    logging: { console: { level: 'warn' } },
  });
  await RED.start();
  // start() resolves before the flows have started: wait for the first node to appear.
  const firstNode = (flows as Array<{ id: string; type: string }>).find((n) => n.type !== 'tab');
  for (let waited = 0; firstNode && !RED.nodes.getNode(firstNode.id) && waited < 30_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return {
    getNode(id) {
      const node = RED.nodes.getNode(id);
      if (!node) throw new Error(`node ${id} is not deployed (did the package load?)`);
      return node;
    },
    stop: () => RED.stop(),
  };
}

/** Peak resident memory of this process so far, in MB (the kernel's high-water mark). */
/**
 * Start watching the event loop; the returned function stops and gives its longest stall in ms.
 * Resolves after a few ticks: the monitor's first tick only sets its reference point, so a stall
 * starting right after enable() would not be seen.
 */
export async function watchEventLoop(): Promise<() => number> {
  const delays = monitorEventLoopDelay({ resolution: 10 });
  delays.enable();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return () => {
    delays.disable();
    return Math.round(delays.max / 1e6);
  };
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Heap still in use after a full collection: what an export left behind (should be near the idle runtime). */
export function heapAfterGcMb(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
}

/** Members the sandbox holds in an audience, from its control endpoint's listing. */
export async function memberCount(url: string, audiencesPath: string, audienceId: string): Promise<number> {
  const response = await fetch(`${url}${audiencesPath}`);
  const body = (await response.json()) as Record<string, Array<{ id: string; members: number }> | undefined>;
  const list = Object.values(body).find(Array.isArray) ?? [];
  return list.find((audience) => String(audience.id) === String(audienceId))?.members ?? -1;
}
