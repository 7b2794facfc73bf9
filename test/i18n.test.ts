import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/*
 * Translations and the keys the code uses.
 *
 * - Every catalogue (`nodes/locales/en-US/*.json`) exists in each translated language with exactly
 *   the same key paths, no empty text and the same `__placeholders__` per key.
 * - Every help file (`nodes/locales/en-US/*.html`) exists in each language with the same
 *   `data-help-name` and the same markdown skeleton: heading levels, `: name (type) :` property
 *   lists, numbered lists, table rows, fenced code, code spans and URLs.
 * - Every key the editor (`nodes/*.html`) and the runtime (`src/nodes/*.ts`) asks for exists in
 *   en-US, looked up the way Node-RED does: in the node set's catalogue, into which
 *   scripts/copy-assets.js merges common.json. `node-red:` keys belong to the core and are skipped.
 * - The build (`npm run build`) serves the translations: dist/nodes/locales/<lang>/ holds the merged
 *   catalogues and the help.
 */

const root = path.resolve(__dirname, '..');
const editorDir = path.join(root, 'nodes');
const localesDir = path.join(editorDir, 'locales');
const runtimeDir = path.join(root, 'src', 'nodes');
const distLocalesDir = path.join(root, 'dist', 'nodes', 'locales');
const BASE = 'en-US';
const LANGUAGES = ['fr', 'nb', 'nl'] as const;
const COMMON = 'common.json';

type Catalogue = { [key: string]: unknown };

function isObject(value: unknown): value is Catalogue {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(file: string): Catalogue {
  const value: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.ok(isObject(value), `${path.relative(root, file)} is a JSON object`);
  return value;
}

function listFiles(dir: string, ext: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith(ext)).sort();
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

function placeholders(text: string): string[] {
  return [...new Set(text.match(/__[A-Za-z0-9_]+?__/g) ?? [])].sort();
}

/** The same merge as scripts/copy-assets.js: the node's own catalogue wins over common.json. */
function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const result: Catalogue = { ...base };
  for (const key of Object.keys(over)) result[key] = key in base ? merge(base[key], over[key]) : over[key];
  return result;
}

function lookup(catalogue: unknown, keyPath: string): unknown {
  let value = catalogue;
  for (const part of keyPath.split('.')) {
    if (!isObject(value) || !(part in value)) return undefined;
    value = value[part];
  }
  return value;
}

function difference(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((item) => !b.has(item));
}

const catalogueFiles = listFiles(path.join(localesDir, BASE), '.json');
const helpFiles = listFiles(path.join(localesDir, BASE), '.html');
const editorFiles = listFiles(editorDir, '.html');
const nodeTypes = editorFiles.map((name) => name.slice(0, -'.html'.length));

/** What Node-RED serves for a node set in a language: common.json merged under the set's own catalogue. */
function servedCatalogue(lang: string, type: string): Catalogue {
  const dir = path.join(localesDir, lang);
  const common = fs.existsSync(path.join(dir, COMMON)) ? readJson(path.join(dir, COMMON)) : {};
  const own = fs.existsSync(path.join(dir, `${type}.json`)) ? readJson(path.join(dir, `${type}.json`)) : {};
  return merge(common, own) as Catalogue;
}

