import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { prepareUserDir } from '../bench/runtime';
import { type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../src/sandbox';

/**
 * Who may use a connection (DESIGN §6), in a real Node-RED with adminAuth, in its own process: the
 * admin endpoints' permission matrix, and the approval rule for administrator-scoped connections.
 */
const PASSWORDS = { admin: 'admin-pass-1', contributor: 'contributor-pass-1', reader: 'reader-pass-1' };
type User = keyof typeof PASSWORDS;
const REDIRECT_URI = 'http://127.0.0.1:1880/audience-export/auth/callback';

interface Runtime {
  readonly url: string;
  readonly child: ChildProcess;
}

async function startRuntime(userDir: string, dataDir: string): Promise<Runtime> {
  const configFile = path.join(userDir, 'embedded.json');
  const runtimePath = require.resolve(process.env.NODE_RED_PATH ?? 'node-red');
  await fs.writeFile(configFile, JSON.stringify({ runtimePath, userDir, passwords: PASSWORDS, settings: { audienceExportDir: dataDir, audienceExportRetry: { maxAttempts: 1 } } }));
  const child = spawn(process.execPath, [path.join(__dirname, 'fixtures/embedded-runtime.js'), configFile], { stdio: ['pipe', 'pipe', 'inherit'] });
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
  return { url, child };
}

describe('permissions and approvals in an embedded Node-RED with adminAuth', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let runtime: Runtime;
  let dataDir: string;
  let summariesFile: string;
  const tokens = {} as Record<User, string>;

  async function call(user: User | undefined, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${runtime.url}${route}`, {
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
  }

  const connection = (id: string, scope: string) => ({
    id,
    type: 'snapchat-connection',
    name: `${scope} connection`,
    scope,
    consent: true,
    authBaseUrl: sandbox.url,
    apiBaseUrl: sandbox.url,
    credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
  });
  const exporter = (mode = 'mirror') => ({ id: 'expA', type: 'snapchat-audience', z: 'tab', name: '', connection: 'connA', adAccountId: SNAPCHAT_SANDBOX.adAccountId, audienceId: '', retentionDays: 9999, segments: [], emailField: 'email', consentField: '', mode, dryRun: false, maxProfiles: 1000, x: 300, y: 100, wires: [[], ['out']] });
  const flows = (mode = 'mirror', connAScope = 'administrators') => [
    { id: 'tab', type: 'tab', label: 'permissions' },
    connection('connA', connAScope),
    connection('connC', 'contributors'),
    exporter(mode),
    { id: 'out', type: 'file', z: 'tab', name: '', filename: summariesFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 100, wires: [] },
    // Last: flows start node by node, so once the inject answers, the rest is there.
    { id: 'inj', type: 'inject', z: 'tab', name: '', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], repeat: '', once: false, topic: 'Approved', payload: '[{"email":"a@example.com"},{"email":"b@example.com"}]', payloadType: 'json', x: 100, y: 100, wires: [['expA']] },
  ];

  /** Press the inject button once the (re)deployed flow has started (404 until then). */
  async function inject(user: User): Promise<void> {
    for (let waited = 0; waited < 10_000; waited += 25) {
      const { status } = await call(user, 'POST', '/inject/inj');
      if (status !== 404) return assert.equal(status, 200);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the flow did not start');
  }

  async function summaries(count: number): Promise<Array<{ status: string; error?: { code: string } }>> {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const text = await fs.readFile(summariesFile, 'utf8').catch(() => '');
      const lines = text.split('\n').filter(Boolean);
      if (lines.length >= count) return lines.map((line) => JSON.parse(line) as { status: string; error?: { code: string } });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`fewer than ${count} export summaries arrived`);
  }

  before(async () => {
    sandbox = await startSandbox({ rateLimit: false });
    const userDir = await prepareUserDir();
    dataDir = path.join(userDir, 'audience-export');
    summariesFile = path.join(userDir, 'summaries.jsonl');
    runtime = await startRuntime(userDir, dataDir);
    for (const user of Object.keys(PASSWORDS) as User[]) {
      const response = await fetch(`${runtime.url}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_id: 'node-red-editor', grant_type: 'password', scope: '', username: user, password: PASSWORDS[user] }),
      });
      assert.equal(response.status, 200, `${user} logs in`);
      tokens[user] = ((await response.json()) as { access_token: string }).access_token;
    }
    const deployed = await call('admin', 'POST', '/flows', flows());
    assert.equal(deployed.status, 204, JSON.stringify(deployed.json));
    // The deploy answers before the flows have started.
    for (let waited = 0; waited < 10_000; waited += 25) {
      if ((await call('admin', 'GET', `/audience-export/audiences/connA?adAccountId=${SNAPCHAT_SANDBOX.adAccountId}`)).status !== 404) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  });

  after(async () => {
    if (runtime) {
      const exited = new Promise((resolve) => runtime.child.once('exit', resolve));
      runtime.child.stdin?.end();
      runtime.child.kill('SIGTERM');
      await exited;
    }
    await sandbox?.close();
  });

  it('the admin endpoints answer by the connection\'s scope and the user\'s permissions', async () => {
    const routes = (id: string, scope: string): Array<[string, string, unknown]> => [
      ['POST', `/audience-export/auth/${id}/start`, { type: 'snapchat-connection', scope, redirectUri: REDIRECT_URI }],
      ['POST', `/audience-export/test/${id}`, {}],
      ['GET', `/audience-export/audiences/${id}?adAccountId=${SNAPCHAT_SANDBOX.adAccountId}`, undefined],
    ];
    const expected: Record<User, Record<string, number>> = {
      admin: { connA: 200, connC: 200 },
      contributor: { connA: 401, connC: 200 },
      reader: { connA: 401, connC: 401 },
    };
    for (const user of Object.keys(PASSWORDS) as User[]) {
      for (const [id, scope] of [['connA', 'administrators'], ['connC', 'contributors']]) {
        for (const [method, route, body] of routes(id, scope)) {
          const { status, json } = await call(user, method, route, body);
          assert.equal(status, expected[user][id], `${user} ${method} ${route}: ${JSON.stringify(json)}`);
        }
      }
      // A deployed connection's scope wins over what is posted.
      const claimed = await call(user, 'POST', '/audience-export/auth/connA/start', { type: 'snapchat-connection', scope: 'contributors', redirectUri: REDIRECT_URI });
      assert.equal(claimed.status, user === 'admin' ? 200 : 401);
      // A connection not deployed yet: the posted scope decides.
      const fresh = await call(user, 'POST', '/audience-export/auth/newC/start', { type: 'snapchat-connection', scope: 'contributors', clientId: 'x', clientSecret: 'y', authBaseUrl: sandbox.url, redirectUri: REDIRECT_URI });
      assert.equal(fresh.status, user === 'reader' ? 401 : 200);
      const approve = await call(user, 'POST', '/audience-export/approvals/expA', exporter());
      assert.equal(approve.status, user === 'admin' ? 200 : 401, `${user} approves`);
      const badge = await call(user, 'GET', '/audience-export/approvals/expA');
      assert.equal(badge.status, user === 'reader' ? 401 : 200, `${user} reads the approval`);
    }
    assert.equal((await call(undefined, 'POST', '/audience-export/test/connC', {})).status, 401, 'no token');
    const identity = await call('contributor', 'POST', '/audience-export/test/connC', {});
    assert.deepEqual(identity.json, { ok: true, identity: `Sandbox Marketer (organization ${SNAPCHAT_SANDBOX.organizationId})` });
  });

  it('an export on an administrator-scoped connection runs only as an administrator approved it', async () => {
    // The contributor deploys an edit: unapproved, so the run fails and nothing reaches the platform.
    assert.equal((await call('contributor', 'POST', '/flows', flows('add'))).status, 204);
    sandbox.recorder.clear();
    await inject('contributor');
    const [first] = await summaries(1);
    assert.equal(first.status, 'failed');
    assert.equal(first.error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0, 'the sandbox received nothing');
    assert.deepEqual((await call('contributor', 'GET', '/audience-export/approvals/expA')).json, { approved: false, required: true });

    // The administrator approves the node as it is: it runs.
    assert.equal((await call('admin', 'POST', '/audience-export/approvals/expA', exporter('add'))).status, 200);
    assert.deepEqual((await call('contributor', 'GET', '/audience-export/approvals/expA')).json, { approved: true, required: true });
    await inject('contributor');
    const second = (await summaries(2))[1];
    assert.equal(second.status, 'completed', JSON.stringify(second.error));
    assert.ok(sandbox.recorder.requests.some((r) => r.path.endsWith('/users')), 'the members were sent');

    // Another edit by the contributor: unapproved again.
    assert.equal((await call('contributor', 'POST', '/flows', flows('mirror'))).status, 204);
    sandbox.recorder.clear();
    await inject('contributor');
    const third = (await summaries(3))[2];
    assert.equal(third.error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0);

    // Re-scoping the administrator's connection to contributors in the flow file does not lift the rule:
    // the approval recorded it as administrator-scoped, so the contributor's unapproved edit still sends nothing.
    assert.equal((await call('contributor', 'POST', '/flows', flows('remove', 'contributors'))).status, 204);
    sandbox.recorder.clear();
    await inject('contributor');
    const fourth = (await summaries(4))[3];
    assert.equal(fourth.error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0);
    assert.equal((await call('contributor', 'POST', '/audience-export/test/connA', {})).status, 401, 'its admin routes stay administrators-only');
  });
});
