/**
 * `npm start`: the newcomer's one command.
 *
 * 1. Starts the platform sandbox in this process (port 8787, or a free port when that is taken).
 * 2. Rebuilds the disposable Node-RED user directory `.demo/`: settings.js, a package.json that depends
 *    on this package, a node_modules symlink to the repository (so Node-RED loads it like an installed
 *    module), and flows.json + flows_cred.json seeded from the three examples (snapchat-export.json,
 *    microsoft-ads-export.json, criteo-export.json), one tab each, with the sandbox's URL, test
 *    credentials and accounts, and the privacy consent ticked.
 * 3. Runs Node-RED (the devDependency) on `.demo/` as a child process and says where to click.
 * Ctrl-C stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { SANDBOX_DEMOS, startSandbox } from '../src/sandbox';
import { DEMO_NODE_TYPES, demoFlows } from './demo-flows';

const ROOT = path.resolve(__dirname, '..');
const DEMO_DIR = path.join(ROOT, '.demo');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
const RED_JS = path.join(ROOT, 'node_modules', 'node-red', 'red.js');
const HOST = '127.0.0.1';
const SANDBOX_PORT = 8787;
const DEFAULT_UI_PORT = 1880;


function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startDemoSandbox(): Promise<{ url: string; close(): Promise<void> | void }> {
  try {
    return await startSandbox({ port: SANDBOX_PORT, host: HOST });
  } catch (err) {
    if (errorCode(err) !== 'EADDRINUSE') throw err;
    const sandbox = await startSandbox({ port: 0, host: HOST });
    say(`Port ${SANDBOX_PORT} is taken; the sandbox uses ${sandbox.url} instead (the demo flow points there).`);
    return sandbox;
  }
}

async function chooseUiPort(): Promise<number> {
  const fromEnv = process.env.PORT;
  if (fromEnv !== undefined && fromEnv !== '') {
    const port = Number(fromEnv);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`PORT must be a port number, not "${fromEnv}"`);
    if (!(await isPortFree(port, HOST))) throw new Error(`PORT ${port} is already in use on ${HOST}; choose another one`);
    return port;
  }
  if (await isPortFree(DEFAULT_UI_PORT, HOST)) return DEFAULT_UI_PORT;
  const port = await freePort(HOST);
  say(`Port ${DEFAULT_UI_PORT} is taken; Node-RED uses port ${port} instead (set PORT to choose).`);
  return port;
}

/** Everything under .demo/ is rebuilt: flows, credentials, sync state and editor settings. */
function resetDemoDir(): void {
  const link = path.join(DEMO_DIR, 'node_modules', ...PACKAGE.name.split('/'));
  // Unlink the package symlink first, so the clean-up below can never walk into the repository.
  if (isSymlink(link)) fs.unlinkSync(link);
  fs.rmSync(DEMO_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(ROOT, link, 'junction'); // 'junction' only matters on Windows, where it needs no privileges
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function writeSettings(uiPort: number): void {
  const settings = `// Written by scripts/start.ts on every \`npm start\`; edits are lost. The demo is disposable.
module.exports = {
    uiPort: ${uiPort},
    uiHost: ${JSON.stringify(HOST)},
    flowFile: 'flows.json',
    flowFilePretty: true,
    // Plain-text credentials so the start script can seed flows_cred.json. Never do this in production.
    credentialSecret: false,
    logging: { console: { level: 'info', metric: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    diagnostics: { enabled: true, ui: true },
    editorTheme: { tours: false },
};
`;
  fs.writeFileSync(path.join(DEMO_DIR, 'settings.js'), settings);
  const pkg = {
    name: 'audience-export-demo',
    description: 'Disposable Node-RED user directory written by `npm start`',
    version: '0.0.0',
    private: true,
    dependencies: { [PACKAGE.name]: `file:${path.relative(DEMO_DIR, ROOT) || '.'}` },
  };
  fs.writeFileSync(path.join(DEMO_DIR, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
}

function seedFlows(sandboxUrl: string): void {
  const { flows, credentials } = demoFlows(sandboxUrl);
  fs.writeFileSync(path.join(DEMO_DIR, 'flows.json'), `${JSON.stringify(flows, null, 4)}\n`);
  fs.writeFileSync(path.join(DEMO_DIR, 'flows_cred.json'), `${JSON.stringify(credentials, null, 4)}\n`);
}

function get(url: string, accept: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
  });
}

/** Resolves once the editor answers, or with false if Node-RED exits or takes over a minute. */
async function waitForEditor(editorUrl: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const res = await get(`${editorUrl}settings`, 'application/json');
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return false;
}

async function missingTypes(editorUrl: string): Promise<string[]> {
  try {
    const res = await get(`${editorUrl}nodes`, 'application/json');
    const sets = JSON.parse(res.body) as Array<{ types?: string[] }>;
    const registered = new Set(sets.flatMap((set) => set.types ?? []));
    return DEMO_NODE_TYPES.filter((type) => !registered.has(type));
  } catch {
    return [];
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(RED_JS)) throw new Error('node-red is not installed; run `npm install` first');
  const uiPort = await chooseUiPort();
  const sandbox = await startDemoSandbox();

  resetDemoDir();
  writeSettings(uiPort);
  seedFlows(sandbox.url);

  say();
  say('The demo is disposable: .demo/ (flows, credentials, sync state) is rebuilt on every `npm start`.');
  say(`Sandbox (${SANDBOX_DEMOS.map((demo) => demo.platform).join(', ')}) running at ${sandbox.url}`);
  say('Starting Node-RED ...');
  say();

  const child = spawn(process.execPath, [RED_JS, '--userDir', DEMO_DIR], { cwd: ROOT, stdio: 'inherit' });
  let stopping = false;

  const closeSandbox = async (): Promise<void> => {
    try {
      await sandbox.close();
    } catch {
      // already closed
    }
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    // Ctrl-C reaches Node-RED through the terminal too; signalling it again is harmless.
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    force.unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));

  child.on('exit', (code, signal) => {
    void closeSandbox().then(() => {
      if (!stopping) say(`Node-RED stopped (${signal ?? `exit code ${code}`}); the sandbox is closed.`);
      process.exit(stopping ? 0 : (code ?? 1));
    });
  });

  const editorUrl = `http://${HOST}:${uiPort}/`;
  if (!(await waitForEditor(editorUrl, child))) return; // the exit handler reports what happened
  const missing = await missingTypes(editorUrl);
  say();
  say('------------------------------------------------------------------------');
  say(`  Open http://${HOST}:${uiPort}, press the button on 'Export now' on any of the tabs`);
  say(`  ${SANDBOX_DEMOS.map((demo) => `'${demo.tabLabel}'`).join(', ')};`);
  say('  the debug sidebar shows the batch results and the summary.');
  say(`  Sandbox: ${sandbox.url}`);
  if (missing.length > 0) {
    say(`  Not built yet: ${missing.join(', ')} (dist/nodes/audience-export.js missing; run npm run build); Node-RED waits for these types.`);
  }
  say('  Ctrl-C stops Node-RED and the sandbox.');
  say('------------------------------------------------------------------------');
  say();
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
