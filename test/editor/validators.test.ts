import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { exportFields } from '../../src/core/export-fields';
import { fieldSchema } from '../../src/core/fields';
import { connectionEditorDefinition, type EditorDefinition, exportEditorDefinition } from '../../src/editor/definition';
import { PLATFORMS } from '../../src/platforms';

/**
 * The dialog's validators (built resources/editor.js, as the editor runs them) and the runtime's
 * schemas (core/fields.ts) say the same of every value: a value the dialog marks red is one the
 * runtime refuses, and a flow the runtime accepts (an example without a newer property, a blank number
 * box) shows no red triangle.
 */
type Validator = (value: unknown, opt?: unknown) => boolean | string;

function loadValidators(): (type: string, name: string) => Validator {
  const script = fs.readFileSync(path.resolve(__dirname, '../../resources/editor.js'), 'utf8');
  const window: { audienceExportEditor?: { define(d: EditorDefinition): void; validator(type: string, name: string): Validator } } = {};
  vm.runInNewContext(script, { window, RED: { _: (key: string) => key }, location: { origin: '', pathname: '/' } });
  const editor = window.audienceExportEditor;
  assert.ok(editor, 'editor.js defines window.audienceExportEditor (npm run build)');
  for (const platform of PLATFORMS) {
    editor.define(connectionEditorDefinition(platform));
    editor.define(exportEditorDefinition(platform));
  }
  return (type, name) => editor.validator(type, name);
}

const TEXTS: readonly unknown[] = [undefined, '', '  ', 'abc', 'a b', 'E-Mail Address', '12', ' 12 ', '-1', '0', '1.5', '101', '9999', '10000', 'https://api.example.com', 'http://127.0.0.1:8787', 'https://x.example/path', 'ftp://x.example', 'https://x.example?q=1', 'https://x.example#top', 'each', 'none', 'mirror', 'replace', 'sha256', 'plain', 'production', 'sandbox', 'client_credentials', 'authorization_code', 'common', 'contoso.onmicrosoft.com', '2026-07', '2026-7', 'preview', 'x'.repeat(256)];
/** What a flow holds for a field of each kind: the dialog's own values, and what a hand-written flow or an older version may have. */
const CANDIDATES: Record<string, readonly unknown[]> = {
  text: TEXTS,
  id: TEXTS,
  url: TEXTS,
  select: TEXTS,
  integer: [...TEXTS, 12, -1, 0, 100, 101, 1.5, 390, 391, 9999, 10_000],
  number: [...TEXTS, 12, -1, 0, 100, 101, 1.5, 99.5],
  names: [undefined, [], ['a', 'b'], ['a', ' '], 'a,b', ''],
  boolean: [undefined, true, false, 'true', 'false'],
};

describe("the dialog's validators agree with the runtime's schemas", () => {
  const validator = loadValidators();
  for (const platform of PLATFORMS) {
    for (const definition of [connectionEditorDefinition(platform), exportEditorDefinition(platform)]) {
      it(definition.type, () => {
        const disagreements: string[] = [];
        for (const field of definition.fields) {
          const valid = validator(definition.type, field.name);
          for (const value of CANDIDATES[field.kind]) {
            const editor = valid.call({}, value) === true;
            const runtime = fieldSchema(field).safeParse(value).success;
            if (editor !== runtime) disagreements.push(`${field.name} = ${JSON.stringify(value)}: the dialog says ${editor ? 'valid' : 'invalid'}, the runtime ${runtime ? 'accepts' : 'refuses'}`);
          }
        }
        assert.deepEqual(disagreements, []);
      });
    }
  }

  it('takes the email and consent fields as typed: a CSV heading, a property expression, a nested path', () => {
    for (const platform of PLATFORMS) {
      const type = exportEditorDefinition(platform).type;
      for (const name of ['emailField', 'consentField']) {
        const field = exportFields(1).find((f) => f.name === name);
        assert.ok(field);
        for (const value of ['E-Mail Address', 'Email Address', 'contact["e-mail"]', 'a.b[0]', 'contact.email']) {
          assert.equal(validator(type, name).call({}, value), true, `${type} ${name} = ${value} in the dialog`);
          assert.ok(fieldSchema(field).safeParse(value).success, `${name} = ${value} at runtime`);
        }
      }
    }
  });

  it('covers the fields every export has', () => {
    assert.ok(exportFields(1).every((field) => exportEditorDefinition(PLATFORMS[0]).fields.some((f) => f.name === field.name)));
  });
});
