import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { catalogueFor, keysOf } from '../../scripts/editor/catalogues';
import { passages, slotsOf } from '../../scripts/editor/help';
import { nodeTypesOf } from '../../src/core/platform';
import { connectionEditorDefinition, exportEditorDefinition, keysNeeded } from '../../src/editor/definition';
import { PLATFORMS } from '../../src/platforms';

/*
 * Translations and the keys the code uses.
 *
 * - Every string source (src/editor/locales/<lang>.json, src/platforms/<p>/locales/<lang>.json) exists
 *   in each language with exactly the keys of en-US, no empty text and the same placeholders per key.
 * - Every help source (src/editor/help/<lang>/<role>.md, src/platforms/<p>/help/<lang>.md) exists in
 *   each language with the slots, passages and markdown skeleton of en-US: heading levels,
 *   `: name (type) :` lists, numbered lists, table rows, fenced code, code spans and URLs.
 * - Every key the runtime (src/nodes) and the dialog code (src/editor/browser/dialogs.ts, the built
 *   dist/nodes/audience-export.html) asks for is in the built en-US catalogue; every error code has
 *   its sentence. `node-red:` keys belong to the core and are skipped.
 * - The build (`npm run build`) serves each language: dist/nodes/locales/<lang>/ holds the merged
 *   catalogue and a help page per node type.
 */

const root = path.resolve(__dirname, '../..');
const BASE = 'en-US';
const LANGUAGES = ['fr', 'nb', 'nl'] as const;
const SET = 'audience-export';
const distLocales = path.join(root, 'dist', 'nodes', 'locales');
const relative = (file: string) => path.relative(root, file);

type Catalogue = { [key: string]: unknown };

function isObject(value: unknown): value is Catalogue {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): Catalogue {
  assert.ok(fs.existsSync(file), `${relative(file)} exists`);
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(isObject(value), `${relative(file)} is a JSON object`);
  return value;
}

/** Every leaf of a catalogue by its dotted path. */
function leaves(catalogue: Catalogue, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, value] of Object.entries(catalogue)) {
    const keyPath = prefix + key;
    if (isObject(value)) leaves(value, `${keyPath}.`, into);
    else into.set(keyPath, value);
  }
  return into;
}

/** i18next's `__name__` and the build's `{{platform}}`. */
function placeholders(text: string): string[] {
  return [...new Set(text.match(/__[A-Za-z0-9_]+?__|\{\{\w+\}\}/g) ?? [])].sort();
}

function lookup(catalogue: unknown, keyPath: string): unknown {
  let value = catalogue;
  for (const part of keyPath.split('.')) {
    if (!isObject(value) || !(part in value)) return undefined;
    value = value[part];
  }
  return value;
}

/** i18next's plural suffixes: `key_one`, `key_many`, `key_other`… (picked by the `count` given to `_`). */
const PLURAL_FORM = /_(zero|one|two|few|many|other)$/;

/** A catalogue's leaves with each plural key's forms gathered under its key: the forms each language needs differ. */
function withPluralsGathered(entries: Map<string, unknown>): { keys: Map<string, unknown>; forms: Map<string, Map<string, unknown>> } {
  const keys = new Map<string, unknown>();
  const forms = new Map<string, Map<string, unknown>>();
  for (const [key, value] of entries) {
    const form = PLURAL_FORM.exec(key);
    const base = form ? key.slice(0, form.index) : key;
    if (!form || !entries.has(`${base}_other`)) {
      keys.set(key, value);
      continue;
    }
    keys.set(base, entries.get(`${base}_other`));
    forms.set(base, (forms.get(base) ?? new Map<string, unknown>()).set(form[1], value));
  }
  return { keys, forms };
}

/** The plural forms a language's rules pick from (Intl, as i18next uses them). */
const pluralFormsOf = (lang: string) => [...new Intl.PluralRules(lang).resolvedOptions().pluralCategories].sort();

