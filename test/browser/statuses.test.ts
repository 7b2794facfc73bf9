import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { type Sandbox, SANDBOX_DEMOS, SNAPCHAT_SANDBOX, startSandbox } from '../../src/sandbox';
import { tabIdOf } from '../../scripts/demo-flows';
import { demoFlowsWithCredentials, deployFlows, Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed, watchStatus } from './harness';

/**
 * The editor tells the truth at a glance (the demo's flows, as `npm start` has them): a throttled
 * Microsoft export says it waits and why, progress counts finished batches and never goes back, a
 * second press while a run is in progress is shown queued and the first result still appears, counts
 * carry the language's separators, failures are words; the "Audience exports" sidebar shows every
 * export's runs and reveals the node; in French, runtime and editor speak French. The dialogs are
 * photographed at 1280×720 and 1440×900 in en-US and fr, and their labels fit in two lines.
 */
const demoTab = (platform: string): string => {
  const demo = SANDBOX_DEMOS.find((candidate) => candidate.platform === platform);
  assert.ok(demo);
  return tabIdOf(demo);
};
/** The demo's node ids are the examples' (examples/<platform>-export.json). */
const DEMO = {
  snapchat: { exporter: 'a1e5c0de00000005', button: 'a1e5c0de00000002', connection: 'a1e5c0de00000008' },
  microsoft: { exporter: 'c3a0d5ad00000005', button: 'c3a0d5ad00000002', connection: 'c3a0d5ad00000008' },
};
const THROTTLE_WAIT_MS = 3000;
const VIEWPORTS = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
];

async function showTab(page: Page, tabId: string): Promise<void> {
  await page.locator(`#red-ui-workspace-tabs li.red-ui-tab[id="red-ui-tab-${tabId}"] a`).click();
  await page.waitForFunction((id) => (globalThis as unknown as { RED: { workspaces: { active(): string } } }).RED.workspaces.active() === id, tabId);
}

/** Labels of the open dialog that wrap onto more than two lines, and icons that wrap away from their words. */
async function badLabels(page: Page): Promise<string[]> {
  // A string, not a function: the test runner's transpiler adds helpers a page does not have.
  return page.evaluate(`(() => {
    const problems = [];
    for (const label of Array.from(document.querySelectorAll('.audience-export-dialog .form-row > label:first-child'))) {
      // Row labels only: a checkbox's sentence (I agree …) is a paragraph beside its box.
      if (label.offsetParent === null || (label.textContent || '').trim() === '' || getComputedStyle(label.parentElement).display === 'flex') continue;
      const lineHeight = parseFloat(getComputedStyle(label).lineHeight) || 20;
      const height = label.getBoundingClientRect().height;
      if (height > lineHeight * 2 + 4) problems.push((label.textContent || '').trim() + ': ' + Math.round(height) + ' px');
      const icon = label.querySelector('i.fa');
      const words = label.querySelector('span');
      if (icon && words && Math.abs(icon.getBoundingClientRect().top - words.getClientRects()[0].top) > lineHeight / 2) problems.push((label.textContent || '').trim() + ': the icon wraps');
    }
    return problems;
  })()`);
}

/**
 * The connection and export dialogs of a demo tab as a user with that screen sees them (a fresh page per
 * size, in `locale`); the labels checked at each.
 */
async function photographDialogs(browser: Browser, url: string, locale: string, platform: keyof typeof DEMO): Promise<void> {
  for (const viewport of VIEWPORTS) {
    const editor = await Editor.openPage(await browser.newPage({ viewport, locale }), url);
    const page = editor.page;
    try {
      await showTab(page, demoTab(platform === 'microsoft' ? 'microsoft-ads' : 'snapchat'));
      await editor.edit(DEMO[platform].exporter);
      assert.deepEqual(await badLabels(page), [], `${locale} ${platform} export dialog at ${viewport.width}×${viewport.height}`);
      await editor.screenshot(`${locale}-${platform}-export-${viewport.width}x${viewport.height}`);
      await page.locator('#node-input-btn-connection-edit').click();
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
      assert.deepEqual(await badLabels(page), [], `${locale} ${platform} connection dialog at ${viewport.width}×${viewport.height}`);
      // The dialog's buttons are on screen once the tray has slid in: nothing is pushed out of it.
      await page.waitForTimeout(600);
      const ok = await page.locator('#node-config-dialog-ok').boundingBox();
      assert.ok(ok && ok.x + ok.width <= viewport.width, `${locale} ${platform}: the dialog's button is on screen at ${viewport.width}×${viewport.height}`);
      await editor.screenshot(`${locale}-${platform}-connection-${viewport.width}x${viewport.height}`);
    } finally {
      await page.close();
    }
  }
}

