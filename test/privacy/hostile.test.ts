import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type { NodeInitializer } from 'node-red';
import type { ExportSummary } from '../../src/core/export-run';
import { CRITEO_SANDBOX, MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import { coreNode, criteoFlow, type FlowNode, freshDataDir, helper, microsoftFlow, packageNodes, profiles, snapchatFlow, startTestSandbox, testSettings } from '../nodes/harness';
import { assertNoLeaks, canaryEmail, scanForLeaks } from './scan';
import { captureIssuedTokens } from './tokens';

/**
 * The privacy canary against a hostile platform (issue "Secrets stay put" §5): the sandbox echoes each
 * request's bearer token, developer token, form secrets, query and body (Criteo plain mode's raw
 * addresses among them) plus HTML into every string field of every error shape of the three platforms.
 * Exports meet those errors on every path (5xx until they give up, 4xx, expired tokens, invalid_grant,
 * Test connection with a wrong secret); then outputs, Catch, statuses, the log and the admin answers
 * are scanned: 0 leaks.
 */
interface Msg {
  payload?: unknown;
  tag?: string;
  error?: { message: string };
  [key: string]: unknown;
}
interface TestNode {
  on(event: 'input', listener: (msg: Msg) => void): void;
  receive(msg: Record<string, unknown>): void;
  status: (s: unknown) => void;
}

describe('privacy canary against a hostile platform that echoes requests into its errors', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let dataDir: string;
  let issued: ReturnType<typeof captureIssuedTokens>;
  const outputs: Msg[] = [];
  const caught: Msg[] = [];
  const statuses: unknown[] = [];
  const i18nCalls: unknown[] = [];
  const answers: string[] = [];
  const waiting = new Map<string, (s: ExportSummary) => void>();
  const emails = [canaryEmail(), canaryEmail(), canaryEmail()];
  const segment = () => [...emails.map((email) => ({ email })), ...profiles(10, 0, 'example.net')];

  let wrapped = false;
  const spiedNodes: NodeInitializer[] = packageNodes.map((init) => (RED) => {
    if (!wrapped) {
      wrapped = true;
      const translate = RED._.bind(RED);
      (RED as { _: unknown })._ = (key: string, args?: unknown) => {
        i18nCalls.push({ key, args });
        return translate(key, args as never);
      };
    }
    return init(RED);
  });

  const credentials = {
    snapConn: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
    msConn: { clientId: MICROSOFT_ADS_SANDBOX.clientId, clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret, refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken, developerToken: MICROSOFT_ADS_SANDBOX.developerToken },
    criteoConn: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret },
  };

  function flow(): FlowNode[] {
    const pick = (nodes: FlowNode[], conn: string, exp: string): FlowNode[] => [
      { ...nodes[1], id: conn },
      { ...nodes[2], id: exp, connection: conn, wires: [['out1'], ['out2']] },
    ];
    return [
      { id: 'tab', type: 'tab', label: 'hostile' },
      ...pick(snapchatFlow(sandbox), 'snapConn', 'snap'),
      ...pick(microsoftFlow(sandbox), 'msConn', 'ms'),
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }), 'criteoConn', 'criteo'),
      { id: 'out1', type: 'helper', z: 'tab' },
      { id: 'out2', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  let runs = 0;
  function run(node: string, msg: Record<string, unknown>): Promise<ExportSummary> {
    const tag = `run-${++runs}`;
    return new Promise((resolve) => {
      waiting.set(tag, resolve);
      (helper.getNode(node) as unknown as TestNode).receive({ ...msg, tag });
    });
  }

  before(async () => {
    issued = captureIssuedTokens();
    sandbox = await startTestSandbox({ recordBodies: true, hostile: true });
    dataDir = await freshDataDir();
    helper.settings(testSettings(dataDir, { audienceExportRetry: { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 20, maxAttempts: 3 } }));
    await helper.startServer();
  });

  after(async () => {
    await helper.unload().catch(() => undefined);
    await helper.stopServer();
    await sandbox.close();
    issued.restore();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('meets an echoing error on every path of the three platforms', async () => {
    await helper.load([...spiedNodes, coreNode('common/25-catch.js')], flow(), credentials);
    for (const id of ['snap', 'ms', 'criteo']) {
      const node = helper.getNode(id) as unknown as TestNode;
      const original = node.status.bind(node);
      node.status = (status: unknown) => {
        statuses.push(status);
        original(status);
      };
    }
    (helper.getNode('out1') as unknown as TestNode).on('input', (msg) => outputs.push(msg));
    (helper.getNode('out2') as unknown as TestNode).on('input', (msg) => {
      outputs.push(msg);
      waiting.get(msg.tag ?? '')?.(msg.payload as ExportSummary);
    });
    (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));

    const failures: ExportSummary[] = [];
    for (const [node, path, status] of [
      ['snap', '/users', 500],
      ['snap', '/users', 400],
      ['ms', '/Apply', 500],
      ['ms', '/Apply', 400],
      ['criteo', '/contact-list', 500],
      ['criteo', '/contact-list', 400],
      ['criteo', '/audience-segments/search', 403],
    ] as const) {
      sandbox.faults.failNext({ status, count: 10, pathIncludes: path });
      failures.push(await run(node, { payload: segment(), segment: `Hostile ${node} ${status}` }));
      sandbox.faults.reset();
    }
    // Expired tokens: a plain-text / enveloped 401 that echoes the bearer token, then a fresh one.
    sandbox.snapchat.expireAccessTokens();
    sandbox.microsoftAds.expireAccessTokens();
    sandbox.criteo.expireAccessTokens();
    for (const node of ['snap', 'ms', 'criteo']) failures.push(await run(node, { payload: segment(), segment: `Hostile ${node} expired` }));
    // invalid_grant / invalid_client: the token endpoint echoes the form with the client secret and refresh token.
    sandbox.snapchat.revokeRefreshTokens();
    sandbox.microsoftAds.revokeRefreshTokens();
    sandbox.snapchat.expireAccessTokens();
    sandbox.microsoftAds.expireAccessTokens();
    for (const node of ['snap', 'ms']) {
      const summary = await run(node, { payload: segment(), segment: `Hostile ${node} revoked` });
      assert.equal(summary.error?.code, 'reauth_required', `${node}: a refused grant is still recognised (${summary.error?.message})`);
      failures.push(summary);
    }
    // Test connection with a wrong secret, as the dialog posts it.
    const test = await helper
      .request()
      .post('/audience-export/test/criteoConn')
      .send({ type: 'criteo-connection', consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, grantType: 'client_credentials', apiVersion: CRITEO_SANDBOX.apiVersion, clientSecret: 'typed-wrong-secret-value' });
    answers.push(test.text);
    assert.equal((test.body as { ok: boolean }).ok, false);

    assert.ok(failures.filter((s) => s.status !== 'completed').length >= 8, 'the errors were met');
    const deadline = Date.now() + 5000;
    while (caught.length < 8 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(caught.length >= 8, `Catch saw the failures (${caught.length})`);
  });

  it('finds 0 leaks: no canary address, secret, token or HTML from the platform in outputs, Catch, statuses, the log or the admin answers', async () => {
    const secrets = [...Object.values(credentials).flatMap((c) => Object.entries(c).filter(([key]) => key !== 'clientId').map(([, value]) => value)), 'typed-wrong-secret-value', ...issued.tokens];
    const logArgs = (helper.log() as unknown as { args: unknown[] }).args;
    const texts = { 'Node-RED log': logArgs, 'output messages': outputs, 'Catch messages': caught, 'status texts': statuses, 'i18n arguments': i18nCalls, 'admin answers': answers };
    assertNoLeaks(await scanForLeaks({ emails, secrets }, { texts, dirs: [dataDir] }));
    const everything = JSON.stringify([outputs, caught, statuses, answers]);
    assert.ok(!/<img|<script|onerror/i.test(everything), 'no HTML from the platform');
    // The hostile answers were real: the errors the package reports did carry the platform's (masked) words.
    assert.ok(everything.includes('[secret]') || everything.includes('[email]'), 'something was masked');
  });
});