/** A key the code asks for, or its plural forms. */
const hasKey = (catalogue: unknown, keyPath: string) => typeof lookup(catalogue, keyPath) === 'string' || typeof lookup(catalogue, `${keyPath}_other`) === 'string';

function difference(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((item) => !b.has(item));
}

/** The string sources: the shared one, then each platform's. */
const stringDirs = [path.join(root, 'src', 'editor', 'locales'), ...PLATFORMS.map((platform) => path.join(root, 'src', 'platforms', platform.id, 'locales'))];
/** The help sources of a language: the two templates, then each platform's passages. */
const helpSources = (lang: string) => [
  path.join(root, 'src', 'editor', 'help', lang, 'export.md'),
  path.join(root, 'src', 'editor', 'help', lang, 'connection.md'),
  ...PLATFORMS.map((platform) => path.join(root, 'src', 'platforms', platform.id, 'help', `${lang}.md`)),
];
const builtCatalogue = (lang: string) => readJson(path.join(distLocales, lang, `${SET}.json`));

describe('i18n', () => {
  describe('string sources', () => {
    for (const dir of stringDirs) {
      it(`${relative(dir)}/en-US.json has no empty text`, () => {
        for (const [key, value] of leaves(readJson(path.join(dir, `${BASE}.json`)))) assert.ok(typeof value === 'string' && value.trim() !== '', `${key} is non-empty text`);
      });
      for (const lang of [BASE, ...LANGUAGES]) {
        it(`${relative(dir)}/${lang}.json: the keys of en-US, no empty text, the same placeholders, the plural forms of ${lang}`, () => {
          const base = withPluralsGathered(leaves(readJson(path.join(dir, `${BASE}.json`)))).keys;
          const { keys: ours, forms } = withPluralsGathered(leaves(readJson(path.join(dir, `${lang}.json`))));
          const missing = difference(base.keys(), new Set(ours.keys()));
          const extra = difference(ours.keys(), new Set(base.keys()));
          assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${lang}.json key paths differ from en-US`);
          for (const [key, english] of base) {
            const texts = forms.has(key) ? [...(forms.get(key) as Map<string, unknown>).values()] : [ours.get(key)];
            for (const text of texts) {
              assert.ok(typeof text === 'string' && text.trim() !== '', `${key} is non-empty text`);
              assert.deepEqual(placeholders(text), placeholders(String(english)), `placeholders of ${key}`);
            }
          }
          for (const [key, found] of forms) assert.deepEqual([...found.keys()].sort(), pluralFormsOf(lang), `${lang}: the plural forms of ${key}`);
        });
      }
    }
  });

  describe('help sources', () => {
    /** The parts of a markdown help text that must survive translation unchanged. */
    function skeleton(text: string) {
      const fences = text.match(/^```[\s\S]*?^```$/gm) ?? [];
      const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
      const lines = prose.split('\n');
      const propertyLines = lines.filter((line) => /^:\s.*\)\s*:/.test(line));
      return {
        headings: lines.filter((line) => /^#{1,6}\s/.test(line)).map((line) => line.split(' ')[0]),
        // `: name (type) : description`, Node-RED's message-property lists.
        propertyTypes: propertyLines.map((line) => /\(([^)]*)\)\s*:/.exec(line)?.[1].trim()),
        // Message properties (payload, *topic*…) keep their names; UI labels are translated.
        messageProperties: propertyLines
          .map((line) => /^:\s*(\S+)\s*\(/.exec(line)?.[1] ?? '')
          .filter((name) => /^\*?[a-z][A-Za-z0-9]*\*?$/.test(name)),
        numbered: lines.filter((line) => /^\d+\.\s/.test(line)).map((line) => line.split('.')[0]),
        bullets: lines.filter((line) => /^[-*]\s/.test(line)).length,
        // Tables keep their shape and the code in their first column (field names); headers are translated.
        tableRows: lines.filter((line) => /^\|/.test(line)).map((line) => {
          const first = line.split('|')[1].trim();
          return `${first.includes('`') || /^[-:]+$/.test(first) ? first : '…'} /${line.split('|').length}`;
        }),
        htmlLists: (prose.match(/<dl class="message-properties">|<dt\b|<ol class="node-ports">/g) ?? []).length,
        fences,
        codeSpans: [...new Set(prose.match(/`[^`\n]+`/g) ?? [])].sort(),
        urls: [...new Set((text.match(/https?:\/\/[^\s)`*,<>"']+/g) ?? []).map((url) => url.replace(/[.;:]+$/, '')))].sort(),
      };
    }

    /** A help source's structure: its slots (templates) or passages (platforms), then its markdown skeleton. */
    function structure(file: string) {
      const text = fs.readFileSync(file, 'utf8');
      const isTemplate = file.includes(`${path.sep}editor${path.sep}`);
      return {
        slots: isTemplate ? [...slotsOf(text)] : [],
        passages: isTemplate ? [] : [...passages(text, relative(file)).keys()],
        placeholders: [...new Set(text.match(/\{\{\w+\}\}/g) ?? [])].sort(),
        ...skeleton(text),
      };
    }

    helpSources(BASE).forEach((english, index) => {
      it(`${relative(english)} has sections or passages`, () => {
        const base = structure(english);
        assert.ok(base.slots.length + base.passages.length > 0, 'slots or passages');
      });
      for (const lang of LANGUAGES) {
        const translated = helpSources(lang)[index];
        it(`${relative(translated)} has the structure of en-US`, () => {
          assert.ok(fs.existsSync(translated), `${relative(translated)} exists`);
          const base = structure(english);
          const ours = structure(translated);
          for (const part of Object.keys(base) as (keyof typeof base)[]) assert.deepEqual(ours[part], base[part], `${part} differ from en-US`);
        });
      }
    });
  });

  describe('keys used by the code exist in en-US', () => {
    interface Ref {
      /** Where it was found, for messages. */
      where: string;
      kind: 'key' | 'prefix' | 'unresolved';
      /** A key (`ns:path` or `path`), a key prefix completed at run time, or the call text. */
      text: string;
    }

    function lineOf(source: string, index: number): number {
      return source.slice(0, index).split('\n').length;
    }

    /** Index just after the bracket that closes the one at `open`, skipping strings. */
    function closing(source: string, open: number): number {
      let depth = 0;
      for (let i = open; i < source.length; i++) {
        const c = source[i];
        if (c === '\'' || c === '"' || c === '`') {
          i = endOfString(source, i) - 1;
        } else if (c === '(' || c === '[' || c === '{') {
          depth++;
        } else if (c === ')' || c === ']' || c === '}') {
          depth--;
          if (depth === 0) return i + 1;
        }
      }
      return source.length;
    }

    function endOfString(source: string, start: number): number {
      const quote = source[start];
      for (let i = start + 1; i < source.length; i++) {
        if (source[i] === '\\') i++;
        else if (source[i] === quote) return i + 1;
      }
      return source.length;
    }

    /** Splits at top-level occurrences of `sep` (outside strings and brackets). */
    function splitTop(expr: string, sep: string): string[] {
      const parts: string[] = [];
      let depth = 0;
      let start = 0;
      for (let i = 0; i < expr.length; i++) {
        const c = expr[i];
        if (c === '\'' || c === '"' || c === '`') i = endOfString(expr, i) - 1;
        else if ('([{'.includes(c)) depth++;
        else if (')]}'.includes(c)) depth--;
        else if (depth === 0 && c === sep) {
          parts.push(expr.slice(start, i));
          start = i + 1;
        }
      }
      parts.push(expr.slice(start));
      return parts;
    }

    /** `cond ? a : b` at top level, ignoring `?.` and `??`. */
    function splitTernary(expr: string): [string, string] | undefined {
      let depth = 0;
      let question = -1;
      let nested = 0;
      for (let i = 0; i < expr.length; i++) {
        const c = expr[i];
        if (c === '\'' || c === '"' || c === '`') {
          i = endOfString(expr, i) - 1;
        } else if ('([{'.includes(c)) {
          depth++;
        } else if (')]}'.includes(c)) {
          depth--;
        } else if (depth === 0 && c === '?') {
          if (expr[i + 1] === '.' || expr[i + 1] === '?' || expr[i - 1] === '?') continue;
          if (question === -1) question = i;
          else nested++;
        } else if (depth === 0 && c === ':' && question !== -1) {
          if (nested > 0) nested--;
          else return [expr.slice(question + 1, i), expr.slice(i + 1)];
        }
      }
      return undefined;
    }

    function stringLiteral(expr: string): string | undefined {
      const m = /^\s*(['"`])((?:\\.|(?!\1)[^\\$])*)\1\s*$/.exec(expr);
      return m ? m[2] : undefined;
    }

    /**
     * What an i18n call's key argument can be: literal keys, `'prefix.' + value`, either branch of
     * a ternary, a string constant, or a variable declared before the call (`const key = …`, or a
     * parameter typed as a union of literals).
     */
    function analyse(expr: string, source: string, at: number, where: string, constants: Map<string, string>): Ref[] {
      let e = expr.trim();
      // Template literals with one substitution: `a.${b}` -> 'a.' + b
      e = e.replace(/^`([^`$]*)\$\{\s*([\w.]+)\s*\}`$/, '\'$1\' + $2');
      while (e.startsWith('(') && closing(e, 0) === e.length) e = e.slice(1, -1).trim();
      const ternary = splitTernary(e);
      if (ternary) return ternary.flatMap((branch) => analyse(branch, source, at, where, constants));
      const literal = stringLiteral(e);
      if (literal !== undefined) return [{ where, kind: 'key', text: literal }];
      if (constants.has(e)) return [{ where, kind: 'key', text: constants.get(e) ?? '' }];
      const parts = splitTop(e, '+').map((part) => part.trim());
      if (parts.length > 1) {
        const fixed = parts.map((part) => stringLiteral(part) ?? constants.get(part));
        if (fixed.every((part) => part !== undefined)) return [{ where, kind: 'key', text: fixed.join('') }];
        const last = parts.length - 1;
        if (fixed.slice(0, last).every((part) => part !== undefined) && fixed[last] === undefined && /^[\w.]+$/.test(parts[last])) {
          return [{ where, kind: 'prefix', text: fixed.slice(0, last).join('') }];
        }
      }
      if (/^[A-Za-z_$][\w$]*$/.test(e)) {
        const before = source.slice(0, at);
        const declarations = [
          ...before.matchAll(new RegExp(`\\b(?:const|let|var)\\s+${e}\\s*=\\s*([^;]+);`, 'g')),
          ...before.matchAll(new RegExp(`[(,]\\s*${e}\\s*:\\s*((?:'[^']*'\\s*\\|?\\s*)+)[,)]`, 'g')),
        ].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        const nearest = declarations.pop();
        if (nearest) {
          const declared = nearest[1].trim();
          if (/^'[^']*'(\s*\|\s*'[^']*')+$/.test(declared)) {
            return declared.split('|').map((literal) => ({ where, kind: 'key' as const, text: literal.trim().slice(1, -1) }));
          }
          return analyse(declared, source, nearest.index ?? 0, where, constants);
        }
      }
      return [{ where, kind: 'unresolved', text: expr.trim() }];
    }

    /** Arguments of every call matched by `callee` (a global regex ending just before `(`), with its position. */
    function calls(source: string, callee: RegExp): { at: number; arg: string; definition: boolean }[] {
      const found: { at: number; arg: string; definition: boolean }[] = [];
      for (const m of source.matchAll(callee)) {
        const open = (m.index ?? 0) + m[0].length;
        if (source[open] !== '(') continue;
        const end = closing(source, open);
        const after = source.slice(end).trimStart();
        const before = source.slice(0, m.index);
        const definition = after.startsWith('{') || /^:\s*[\w<>[\]| ,]+\{/.test(after) || /(?:function|private|public|protected|static)\s+$/.test(before);
        found.push({ at: m.index ?? 0, arg: splitTop(source.slice(open + 1, end - 1), ',')[0], definition });
      }
      return found;
    }

    /**
     * Every i18n reference in a source file: `x._(…)` calls, and calls of one-line helpers such as
     * `function t(key) { return RED._(NS + ':type.' + key); }`, whose keys get the helper's prefix.
     */
    function references(source: string, file: string): Ref[] {
      const constants = new Map<string, string>();
      for (const m of source.matchAll(/\b(?:const|var|let)\s+([A-Za-z_$][\w$]*)\s*=\s*'([^'\\]*)'\s*;/g)) constants.set(m[1], m[2]);
      const refs: Ref[] = [];
      const helpers: { name: string; prefix: string }[] = [];
      for (const call of calls(source, /\._/g)) {
        const where = `${file}:${lineOf(source, call.at)}`;
        const found = analyse(call.arg, source, call.at, where, constants);
        const param = /^\s*(?:[\w.'":/@-]+\s*\+\s*)*([A-Za-z_$][\w$]*)\s*$/.exec(call.arg.replace(/^`([^`$]*)\$\{\s*(\w+)\s*\}`$/, '\'$1\' + $2'))?.[1];
        const enclosing = param
          ? new RegExp(`(?:function\\s+|(?:private|public|protected|static)\\s+)?([A-Za-z_$][\\w$]*)\\s*\\(\\s*${param}\\b[^)]*\\)\\s*(?::\\s*[^{]*)?\\{\\s*return\\s+[\\w.]*$`).exec(source.slice(0, call.at))
          : null;
        if (found.length === 1 && found[0].kind === 'prefix' && enclosing) {
          helpers.push({ name: enclosing[1], prefix: found[0].text });
          continue;
        }
        refs.push(...found);
      }
      for (const helper of helpers) {
        for (const call of calls(source, new RegExp(`(?:(?<![\\w$.])|(?<=\\bthis\\.))${helper.name}(?=\\()`, 'g'))) {
          if (call.definition) continue;
          const where = `${file}:${lineOf(source, call.at)}`;
          for (const ref of analyse(call.arg, source, call.at, where, constants)) {
            refs.push(ref.kind === 'unresolved' ? ref : { ...ref, text: helper.prefix + ref.text });
          }
        }
      }
      for (const m of source.matchAll(/data-i18n="([^"]*)"/g)) {
        const where = `${file}:${lineOf(source, m.index ?? 0)}`;
        for (const entry of m[1].split(';')) {
          const key = entry.trim().replace(/^\[[^\]]*\]/, '');
          if (key !== '') refs.push({ where, kind: 'key', text: key });
        }
      }
      return refs;
    }

    /** Problems with references, looked up in the built en-US catalogue (the node set's namespace). */
    function check(refs: Ref[]): string[] {
      const catalogue = builtCatalogue(BASE);
      const problems: string[] = [];
      for (const ref of refs) {
        if (ref.kind === 'unresolved') {
          problems.push(`${ref.where}: cannot tell which key ${ref.text} is; use a literal key or a 'prefix.' + value`);
          continue;
        }
        const colon = ref.text.indexOf(':');
        const namespace = colon === -1 ? undefined : ref.text.slice(0, colon);
        const keyPath = colon === -1 ? ref.text : ref.text.slice(colon + 1);
        if (namespace !== undefined && /^node-red(\/|$)/.test(namespace)) continue;
        if (namespace !== undefined && namespace.split('/').pop() !== SET) {
          problems.push(`${ref.where}: ${ref.text} names an unknown namespace`);
          continue;
        }
        if (ref.kind === 'key') {
          if (!hasKey(catalogue, keyPath)) problems.push(`${ref.where}: ${ref.text} is missing from the en-US catalogue`);
          continue;
        }
        const group = lookup(catalogue, keyPath.replace(/\.$/, ''));
        if (!isObject(group) || Object.keys(group).length === 0) problems.push(`${ref.where}: no keys under ${ref.text}… in the en-US catalogue`);
      }
      return problems;
    }

    it('src/nodes: the runtime\'s statuses, warnings and errors', () => {
      const problems: string[] = [];
      const statusKeys = new Set<string>();
      const dir = path.join(root, 'src', 'nodes');
      for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
        const refs = references(fs.readFileSync(path.join(dir, file), 'utf8'), `src/nodes/${file}`);
        for (const ref of refs) if (ref.text.startsWith('audience-export.status.')) statusKeys.add(ref.text);
        problems.push(...check(refs));
      }
      assert.ok(statusKeys.has('audience-export.status.failure.'), 'found the failure words (status.failure.<code>)');
      // The extractor found what status.ts sets (a guard against it silently finding nothing).
      for (const key of ['receiving', 'preparing', 'busy', 'progress', 'progressQueued', 'rateLimited', 'retrying', 'completed', 'dryRun', 'partial']) {
        assert.ok(statusKeys.has(`audience-export.status.${key}`), `found audience-export.status.${key} in src/nodes`);
      }
      assert.deepEqual(problems, []);
    });

    it('every error code has its sentence in every language', () => {
      const codes = [...fs.readFileSync(path.join(root, 'src', 'core', 'errors.ts'), 'utf8').matchAll(/^\s*\| '([a-z_]+)'/gm)].map((m) => m[1]);
      assert.ok(codes.includes('removal_guard') && codes.length > 15, `read the ErrorCode union: ${codes.join(', ')}`);
      for (const lang of [BASE, ...LANGUAGES]) {
        const missing = codes.filter((code) => !hasKey(builtCatalogue(lang), `${SET}.errors.${code}`));
        assert.deepEqual(missing, [], `${lang}: errors without a sentence`);
      }
    });

    it('dist/nodes/audience-export.html: every data-i18n and this._() key', () => {
      const file = path.join(root, 'dist', 'nodes', `${SET}.html`);
      const refs = references(fs.readFileSync(file, 'utf8'), relative(file));
      for (const platform of PLATFORMS) assert.ok(refs.some((ref) => ref.text.startsWith(`${nodeTypesOf(platform).export}.label.`)), `found the keys of ${platform.id}`);
      assert.deepEqual(check(refs), []);
    });

    it('src/editor/browser/dialogs.ts: its literal keys, and its per-type keys are among those the build checks', () => {
      const file = path.join(root, 'src', 'editor', 'browser', 'dialogs.ts');
      const source = fs.readFileSync(file, 'utf8');
      const perType = [...source.matchAll(/_\(`\$\{(?:node\.type|type)\}\.([^`]+)`/g)].map((m) => m[1]);
      assert.ok(perType.length >= 5, `found the per-type keys: ${perType.join(', ')}`);
      const needed = PLATFORMS.flatMap((platform) => [connectionEditorDefinition(platform), exportEditorDefinition(platform)].flatMap(keysNeeded));
      for (const template of perType) {
        // `tip.${field.name}.${value}` → tip.<something>.<something>
        const pattern = new RegExp(`\\.${template.replace(/[.]/g, '\\.').replace(/\$\{[^}]*\}/g, '[^.]+')}$`);
        assert.ok(needed.some((key) => pattern.test(key)), `browser.ts asks for <type>.${template}, which keysNeeded() does not list`);
      }
      const literal = references(source.replace(/_\(`\$\{[^`]*`/g, '_(\'\''), relative(file)).filter((ref) => ref.kind !== 'unresolved' || !ref.text.includes('${'));
      assert.deepEqual(check(literal.filter((ref) => ref.text !== '')), []);
    });
  });

  describe('the sidebar', () => {
    it('src/editor/browser/sidebar.ts: every key it asks for is in the en-US catalogue under audience-export', () => {
      const source = fs.readFileSync(path.join(root, 'src', 'editor', 'browser', 'sidebar.ts'), 'utf8');
      const catalogue = builtCatalogue(BASE);
      const literal = [...source.matchAll(/\bt\('([\w.]+)'/g)].map((m) => m[1]);
      const prefixes = [...source.matchAll(/\bt\(`([\w.]+)\$\{/g)].map((m) => m[1]);
      const ternaries = [...source.matchAll(/'((?:status|sidebar)\.[\w.]+)'/g)].map((m) => m[1]);
      assert.ok(literal.length >= 8 && prefixes.length >= 1, `found the sidebar's keys: ${literal.join(', ')}`);
      const missing = [...literal, ...ternaries].filter((key) => typeof lookup(catalogue, `${SET}.${key}`) !== 'string');
      const emptyGroups = prefixes.filter((prefix) => !isObject(lookup(catalogue, `${SET}.${prefix.replace(/\.$/, '')}`)));
      assert.deepEqual({ missing, emptyGroups }, { missing: [], emptyGroups: [] });
    });

    it('every status reads in at most 20 characters, in every language (numbers as a run would have them)', () => {
      const sample: Record<string, string> = { parts: '1,234', sent: '499', total: '500', queued: '1', seconds: '60', added: '1,234', removed: '56', failed: '3' };
      const long: string[] = [];
      for (const lang of [BASE, ...LANGUAGES]) {
        const statuses = lookup(builtCatalogue(lang), `${SET}.status`);
        assert.ok(isObject(statuses));
        for (const [key, text] of leaves(statuses)) {
          const shown = String(text).replace(/__(\w+)__/g, (_whole, name: string) => sample[name] ?? '9');
          if (shown.length > 20) long.push(`${lang} ${key}: "${shown}" (${shown.length})`);
        }
      }
      assert.deepEqual(long, []);
    });

    it('every error code has its words on the node (status.failure.<code>) in every language', () => {
      const codes = [...fs.readFileSync(path.join(root, 'src', 'core', 'errors.ts'), 'utf8').matchAll(/^\s*\| '([a-z_]+)'/gm)].map((m) => m[1]);
      for (const lang of [BASE, ...LANGUAGES]) {
        assert.deepEqual(codes.filter((code) => typeof lookup(builtCatalogue(lang), `${SET}.status.failure.${code}`) !== 'string'), [], lang);
      }
    });
  });

  describe('the build serves every language', () => {
    for (const lang of [BASE, ...LANGUAGES]) {
      it(`dist/nodes/locales/${lang}/: the merged catalogue with every dialog string, and a help page per node type`, () => {
        const built = builtCatalogue(lang);
        const sources = {
          shared: readJson(path.join(root, 'src', 'editor', 'locales', `${lang}.json`)),
          platforms: new Map(PLATFORMS.map((platform) => [platform.id, readJson(path.join(root, 'src', 'platforms', platform.id, 'locales', `${lang}.json`))])),
        } as Parameters<typeof catalogueFor>[1];
        assert.deepEqual(built, catalogueFor(PLATFORMS, sources), 'stale: run npm run build');
        const keys = new Set(keysOf(built as Parameters<typeof keysOf>[0]));
        const needed = PLATFORMS.flatMap((platform) => [connectionEditorDefinition(platform), exportEditorDefinition(platform)].flatMap(keysNeeded));
        assert.deepEqual(needed.filter((key) => !keys.has(key)), []);
        const help = fs.readFileSync(path.join(distLocales, lang, `${SET}.html`), 'utf8');
        const pages = [...help.matchAll(/<script type="text\/markdown" data-help-name="([^"]+)">\n([\s\S]*?)\n<\/script>/g)];
        assert.deepEqual(pages.map((m) => m[1]).sort(), PLATFORMS.flatMap((platform) => Object.values(nodeTypesOf(platform))).sort());
        for (const [, type, page] of pages) {
          assert.doesNotMatch(page, /\{\{/, `${type}: an unfilled placeholder`);
          assert.match(page, /^### /m, `${type}: has sections`);
        }
      });
    }
  });
});
