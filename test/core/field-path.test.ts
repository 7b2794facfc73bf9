import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fieldReader, type PathParser } from '../../src/core/field-path';
import { partProfilesOf, readSegment } from '../../src/core/segment-reader';
import type { ExportError } from '../../src/core/errors';

// Node-RED's own parser (the one the node glue hands in), from the runtime under test.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { util } = require(require.resolve('@node-red/util', { paths: [require.resolve(process.env.NODE_RED_PATH ?? 'node-red')] })) as { util: { normalisePropertyExpression(expression: string): Array<string | number> } };
const nodeRed: PathParser = (expression) => util.normalisePropertyExpression(expression);

describe('field names and paths', () => {
  it('takes a key exactly as it stands in the profile first: spaces, hyphens and dots included', () => {
    const profile = { 'E-Mail Address': 'a@example.com', 'email.work': 'w@example.com', email: { work: 'nested@example.com' } };
    assert.equal(fieldReader('E-Mail Address', nodeRed)(profile), 'a@example.com');
    assert.equal(fieldReader('email.work', nodeRed)(profile), 'w@example.com', 'the key as it stands wins over the path');
    assert.equal(fieldReader('email.work', nodeRed)({ email: { work: 'nested@example.com' } }), 'nested@example.com', 'the path when there is no such key');
  });

  it('reads Node-RED property expressions: brackets, quotes, indexes', () => {
    const profile = { contact: { 'e-mail': 'c@example.com', emails: ['first@example.com', 'second@example.com'] } };
    assert.equal(fieldReader('contact["e-mail"]', nodeRed)(profile), 'c@example.com');
    assert.equal(fieldReader("contact['e-mail']", nodeRed)(profile), 'c@example.com');
    assert.equal(fieldReader('contact.emails[1]', nodeRed)(profile), 'second@example.com');
    assert.equal(fieldReader('contact.emails.0', nodeRed)(profile), 'first@example.com');
    assert.equal(fieldReader('contact[', nodeRed)(profile), undefined, 'not an expression: only an exact key could match');
    assert.equal(fieldReader('contact.missing.deeper', nodeRed)(profile), undefined);
  });

  it('without Node-RED, dotted paths', () => {
    assert.equal(fieldReader('contact.email')({ contact: { email: 'x@example.com' } }), 'x@example.com');
    assert.equal(fieldReader('Email Address')({ 'Email Address': 'y@example.com' }), 'y@example.com');
  });

  it('a segment takes an array, one object or one address; other text points to the CSV node', () => {
    const read = (payload: unknown) => readSegment(payload, { emailField: 'E-Mail Address', encoding: 'sha256', parsePath: nodeRed });
    assert.equal(read([{ 'E-Mail Address': 'a@example.com' }, 'b@example.com']).members.size, 2);
    assert.equal(read({ 'E-Mail Address': 'a@example.com' }).members.size, 1);
    assert.equal(read(' Solo@Example.com ').members.size, 1);
    const refused = (payload: unknown, pattern: RegExp) =>
      assert.throws(() => read(payload), (error: unknown) => (error as ExportError).code === 'invalid_input' && pattern.test((error as ExportError).message));
    refused('id,E-Mail Address\n1,a@example.com', /looks like CSV\. Put a CSV node before this node/);
    refused('not an address', /text that is not an email address: to export a file/);
    refused(Buffer.from('a@example.com'), /binary data \(a Buffer\)/);
    refused(42, /got a number\)/);
    refused(undefined, /got nothing\)/);
    refused(null, /got null\)/);
    refused(true, /got true\)/);
    // A CSV row is not an address, though its last column holds one.
    refused('1,a@example.com', /looks like CSV/);
    refused('a@example.com;b@example.com', /looks like CSV/);
  });

  it('takes exactly the payload forms each language\'s help names (array | object | string)', () => {
    for (const lang of ['en-US', 'fr', 'nb', 'nl']) {
      const help = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'editor', 'help', lang, 'export.md'), 'utf8');
      const forms = /^: payload \(([^)]+)\)/m.exec(help)?.[1].split('|').map((form) => form.trim());
      assert.deepEqual(forms, ['array', 'object', 'string'], `${lang}: the payload line of the help`);
    }
    const samples: Record<string, unknown> = { array: [{ email: 'a@example.com' }], object: { email: 'a@example.com' }, string: 'a@example.com', number: 42, boolean: true, Buffer: Buffer.from('a@example.com') };
    for (const [form, payload] of Object.entries(samples)) {
      const named = ['array', 'object', 'string'].includes(form);
      if (named) assert.equal(readSegment(payload, { emailField: 'email', encoding: 'sha256' }).members.size, 1, `${form} is taken`);
      else assert.throws(() => readSegment(payload, { emailField: 'email', encoding: 'sha256' }), /msg\.payload/, `${form} is refused`);
    }
  });

  it('a part of a sequence: a line of text is one row (a heading is an invalid one, a blank line none); a CSV row is refused', () => {
    assert.deepEqual(partProfilesOf('a@example.com'), ['a@example.com']);
    assert.deepEqual(partProfilesOf('email'), ['email']);
    assert.deepEqual(partProfilesOf(' '), []);
    assert.deepEqual(partProfilesOf({ email: 'a@example.com' }), [{ email: 'a@example.com' }]);
    assert.throws(() => partProfilesOf('1,a@example.com'), (error: unknown) => (error as ExportError).code === 'invalid_input' && /looks like CSV/.test((error as ExportError).message));
    assert.throws(() => partProfilesOf(42), /got a number/);
  });
});
