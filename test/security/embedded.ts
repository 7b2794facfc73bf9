import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { prepareUserDir } from '../../bench/runtime';

/**
 * A real Node-RED with adminAuth in its own process (Node-RED is a singleton): an administrator `*`,
 * a contributor (`read, flows.write, inject.write, audience-export.write`) and a reader. Tests talk to
 * it as those users over HTTP, the way the editor does.
 */
export const PASSWORDS = { admin: 'admin-pass-1', contributor: 'contributor-pass-1', reader: 'reader-pass-1' };
export type User = keyof typeof PASSWORDS;

export interface Summary {
  status: string;
  error?: { code: string; message: string };
  added?: number;
}

export interface Embedded {
  readonly url: string;
  readonly userDir: string;
  readonly dataDir: string;
  /** Where a `file` node of the flow appends the export summaries, one JSON line each. */
  readonly summariesFile: string;
  call(user: User | undefined, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  deploy(user: User, flows: unknown[]): Promise<void>;
  /** Press inject node `id`'s button once the (re)deployed flow has started (404 until then). */
  inject(user: User, id?: string): Promise<void>;
  /** The first `count` summaries the flow's file node wrote. */
  summaries(count: number): Promise<Summary[]>;
  stop(): Promise<void>;
  /** End the process at once (SIGKILL), as a crash or a pulled plug would: no close handlers run. */
  kill(): Promise<void>;
}

export async function startEmbedded(settings: Record<string, unknown> = {}): Promise<Embedded> {
  const userDir = await prepareUserDir();
  const dataDir = path.join(userDir, 'audience-export');
  const summariesFile = path.join(userDir, 'summaries.jsonl');
  const configFile = path.join(userDir, 'embedded.json');
  const runtimePath = require.resolve(process.env.NODE_RED_PATH ?? 'node-red');
  await fs.writeFile(configFile, JSON.stringify({ runtimePath, userDir, passwords: PASSWORDS, settings: { audienceExportDir: dataDir, audienceExportRetry: { maxAttempts: 1 }, ...settings } }));
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, '../fixtures/embedded-runtime.js'), configFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (process.env.EMBEDDED_LOG) process.stdout.write(chunk);
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the embedded runtime exited with ${code}`)));
  });
  const tokens = {} as Record<User, string>;
  for (const user of Object.keys(PASSWORDS) as User[]) {
    const response = await fetch(`${url}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username: user, password: PASSWORDS[user] }),
    });
    assert.equal(response.status, 200, `${user} logs in`);
    tokens[user] = ((await response.json()) as { access_token: string }).access_token;
  }

  const call: Embedded['call'] = async (user, method, route, body) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { ...(user ? { Authorization: `Bearer ${tokens[user]}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), 'Node-RED-Deployment-Type': 'full' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, json };
  };
  const inject: Embedded['inject'] = async (user, id = 'inj') => {
    for (let waited = 0; waited < 10_000; waited += 25) {
      const { status } = await call(user, 'POST', `/inject/${id}`);
      if (status !== 404) return assert.equal(status, 200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the flow did not start');
  };
  return {
    url,
    userDir,
    dataDir,
    summariesFile,
    call,
    inject,
    async deploy(user, flows) {
      const deployed = await call(user, 'POST', '/flows', flows);
      assert.equal(deployed.status, 204, JSON.stringify(deployed.json));
    },
    async summaries(count) {
      for (let waited = 0; waited < 15_000; waited += 50) {
        const text = await fs.readFile(summariesFile, 'utf8').catch(() => '');
        // Only whole lines: the runtime may be half-way through appending the next one.
        const lines = text.split('\n').slice(0, -1).filter(Boolean);
        if (lines.length >= count) return lines.map((line) => JSON.parse(line) as Summary);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`fewer than ${count} export summaries arrived`);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** A host an attacker controls: it answers every request like a friendly platform and keeps what it was sent. */
export interface Listener {
  readonly url: string;
  /** Everything received: method, path, headers and body as text. */
  readonly received: string[];
  close(): Promise<void>;
}

export async function startListener(): Promise<Listener> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push(`${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${Buffer.concat(chunks).toString('utf8')}`);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'listener-token-0001', expires_in: 3600, refresh_token: 'listener-refresh-0001', request_status: 'SUCCESS', segments: [], users: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
