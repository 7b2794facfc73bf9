import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fingerprintOf } from '../../src/nodes/approvals';
import { CRITEO_SANDBOX, META_SANDBOX, MICROSOFT_ADS_SANDBOX, type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { type Embedded, type Listener, startEmbedded, startListener } from './embedded';

/**
 * Issue "Secrets stay put", as attacks on a real Node-RED with adminAuth: a contributor with
 * `flows.write` edits an administrator's connection (its hosts, its "I agree", the export's guard), a
 * listener on loopback plays the attacker's host. Each attack must fail with nothing sent to the
 * listener; an administrator's own host change works once the secrets are entered again.
 */
const SECRETS = [SNAPCHAT_SANDBOX.clientSecret, SNAPCHAT_SANDBOX.refreshToken, MICROSOFT_ADS_SANDBOX.clientSecret, MICROSOFT_ADS_SANDBOX.refreshToken, MICROSOFT_ADS_SANDBOX.developerToken, CRITEO_SANDBOX.clientSecret, META_SANDBOX.accessToken, META_SANDBOX.appSecret];
const REDIRECT_URI = 'http://127.0.0.1:1880/audience-export/auth/callback';

interface Platform {
  readonly connection: Record<string, unknown>;
  readonly credentials: Record<string, string>;
  readonly exporter: Record<string, unknown>;
}

describe('attacks on a connection an administrator set up (adminAuth, real runtime)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let runtime: Embedded;
  let listener: Listener;
  let summaries = 0;

  const platforms = (): Record<string, Platform> => ({
    snapchat: {
      connection: { type: 'snapchat-connection' },
      credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
      exporter: { type: 'snapchat-audience', adAccountId: SNAPCHAT_SANDBOX.adAccountId, audienceId: '', retentionDays: 9999 },
    },
    'microsoft-ads': {
      connection: { type: 'microsoft-ads-connection', tenant: 'common', environment: 'production' },
      credentials: { clientId: MICROSOFT_ADS_SANDBOX.clientId, clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret, refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken, developerToken: MICROSOFT_ADS_SANDBOX.developerToken },
      exporter: { type: 'microsoft-ads-audience', customerId: MICROSOFT_ADS_SANDBOX.customerId, accountId: MICROSOFT_ADS_SANDBOX.accountId, membershipDuration: 30, acceptTerms: false },
    },
    criteo: {
      connection: { type: 'criteo-connection', grantType: 'client_credentials', apiVersion: CRITEO_SANDBOX.apiVersion },
      credentials: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret },
      // The worst case: plain addresses, which only this setting lets leave the process.
      exporter: { type: 'criteo-audience', advertiserId: CRITEO_SANDBOX.advertiserId, audienceName: '', audienceId: '', emailEncoding: 'plain' },
    },
    meta: {
      connection: { type: 'meta-connection', apiVersion: META_SANDBOX.apiVersion },
      credentials: { accessToken: META_SANDBOX.accessToken, appId: META_SANDBOX.appId, appSecret: META_SANDBOX.appSecret },
      exporter: { type: 'meta-audience', adAccountId: META_SANDBOX.adAccountId, audienceId: '', audienceName: '', customerFileSource: 'USER_PROVIDED_ONLY' },
    },
  });

  /** One tab: the connection `conn` (administrator-scoped), the export `exp`, a file node for summaries, an inject `inj`. */
  function flow(platform: Platform, options: { hosts?: string; credentials?: boolean | Record<string, string>; connection?: Record<string, unknown>; exporter?: Record<string, unknown>; connectionId?: string } = {}) {
    const hosts = options.hosts ?? sandbox.url;
    const conn = options.connectionId ?? 'conn';
    return [
      { id: 'tab', type: 'tab', label: 'attacks' },
      { id: conn, name: 'admin connection', scope: 'administrators', consent: true, authBaseUrl: hosts, apiBaseUrl: hosts, ...platform.connection, ...options.connection, ...(options.credentials ? { credentials: options.credentials === true ? platform.credentials : options.credentials } : {}) },
      { id: 'exp', z: 'tab', name: '', connection: conn, segments: [], emailField: 'email', consentField: '', mode: 'add', dryRun: false, maxRemovalPercent: 50, x: 300, y: 100, wires: [[], ['out']], ...platform.exporter, ...options.exporter },
      { id: 'out', type: 'file', z: 'tab', name: '', filename: runtime.summariesFile, filenameType: 'str', appendNewline: true, createDir: true, overwriteFile: 'false', encoding: 'none', x: 500, y: 100, wires: [] },
      { id: 'inj', type: 'inject', z: 'tab', name: '', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], repeat: '', once: false, topic: 'Attacked', payload: '[{"email":"victim.one@example.com"},{"email":"victim.two@example.com"}]', payloadType: 'json', x: 100, y: 100, wires: [['exp']] },
    ];
  }

  /** The administrator saves the connection and the export dialogs (each approves what it shows) and deploys. */
  async function adminSetsUp(platform: Platform, options: Parameters<typeof flow>[1] = {}): Promise<void> {
    const nodes = flow(platform, { ...options, credentials: true });
    const [connection, exporter] = [nodes[1], nodes[2]];
    const { credentials: _credentials, ...connectionConfig } = connection as Record<string, unknown>;
    assert.equal((await runtime.call('admin', 'POST', '/audience-export/connection-approvals/conn', connectionConfig)).status, 200);
    assert.equal((await runtime.call('admin', 'POST', '/audience-export/approvals/exp', { ...exporter, connectionConfig })).status, 200);
    await runtime.deploy('admin', nodes);
  }

  async function runOnce(user: 'admin' | 'contributor') {
    await runtime.inject(user);
    summaries++;
    return (await runtime.summaries(summaries))[summaries - 1];
  }

  /** The contributor's run waits for an administrator: `approval_required`, and `platform` received no request. */
  async function assertWaitsForAdministrator(platform: Sandbox, why?: string): Promise<void> {
    assert.equal((await runOnce('contributor')).error?.code, 'approval_required', why);
    assert.equal(platform.recorder.requests.length, 0, `${why ?? 'approval required'}: nothing sent`);
  }

  function assertListenerGotNothing(): void {
    assert.deepEqual(listener.received, [], 'the listener received nothing');
  }

  before(async () => {
    sandbox = await startSandbox({ rateLimit: false, recordBodies: true });
    listener = await startListener();
    runtime = await startEmbedded();
  });
  after(async () => {
    await runtime?.stop();
    await listener?.close();
    await sandbox?.close();
  });
  beforeEach(() => {
    listener.received.length = 0;
  });

  for (const name of ['snapchat', 'microsoft-ads', 'criteo', 'meta']) {
    it(`${name}: a contributor who points the hosts at a listener gets no secret, no token and no address; the administrator's setup still works`, async () => {
      const platform = platforms()[name];
      await adminSetsUp(platform);
      const good = await runOnce('contributor');
      assert.equal(good.status, 'completed', JSON.stringify(good.error));

      // The attack: only the hosts change; Node-RED keeps the stored credentials (the deploy carries none).
      await runtime.deploy('contributor', flow(platform, { hosts: listener.url }));
      const attacked = await runOnce('contributor');
      assert.equal(attacked.status, 'failed');
      assert.equal(attacked.error?.code, 'secrets_required', JSON.stringify(attacked.error));
      assert.match(attacked.error?.message ?? '', /enter (it|them) again/);
      assertListenerGotNothing();
      // The admin routes, as the contributor or the administrator, send nothing there either.
      const test = await runtime.call('admin', 'POST', '/audience-export/test/conn', {});
      assert.equal((test.json as { error?: { code: string } }).error?.code, 'secrets_required');
      assertListenerGotNothing();
      assert.equal((await runtime.call('contributor', 'POST', '/audience-export/test/conn', {})).status, 401);

      // Put back as the administrator had it: it works again (nothing was re-pinned by the attack).
      await runtime.deploy('contributor', flow(platform));
      assert.equal((await runOnce('contributor')).status, 'completed');
      assertListenerGotNothing();
    });
  }

  it('the contributor cannot tick "I agree" on an administrator\'s connection (or raise the export\'s guards) without an administrator', async () => {
    const platform = platforms().snapchat;
    await adminSetsUp(platform, { connection: { consent: false } });
    assert.equal((await runOnce('contributor')).error?.code, 'consent_required');

    sandbox.recorder.clear();
    await runtime.deploy('contributor', flow(platform));
    await assertWaitsForAdministrator(sandbox, 'the connection changed since its approval');

    // An administrator looks at the connection and saves it: approved as it is now.
    await runtime.call('admin', 'POST', '/audience-export/connection-approvals/conn', flow(platform)[1]);
    assert.equal((await runOnce('contributor')).status, 'completed');

    for (const exporter of [{ maxProfiles: 10_000_000 }, { maxRemovalPercent: 100 }]) {
      await runtime.deploy('contributor', flow(platform, { exporter }));
      sandbox.recorder.clear();
      await assertWaitsForAdministrator(sandbox, `${JSON.stringify(exporter)} needs an administrator`);
    }
  });

  it('an administrator moves a connection to new hosts by entering the secrets again; without that, nothing goes', async () => {
    const platform = platforms().snapchat;
    const second = await startSandbox({ rateLimit: false });
    try {
      await adminSetsUp(platform);
      // Even the administrator's own host change is refused while the secrets were entered for the old hosts.
      const moved = flow(platform, { hosts: second.url });
      await runtime.deploy('admin', moved);
      const { credentials: _c, ...connectionConfig } = moved[1] as Record<string, unknown>;
      await runtime.call('admin', 'POST', '/audience-export/approvals/exp', { ...moved[2], connectionConfig });
      await runtime.call('admin', 'POST', '/audience-export/connection-approvals/conn', connectionConfig);
      assert.equal((await runOnce('admin')).error?.code, 'secrets_required');
      assert.equal(second.recorder.requests.length, 0);

      // The dialog asks for them; typed again, its save pins them to the new hosts, and the deploy carries them.
      const typed = { ...connectionConfig, ...platform.credentials };
      const pinned = await runtime.call('admin', 'POST', '/audience-export/pins/conn', typed);
      assert.equal(pinned.status, 200, JSON.stringify(pinned.json));
      const contributorPin = await runtime.call('contributor', 'POST', '/audience-export/pins/conn', typed);
      assert.equal(contributorPin.status, 401, 'a contributor cannot pin an administrator\'s connection');
      await runtime.deploy('admin', flow(platform, { hosts: second.url, credentials: true }));
      const summary = await runOnce('admin');
      assert.equal(summary.status, 'completed', JSON.stringify(summary.error));
      assert.ok(second.recorder.requests.some((r) => r.path.endsWith('/users')), 'the export went to the new hosts');
    } finally {
      await second.close();
    }
  });

  it('a contributor who types made-up secrets for a listener (the dialog\'s pin route) unpins nothing of what an administrator entered', async () => {
    const platform = platforms().snapchat;
    const contributors = { connection: { scope: 'contributors' }, connectionId: 'contributors-conn' };
    await runtime.deploy('admin', flow(platform, { ...contributors, credentials: true }));
    assert.equal((await runOnce('contributor')).status, 'completed');
    // On a contributors' connection the contributor may open the dialog and type values: theirs, not the administrator's.
    const madeUp = { ...(flow(platform, { ...contributors, hosts: listener.url })[1] as Record<string, unknown>), clientSecret: 'made-up-secret', refreshToken: 'made-up-token' };
    for (let n = 0; n < 12; n++) assert.equal((await runtime.call('contributor', 'POST', '/audience-export/pins/contributors-conn', { ...madeUp, clientSecret: `made-up-secret-${n}` })).status, 200);
    await runtime.deploy('contributor', flow(platform, { ...contributors, hosts: listener.url }));
    const attacked = await runOnce('contributor');
    assert.equal(attacked.error?.code, 'secrets_required', JSON.stringify(attacked.error));
    assertListenerGotNothing();
  });

  it('a connection an administrator deployed disabled (no dialog) keeps its pins and scope when a contributor re-hosts, re-scopes and enables it', async () => {
    const platform = platforms().snapchat;
    const disabled = flow(platform, { credentials: true, connectionId: 'disabled-conn' });
    (disabled[1] as Record<string, unknown>).d = true;
    await runtime.deploy('admin', disabled);
    await runtime.deploy('contributor', flow(platform, { hosts: listener.url, connection: { scope: 'contributors' }, connectionId: 'disabled-conn' }));
    const attacked = await runOnce('contributor');
    assert.match(attacked.error?.code ?? '', /^(secrets_required|approval_required)$/, JSON.stringify(attacked.error));
    assertListenerGotNothing();
    // Back on the administrator's hosts it is still the administrator's connection: the contributor's scope does not count.
    await runtime.deploy('contributor', flow(platform, { connection: { scope: 'contributors' }, connectionId: 'disabled-conn' }));
    sandbox.recorder.clear();
    await assertWaitsForAdministrator(sandbox);
  });

  it('an approval binds the connection\'s hosts: secrets entered for two host sets, the contributor switching between them waits for an administrator', async () => {
    const platform = platforms().snapchat;
    const second = await startSandbox({ rateLimit: false });
    try {
      await adminSetsUp(platform);
      const { credentials: _c, ...onSecond } = flow(platform, { hosts: second.url })[1] as Record<string, unknown>;
      assert.equal((await runtime.call('admin', 'POST', '/audience-export/pins/conn', { ...onSecond, ...platform.credentials })).status, 200);
      assert.notEqual(fingerprintOf(onSecond), fingerprintOf(flow(platform)[1] as Record<string, unknown>));
      await runtime.deploy('contributor', flow(platform, { hosts: second.url }));
      await assertWaitsForAdministrator(second);
    } finally {
      await second.close();
    }
  });

  it('an administrator saving an export does not approve, with it, a connection a contributor changed after it was deployed', async () => {
    const platform = platforms().snapchat;
    // Deployed without the dialogs (an import, the admin API): nothing approved, only what was deployed is recorded.
    await runtime.deploy('admin', flow(platform, { credentials: true, connection: { consent: false }, connectionId: 'imported-conn' }));
    await runtime.deploy('contributor', flow(platform, { connectionId: 'imported-conn' }));
    const { credentials: _c, ...ticked } = flow(platform, { connectionId: 'imported-conn' })[1] as Record<string, unknown>;
    const approval = await runtime.call('admin', 'POST', '/audience-export/approvals/exp', { ...flow(platform, { connectionId: 'imported-conn' })[2], connectionConfig: ticked });
    assert.equal(approval.status, 200, JSON.stringify(approval.json));
    sandbox.recorder.clear();
    await assertWaitsForAdministrator(sandbox, 'the contributor ticked "I agree": an administrator must look at the connection');
    await runtime.call('admin', 'POST', '/audience-export/connection-approvals/imported-conn', ticked);
    assert.equal((await runOnce('contributor')).status, 'completed');
  });

  it('a disabled connection: the admin routes never send its stored secrets to posted hosts', async () => {
    const platform = platforms().snapchat;
    await adminSetsUp(platform);
    const nodes = flow(platform);
    (nodes[1] as Record<string, unknown>).d = true; // disabled: configured, not instantiated
    await runtime.deploy('admin', nodes);
    const posted = { ...(nodes[1] as Record<string, unknown>), authBaseUrl: listener.url, apiBaseUrl: listener.url, scope: 'contributors', redirectUri: REDIRECT_URI };
    for (const route of ['/audience-export/test/conn', '/audience-export/auth/conn/start']) {
      assert.equal((await runtime.call('contributor', 'POST', route, posted)).status, 401, `${route}: the flow's scope counts, not the posted one`);
      const admin = await runtime.call('admin', 'POST', route, posted);
      const error = (admin.json as { error?: { code: string } }).error;
      assert.equal(error?.code, 'secrets_required', `${route}: ${JSON.stringify(admin.json)}`);
    }
    assert.equal((await runtime.call('admin', 'POST', '/audience-export/audiences/conn', { connection: posted, query: { adAccountId: SNAPCHAT_SANDBOX.adAccountId } })).status, 400);
    assertListenerGotNothing();
  });

  it('with "I agree" unticked, Test connection and the picker send nothing either', async () => {
    const platform = platforms().snapchat;
    await adminSetsUp(platform);
    sandbox.recorder.clear();
    const unticked = { ...(flow(platform)[1] as Record<string, unknown>), consent: false };
    const test = await runtime.call('admin', 'POST', '/audience-export/test/conn', unticked);
    assert.equal((test.json as { error?: { code: string } }).error?.code, 'consent_required');
    const picker = await runtime.call('admin', 'POST', '/audience-export/audiences/conn', { connection: unticked, query: { adAccountId: SNAPCHAT_SANDBOX.adAccountId } });
    assert.equal(picker.status, 400);
    assert.equal(sandbox.recorder.requests.length, 0, 'not even a token request');
  });

  it('an export node whose id is "connection:<id>" cannot overwrite what is recorded of that connection', async () => {
    const platform = platforms().snapchat;
    await adminSetsUp(platform);
    const before = JSON.parse(await fs.readFile(path.join(runtime.dataDir, 'approvals.json'), 'utf8')) as { connections: Record<string, unknown> };
    const { credentials: _c, ...connectionConfig } = flow(platform)[1] as Record<string, unknown>;
    await runtime.call('admin', 'POST', '/audience-export/approvals/connection:conn', { ...flow(platform)[2], id: 'connection:conn', connectionConfig: { ...connectionConfig, id: 'other' } });
    const after = JSON.parse(await fs.readFile(path.join(runtime.dataDir, 'approvals.json'), 'utf8')) as { connections: Record<string, unknown>; exports: Record<string, unknown> };
    assert.deepEqual(after.connections.conn, before.connections.conn);
    assert.ok(after.exports['connection:conn'], 'it is just another export id');
  });

  after(async () => {
    // No secret of any platform reached the listener, the summaries or the log of this suite.
    const summariesText = await fs.readFile(runtime.summariesFile, 'utf8').catch(() => '');
    for (const secret of SECRETS) assert.ok(!summariesText.includes(secret) && !listener.received.join('\n').includes(secret), 'a secret leaked');
    assert.ok(!summariesText.includes('victim.one@example.com'));
  });
});
