import assert from 'node:assert/strict';
import type { Browser, Page, Route } from 'playwright-core';
import { type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed } from './harness';

/**
 * No platform text reaches the editor as HTML (issue "Secrets stay put" §4): a hostile platform's
 * audience names, and errors carrying markup in every place the dialogs show one (Test connection,
 * sign-in start, the pasted code, the sign-in popup's answer, the audience picker, approvals and host
 * pins), are shown as text. The payload counts its own executions in `window.__hostile`.
 */
const HTML = '<img src=x onerror="window.__hostile=(window.__hostile||0)+1"><script>window.__hostile=(window.__hostile||0)+1</script>';

describe(`the editor shows platform text as text (Node-RED ${nodeRedVersion}, Chromium)`, function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let nodeRed: NodeRed | undefined;
  let browser: Browser | undefined;
  let editor: Editor;

  const executed = (page: Page) => page.evaluate(() => (globalThis as unknown as { __hostile?: number }).__hostile ?? 0);
  const injectedImages = (page: Page) => page.locator('img[src="x"]').count();
  /** Answer `pattern` with an error whose message is markup. */
  const hostileAnswer = (page: Page, pattern: string, status = 502, body: unknown = { error: { code: 'rejected', message: `Platform says ${HTML}` } }) =>
    page.route(pattern, (route: Route) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) }));

  before(async () => {
    browser = await launchChromium();
    sandbox = await startSandbox({ rateLimit: false, hostile: true, hostileNames: true });
    nodeRed = await startNodeRed();
    const flows = [
      { id: 'tab1', type: 'tab', label: 'hostile' },
      { id: 'conn1', type: 'snapchat-connection', name: 'Hostile', scope: 'administrators', consent: true, authBaseUrl: sandbox.url, apiBaseUrl: sandbox.url, credentials: { clientId: SNAPCHAT_SANDBOX.clientId, clientSecret: SNAPCHAT_SANDBOX.clientSecret, refreshToken: SNAPCHAT_SANDBOX.refreshToken } },
      { id: 'exp1', type: 'snapchat-audience', z: 'tab1', name: 'Export', connection: 'conn1', adAccountId: SNAPCHAT_SANDBOX.adAccountId, emailField: 'email', mode: 'mirror', x: 300, y: 100, wires: [[], []] },
    ];
    const deployed = await fetch(`${nodeRed.url}flows`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
    assert.equal(deployed.status, 204);
    sandbox.snapchat.createSegment({ adAccountId: SNAPCHAT_SANDBOX.adAccountId, name: 'Real list' });
    editor = await Editor.open(browser, nodeRed.url);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await editor?.screenshot(`hostile-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    await sandbox?.close();
  });

  it('the audience picker: hostile names from the platform, and a failed listing, are text', async () => {
    const page = editor.page;
    await editor.edit('exp1');
    await page.locator('#snapchat-audience-pick').click();
    const options = page.locator('#snapchat-audience-audiences option');
    await options.nth(1).waitFor({ state: 'attached' });
    const listed = await options.nth(1).textContent();
    assert.match(listed ?? '', /<img src=x onerror=.*Real list/, 'the name is shown as the text the platform sent');
    await editor.screenshot('hostile-picker-names');

    await hostileAnswer(page, '**/audience-export/audiences/**');
    await page.locator('#snapchat-audience-pick').click();
    const notice = page.locator('.red-ui-notification').filter({ hasText: 'Platform says' });
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /<img src=x onerror=/);
    await editor.screenshot('hostile-picker-error');
    await page.unroute('**/audience-export/audiences/**');

    // Done: the approval answer fails with markup too (no adminAuth: the dialog still approves on save).
    await hostileAnswer(page, '**/audience-export/approvals/**', 400);
    await page.locator('#node-dialog-ok').click();
    await page.locator('.red-ui-notification').filter({ hasText: 'Platform says' }).nth(1).waitFor();
    await page.unroute('**/audience-export/approvals/**');
    assert.equal(await executed(page), 0);
    assert.equal(await injectedImages(page), 0);
  });

  it('the connection dialog: Test connection, sign-in, the pasted code and the popup\'s answer are text', async () => {
    const page = editor.page;
    await editor.edit('exp1');
    await page.locator('#node-input-btn-connection-edit').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    const message = page.locator('#snapchat-connection-signin .audience-export-message');

    // The real hostile sandbox first: its echo (with markup and our secrets) comes back masked.
    sandbox.faults.failNext({ status: 500, count: 10, pathIncludes: '/v1/me' });
    await page.locator('#snapchat-connection-signin button.audience-export-test').click();
    await message.filter({ hasText: /Snapchat/ }).waitFor();
    const real = (await message.textContent()) ?? '';
    assert.ok(!real.includes(SNAPCHAT_SANDBOX.clientSecret) && !real.includes('<img'), real);
    sandbox.faults.reset();

    await hostileAnswer(page, '**/audience-export/test/**', 200, { ok: false, error: { code: 'rejected', message: `Test says ${HTML}` } });
    await page.locator('#snapchat-connection-signin button.audience-export-test').click();
    await message.filter({ hasText: 'Test says' }).waitFor();
    assert.match((await message.textContent()) ?? '', /<img src=x/);
    await editor.screenshot('hostile-test-connection');

    await hostileAnswer(page, '**/audience-export/auth/*/start');
    await page.locator('#snapchat-connection-signin button.audience-export-authenticate').click();
    await message.filter({ hasText: 'Platform says' }).waitFor();
    await page.unroute('**/audience-export/auth/*/start');

    // A sign-in that starts, then a pasted code the server refuses with markup.
    await page.route('**/audience-export/auth/*/start', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ authorizeUrl: 'about:blank', state: 'state-1' }) }));
    const [popup] = await Promise.all([page.context().waitForEvent('page'), page.locator('#snapchat-connection-signin button.audience-export-authenticate').click()]);
    await popup.close();
    await hostileAnswer(page, '**/audience-export/auth/*/code', 400, { error: { code: 'invalid_input', message: `Code says ${HTML}` } });
    await page.locator('#snapchat-connection-signin .audience-export-code').fill('a-code');
    await page.locator('#snapchat-connection-signin .audience-export-paste button').click();
    await message.filter({ hasText: 'Code says' }).waitFor();

    // The popup's answer (postMessage from the callback page) with a hostile code.
    await page.evaluate((html) => window.postMessage({ type: 'audience-export-auth', connectionId: 'conn1', ok: false, code: html }, location.origin), HTML);
    await message.filter({ hasText: 'Sign-in failed' }).waitFor();
    assert.match((await message.textContent()) ?? '', /<img src=x/);
    await editor.screenshot('hostile-signin');

    // Done: pinning typed secrets and approving the connection fail with markup.
    await page.locator('#node-config-input-clientSecret').fill('typed-secret-value');
    await hostileAnswer(page, '**/audience-export/pins/**', 400);
    await hostileAnswer(page, '**/audience-export/connection-approvals/**', 400);
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('.red-ui-notification').filter({ hasText: 'Platform says' }).first().waitFor();
    await editor.screenshot('hostile-connection-save');
    assert.equal(await executed(page), 0, 'no markup ran');
    assert.equal(await injectedImages(page), 0, 'no markup became an element');
  });
});