describe('i18n', () => {
  describe('catalogues', () => {
    it('en-US has catalogues and help to compare with, and no empty text', () => {
      assert.ok(catalogueFiles.includes(COMMON), 'en-US/common.json');
      assert.ok(catalogueFiles.length > 1 && helpFiles.length > 0);
      for (const file of catalogueFiles) {
        for (const [key, value] of leaves(readJson(path.join(localesDir, BASE, file)))) {
          assert.ok(typeof value === 'string' && value.trim() !== '', `en-US/${file}: ${key} is non-empty text`);
        }
      }
    });

    for (const lang of LANGUAGES) {
      it(`${lang}/ holds the same files as en-US`, () => {
        const dir = path.join(localesDir, lang);
        assert.ok(fs.existsSync(dir), `nodes/locales/${lang}/ exists`);
        assert.deepEqual(listFiles(dir, '.json'), catalogueFiles, `catalogues in ${lang}/`);
        assert.deepEqual(listFiles(dir, '.html'), helpFiles, `help files in ${lang}/`);
      });

      for (const file of catalogueFiles) {
        it(`${lang}/${file}: same keys as en-US, no empty text, same placeholders`, () => {
          const translated = path.join(localesDir, lang, file);
          assert.ok(fs.existsSync(translated), `nodes/locales/${lang}/${file} exists`);
          const base = leaves(readJson(path.join(localesDir, BASE, file)));
          const ours = leaves(readJson(translated));
          const missing = difference(base.keys(), new Set(ours.keys()));
          const extra = difference(ours.keys(), new Set(base.keys()));
          assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${lang}/${file} key paths differ from en-US`);
          for (const [key, english] of base) {
            const text = ours.get(key);
            assert.ok(typeof text === 'string' && text.trim() !== '', `${lang}/${file}: ${key} is non-empty text`);
            assert.deepEqual(placeholders(text), placeholders(String(english)), `${lang}/${file}: placeholders of ${key}`);
          }
        });
      }
    }
  });

  describe('help', () => {
    /** The parts of a markdown help text that must survive translation unchanged. */
    function skeleton(text: string) {
      const fences = text.match(/^```[\s\S]*?^```$/gm) ?? [];
      const prose = text.replace(/^```[\s\S]*?^```$/gm, '');
      const lines = prose.split('\n');
      const propertyLines = lines.filter((line) => /^:\s.*\)\s*:/.test(line));
      return {
        opening: lines[0],
        closing: lines.filter((line) => line.trim() !== '').pop(),
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

    for (const file of helpFiles) {
      const type = file.slice(0, -'.html'.length);

      it(`en-US/${file} is the help of ${type}`, () => {
        const help = skeleton(fs.readFileSync(path.join(localesDir, BASE, file), 'utf8'));
        assert.match(help.opening ?? '', new RegExp(`^<script type="text/(markdown|html)" data-help-name="${type}">$`));
        assert.equal(help.closing, '</script>');
        assert.ok(help.headings.length > 0, 'has sections');
      });

      for (const lang of LANGUAGES) {
        it(`${lang}/${file} has the structure of en-US/${file}`, () => {
          const translated = path.join(localesDir, lang, file);
          assert.ok(fs.existsSync(translated), `nodes/locales/${lang}/${file} exists`);
          const base = skeleton(fs.readFileSync(path.join(localesDir, BASE, file), 'utf8'));
          const ours = skeleton(fs.readFileSync(translated, 'utf8'));
          for (const part of Object.keys(base) as (keyof typeof base)[]) {
            assert.deepEqual(ours[part], base[part], `${lang}/${file}: ${part} differ from en-US`);
          }
        });
      }
    }
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

    /** Values a dynamic key may end with: the options of the editor's select of that name. */
    function selectOptions(source: string, name: string): string[] {
      const select = new RegExp(`<select[^>]*id="node-(?:config-)?input-${name}"[^>]*>([\\s\\S]*?)</select>`).exec(source);
      return select ? [...select[1].matchAll(/<option[^>]*value="([^"]*)"/g)].map((m) => m[1]) : [];
    }

    /**
     * Checks references against the served en-US catalogues. A key without a namespace resolves in
     * `defaults` (the file's own node set; for shared runtime modules, every node set).
     */
    function check(refs: Ref[], defaults: string[], source: string): string[] {
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
        const sets = namespace === undefined ? defaults : [namespace.split('/').pop() ?? namespace];
        for (const set of sets) {
          if (!nodeTypes.includes(set)) {
            problems.push(`${ref.where}: ${ref.text} names an unknown node set ${set}`);
            continue;
          }
          const catalogue = servedCatalogue(BASE, set);
          if (ref.kind === 'key') {
            if (typeof lookup(catalogue, keyPath) !== 'string') problems.push(`${ref.where}: ${ref.text} is missing from en-US/${set}.json (or common.json)`);
            continue;
          }
          const group = lookup(catalogue, keyPath.replace(/\.$/, ''));
          if (!isObject(group) || Object.keys(group).length === 0) {
            problems.push(`${ref.where}: no keys under ${ref.text}… in en-US/${set}.json (or common.json)`);
            continue;
          }
          const name = keyPath.replace(/\.$/, '').split('.').pop() ?? '';
          for (const option of selectOptions(source, name)) {
            if (typeof group[option] !== 'string') problems.push(`${ref.where}: ${ref.text}${option} (an option of ${name}) is missing from en-US/${set}.json`);
          }
        }
      }
      return problems;
    }

    for (const file of editorFiles) {
      const type = file.slice(0, -'.html'.length);
      it(`nodes/${file}`, () => {
        const source = fs.readFileSync(path.join(editorDir, file), 'utf8');
        const refs = references(source, `nodes/${file}`);
        assert.ok(refs.some((ref) => ref.text.startsWith(`${type}.`)), `found the keys of ${type}`);
        assert.deepEqual(check(refs, [type], source), []);
      });
    }

    it('src/nodes (runtime statuses, incl. status.ts and export-node.ts)', () => {
      const problems: string[] = [];
      const statusKeys = new Set<string>();
      for (const file of listFiles(runtimeDir, '.ts')) {
        const source = fs.readFileSync(path.join(runtimeDir, file), 'utf8');
        const refs = references(source, `src/nodes/${file}`);
        for (const ref of refs) if (ref.text.startsWith('audience-export.status.')) statusKeys.add(ref.text);
        const type = file.slice(0, -'.ts'.length);
        problems.push(...check(refs, nodeTypes.includes(type) ? [type] : nodeTypes, source));
      }
      // The extractor found what status.ts sets (a guard against it silently finding nothing).
      for (const key of ['gathering', 'preparing', 'progress', 'completed', 'failed', 'reauthenticate', 'tooLarge']) {
        assert.ok(statusKeys.has(`audience-export.status.${key}`), `found audience-export.status.${key} in src/nodes`);
      }
      assert.deepEqual(problems, []);
    });
  });

  describe('the build serves every language', () => {
    // One node set per language is enough to see that copy-assets handles each language directory.
    const samples: Record<(typeof LANGUAGES)[number], string> = {
      fr: 'snapchat-audience',
      nb: 'microsoft-ads-audience',
      nl: 'criteo-connection',
    };
    for (const lang of LANGUAGES) {
      const type = samples[lang];
      it(`dist/nodes/locales/${lang}/${type}.json is the merged catalogue, beside its help`, () => {
        const dir = path.join(distLocalesDir, lang);
        assert.ok(fs.existsSync(dir), `${path.relative(root, dir)} exists (run npm run build first)`);
        const built = readJson(path.join(dir, `${type}.json`));
        assert.deepEqual(built, servedCatalogue(lang, type), `dist/nodes/locales/${lang}/${type}.json is stale or not merged: run npm run build`);
        assert.equal(typeof lookup(built, 'audience-export.status.completed'), 'string', 'common.json is merged in');
        assert.equal(typeof lookup(built, `${type}.paletteLabel`), 'string', 'the node keys are there');
        assert.equal(
          fs.readFileSync(path.join(dir, `${type}.html`), 'utf8'),
          fs.readFileSync(path.join(localesDir, lang, `${type}.html`), 'utf8'),
        );
      });
    }
  });
});
