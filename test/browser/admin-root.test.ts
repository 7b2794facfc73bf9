import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed } from './harness';

/**
 * The dialogs' shared helper (resources/editor.js) is included by each nodes/*.html with a relative
 * `<script src="resources/…">`: the editor prefixes it with its admin root, so it must load (and the
 * dialogs work) when Node-RED runs the editor under a non-root `httpAdminRoot`.
 */
describe(`the editor helper under httpAdminRoot (Node-RED ${nodeRedVersion}, Chromium)`, function () {
  this.timeout(60_000);
  let nodeRed: NodeRed | undefined;
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
    nodeRed = await startNodeRed({ httpAdminRoot: '/admin' });
  });

  after(async () => {
    await browser?.close();
    await nodeRed?.stop();
  });

  it('loads resources/editor.js from the package under /admin/ and every dialog registers', async () => {
    assert.match(nodeRed?.url ?? '', /\/admin\/$/);
    const answer = await fetch(`${nodeRed?.url}resources/@audience-export/node-red-audience-export/editor.js`);
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /window\.audienceExportEditor = window\.audienceExportEditor \|\|/);

    const editor = await Editor.open(browser as Browser, nodeRed?.url ?? '');
    try {
      const loaded = await editor.page.evaluate(() => {
        const g = globalThis as unknown as { audienceExportEditor?: Record<string, unknown>; RED: { nodes: { getType(type: string): unknown } } };
        const types = ['snapchat-connection', 'snapchat-audience', 'microsoft-ads-connection', 'microsoft-ads-audience', 'criteo-connection', 'criteo-audience'];
        return { helper: Object.keys(g.audienceExportEditor ?? {}).sort(), missing: types.filter((type) => !g.RED.nodes.getType(type)) };
      });
      assert.deepEqual(loaded, { helper: ['approveOnSave', 'connectionPanel', 'exportPanel', 'saveConnection'], missing: [] });
    } finally {
      await editor.page.close();
    }
  });
});
