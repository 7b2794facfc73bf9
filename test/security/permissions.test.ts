import assert from 'node:assert/strict';
import * as path from 'node:path';
import { type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { type Embedded, startEmbedded, type User } from './embedded';

/**
 * Who may use a connection (DESIGN §6), in a real Node-RED with adminAuth, in its own process: the
 * admin endpoints' permission matrix, and the approval rule for administrator-scoped connections.
 */
const REDIRECT_URI = 'http://127.0.0.1:1880/audience-export/auth/callback';
const USERS: User[] = ['admin', 'contributor', 'reader'];

describe('permissions and approvals in an embedded Node-RED with adminAuth', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let runtime: Embedded;

  const connection = (id: string, scope: string) => ({ id, type: 'snapchat-connection', name: `${scope} connection`, scope, consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url });
  const dialog = (id: string, scope: string) => ({ ...connection(id, scope), id: undefined });
  const exporter = (mode = 'mirror') => ({ id: 'expA', type: 'snapchat-audience', z: 'tab', name: '', connection: 'connA', adAccountId: SNAPCHAT_SANDBOX.adAccountId, audienceId: '', retentionDays: 9999, segments: [], emailField: 'email', consentField: '', mode, dryRun: false, maxProfiles: 1000, maxRemovalPercent: 100, x: 300, y: 100, wires: [[], ['out']] });
  const flows = (mode = 'mirror', connAScope = 'administrators') => [
    { id: 'tab', type: 'tab', label: 'permissions' },
    { ...connection('connA', connAScope), credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken } },
    { ...connection('connC', 'contributors'), credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken } },
    exporter(mode),
    { id: 'out', type: 'file', z: 'tab', name: '', filename: runtime.summariesFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 100, wires: [] },
    // Last: flows start node by node, so once the inject answers, the rest is there.
    { id: 'inj', type: 'inject', z: 'tab', name: '', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], repeat: '', once: false, topic: 'Approved', payload: '[{"email":"a@example.com"},{"email":"b@example.com"}]', payloadType: 'json', x: 100, y: 100, wires: [['expA']] },
  ];
  /** What the export dialog posts to approve: the export, and its connection as the editor holds it (no secrets). */
  const approval = (mode: string, connAScope = 'administrators') => ({ ...exporter(mode), connectionConfig: connection('connA', connAScope) });

  before(async () => {
    sandbox = await startSandbox({ rateLimit: false });
    runtime = await startEmbedded();
    await runtime.deploy('admin', flows());
    await runtime.inject('admin', 'inj').catch(() => undefined); // waits for the flow; the run itself is not approved
  });

  after(async () => {
    await runtime?.stop();
    await sandbox?.close();
  });

  it('the admin endpoints answer by the connection\'s scope and the user\'s permissions', async () => {
    const routes = (id: string, scope: string): Array<[string, string, unknown]> => [
      ['POST', `/audience-export/auth/${id}/start`, { ...dialog(id, scope), redirectUri: REDIRECT_URI }],
      ['POST', `/audience-export/test/${id}`, {}],
      ['POST', `/audience-export/audiences/${id}`, { connection: dialog(id, scope), query: { adAccountId: SNAPCHAT_SANDBOX.adAccountId } }],
    ];
    const expected: Record<User, Record<string, number>> = {
      admin: { connA: 200, connC: 200 },
      contributor: { connA: 401, connC: 200 },
      reader: { connA: 401, connC: 401 },
    };
    for (const user of USERS) {
      for (const [id, scope] of [['connA', 'administrators'], ['connC', 'contributors']]) {
        for (const [method, route, body] of routes(id, scope)) {
          const { status, json } = await runtime.call(user, method, route, body);
          assert.equal(status, expected[user][id], `${user} ${method} ${route}: ${JSON.stringify(json)}`);
        }
      }
      // A deployed connection's scope wins over what is posted.
      const claimed = await runtime.call(user, 'POST', '/audience-export/auth/connA/start', { ...dialog('connA', 'contributors'), redirectUri: REDIRECT_URI });
      assert.equal(claimed.status, user === 'admin' ? 200 : 401);
      // A connection not deployed yet, with nothing stored: the posted scope decides.
      const fresh = await runtime.call(user, 'POST', '/audience-export/auth/newC/start', { ...dialog('newC', 'contributors'), clientId: 'x', clientSecret: 'y-secret-value', redirectUri: REDIRECT_URI });
      assert.equal(fresh.status, user === 'reader' ? 401 : 200);
      const approve = await runtime.call(user, 'POST', '/audience-export/approvals/expA', approval('mirror'));
      assert.equal(approve.status, user === 'admin' ? 200 : 401, `${user} approves`);
      const connectionApproval = await runtime.call(user, 'POST', '/audience-export/connection-approvals/connA', connection('connA', 'administrators'));
      assert.equal(connectionApproval.status, user === 'admin' ? 200 : 401, `${user} approves the connection`);
      const badge = await runtime.call(user, 'GET', '/audience-export/approvals/expA');
      assert.equal(badge.status, user === 'reader' ? 401 : 200, `${user} reads the approval`);
    }
    assert.equal((await runtime.call(undefined, 'POST', '/audience-export/test/connC', {})).status, 401, 'no token');
    const identity = await runtime.call('contributor', 'POST', '/audience-export/test/connC', {});
    assert.deepEqual(identity.json, { ok: true, identity: `Sandbox Marketer (organization ${SNAPCHAT_SANDBOX.organizationId})` });
  });

  it('an export on an administrator-scoped connection runs only as an administrator approved it, with its connection', async () => {
    const summaries = async (count: number) => (await runtime.summaries(count))[count - 1];
    const before = (await runtime.summaries(1)).length;
    // The contributor deploys an edit: unapproved, so the run fails and nothing reaches the platform.
    await runtime.deploy('contributor', flows('add'));
    sandbox.recorder.clear();
    await runtime.inject('contributor');
    const first = await summaries(before + 1);
    assert.equal(first.status, 'failed');
    assert.equal(first.error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0, 'the sandbox received nothing');
    assert.deepEqual((await runtime.call('contributor', 'GET', '/audience-export/approvals/expA')).json, { approved: false, required: true });

    // The administrator approves the node as it is: it runs.
    assert.equal((await runtime.call('admin', 'POST', '/audience-export/approvals/expA', approval('add'))).status, 200);
    assert.deepEqual((await runtime.call('contributor', 'GET', '/audience-export/approvals/expA')).json, { approved: true, required: true });
    await runtime.inject('contributor');
    const second = await summaries(before + 2);
    assert.equal(second.status, 'completed', JSON.stringify(second.error));
    assert.ok(sandbox.recorder.requests.some((r) => r.path.endsWith('/users')), 'the members were sent');

    // Another edit by the contributor: unapproved again.
    await runtime.deploy('contributor', flows('mirror'));
    sandbox.recorder.clear();
    await runtime.inject('contributor');
    assert.equal((await summaries(before + 3)).error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0);

    // Re-scoping the administrator's connection to contributors in the flow file does not lift the rule:
    // it started administrator-scoped, so the contributor's unapproved edit still sends nothing.
    await runtime.deploy('contributor', flows('remove', 'contributors'));
    sandbox.recorder.clear();
    await runtime.inject('contributor');
    assert.equal((await summaries(before + 4)).error?.code, 'approval_required');
    assert.equal(sandbox.recorder.requests.length, 0);
    assert.equal((await runtime.call('contributor', 'POST', '/audience-export/test/connA', {})).status, 401, 'its admin routes stay administrators-only');
    // Even an administrator's approval of the export does not approve a connection a contributor changed.
    const approved = await runtime.call('admin', 'POST', '/audience-export/approvals/expA', approval('remove', 'contributors'));
    assert.equal((approved.json as { connectionApproved?: boolean }).connectionApproved, false);
    await runtime.inject('contributor');
    assert.equal((await summaries(before + 5)).error?.code, 'approval_required');
    assert.ok(path.isAbsolute(runtime.dataDir));
  });
});
