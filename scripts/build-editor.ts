/**
 * `npm run build`'s second step (after tsc): the editor side of the node set, from the platform
 * definitions and the string and help sources, into the places Node-RED reads them from:
 *
 *   src/editor/browser/*.ts                      -> resources/editor.js (served as resources/<module>/editor.js)
 *   definitions (dialogs.ts)                     -> dist/nodes/audience-export.html
 *   src/editor/locales + src/platforms/<p>/locales -> dist/nodes/locales/<lang>/audience-export.json
 *   src/editor/help + src/platforms/<p>/help       -> dist/nodes/locales/<lang>/audience-export.html
 *   src/platforms/<p>/<icon>                     -> dist/nodes/icons/<icon>
 *
 * What it writes is removed first, so nothing stale lingers. Any missing string or passage fails the build.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { nodeTypesOf } from '../src/core/platform';
import { connectionEditorDefinition, exportEditorDefinition, keysNeeded } from '../src/editor/definition';
import { PLATFORMS } from '../src/platforms';
import { type Catalogue, catalogueFor, keysOf } from './editor/catalogues';
import { editorHtml } from './editor/dialogs';
import { helpPage, passages, type Role } from './editor/help';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'nodes');
const SET = 'audience-export';
export const LANGUAGES = ['en-US', 'fr', 'nb', 'nl'] as const;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };

const readJson = (file: string): Catalogue => JSON.parse(fs.readFileSync(file, 'utf8')) as Catalogue;
const platformDir = (id: string) => path.join(ROOT, 'src', 'platforms', id);

function write(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** The browser code, in this order: the dialogs (they define window.audienceExportEditor), then the sidebar. */
const BROWSER_FILES = ['dialogs.ts', 'sidebar.ts'];

/** The browser code: type-checked by tsconfig.editor.json, emitted here as one plain script (its imports are types only). */
function buildBrowserScript(): void {
  const dir = path.join(ROOT, 'src', 'editor', 'browser');
  const present = fs.readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'));
  const unlisted = present.filter((name) => !BROWSER_FILES.includes(name));
  if (unlisted.length > 0) throw new Error(`src/editor/browser: add ${unlisted.join(', ')} to BROWSER_FILES`);
  const parts = BROWSER_FILES.map((name) => {
    const source = fs.readFileSync(path.join(dir, name), 'utf8');
    const { outputText, diagnostics } = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2019, module: ts.ModuleKind.Preserve }, reportDiagnostics: true });
    if (diagnostics && diagnostics.length > 0) throw new Error(`${name}: ${diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
    if (/^\s*(import|export)\b/m.test(outputText)) throw new Error(`${name} must import types only: the editor loads it as a plain script`);
    return `// ${name}\n${outputText}`;
  });
  write(path.join(ROOT, 'resources', 'editor.js'), parts.join('\n'));
}

function catalogue(language: string): Catalogue {
  const platforms = new Map(PLATFORMS.map((platform) => [platform.id, readJson(path.join(platformDir(platform.id), 'locales', `${language}.json`))]));
  return catalogueFor(PLATFORMS, { shared: readJson(path.join(ROOT, 'src', 'editor', 'locales', `${language}.json`)), platforms });
}

function help(language: string, strings: Catalogue): string {
  const template = (role: Role) => fs.readFileSync(path.join(ROOT, 'src', 'editor', 'help', language, `${role}.md`), 'utf8');
  const label = (type: string) => String((strings[type] as Catalogue).paletteLabel);
  const pages: string[] = [];
  for (const platform of PLATFORMS) {
    const file = path.join(platformDir(platform.id), 'help', `${language}.md`);
    const own = passages(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file));
    const types = nodeTypesOf(platform);
    const context = { language, platform, exportLabel: label(types.export), connectionLabel: label(types.connection) };
    for (const role of ['connection', 'export'] as const) {
      const type = role === 'export' ? types.export : types.connection;
      pages.push(`<script type="text/markdown" data-help-name="${type}">\n${helpPage(role, template(role), own, context, path.relative(ROOT, file))}\n</script>`);
    }
  }
  return `${pages.join('\n\n')}\n`;
}

function main(): void {
  for (const stale of [path.join(OUT, 'locales'), path.join(OUT, 'icons'), path.join(OUT, `${SET}.html`)]) fs.rmSync(stale, { recursive: true, force: true });
  buildBrowserScript();
  const catalogues = new Map(LANGUAGES.map((language) => [language, catalogue(language)]));
  const known = new Set(keysOf(catalogues.get('en-US') as Catalogue));
  for (const [language, strings] of catalogues) {
    const has = new Set(keysOf(strings));
    const missing = PLATFORMS.flatMap((platform) => [connectionEditorDefinition(platform), exportEditorDefinition(platform)]).flatMap(keysNeeded).filter((key) => !has.has(key));
    if (missing.length > 0) throw new Error(`${language}: the dialogs need strings the catalogues lack: ${missing.join(', ')}`);
    write(path.join(OUT, 'locales', language, `${SET}.json`), `${JSON.stringify(strings, null, 2)}\n`);
    write(path.join(OUT, 'locales', language, `${SET}.html`), help(language, strings));
  }
  write(path.join(OUT, `${SET}.html`), editorHtml(PLATFORMS, { resource: `resources/${pkg.name}/editor.js`, namespace: `${pkg.name}/${SET}`, has: (key) => known.has(key) }));
  for (const platform of PLATFORMS) {
    fs.mkdirSync(path.join(OUT, 'icons'), { recursive: true });
    fs.copyFileSync(path.join(platformDir(platform.id), 'icon.svg'), path.join(OUT, 'icons', platform.icon));
  }
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`build-editor: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
