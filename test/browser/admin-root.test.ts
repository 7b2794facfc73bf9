import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { nodeTypesOf } from '../../src/core/platform';
import { PLATFORMS } from '../../src/platforms';
import { Editor, launchChromium, type NodeRed, nodeRedVersion, startNodeRed } from './harness';

/**
 * The dialog code (resources/editor.js, built from src/editor/browser/dialogs.ts) is included by the built
 * dist/nodes/audience-export.html with a relative `<script src="resources/…">`: the editor prefixes it
 * with its admin root, so it must load (and the dialogs work) when Node-RED runs the editor under a
 * non-root `httpAdminRoot`.
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
    assert.match(await answer.text(), /win\.audienceExportEditor = editor;/);

    const editor = await Editor.open(browser as Browser, nodeRed?.url ?? '');
    try {
      const loaded = await editor.page.evaluate((types) => {
        const g = globalThis as unknown as { audienceExportEditor?: Record<string, unknown>; RED: { nodes: { getType(type: string): unknown } } };
        return { helper: Object.keys(g.audienceExportEditor ?? {}).sort(), missing: types.filter((type) => !g.RED.nodes.getType(type)) };
      }, PLATFORMS.flatMap((platform) => Object.values(nodeTypesOf(platform))));
      assert.deepEqual(loaded, {
        helper: ['define', 'exportLabel', 'installSidebar', 'namespace', 'prepareConnection', 'prepareExport', 'saveConnection', 'saveExport', 'validator'],
        missing: [],
      });
    } finally {
      await editor.page.close();
    }
  });
});