/** Presses an inject node's button and waits for its export node's final word. */
async function pressAndWait(editor: Editor, button: string, exporter: string, done: RegExp): Promise<void> {
  await editor.node(button).locator('.red-ui-flow-node-button').click();
  await editor.node(exporter).locator('.red-ui-flow-node-status-label').filter({ hasText: done }).waitFor({ timeout: 60_000 });
}

/** Finished-batch counts never go back: `n of N sent` (or `n/N, k queued`) only grows within a run. */
function assertNeverBackwards(texts: string[]): void {
  let last = -1;
  for (const text of texts) {
    const progress = /^(\d+)(?: of |\/)(\d+)/.exec(text);
    if (progress) {
      assert.ok(Number(progress[1]) >= last, `progress went back: ${texts.join(' | ')}`);
      last = Number(progress[1]);
    } else if (/^(done|fini)/.test(text)) {
      last = -1; // the next run counts from 0
    }
  }
}

describe(`the editor tells the truth at a glance (Node-RED ${nodeRedVersion}, Chromium)`, function () {
  this.timeout(180_000);
  let sandbox: Sandbox;
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
    sandbox = await startSandbox({ rateLimit: false });
  });

  after(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  describe('in English', () => {
    let nodeRed: NodeRed | undefined;
    let editor: Editor;

    before(async () => {
      nodeRed = await startNodeRed({ lang: 'en-US', audienceExportThrottleWaitMs: THROTTLE_WAIT_MS, audienceExportRetry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 4, maxRetryAfterMs: 10_000 } });
      await deployFlows(nodeRed, demoFlowsWithCredentials(sandbox.url));
      editor = await Editor.open(browser as Browser, nodeRed.url);
    });

    afterEach(async function () {
      sandbox.faults.reset();
      if (this.currentTest?.state === 'failed') await editor?.screenshot(`truth-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
    });

    after(() => nodeRed?.stop());

    it('a throttled Microsoft export says it waits and for how long, counts sent batches without going back, and ends in words', async () => {
      const page = editor.page;
      await showTab(page, demoTab('microsoft-ads'));
      const status = await watchStatus(page, DEMO.microsoft.exporter);
      sandbox.microsoftAds.throttleNext(2); // two calls answer 117 CallRateExceeded: each waits THROTTLE_WAIT_MS
      await pressAndWait(editor, DEMO.microsoft.button, DEMO.microsoft.exporter, /^done/);
      const texts = await status.texts();
      assert.ok(texts.includes(`rate limited, ${THROTTLE_WAIT_MS / 1000} s`), `the wait is said: ${texts.join(' | ')}`);
      assert.ok(texts.some((text) => /^\d+ of \d+ sent$/.test(text)), `progress in sent batches: ${texts.join(' | ')}`);
      assertNeverBackwards(texts);
      // The demo sends 20,000 sample profiles: the count carries the language's separator.
      assert.match(texts.at(-1) ?? '', /^done \+\d{1,2},\d{3} −[\d,]+$/, texts.join(' | '));
      await editor.screenshot('truth-microsoft-throttled-done');
    });

    it('a second press while a run is in progress is shown queued; the first result still appears', async () => {
      const page = editor.page;
      await showTab(page, demoTab('snapchat'));
      const status = await watchStatus(page, DEMO.snapchat.exporter);
      sandbox.faults.set({ latencyMs: 700 }); // each call a little slow, so the first run is still going
      const button = editor.node(DEMO.snapchat.button).locator('.red-ui-flow-node-button');
      await button.click();
      await editor.node(DEMO.snapchat.exporter).locator('.red-ui-flow-node-status-label').filter({ hasText: /preparing|of \d+ sent/ }).waitFor();
      await button.click();
      await editor.node(DEMO.snapchat.exporter).locator('.red-ui-flow-node-status-label').filter({ hasText: /1 queued/ }).waitFor();
      await editor.screenshot('truth-snapchat-queued');
      await page.waitForFunction(() => {
        const texts = (globalThis as unknown as { __statuses: Record<string, string[]> }).__statuses['a1e5c0de00000005'] ?? [];
        return texts.filter((text) => text.startsWith('done')).length >= 2;
      }, undefined, { timeout: 60_000 });
      const texts = await status.texts();
      const results = texts.filter((text) => text.startsWith('done'));
      assert.match(results[0], /^done \+\d{1,3},\d{3} −[\d,]+$/, `the first run's result was shown: ${texts.join(' | ')}`);
      assert.equal(results[1], 'done +0 −0', 'the second (mirror) run found nothing to change');
      const between = texts.slice(texts.indexOf(results[0]) + 1, texts.lastIndexOf(results[1]));
      assert.ok(!between.some((text) => text.startsWith('preparing')), `the queued run left the first result in view: ${texts.join(' | ')}`);
      assertNeverBackwards(texts);
    });

    it('the "Audience exports" sidebar lists every export with its runs and a chart, and reveals a node', async () => {
      const page = editor.page;
      await page.evaluate(() => (globalThis as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('audience-export'));
      const sidebar = page.locator('.audience-export-sidebar');
      await sidebar.waitFor();
      const snapchat = sidebar.locator(`li.audience-export-item[data-node="${DEMO.snapchat.exporter}"]`);
      await snapchat.locator('.audience-export-run').nth(1).waitFor();
      assert.equal(await sidebar.locator('li.audience-export-item').count(), SANDBOX_DEMOS.length, 'one entry per export node of the flows (one demo tab per platform)');
      const runs = await snapchat.locator('.audience-export-what').allTextContents();
      assert.equal(runs[0], 'done +0 −0', 'the last run first');
      assert.match(runs[1], /^done \+\d{1,3},\d{3} −[\d,]+$/);
      assert.ok(await snapchat.locator('.audience-export-chart polyline').count(), 'a chart once there are two runs');
      const microsoft = sidebar.locator(`li.audience-export-item[data-node="${DEMO.microsoft.exporter}"]`);
      assert.match(await microsoft.locator('.audience-export-details').first().textContent() ?? '', /\d+(\.\d)? s/);
      await editor.screenshot('truth-sidebar');
      await microsoft.locator('a.audience-export-node').click();
      await page.waitForFunction((tab) => (globalThis as unknown as { RED: { workspaces: { active(): string } } }).RED.workspaces.active() === tab, demoTab('microsoft-ads'));
      // Live progress reaches the sidebar too, in the editor's words.
      sandbox.faults.set({ latencyMs: 400 });
      await editor.node(DEMO.microsoft.button).locator('.red-ui-flow-node-button').click();
      await microsoft.locator('.audience-export-live').filter({ hasText: /of \d+ sent|preparing/ }).waitFor();
      await editor.screenshot('truth-sidebar-live');
      await microsoft.locator('.audience-export-run').nth(1).waitFor({ timeout: 60_000 });
    });

    it('a failure is a word on the node, and one sentence with its code at Catch', async () => {
      const page = editor.page;
      await showTab(page, demoTab('snapchat'));
      // Break the demo: the connection's secret is refused (typed in the dialog, deployed).
      await editor.edit(DEMO.snapchat.exporter);
      await page.locator('#node-input-btn-connection-edit').click();
      await page.locator('#node-config-input-clientSecret').fill('not-the-secret');
      await page.locator('#node-config-dialog-ok').click();
      await page.locator('#node-dialog-ok').click();
      await editor.deploy();
      await pressAndWait(editor, DEMO.snapchat.button, DEMO.snapchat.exporter, /refused/);
      assert.equal(await editor.node(DEMO.snapchat.exporter).locator('.red-ui-flow-node-status-label').textContent(), 'credentials refused');
      await editor.screenshot('truth-failure-word');
      for (const platform of ['snapchat', 'microsoft'] as const) await photographDialogs(browser as Browser, nodeRed?.url ?? '', 'en-US', platform);
    });
  });

  describe('in French (the runtime in French, the browser in French)', () => {
    let nodeRed: NodeRed | undefined;
    let editor: Editor;

    before(async () => {
      nodeRed = await startNodeRed({ lang: 'fr', audienceExportRetry: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3 } });
      const typo = [
        { id: 'typotab', type: 'tab', label: 'Faute de frappe' },
        { id: 'typoinject', type: 'inject', z: 'typotab', name: 'Envoyer', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], payload: '[{"mail":"ada@example.com"},{"mail":"bob@example.com"}]', payloadType: 'json', topic: 'Fautes', x: 120, y: 80, wires: [['typoexport']] },
        { id: 'typoexport', type: 'snapchat-audience', z: 'typotab', name: 'Export', connection: DEMO.snapchat.connection, adAccountId: SNAPCHAT_SANDBOX.adAccountId, emailField: 'email', x: 320, y: 80, wires: [[], []] },
        { id: 'typocatch', type: 'catch', z: 'typotab', scope: null, uncaught: false, x: 120, y: 160, wires: [['typodebug']] },
        { id: 'typodebug', type: 'debug', z: 'typotab', name: 'erreur', active: true, tosidebar: true, complete: 'error', targetType: 'msg', x: 320, y: 160, wires: [] },
      ];
      await deployFlows(nodeRed, [...demoFlowsWithCredentials(sandbox.url), ...typo]);
      const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 900 }, locale: 'fr-FR' });
      editor = await Editor.openPage(page, nodeRed.url);
    });

    afterEach(async function () {
      if (this.currentTest?.state === 'failed') await editor?.screenshot(`fr-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
    });

    after(async () => {
      await editor?.page.close();
      await nodeRed?.stop();
    });

    it('statuses, the palette, the sidebar and the error at Catch are French; counts are written the French way', async () => {
      const page = editor.page;
      assert.ok(await page.locator('.red-ui-palette-header span', { hasText: "Export d'audiences" }).count(), 'the palette category in words');
      await showTab(page, demoTab('snapchat'));
      await pressAndWait(editor, DEMO.snapchat.button, DEMO.snapchat.exporter, /^fini/);
      const done = (await editor.node(DEMO.snapchat.exporter).locator('.red-ui-flow-node-status-label').textContent()) ?? '';
      assert.match(done, /^fini \+\d{1,3}[\u202f\u00a0 ]\d{3} −[\d\u202f\u00a0 ]+$/, done);

      await showTab(page, 'typotab');
      await pressAndWait(editor, 'typoinject', 'typoexport', /e-mail/);
      assert.equal(await editor.node('typoexport').locator('.red-ui-flow-node-status-label').textContent(), 'aucun e-mail trouvé');
      await page.keyboard.press('Control+g');
      await page.keyboard.press('d');
      const caught = page.locator('.red-ui-debug-msg').filter({ hasText: 'erreur' }).last();
      await caught.waitFor();
      await caught.locator('.red-ui-debug-msg-expandable').first().click();
      const text = await caught.innerText();
      // Debug shortens long strings: the sentence's start, in French, with the field named.
      assert.match(text, /message: "Le champ e-mail `email` ne donne aucune adresse dans 2 profils sur 2 ; les profi/, text);
      assert.match(text, /code: "no_valid_emails"/, text);
      assert.doesNotMatch(text, /ExportError|stack/, text);
      await editor.screenshot('fr-catch-error');

      await page.evaluate(() => (globalThis as unknown as { RED: { sidebar: { show(id: string): void } } }).RED.sidebar.show('audience-export'));
      const sidebar = page.locator('.audience-export-sidebar');
      await sidebar.locator(`li.audience-export-item[data-node="typoexport"] .audience-export-what`, { hasText: 'aucun e-mail trouvé' }).waitFor();
      await editor.screenshot('fr-sidebar');
      for (const platform of ['snapchat', 'microsoft'] as const) await photographDialogs(browser as Browser, nodeRed?.url ?? '', 'fr-FR', platform);
    });
  });
});
