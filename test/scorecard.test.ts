import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeTypesOf } from '../src/core/platform';
import { PLATFORMS } from '../src/platforms';

/**
 * The Flow Library's scorecard: `node-red-dev validate` on the built package (it reads each
 * `node-red.nodes` entry's .html beside its .js, so it needs `npm run build` first).
 * catalogue.nodered.org is unreachable here, so test/fixtures/catalogue-stub.js answers node-red-dev's
 * two catalogue requests (P08, N01) with a small fake catalogue; the registry checks (P06, P07, D02,
 * D03) ask registry.npmjs.org for real.
 */
const root = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json') as { name: string; keywords: string[]; 'node-red': { nodes: Record<string, string> } };
const devCli = path.join(path.dirname(require.resolve('node-red-dev/package.json')), 'bin', 'run');
const stub = path.join(__dirname, 'fixtures', 'catalogue-stub.js');
const FLOW_TYPES = PLATFORMS.map((platform) => nodeTypesOf(platform).export);

interface Check {
  test: boolean;
  [detail: string]: unknown;
}
type Scorecard = { package: { name: string; version: string } } & Record<string, Check>;

interface CatalogueModule {
  id: string;
  version: string;
  types: string[];
}

/** Runs the validator with `modules` as the catalogue; the scorecard, its output and the stubbed URLs. */
async function validate(modules: CatalogueModule[]): Promise<{ scorecard: Scorecard; output: string; stubbed: string[] }> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-scorecard-'));
  const catalogue = path.join(work, 'catalogue.json');
  const log = path.join(work, 'stub.log');
  const out = path.join(work, 'scorecard.json');
  await fs.writeFile(catalogue, JSON.stringify({ name: 'fake catalogue', updated_at: '2026-11-01T00:00:00.000Z', modules }));
  await fs.writeFile(log, '');
  const output = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-r', stub, devCli, 'validate', '-o', out],
      { cwd: root, env: { ...process.env, CATALOGUE_STUB_FILE: catalogue, CATALOGUE_STUB_LOG: log }, timeout: 90_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`node-red-dev validate failed: ${err.message}\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`)),
    );
    child.stdin?.end();
  });
  assert.ok(existsSync(out), `node-red-dev wrote no scorecard:\n${output}`);
  const scorecard = JSON.parse(await fs.readFile(out, 'utf8')) as Scorecard;
  const stubbed = (await fs.readFile(log, 'utf8')).split('\n').filter(Boolean);
  await fs.rm(work, { recursive: true, force: true });
  return { scorecard, output, stubbed };
}

const otherModule: CatalogueModule = { id: 'node-red-contrib-facebook-audiences', version: '1.2.0', types: ['facebook-custom-audience', 'facebook-config'] };

describe('node-red-dev scorecard', function () {
  this.timeout(120_000);

  before(() => {
    for (const entry of Object.values(pkg['node-red'].nodes)) {
      const html = path.join(root, entry.replace(/\.js$/, '.html'));
      assert.ok(existsSync(path.join(root, entry)) && existsSync(html), `${entry} and its .html must be built (npm run build)`);
    }
  });

  it('passes every check', async () => {
    // The catalogue also lists this package itself (a published version): its own types are no duplicates.
    const { scorecard, output, stubbed } = await validate([otherModule, { id: pkg.name, version: '0.0.9', types: ['snapchat-audience', 'snapchat-connection'] }]);
    assert.deepEqual(stubbed, ['https://catalogue.nodered.org/catalogue.json', 'https://catalogue.nodered.org/catalogue.json'], 'P08 and N01 each read the catalogue');
    assert.equal(scorecard.package.name, pkg.name);
    for (const id of ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02', 'D03']) {
      assert.equal(scorecard[id]?.test, true, `${id} failed: ${JSON.stringify(scorecard[id])}\n${output}`);
    }
    // N02 only means something if every .html parsed: it lists the flow node types it found in examples/.
    assert.deepEqual([...(scorecard.N02.nodes as string[])].sort(), [...FLOW_TYPES].sort());
    // P04 and P05 can record `test: true` after a warning (node-red-dev bugs): the log must hold none.
    assert.doesNotMatch(output, /Warning|Unable to parse|Error/, output);
    assert.match(output, /Node-RED Keyword Found/);
    assert.ok(pkg.keywords.includes('node-red'));
  });

  it('flags a node type another catalogue module already uses (N01 does read our .html)', async () => {
    const { scorecard } = await validate([otherModule, { id: 'node-red-contrib-snapchat-thing', version: '1.0.0', types: ['snapchat-audience'] }]);
    assert.deepEqual(scorecard.N01, { test: false, nodes: ['node-red-contrib-snapchat-thing'] });
  });
});
