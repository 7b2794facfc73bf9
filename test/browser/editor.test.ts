import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type { Browser } from 'playwright-core';
import { sha256Hex } from '../../src/core/email';
import { type Sandbox, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { ARTIFACTS, Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed } from './harness';

/**
 * The editor, end to end: a user builds inject → snapchat-audience → debug in a real Node-RED editor
 * (Debian's Chromium), creates the connection through the config-node pencil, deploys, presses the
 * inject button and reads the summary in the Debug sidebar; the sandbox then holds the members.
 * One Node-RED, sandbox and browser serve every `it` (in order): later tests reuse `editor`.
 */
describe(`the editor (Node-RED ${nodeRedVersion}, Chromium)`, function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let nodeRed: NodeRed | undefined;
  let browser: Browser | undefined;
  let editor: Editor;

  before(async () => {
    await fs.rm(ARTIFACTS, { recursive: true, force: true });
    browser = await launchChromium();
    sandbox = await startSandbox({ rateLimit: false });
    nodeRed = await startNodeRed({ audienceExportRetry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 } });
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

  it('builds, deploys and runs inject → Snapchat audience → debug through the UI', async () => {
    const page = editor.page;
    const segment = 'Browser buyers';
    const emails = ['ada@example.com', 'bob@example.com', 'carol@example.com'];

    const exporter = await editor.dragFromPalette('snapchat-audience', 420, 160);
    const inject = await editor.dragFromPalette('inject', 160, 160);
    const debug = await editor.dragFromPalette('debug', 700, 200);
    await editor.screenshot('nodes-dropped');

    // The export node's dialog; a new connection through the config node's add button (Node-RED 4 and 5
    // have a pencil, disabled while "Add new …" is selected, and a + beside it).
    await editor.edit(exporter);
    await page.locator('#node-input-btn-connection-add').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-name').fill('Sandbox');
    await page.locator('#node-config-input-clientId').fill(SNAPCHAT_SANDBOX.clientId);
    await page.locator('#node-config-input-clientSecret').fill(SNAPCHAT_SANDBOX.clientSecret);
    await page.locator('#node-config-input-refreshToken').fill(SNAPCHAT_SANDBOX.refreshToken);
    await page.locator('#node-config-input-authBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-apiBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-consent').check();
    await editor.screenshot('connection-dialog');
    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'hidden' });
    await page.locator('#node-input-adAccountId').fill(SNAPCHAT_SANDBOX.adAccountId);
    await page.locator('#node-input-emailField').fill('contact.email');
    await editor.screenshot('export-dialog');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'hidden' });

    // Inject: payload = a JSON array of profiles, topic = the segment's name.
    await editor.edit(inject);
    const rows = page.locator('#node-input-property-container > li');
    await editor.typedInput(rows.nth(0).locator('input.node-input-prop-property-value'), JSON.stringify(emails.map((email) => ({ contact: { email } }))), 'json');
    await editor.typedInput(rows.nth(1).locator('input.node-input-prop-property-value'), segment);
    await editor.screenshot('inject-dialog');
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'hidden' });

    await editor.wire(inject, 0, exporter);
    await editor.wire(exporter, 1, debug); // output 2: one summary per segment
    await editor.screenshot('wired');
    assert.deepEqual(await editor.links(inject), [`0 → ${exporter}`]);
    assert.deepEqual(await editor.links(exporter), [`1 → ${debug}`]);

    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('#red-ui-header-button-deploy.disabled').waitFor();
    await editor.screenshot('deployed');

    await editor.node(inject).locator('.red-ui-flow-node-button').click();
    // The Debug sidebar by its shortcut: Node-RED 4 shows it as a tab, Node-RED 5 as a panel.
    await page.keyboard.press('Control+g');
    await page.keyboard.press('d');
    // The summary (output 2) arrives as an object; expand it to read its fields.
    const message = page.locator('.red-ui-debug-msg').filter({ hasText: segment });
    await message.waitFor({ timeout: 20_000 });
    await message.locator('.red-ui-debug-msg-expandable').first().click();
    await message.getByText('"completed"').waitFor();
    await editor.screenshot('debug-summary');
    const text = await message.innerText();
    assert.match(text, /status: "completed"/, text);
    assert.match(text, /added: 3\b/, text);

    const status = editor.node(exporter).locator('.red-ui-flow-node-status-label');
    await status.filter({ hasText: 'done' }).waitFor();
    assert.equal(await status.textContent(), 'done +3 −0');
    await editor.screenshot('status');

    const [created] = sandbox.snapchat.segments(SNAPCHAT_SANDBOX.adAccountId).filter((s) => s.name === segment);
    assert.ok(created, `the sandbox has a segment named ${segment}`);
    assert.deepEqual(new Set(sandbox.snapchat.members(created.id)), new Set(emails.map(sha256Hex)));
  });

  it('signs a new connection in through the "Authenticate with Snapchat" popup, then runs the export with it', async () => {
    const page = editor.page;
    const segment = 'Browser buyers'; // the inject node of the first test
    const [exporter] = await editor.ids('snapchat-audience');
    const [inject] = await editor.ids('inject');
    assert.ok(exporter && inject, 'the first test built the flow');
    const summaries = page.locator('.red-ui-debug-msg').filter({ hasText: segment });
    const before = await summaries.count();

    // A second connection through the + beside the connection select: no refresh token at all.
    await editor.edit(exporter);
    const first = await page.locator('#node-input-connection').inputValue();
    await page.locator('#node-input-btn-connection-add').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
    await page.locator('#node-config-input-name').fill('Signed in');
    await page.locator('#node-config-input-clientId').fill(SNAPCHAT_SANDBOX.clientId);
    await page.locator('#node-config-input-clientSecret').fill(SNAPCHAT_SANDBOX.clientSecret);
    assert.equal(await page.locator('#node-config-input-refreshToken').inputValue(), '');
    await page.locator('#node-config-input-authBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-apiBaseUrl').fill(sandbox.url);
    await page.locator('#node-config-input-consent').check();
    await editor.screenshot('signin-connection-dialog');

    // "Authenticate with Snapchat" opens the sandbox's authorize page in a popup; Allow redirects to
    // Node-RED's callback, which tells the dialog and closes itself.
    const tokensBefore = sandbox.snapchat.calls.token;
    const signin = page.locator('#snapchat-connection-signin');
    const [popup] = await Promise.all([page.context().waitForEvent('page'), signin.locator('button.audience-export-authenticate').click()]);
    await popup.waitForLoadState();
    assert.ok(popup.url().startsWith(`${sandbox.url.replace(/\/$/, '')}/login/oauth2/authorize?`), popup.url());
    assert.match(new URL(popup.url()).searchParams.get('redirect_uri') ?? '', /\/audience-export\/auth\/callback$/);
    await popup.locator('#allow').waitFor();
    await editor.screenshot('signin-popup-authorize', popup);
    await popup.locator('#allow').click();
    await popup.waitForURL(/\/audience-export\/auth\/callback\?/);
    await popup.getByText('Authenticated').first().waitFor();
    await editor.screenshot('signin-popup-callback', popup);
    const message = signin.locator('.audience-export-message');
    await message.filter({ hasText: /^Authenticated/ }).waitFor();
    assert.equal(await page.locator('#node-config-input-refreshToken').inputValue(), '__PWRD__', 'the dialog shows a stored token, never the token');
    await editor.screenshot('signin-authenticated');
    // The code grant: one consent decision (POST authorize) and one token request for the exchange.
    assert.equal(sandbox.recorder.count({ method: 'POST', pathIncludes: '/login/oauth2/authorize' }), 1);
    assert.equal(sandbox.snapchat.calls.token, tokensBefore + 1, 'the sandbox issued a token for the authorization code');

    await signin.locator('button.audience-export-test').click();
    await message.filter({ hasText: 'Connected as' }).waitFor();
    assert.match((await message.textContent()) ?? '', new RegExp(`Connected as ${SNAPCHAT_SANDBOX.displayName}`));
    await editor.screenshot('signin-test-connection');

    await page.locator('#node-config-dialog-ok').click();
    await page.locator('#node-config-dialog-ok').waitFor({ state: 'hidden' });
    const second = await page.locator('#node-input-connection').inputValue();
    assert.ok(second && second !== first && second !== '_ADD_', `the export now uses the new connection (${first} → ${second})`);
    await page.locator('#node-dialog-ok').click();
    await page.locator('#node-dialog-ok').waitFor({ state: 'hidden' });

    await page.locator('#red-ui-header-button-deploy').click();
    await page.locator('#red-ui-header-button-deploy.disabled').waitFor();
    await editor.screenshot('signin-deployed');
    const flows = JSON.parse(await fs.readFile(`${nodeRed?.userDir}/flows.json`, 'utf8')) as Array<Record<string, unknown>>;
    assert.equal(flows.find((n) => n.id === exporter)?.connection, second, 'the deployed export uses the signed-in connection');
    assert.ok(!JSON.stringify(flows).includes('__PWRD__') && !JSON.stringify(flows).includes('refreshToken'), 'no token in the flow file');

    await editor.node(inject).locator('.red-ui-flow-node-button').click();
    await summaries.nth(before).waitFor({ timeout: 20_000 });
    const summary = summaries.nth(before);
    await summary.locator('.red-ui-debug-msg-expandable').first().click();
    await summary.getByText('"completed"').waitFor();
    await editor.screenshot('signin-debug-summary');
    const text = await summary.innerText();
    assert.match(text, /status: "completed"/, text);
    assert.match(text, /added: 0\b/, text); // mirror: the members are already there
    const status = editor.node(exporter).locator('.red-ui-flow-node-status-label');
    await status.filter({ hasText: 'done +0' }).waitFor();
    await editor.screenshot('signin-status');
  });
});
