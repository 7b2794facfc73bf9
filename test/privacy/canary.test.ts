import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type { NodeInitializer } from 'node-red';
import type { ExportSummary } from '../../src/core/export-run';
import { CRITEO_SANDBOX, MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import {
  coreNode,
  criteoFlow,
  type FlowNode,
  freshDataDir,
  helper,
  microsoftFlow,
  packageNodes,
  profiles,
  snapchatFlow,
  startTestSandbox,
  testSettings,
} from '../nodes/harness';
import { assertNoLeaks, canaryEmail, render, scanForLeaks } from './scan';
import { captureIssuedTokens } from './tokens';

/**
 * Privacy canary (issue 6 §4): one Node-RED runtime with all three platforms, profiles carrying canary
 * emails, exports in every mode and through faults; then everything the run left behind is scanned.
 * The sandbox only accepts its fixture credentials, so those are the canary secrets (with the developer
 * token and every token the sandbox issued): none of them may show up anywhere we can see.
 */
interface Msg {
  payload?: unknown;
  tag?: string;
  error?: { message: string; code?: string };
  [key: string]: unknown;
}
interface TestNode {
  on(event: 'input', listener: (msg: Msg) => void): void;
  receive(msg: Record<string, unknown>): void;
  status: (s: unknown) => void;
}

describe('privacy canary: no email, secret or token leaks anywhere', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let dataDir: string;
  let issued: ReturnType<typeof captureIssuedTokens>;
  const sandboxLog: string[] = [];
  const i18nCalls: unknown[] = [];
  const outputs: Msg[] = [];
  const caught: Msg[] = [];
  const statuses: Array<{ node: string; status: unknown }> = [];
  const summaries = new Map<string, ExportSummary>();
  const waiting = new Map<string, (s: ExportSummary) => void>();
  let logArgs: unknown[] = [];

  const emails = {
    plain: [canaryEmail(), canaryEmail(), canaryEmail()],
    hashed: [canaryEmail(), canaryEmail(), canaryEmail()],
    /** Only in a field that is not the email field: never sent at all. */
    sidecar: canaryEmail(),
  };
  const allEmails = [...emails.plain, ...emails.hashed, emails.sidecar];
  /** Mixed case and whitespace: they still hash/normalise to the canary. */
  const variants = (list: string[]) => list.map((e, i) => ({ email: [` ${e.toUpperCase()} `, `\t${e}\n`, e.replace(/^c/, 'C').replace('leak', 'LEAK')][i % 3], contact: { secondary: emails.sidecar } }));
  const segmentOf = (list: string[], extra = 0) => [...variants(list), ...profiles(20 + extra, 0, 'example.net')];

  // Wrap the package's initialisers so the arguments of every RED._() call (status texts, error sentences) are seen too.
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

  before(async () => {
    issued = captureIssuedTokens();
    sandbox = await startTestSandbox({ recordBodies: true, rotateRefreshTokens: true, log: (line) => sandboxLog.push(line) });
    dataDir = await freshDataDir();
    helper.settings(testSettings(dataDir));
    await helper.startServer();
  });

  after(async () => {
    await helper.unload().catch(() => undefined);
    await helper.stopServer();
    await sandbox.close();
    issued.restore();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  /** Three connections, five exports, all wired to the same probes and one Catch. */
  function flow(): FlowNode[] {
    const pick = (nodes: FlowNode[], conn: string, exp: string): FlowNode[] => [
      { ...nodes[1], id: conn },
      { ...nodes[2], id: exp, connection: conn, wires: [['out1'], ['out2']] },
    ];
    return [
      { id: 'tab', type: 'tab', label: 'canary' },
      ...pick(snapchatFlow(sandbox), 'snapConn', 'snap'),
      ...pick(snapchatFlow(sandbox, { mode: 'replace' }), 'snapConn2', 'snapReplace').slice(1).map((n) => ({ ...n, connection: 'snapConn' })),
      ...pick(microsoftFlow(sandbox), 'msConn', 'ms'),
      ...pick(microsoftFlow(sandbox, { mode: 'replace' }), 'msConn2', 'msReplace').slice(1).map((n) => ({ ...n, connection: 'msConn' })),
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }), 'criteoConn', 'criteoPlain'),
      // Authorization-code apps are throttled to a few calls a minute: this one only meets invalid_grant.
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }, { grantType: 'authorization_code' }), 'criteoAuthConn', 'criteoAuth'),
      ...pick(criteoFlow(sandbox, { mode: 'replace' }), 'criteoConn2', 'criteoHashed').slice(1).map((n) => ({ ...n, connection: 'criteoConn' })),
      { id: 'out1', type: 'helper', z: 'tab' },
      { id: 'out2', type: 'helper', z: 'tab' },
      { id: 'catcher', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  const credentials = {
    snapConn: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
    msConn: {
      clientId: MICROSOFT_ADS_SANDBOX.clientId,
      clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret,
      refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken,
      developerToken: MICROSOFT_ADS_SANDBOX.developerToken,
    },
    criteoConn: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret },
    criteoAuthConn: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret, refreshToken: CRITEO_SANDBOX.refreshToken },
  };
  const canarySecrets = () => [
    ...Object.values(credentials).flatMap((c) => Object.entries(c).filter(([key]) => key !== 'clientId').map(([, value]) => value)),
    ...issued.tokens,
  ];

  let runs = 0;
  function run(node: string, msg: Record<string, unknown>): Promise<ExportSummary> {
    const tag = `run-${++runs}`;
    return new Promise((resolve) => {
      waiting.set(tag, resolve);
      (helper.getNode(node) as unknown as TestNode).receive({ ...msg, tag });
    });
  }

  it('runs every mode and fault path across the three platforms', async () => {
    const nodeIds = flow().map((n) => n.id);
    await helper.load([...spiedNodes, coreNode('common/25-catch.js')], flow(), credentials);
    logArgs = (helper.log() as unknown as { args: unknown[] }).args;
    for (const id of nodeIds) {
      const node = helper.getNode(id) as unknown as TestNode | null;
      if (!node || typeof node.status !== 'function') continue;
      const original = node.status.bind(node);
      node.status = (status: unknown) => {
        statuses.push({ node: id, status });
        original(status);
      };
    }
    (helper.getNode('out1') as unknown as TestNode).on('input', (msg) => outputs.push(msg));
    (helper.getNode('out2') as unknown as TestNode).on('input', (msg) => {
      outputs.push(msg);
      summaries.set(msg.tag ?? '', msg.payload as ExportSummary);
      waiting.get(msg.tag ?? '')?.(msg.payload as ExportSummary);
    });
    (helper.getNode('caught') as unknown as TestNode).on('input', (msg) => caught.push(msg));

    // Snapchat: mirror, mirror again (removals), dry run, msg.parts, a 500 that recovers, an expired token, replace.
    let s = await run('snap', { payload: segmentOf(emails.hashed), segment: 'Canary snap' });
    assert.equal(s.status, 'completed', render(s.error));
    s = await run('snap', { payload: segmentOf(emails.hashed.slice(1), 3), segment: 'Canary snap' });
    assert.equal(s.removed, 1, render(s));
    s = await run('snap', { payload: segmentOf(emails.hashed), segment: 'Canary snap', dryRun: true });
    assert.equal(s.status, 'completed', render(s.error));
    const all = segmentOf(emails.hashed, 10);
    sandbox.faults.failNext({ status: 500, count: 1, pathIncludes: '/users' });
    sandbox.snapchat.expireAccessTokens();
    for (let index = 1; index < 3; index++) {
      (helper.getNode('snap') as unknown as TestNode).receive({ payload: all.slice(index * 10, index * 10 + 10), segment: 'Canary parts', parts: { id: 'p1', index, count: 3 } });
    }
    s = await run('snap', { payload: all.slice(0, 10), segment: 'Canary parts', parts: { id: 'p1', index: 0, count: 3 } });
    assert.equal(s.status, 'completed', render(s.error));
    s = await run('snapReplace', { payload: segmentOf(emails.hashed), segment: 'Canary snap replace' });
    assert.equal(s.status, 'completed', render(s.error));
    // A 500 that never stops: the run fails and the error reaches Catch.
    sandbox.faults.failNext({ status: 500, count: 50, pathIncludes: '/users' });
    s = await run('snap', { payload: segmentOf(emails.hashed, 40), segment: 'Canary snap' });
    assert.notEqual(s.status, 'completed');

    // Microsoft: mirror, expired token, replace, dry run.
    s = await run('ms', { payload: segmentOf(emails.hashed), segment: 'Canary ms' });
    assert.equal(s.status, 'completed', render(s.error));
    sandbox.microsoftAds.expireAccessTokens();
    sandbox.faults.failNext({ status: 500, count: 1 });
    s = await run('ms', { payload: segmentOf(emails.hashed.slice(0, 2), 5), segment: 'Canary ms' });
    assert.equal(s.status, 'completed', render(s.error));
    s = await run('msReplace', { payload: segmentOf(emails.hashed), segment: 'Canary ms replace' });
    assert.equal(s.status, 'completed', render(s.error));
    s = await run('msReplace', { payload: segmentOf(emails.hashed), segment: 'Canary ms replace', dryRun: true });
    assert.equal(s.status, 'completed', render(s.error));

    // Criteo: plain mode mirror twice (leavers removed by hash), hashed replace, an expired token.
    s = await run('criteoPlain', { payload: segmentOf(emails.plain), segment: 'Canary plain' });
    assert.equal(s.status, 'completed', render(s.error));
    const plainId = s.audienceId ?? '';
    sandbox.criteo.expireAccessTokens();
    s = await run('criteoPlain', { payload: segmentOf(emails.plain.slice(1), 2), segment: 'Canary plain' });
    assert.equal(s.removed, 1, render(s));
    s = await run('criteoHashed', { payload: segmentOf(emails.hashed), segment: 'Canary hashed' });
    assert.equal(s.status, 'completed', render(s.error));
    const plainBodies = sandbox.recorder.requests.filter((r) => r.method === 'PATCH' && r.path.includes(`/${plainId}/contact-list`));
    assert.ok(
      plainBodies.some((r) => (r.body ?? '').includes(emails.plain[1])),
      'plain mode sends the (normalised) address: the scan must see it and allow it there only',
    );

    // invalid_grant everywhere: the refresh tokens are revoked and the access tokens expire.
    for (const [node, platform] of [
      ['snap', sandbox.snapchat],
      ['ms', sandbox.microsoftAds],
      ['criteoAuth', sandbox.criteo],
    ] as const) {
      platform.revokeRefreshTokens();
      platform.expireAccessTokens();
      s = await run(node, { payload: segmentOf(node === 'criteoAuth' ? emails.plain : emails.hashed), segment: `Canary ${node}` });
      assert.equal(s.status, 'failed', `${node}: ${render(s)}`);
    }
    const deadline = Date.now() + 5000;
    while (caught.length < 4 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(caught.length >= 4, `Catch saw the failures (${caught.length})`);
    assert.ok(issued.tokens.size >= 6, 'the sandbox issued tokens to look for');
  });

  it('finds no canary outside Criteo plain-mode request bodies, and no secret or token anywhere', async () => {
    const plainIds = new Set([...summaries.values()].filter((s) => s.platform === 'criteo' && s.audienceName === 'Canary plain').map((s) => s.audienceId));
    const leaks = await scanForLeaks(
      { emails: allEmails, secrets: canarySecrets() },
      {
        texts: { 'Node-RED log': logArgs, 'output messages': outputs, 'Catch messages': caught, 'status texts': statuses, 'i18n arguments': i18nCalls, 'sandbox log': sandboxLog },
        dirs: [dataDir],
        requests: sandbox.recorder.requests,
        allowEmailIn: (r) => r.method === 'PATCH' && [...plainIds].some((id) => r.path.includes(`/${id}/contact-list`)),
      },
    );
    assertNoLeaks(leaks);
    // The scan saw what it was meant to see.
    assert.ok(logArgs.length > 0 && outputs.length > 0 && statuses.length > 0 && i18nCalls.length > 0);
    assert.ok((await fs.readdir(dataDir, { recursive: true })).length > 0, 'state files were written');
    assert.ok(sandbox.recorder.requests.some((r) => r.body), 'request bodies were recorded');
  });

  it('would catch a leak (self-test of the scanner)', async () => {
    const secret = [...issued.tokens][0];
    const leaks = await scanForLeaks(
      { emails: allEmails, secrets: [secret] },
      {
        texts: {
          status: [{ text: `sent to ${emails.hashed[0].toUpperCase()}` }],
          log: `token ${Buffer.from(`x${secret}`).toString('base64')}`,
          hex: Buffer.from(secret).toString('hex'),
        },
        requests: [{ method: 'PATCH', path: '/x/contact-list', status: 200, ms: 1, bodyBytes: 1, at: 0, body: JSON.stringify({ note: emails.sidecar }) }],
      },
    );
    assert.deepEqual(leaks.map((l) => `${l.kind}:${l.form}:${l.where.split(' ')[0]}`).sort(), ['email:local-part:status', 'email:raw:request', 'email:local-part:request', 'email:raw:status', 'secret:base64:log', 'secret:hex:hex'].sort());
  });
});
