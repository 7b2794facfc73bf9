import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type { Browser } from 'playwright-core';
import { sha256Hex } from '../../src/core/email';
import { type Sandbox, SANDBOX_DEMOS, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { ARTIFACTS, demoFlowsWithCredentials, deployFlows, Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed } from './harness';

/**
 * README's "Setting up an export in the editor", step by step, as a newcomer does it with `npm start`
 * running (the demo's flows deployed, the sandbox beside them): a new flow tab, Inject → Snapchat
 * audience → Debug, a connection made through the + button with both ways of step 2 (the fixture
 * token typed; then "Authenticate with Snapchat"), Test connection on what is typed, Deploy, the
 * button, the summary in Debug and the status in words. One Node-RED, sandbox and browser serve every
 * `it` in order: later tests reuse what the first built.
 */
describe(`README walkthrough in the editor (Node-RED ${nodeRedVersion}, Chromium)`, function () {
  this.timeout(90_000);
  let sandbox: Sandbox;
  let nodeRed: NodeRed | undefined;
  let browser: Browser | undefined;
  let editor: Editor;
  const ids: { inject?: string; exporter?: string; debug?: string; firstConnection?: string } = {};

  before(async () => {
    await fs.rm(ARTIFACTS, { recursive: true, force: true });
    browser = await launchChromium();
    sandbox = await startSandbox({ rateLimit: false });
    nodeRed = await startNodeRed({ audienceExportRetry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 } });
    await deployFlows(nodeRed, demoFlowsWithCredentials(sandbox.url));
    editor = await Editor.open(browser, nodeRed.url);
    await editor.screenshot('editor-open');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await editor?.screenshot(`failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, '-')}`);
  });

  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
    await sandbox?.close();
  });

  /** Step 2's common part, in a fresh connection dialog: hosts first (as the dialog lists them), then the app. */
  async function fillConnection(name: string): Promise<void> {
    const page = editor.page;
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    const rows = await page.locator('#node-config-dialog-edit-form .form-row input[id^="node-config-input-"]').evaluateAll((inputs) => inputs.map((input) => input.id));
    assert.ok(rows.indexOf('node-config-input-authBaseUrl') < rows.indexOf('node-config-input-clientId'), `the hosts come before the secrets: ${rows.join(', ')}`);
    await page.locator('#node-config-input-name').fill(name);
    await page.locator('#node-config-input-authBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-apiBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-clientId').fill(SNAPCHAT_SANDBOX.clientId);
    await page.locator('#node-config-input-clientSecret').fill(SNAPCHAT_SANDBOX.clientSecret);
    // No adminAuth here: who may use the connection is not a question, so the dialog does not ask it.
    assert.equal(await page.locator('#snapchat-connection-scope-row').isVisible(), false);
  }

  /** "Test connection", as typed, and its answer. */
  async function testConnection(): Promise<string> {
    const page = editor.page;
    const signin = page.locator('#snapchat-connection-signin');
    const message = signin.locator('.audience-export-message');
    await signin.locator('button.audience-export-test').click();
    await page.waitForFunction(() => !/^Testing|^$/.test(document.querySelector('#snapchat-connection-signin .audience-export-message')?.textContent ?? ''));
    return (await message.textContent()) ?? '';
  }

  it('steps 1–5 with the fixture token typed (the first way of step 2)', async () => {
    const page = editor.page;
    // With npm start running: a new flow tab (+) beside the demo's (one per platform).
    await page.locator('.red-ui-tab-button.red-ui-tabs-add a').first().click();
    await page.waitForFunction((tabs) => document.querySelectorAll('#red-ui-workspace-tabs li.red-ui-tab').length === tabs, SANDBOX_DEMOS.length + 1);

    // 1. Inject, Snapchat audience, Debug; Inject → audience, the audience's second output → Debug.
    ids.exporter = await editor.dragFromPalette('snapchat-audience', 420, 160);
    ids.inject = await editor.dragFromPalette('inject', 160, 160);
    ids.debug = await editor.dragFromPalette('debug', 700, 200);
    await editor.wire(ids.inject, 0, ids.exporter);
    await editor.wire(ids.exporter, 1, ids.debug);
    assert.deepEqual(await editor.links(ids.exporter), [`1 → ${ids.debug}`]);
    await editor.screenshot('walkthrough-1-wired');

    // 2. A connection through +, hosts, app, the fixture token typed, I agree, Test connection, Add.
    await editor.edit(ids.exporter);
    await page.locator('#node-input-btn-connection-add').click();
    await fillConnection('Sandbox');
    await page.locator('#node-config-input-refreshToken').fill(SNAPCHAT_SANDBOX.refreshToken);
    assert.match(await testConnection(), /"I agree" is not ticked: nothing is sent/, 'the test sends nothing before I agree');
    await page.locator('#node-config-input-consent').check();
    // The typed refresh token is what the test uses: nothing is stored yet.
    assert.match(await testConnection(), new RegExp(`^Connected as ${SNAPCHAT_SANDBOX.displayName}`));
    assert.equal(await page.locator('#snapchat-connection-hosts-changed').isVisible(), false, 'a new connection has no stored secret whose hosts could change');
    await editor.screenshot('walkthrough-2-connection');
    await editor.close('node-config-dialog-ok');
    ids.firstConnection = await page.locator('#node-input-connection').inputValue();

    // 3. Ad account, Audience ID empty, Email field `email`, mirror; Done.
    await page.locator('#node-input-adAccountId').fill(SNAPCHAT_SANDBOX.adAccountId);
    assert.equal(await page.locator('#node-input-audienceId').inputValue(), '');
    await page.locator('#node-input-emailField').fill('email');
    assert.equal(await page.locator('#node-input-mode').inputValue(), 'mirror');
    await editor.screenshot('walkthrough-3-export');
    await editor.close('node-dialog-ok');

    // 4. Inject: msg.payload JSON, msg.topic the segment's name.
    await editor.edit(ids.inject);
    const rows = page.locator('#node-input-property-container > li');
    await editor.typedInput(rows.nth(0).locator('input.node-input-prop-property-value'), '[{"email":"ada@example.com"}]', 'json');
    await editor.typedInput(rows.nth(1).locator('input.node-input-prop-property-value'), 'Newsletter');
    await editor.close('node-dialog-ok');

    // 5. Deploy, the button; Debug shows the summary; the status reads `done +1 −0`.
    await editor.deploy();
    await editor.node(ids.inject).locator('.red-ui-flow-node-button').click();
    await page.keyboard.press('Control+g');
    await page.keyboard.press('d');
    const message = page.locator('.red-ui-debug-msg').filter({ hasText: 'Newsletter' });
    await message.waitFor({ timeout: 20_000 });
    // Collapsed, the summary already says what happened: its first keys are the status and the counts.
    const collapsed = (await message.locator('.red-ui-debug-msg-object-header').first().innerText()).replace(/\s+/g, ' ');
    assert.match(collapsed, /^\{ ?status: "completed", segment: "Newsletter", added: 1, removed: 0/, collapsed);
    await message.locator('.red-ui-debug-msg-expandable').first().click();
    const text = await message.innerText();
    assert.match(text, /status: "completed"/, text);
    assert.match(text, /added: 1\b/, text);
    const status = editor.node(ids.exporter).locator('.red-ui-flow-node-status-label');
    await status.filter({ hasText: 'done' }).waitFor();
    assert.equal(await status.textContent(), 'done +1 −0');
    await editor.screenshot('walkthrough-5-done');

    const created = sandbox.snapchat.segments(SNAPCHAT_SANDBOX.adAccountId).find((s) => s.name === 'Newsletter');
    assert.ok(created, 'the sandbox has a segment named Newsletter');
    assert.deepEqual(new Set(sandbox.snapchat.members(created.id)), new Set([sha256Hex('ada@example.com')]));
  });

  it('the second way of step 2: "Authenticate with Snapchat", Allow, then the export runs with that connection', async () => {
    const page = editor.page;
    const { exporter, inject } = ids;
    assert.ok(exporter && inject, 'the first test built the flow');
    await editor.edit(exporter);
    await page.locator('#node-input-btn-connection-add').click();
    await fillConnection('Signed in');
    assert.equal(await page.locator('#node-config-input-refreshToken').inputValue(), '');
    await page.locator('#node-config-input-consent').check();

    const signin = page.locator('#snapchat-connection-signin');
    const [popup] = await Promise.all([page.context().waitForEvent('page'), signin.locator('button.audience-export-authenticate').click()]);
    await popup.waitForLoadState();
    assert.ok(popup.url().startsWith(`${sandbox.url.replace(/\/$/, '')}/login/oauth2/authorize?`), popup.url());
    await editor.screenshot('walkthrough-2b-authorize', popup);
    await popup.locator('#allow').click();
    await popup.waitForURL(/\/audience-export\/auth\/callback\?/);
    const message = signin.locator('.audience-export-message');
    await message.filter({ hasText: /^Authenticated/ }).waitFor();
    assert.equal(await page.locator('#node-config-input-refreshToken').inputValue(), '__PWRD__', 'the dialog shows a stored token, never the token');
    assert.equal(await signin.locator('.audience-export-paste').isVisible(), false, 'no paste field once signed in');
    assert.match(await testConnection(), new RegExp(`^Connected as ${SNAPCHAT_SANDBOX.displayName}`));
    await editor.screenshot('walkthrough-2b-authenticated');
    await editor.close('node-config-dialog-ok');
    await editor.close('node-dialog-ok');

    await editor.deploy();
    const flows = JSON.parse(await fs.readFile(`${nodeRed?.userDir}/flows.json`, 'utf8')) as Array<Record<string, unknown>>;
    assert.notEqual(flows.find((n) => n.id === exporter)?.connection, ids.firstConnection, 'the export uses the signed-in connection');
    assert.ok(!JSON.stringify(flows).includes('refreshToken'), 'no token in the flow file');
    await editor.node(inject).locator('.red-ui-flow-node-button').click();
    const status = editor.node(exporter).locator('.red-ui-flow-node-status-label');
    await status.filter({ hasText: 'done +0 −0' }).waitFor({ timeout: 20_000 }); // mirror: Ada is already there
    await editor.screenshot('walkthrough-2b-done');
  });

  it('Test connection uses what the dialog shows: a wrong secret typed into a deployed connection fails; typed right again it passes, deployed or not', async () => {
    const page = editor.page;
    const { exporter } = ids;
    assert.ok(exporter && ids.firstConnection);
    await editor.edit(exporter);
    await page.locator('#node-input-connection').selectOption(ids.firstConnection);
    await page.locator('#node-input-btn-connection-edit').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-clientSecret').fill('a-wrong-secret');
    assert.match(await testConnection(), /refused the connection's client credentials/, 'the typed secret is the one tested');
    await page.locator('#node-config-input-clientSecret').fill(SNAPCHAT_SANDBOX.clientSecret);
    assert.match(await testConnection(), /^Connected as/);

    // Deploy the wrong secret, then type the right one: the test follows the dialog, not the deployment.
    await page.locator('#node-config-input-clientSecret').fill('a-wrong-secret');
    await editor.close('node-config-dialog-ok');
    await editor.close('node-dialog-ok');
    await editor.deploy();
    await editor.edit(exporter);
    await page.locator('#node-input-btn-connection-edit').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    assert.match(await testConnection(), /refused the connection's client credentials/, 'the deployed (wrong) secret');
    await page.locator('#node-config-input-clientSecret').fill(SNAPCHAT_SANDBOX.clientSecret);
    assert.match(await testConnection(), /^Connected as/, 'the typed (right) secret, before any deploy');
    await editor.screenshot('walkthrough-typed-secret');
    await page.locator('#node-config-dialog-cancel').click();
    await page.locator('#node-dialog-cancel').click();
  });
});
