import assert from 'node:assert/strict';
import { exportFields } from '../../src/core/export-fields';
import { defaultsOf, type FieldDefinition, type FieldValue, settingsSchema } from '../../src/core/fields';
import { nodeTypesOf } from '../../src/core/platform';
import { fingerprintOf } from '../../src/nodes/approvals';
import { PLATFORMS } from '../../src/platforms';

/**
 * What the glue, the approvals and the editor take on trust from every platform definition in the
 * list: distinct ids and types, defaults its own schema accepts, field names that do not shadow the
 * common ones, and — what pins secrets — `hosts()` that follows exactly the fields marked `host`.
 */

/** Another valid value of a field, different from its default. */
function another(field: FieldDefinition): FieldValue | undefined {
  switch (field.kind) {
    case 'url':
      return 'https://elsewhere.example.net';
    case 'select':
      return field.options.find((option) => option !== field.default);
    case 'text':
      return field.pattern === undefined ? 'something-else' : undefined;
    default:
      return undefined;
  }
}

describe('platform definitions', () => {
  it('have distinct ids, node types and icons', () => {
    const types = PLATFORMS.flatMap((platform) => Object.values(nodeTypesOf(platform)));
    assert.equal(new Set(PLATFORMS.map((platform) => platform.id)).size, PLATFORMS.length);
    assert.equal(new Set(types).size, types.length);
    assert.equal(new Set(PLATFORMS.map((platform) => platform.icon)).size, PLATFORMS.length);
  });

  for (const platform of PLATFORMS) {
    describe(platform.id, () => {
      const connectionFields = platform.connection.fields;
      const audienceFields = platform.audience.fields;

      it('its defaults pass its own schemas, and blank settings take the defaults', () => {
        const connection = settingsSchema(connectionFields).parse({});
        assert.deepEqual(connection, defaultsOf(connectionFields));
        const common = exportFields(platform.limits.defaultMaxProfiles);
        const exporter = settingsSchema([...common, ...audienceFields]).safeParse(defaultsOf([...common, ...audienceFields]));
        // Required fields (an account) have no usable default: the rest must parse.
        const required = audienceFields.filter((field) => 'required' in field && field.required).map((field) => field.name);
        if (!exporter.success) assert.deepEqual([...new Set(exporter.error.issues.map((issue) => String(issue.path[0])))].sort(), required.sort());
      });

      it('its field names are unique and shadow neither the common export fields nor the connection\'s own properties', () => {
        const common = exportFields(platform.limits.defaultMaxProfiles).map((field) => field.name);
        const audience = audienceFields.map((field) => field.name);
        const connection = [...connectionFields.map((field) => field.name), ...platform.connection.credentials.map((credential) => credential.name)];
        assert.equal(new Set([...common, ...audience]).size, common.length + audience.length);
        assert.equal(new Set(connection).size, connection.length);
        for (const reserved of ['name', 'scope', 'consent', 'connection', 'type', 'id', 'z', 'wires']) {
          assert.ok(![...audience, ...connection].includes(reserved), `${reserved} is every node's own`);
        }
      });

      it('hosts() changes exactly when a field marked `host` changes: the pins follow the hosts a secret goes to', () => {
        const defaults = settingsSchema(connectionFields).parse({});
        const before = platform.connection.hosts(defaults);
        assert.ok(before.length > 0 && before.every((url) => /^https:\/\//.test(url)), `hosts of the defaults: ${before.join(', ')}`);
        for (const field of connectionFields) {
          const value = another(field);
          if (value === undefined) continue;
          const after = platform.connection.hosts({ ...defaults, [field.name]: value });
          if (field.host) assert.notDeepEqual(after, before, `${field.name} is marked host, but hosts() ignores it`);
          else assert.deepEqual(after, before, `hosts() reads ${field.name}, which is not marked host`);
        }
      });

      it('an approval of the connection binds every one of its settings (hosts first), its consent and its scope', () => {
        const type = nodeTypesOf(platform).connection;
        const approved = { type, scope: 'administrators', consent: true, ...settingsSchema(connectionFields).parse({}) };
        const print = fingerprintOf(approved);
        const changes: Array<[string, unknown]> = [['consent', false], ['scope', 'contributors'], ...connectionFields.map((field): [string, unknown] => [field.name, another(field)])];
        for (const [name, value] of changes) {
          if (value === undefined) continue;
          assert.notEqual(fingerprintOf({ ...approved, [name]: value }), print, `${name} changed, the approval still matches`);
        }
        assert.equal(fingerprintOf({ ...approved, name: 'renamed' }), print, 'a label is not a setting');
      });
    });
  }
});
