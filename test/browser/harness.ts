import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { demoFlows } from '../../scripts/demo-flows';

/**
 * Browser tests: a real Node-RED (the runtime under test: NODE_RED_PATH, as in test/nodes/harness.ts)
 * in a child process with this package linked into its user directory, driven through its editor by
 * Debian's Chromium via playwright-core. No browser is downloaded: CI installs the `chromium` package.
 */
export const ROOT = path.resolve(__dirname, '../..');
const HOST = '127.0.0.1';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const runtimeDir = path.dirname(require.resolve(path.join(process.env.NODE_RED_PATH ?? 'node-red', 'package.json')));
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const nodeRedVersion = (require(path.join(runtimeDir, 'package.json')) as { version: string }).version;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../../package.json') as { name: string };
/** Screenshots (one per step) and the Node-RED log, per Node-RED version. */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'browser', `node-red-${nodeRedVersion}`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export interface NodeRed {
  /** The editor (and admin API) root, ending in `/`: honours `httpAdminRoot`. */
  readonly url: string;
  readonly userDir: string;
  stop(): Promise<void>;
}

/** Node-RED on a fresh user directory (this package linked in, an empty flow) and a free port. */
export async function startNodeRed(settings: Record<string, unknown> = {}): Promise<NodeRed> {
  const userDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-editor-'));
  const link = path.join(userDir, 'node_modules', ...pkg.name.split('/'));
  await fs.mkdir(path.dirname(link), { recursive: true });
  await fs.symlink(ROOT, link, 'dir');
  await fs.writeFile(path.join(userDir, 'package.json'), JSON.stringify({ name: 'editor-test', private: true, dependencies: { [pkg.name]: '*' } }));
  await fs.writeFile(path.join(userDir, 'flows.json'), '[]');
  const port = await freePort();
  const all = {
    uiHost: HOST,
    flowFile: 'flows.json',
    credentialSecret: false,
    logging: { console: { level: 'info', metric: false, audit: false } },
    telemetry: { enabled: false, updateNotification: false },
    editorTheme: { tours: false, palette: { catalogues: [] } },
    ...settings,
  };
  await fs.writeFile(path.join(userDir, 'settings.js'), `module.exports = ${JSON.stringify(all, null, 2)};\n`);
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const logFile = path.join(ARTIFACTS, 'node-red.log');
  const log = createWriteStream(logFile);
  const child: ChildProcess = spawn(process.execPath, [path.join(runtimeDir, 'red.js'), '--userDir', userDir, '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  // The editor's address: the admin root (`httpAdminRoot`, default /) on that port.
  const adminRoot = typeof settings.httpAdminRoot === 'string' ? `/${settings.httpAdminRoot.replace(/^\/+|\/+$/g, '')}/`.replace(/^\/\/$/, '/') : '/';
  const url = `http://${HOST}:${port}${adminRoot}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    log.end();
    await fs.unlink(link); // never let the clean-up walk into the repository
    await fs.rm(userDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED ${nodeRedVersion} exited with ${child.exitCode}; see ${logFile}`);
      try {
        const res = await fetch(`${url}settings`, { headers: { accept: 'application/json' } });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Node-RED ${nodeRedVersion} did not answer on ${url} within 30 s; see ${logFile}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const sets = (await (await fetch(`${url}nodes`, { headers: { accept: 'application/json' } })).json()) as Array<{ module: string; types: string[]; err?: string }>;
    const ours = sets.filter((set) => set.module === pkg.name);
    const errors = ours.filter((set) => set.err).map((set) => set.err);
    if (ours.length === 0 || errors.length > 0) throw new Error(`Node-RED did not load ${pkg.name} (${errors.join('; ') || 'not found'}); is it built? See ${logFile}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, userDir, stop };
}
/** Debian's Chromium, headless, with a fresh profile (playwright makes one per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}, which is missing: install it with \`sudo apt-get install chromium\` (.ci/run does this).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false, // --no-sandbox: CI runs as root
    args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** What the tests read from the editor's `RED` (only to find what the UI made; never to build the flow). */
interface EditorGlobal {
  RED: {
    nodes: {
      filterNodes(filter: { type: string }): Array<{ id: string }>;
      filterLinks(filter: { source: { id: string } }): Array<{ sourcePort: number; target: { id: string } }>;
    };
  };
}

/** The box of a visible element once it stopped moving (the palette re-lays out while it filters). */
async function stableBox(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  await locator.waitFor({ state: 'visible' });
  let last = '';
  for (let tries = 0; tries < 50; tries += 1) {
    const box = await locator.boundingBox();
    if (box && JSON.stringify(box) === last) return box;
    last = JSON.stringify(box);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${String(locator)} keeps moving`);
}

/** The editor, loaded: palette and workspace ready. Screenshots go to ARTIFACTS as `NN-step.png`. */
export class Editor {
  private shots = 0;

  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string): Promise<Editor> {
    return Editor.openPage(await browser.newPage({ viewport: { width: 1400, height: 900 } }), url);
  }

  /** The editor in a page of your own (another locale, another viewport). */
  static async openPage(page: Page, url: string): Promise<Editor> {
    page.setDefaultTimeout(10_000);
    await page.goto(url);
    await page.locator('#red-ui-palette .red-ui-palette-node').first().waitFor();
    await page.locator('#red-ui-workspace-chart').waitFor();
    return new Editor(page);
  }

  /** `page`: another window of the same browser (the sign-in popup), numbered in the same sequence. */
  async screenshot(step: string, page: Page = this.page): Promise<void> {
    this.shots += 1;
    await page.screenshot({ path: path.join(ARTIFACTS, `${String(this.shots).padStart(2, '0')}-${step}.png`) });
  }

  /** A node on the canvas by id (Node-RED ids may start with a digit, hence the attribute selector). */
  node(id: string): Locator {
    return this.page.locator(`#red-ui-workspace-chart g.red-ui-flow-node-group[id="${id}"]`);
  }

  /** Drags a palette node (found with the palette filter) onto the canvas at (x, y) of the chart; its new id. */
  async dragFromPalette(type: string, x: number, y: number): Promise<string> {
    const page = this.page;
    const search = page.locator('#red-ui-palette-search input');
    // The filter applies 100 ms after the last key press: then a node of another type disappears.
    const other = page.locator(`#red-ui-palette .red-ui-palette-node:not([data-palette-type="${type}"])`).first();
    await search.pressSequentially(type); // the filter reacts to key presses, not to a filled value
    await other.waitFor({ state: 'hidden' });
    const from = await stableBox(page.locator(`#red-ui-palette .red-ui-palette-node[data-palette-type="${type}"]`));
    const chart = await page.locator('#red-ui-workspace-chart').boundingBox();
    if (!chart) throw new Error('the workspace is not visible');
    const before = await this.ids(type);
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(chart.x + x, chart.y + y, { steps: 12 });
    await page.mouse.up();
    await search.press('Control+a');
    await search.press('Backspace');
    await other.waitFor({ state: 'visible' });
    const added = (await this.ids(type)).filter((id) => !before.includes(id));
    if (added.length !== 1) throw new Error(`dropping ${type} added ${added.length} nodes`);
    await this.node(added[0]).waitFor();
    return added[0];
  }

  /** Ids of the nodes of `type` in the editor's model (read only: the UI made them). */
  ids(type: string): Promise<string[]> {
    return this.page.evaluate((t) => {
      return (globalThis as unknown as EditorGlobal).RED.nodes.filterNodes({ type: t }).map((n) => n.id);
    }, type);
  }

  /** The wires leaving a node in the editor's model, as `port → target id`. */
  links(source: string): Promise<string[]> {
    return this.page.evaluate((id) => {
      return (globalThis as unknown as EditorGlobal).RED.nodes.filterLinks({ source: { id } }).map((l) => `${l.sourcePort} → ${l.target.id}`);
    }, source);
  }

  /** Drags a wire from output `port` (0-based) of `from` to the input of `to`. */
  async wire(from: string, port: number, to: string): Promise<void> {
    const out = await this.node(from).locator('.red-ui-flow-port-output').nth(port).boundingBox();
    const input = await this.node(to).locator('.red-ui-flow-port-input').boundingBox();
    if (!out || !input) throw new Error(`ports of ${from} or ${to} not found`);
    await this.page.mouse.move(out.x + out.width / 2, out.y + out.height / 2);
    await this.page.mouse.down();
    await this.page.mouse.move(input.x + input.width / 2, input.y + input.height / 2, { steps: 10 });
    await this.page.mouse.up();
  }

  /** Clicks a dialog's button (`node-dialog-ok`, `node-config-dialog-cancel`…) and waits for the dialog to close. */
  async close(button: string): Promise<void> {
    await this.page.locator(`#${button}`).click();
    await this.page.locator(`#${button}`).waitFor({ state: 'hidden' });
  }

  /** Deploy, and wait until the editor has nothing left to deploy. */
  async deploy(): Promise<void> {
    await this.page.locator('#red-ui-header-button-deploy').click();
    await this.page.locator('#red-ui-header-button-deploy.disabled').waitFor();
  }

  /** Opens a node's edit dialog with a double click. */
  async edit(id: string): Promise<void> {
    await this.node(id).locator('rect.red-ui-flow-node').dblclick();
    await this.page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
  }

  /** Sets a typedInput built on `input` (hidden; its widget follows it): optionally the type, then the value. */
  async typedInput(input: Locator, value: string, type?: string): Promise<void> {
    const widget = input.locator('xpath=following-sibling::div[contains(concat(" ", @class, " "), " red-ui-typedInput-container ")][1]');
    if (type) {
      await widget.locator('button.red-ui-typedInput-type-select').click();
      await this.page.locator(`.red-ui-typedInput-options:visible a[value="${type}"]`).click();
    }
    await widget.locator('input.red-ui-typedInput-input').fill(value);
  }
}

/** Deploys `flows` (credentials inside each node, as the admin API takes them) to a running Node-RED. */
export async function deployFlows(nodeRed: NodeRed, flows: Array<Record<string, unknown>>): Promise<void> {
  const answer = await fetch(`${nodeRed.url}flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
  if (answer.status !== 204) throw new Error(`deploying the flows answered ${answer.status}: ${await answer.text()}`);
}

/** The demo's flows (what `npm start` seeds), their credentials inside the connections, pointed at `sandboxUrl`. */
export function demoFlowsWithCredentials(sandboxUrl: string): Array<Record<string, unknown>> {
  const { flows, credentials } = demoFlows(sandboxUrl);
  return flows.map((node) => (credentials[node.id] ? { ...node, credentials: credentials[node.id] } : node));
}

/**
 * Every text a node's status label shows from now on, in order (a MutationObserver in the page, so
 * a status that lasts a few milliseconds is not missed); `texts()` reads them.
 */
export async function watchStatus(page: Page, nodeId: string): Promise<{ texts(): Promise<string[]> }> {
  // A string, not a function: the test runner's transpiler adds helpers a page does not have.
  await page.evaluate(`(() => {
    const id = ${JSON.stringify(nodeId)};
    const seen = [];
    window.__statuses = Object.assign({}, window.__statuses, { [id]: seen });
    const record = () => {
      const label = document.querySelector('g.red-ui-flow-node-group[id="' + id + '"] .red-ui-flow-node-status-label');
      const text = label ? label.textContent || '' : '';
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    };
    new MutationObserver(record).observe(document.getElementById('red-ui-workspace-chart') || document.body, { subtree: true, childList: true, characterData: true });
    record();
  })()`);
  return {
    texts: () => page.evaluate((id) => (globalThis as unknown as { __statuses: Record<string, string[]> }).__statuses[id] ?? [], nodeId),
  };
}
