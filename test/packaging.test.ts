import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeTypesOf } from '../src/core/platform';
import { PLATFORMS } from '../src/platforms';

const root = path.resolve(__dirname, '..');
const runtimePath = path.dirname(require.resolve(path.join(process.env.NODE_RED_PATH ?? 'node-red', 'package.json')));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require('../package.json') as { name: string };

describe('the packed package', function () {
  this.timeout(180_000);

  it('installs from `npm pack` into a fresh Node-RED user directory and registers every node type', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'ax-pack-'));
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
    const userDir = path.join(work, 'user');
    await fs.mkdir(userDir);
    await fs.writeFile(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', path.join(work, tarball)], { cwd: userDir, stdio: 'pipe' });

    const listing = execFileSync(process.execPath, [path.join(__dirname, 'fixtures/list-node-types.js'), runtimePath, userDir], { encoding: 'utf8' });
    const modules = JSON.parse(listing) as Record<string, { types: string[]; errors: string[] }>;
    const ours = modules[pkg.name];
    assert.ok(ours, `module ${pkg.name} loaded: ${Object.keys(modules).join(', ')}`);
    assert.deepEqual(ours.errors, []);
    assert.deepEqual([...ours.types].sort(), PLATFORMS.flatMap((platform) => Object.values(nodeTypesOf(platform))).sort());

    // Only what a user needs is packed: no sources, tests or demo state.
    const files = execFileSync('tar', ['-tzf', path.join(work, tarball)], { encoding: 'utf8' }).split('\n');
    for (const built of ['dist/nodes/audience-export.js', 'dist/nodes/audience-export.html', 'dist/nodes/locales/fr/audience-export.json', 'dist/nodes/locales/nl/audience-export.html']) {
      assert.ok(files.includes(`package/${built}`), built);
    }
    for (const platform of PLATFORMS) assert.ok(files.includes(`package/dist/nodes/icons/${platform.icon}`), platform.icon);
    assert.ok(files.includes('package/resources/editor.js'), 'the dialog code the .html file loads from resources/');
    assert.ok(!files.some((f) => /package\/(src|test|scripts|\.demo)\//.test(f)), 'no sources, tests, scripts or demo state');
  });
});
