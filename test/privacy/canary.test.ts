import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { CRITEO_SANDBOX, META_SANDBOX, MICROSOFT_ADS_SANDBOX, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import { criteoFlow, type FlowNode, helper, microsoftFlow, platformFlow, profiles, snapchatFlow } from '../nodes/harness';
import { CanaryRig } from './rig';
import { assertNoLeaks, canaryEmail, render, scanForLeaks } from './scan';
import type { TestNode } from './spies';

/**
 * Privacy canary (issue 6 §4): one Node-RED runtime with all four platforms, profiles carrying canary
 * emails, exports in every mode and through faults; then everything the run left behind is scanned.
 * The sandbox only accepts its fixture credentials, so those are the canary secrets (with the developer
 * token and every token the sandbox issued): none of them may show up anywhere we can see.
 */
describe('privacy canary: no email, secret or token leaks anywhere', function () {
  this.timeout(120_000);
  const sandboxLog: string[] = [];
  const rig = CanaryRig.use({ recordBodies: true, rotateRefreshTokens: true, log: (line) => sandboxLog.push(line) });

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

  /** Three connections, five exports, all wired to the same probes and one Catch. */
  function flow(): FlowNode[] {
    const { pick } = CanaryRig;
    const sandbox = rig.sandbox;
    return CanaryRig.flow('canary', [
      ...pick(snapchatFlow(sandbox), 'snapConn', 'snap'),
      ...pick(snapchatFlow(sandbox, { mode: 'replace' }), 'snapConn2', 'snapReplace').slice(1).map((n) => ({ ...n, connection: 'snapConn' })),
      ...pick(microsoftFlow(sandbox), 'msConn', 'ms'),
      ...pick(microsoftFlow(sandbox, { mode: 'replace' }), 'msConn2', 'msReplace').slice(1).map((n) => ({ ...n, connection: 'msConn' })),
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }), 'criteoConn', 'criteoPlain'),
      // Authorization-code apps are throttled to a few calls a minute: this one only meets invalid_grant.
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }, { grantType: 'authorization_code' }), 'criteoAuthConn', 'criteoAuth'),
      ...pick(criteoFlow(sandbox, { mode: 'replace' }), 'criteoConn2', 'criteoHashed').slice(1).map((n) => ({ ...n, connection: 'criteoConn' })),
      ...pick(platformFlow('meta', sandbox), 'metaConn', 'meta'),
      ...pick(platformFlow('meta', sandbox, { mode: 'replace' }), 'metaConn2', 'metaReplace').slice(1).map((n) => ({ ...n, connection: 'metaConn' })),
    ]);
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
    metaConn: { appId: META_SANDBOX.appId, appSecret: META_SANDBOX.appSecret, accessToken: META_SANDBOX.accessToken },
  };
  /** Public identifiers of an app: not secrets. */
  const PUBLIC = new Set(['clientId', 'appId']);
  const canarySecrets = () => [
    ...Object.values(credentials).flatMap((c) => Object.entries(c).filter(([key]) => !PUBLIC.has(key)).map(([, value]) => value)),
    ...rig.issuedTokens,
  ];

  it('runs every mode and fault path across the four platforms', async () => {
    await rig.load(flow(), credentials);
    const { sandbox } = rig;
    const run = rig.run.bind(rig);

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

    // Meta: mirror, mirror again (removals by the same session rules), a throttle, dry run, replace.
    sandbox.faults.reset(); // what is left of Snapchat's endless 500s would also match Meta's /users
    s = await run('meta', { payload: segmentOf(emails.hashed), segment: 'Canary meta' });
    assert.equal(s.status, 'completed', render(s.error));
    sandbox.meta.throttleNext();
    s = await run('meta', { payload: segmentOf(emails.hashed.slice(1), 4), segment: 'Canary meta' });
    assert.equal(s.removed, 1, render(s));
    s = await run('meta', { payload: segmentOf(emails.hashed), segment: 'Canary meta', dryRun: true });
    assert.equal(s.status, 'completed', render(s.error));
    s = await run('metaReplace', { payload: segmentOf(emails.hashed), segment: 'Canary meta replace' });
    assert.equal(s.status, 'completed', render(s.error));
    // A revoked token (190): the run fails, asks for a new sign-in, and says nothing of the token.
    sandbox.meta.revokeAccessTokens();
    s = await run('meta', { payload: segmentOf(emails.hashed), segment: 'Canary meta' });
    assert.equal(s.status, 'failed', render(s));

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
    await rig.caughtAtLeast(4);
    assert.ok(rig.caught.length >= 4, `Catch saw the failures (${rig.caught.length})`);
    assert.ok(rig.issuedTokens.size >= 6, 'the sandbox issued tokens to look for');
  });

  it('finds no canary outside Criteo plain-mode request bodies, and no secret or token anywhere', async () => {
    const { logArgs, outputs, caught, statuses, i18nCalls, sandbox, dataDir } = rig;
    const plainIds = new Set([...rig.summaries.values()].filter((s) => s.platform === 'criteo' && s.audienceName === 'Canary plain').map((s) => s.audienceId));
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
    const secret = [...rig.issuedTokens][0];
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
