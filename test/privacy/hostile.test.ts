import assert from 'node:assert/strict';
import type { ExportSummary } from '../../src/core/export-run';
import { CRITEO_SANDBOX, META_SANDBOX, MICROSOFT_ADS_SANDBOX, SNAPCHAT_SANDBOX } from '../../src/sandbox';
import { criteoFlow, type FlowNode, helper, microsoftFlow, platformFlow, profiles, snapchatFlow } from '../nodes/harness';
import { CanaryRig } from './rig';
import { assertNoLeaks, canaryEmail, scanForLeaks } from './scan';

/**
 * The privacy canary against a hostile platform (issue "Secrets stay put" §5): the sandbox echoes each
 * request's bearer token, developer token, form secrets, query and body (Criteo plain mode's raw
 * addresses among them) plus HTML into every string field of every error shape of the four platforms.
 * Exports meet those errors on every path (5xx until they give up, 4xx, expired tokens, invalid_grant,
 * Test connection with a wrong secret); then outputs, Catch, statuses, the log and the admin answers
 * are scanned: 0 leaks.
 */
describe('privacy canary against a hostile platform that echoes requests into its errors', function () {
  this.timeout(120_000);
  const rig = CanaryRig.use({ recordBodies: true, hostile: true }, { audienceExportRetry: { baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 20, maxAttempts: 3 } });
  const answers: string[] = [];
  const emails = [canaryEmail(), canaryEmail(), canaryEmail()];
  const segment = () => [...emails.map((email) => ({ email })), ...profiles(10, 0, 'example.net')];

  const credentials = {
    snapConn: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken },
    msConn: { clientId: MICROSOFT_ADS_SANDBOX.clientId, clientSecret: MICROSOFT_ADS_SANDBOX.clientSecret, refreshToken: MICROSOFT_ADS_SANDBOX.refreshToken, developerToken: MICROSOFT_ADS_SANDBOX.developerToken },
    criteoConn: { clientId: CRITEO_SANDBOX.clientId, clientSecret: CRITEO_SANDBOX.clientSecret },
    metaConn: { appId: META_SANDBOX.appId, appSecret: META_SANDBOX.appSecret, accessToken: META_SANDBOX.accessToken },
  };
  /** Public identifiers of an app: not secrets. */
  const PUBLIC = new Set(['clientId', 'appId']);

  function flow(): FlowNode[] {
    const { pick } = CanaryRig;
    const sandbox = rig.sandbox;
    return CanaryRig.flow('hostile', [
      ...pick(snapchatFlow(sandbox), 'snapConn', 'snap'),
      ...pick(microsoftFlow(sandbox), 'msConn', 'ms'),
      ...pick(criteoFlow(sandbox, { emailEncoding: 'plain' }), 'criteoConn', 'criteo'),
      ...pick(platformFlow('meta', sandbox), 'metaConn', 'meta'),
    ]);
  }

  it('meets an echoing error on every path of the four platforms', async () => {
    await rig.load(flow(), credentials);
    const { sandbox } = rig;
    const run = rig.run.bind(rig);

    const failures: ExportSummary[] = [];
    for (const [node, path, status] of [
      ['snap', '/users', 500],
      ['snap', '/users', 400],
      ['ms', '/Apply', 500],
      ['ms', '/Apply', 400],
      ['criteo', '/contact-list', 500],
      ['criteo', '/contact-list', 400],
      ['criteo', '/audience-segments/search', 403],
      ['meta', '/users', 500],
      ['meta', '/users', 400],
      ['meta', '/customaudiences', 403],
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
    sandbox.meta.revokeAccessTokens();
    for (const node of ['snap', 'ms', 'meta']) {
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
    const meta = failures.filter((s) => s.platform === 'meta');
    assert.equal(meta.length, 4);
    assert.ok(meta.every((s) => s.status === 'failed'), `every Meta path met its error: ${meta.map((s) => s.error?.code).join(', ')}`);
    await rig.caughtAtLeast(8);
    assert.ok(rig.caught.length >= 8, `Catch saw the failures (${rig.caught.length})`);
  });

  it('finds 0 leaks: no canary address, secret, token or HTML from the platform in outputs, Catch, statuses, the log or the admin answers', async () => {
    const { logArgs, outputs, caught, statuses, i18nCalls, dataDir } = rig;
    const secrets = [...Object.values(credentials).flatMap((c) => Object.entries(c).filter(([key]) => !PUBLIC.has(key)).map(([, value]) => value)), 'typed-wrong-secret-value', ...rig.issuedTokens];
    const texts = { 'Node-RED log': logArgs, 'output messages': outputs, 'Catch messages': caught, 'status texts': statuses, 'i18n arguments': i18nCalls, 'admin answers': answers };
    assertNoLeaks(await scanForLeaks({ emails, secrets }, { texts, dirs: [dataDir] }));
    const everything = JSON.stringify([outputs, caught, statuses, answers]);
    assert.ok(!/<img|<script|onerror/i.test(everything), 'no HTML from the platform');
    // The hostile answers were real: the errors the package reports did carry the platform's (masked) words.
    assert.ok(everything.includes('[secret]') || everything.includes('[email]'), 'something was masked');
  });
});
