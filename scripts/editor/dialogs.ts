/**
 * The dialogs, built from the platform definitions at build time (DESIGN §9): for each node type, a
 * registration with its definition inline (the Flow Library's scorecard reads defaults, credentials,
 * icon and colour from it) and its dialog's HTML template, one row per field. Shared rows (name,
 * connection, segments, scope, consent, sign-in) are written here once; the behaviour is in
 * src/editor/browser/dialogs.ts.
 */
import type { FieldDefinition } from '../../src/core/fields';
import type { PlatformDefinition } from '../../src/core/platform';
import { type ConnectionEditorDefinition, connectionEditorDefinition, type EditorDefinition, type ExportEditorDefinition, exportEditorDefinition } from '../../src/editor/definition';

/** The palette category of the export nodes; its name in words is `palette.label.audience_export` in the catalogues. */
export const CATEGORY = 'audience export';

/** What the templates need to know of the strings: whether a key exists (placeholders and tips are optional). */
export type HasKey = (key: string) => boolean;

const MUTED = 'color: var(--red-ui-secondary-text-color, #777);';

/** Labels wide enough for the longest of the four languages on one or two lines (Node-RED's are 100 px). */
const DIALOG_STYLE = `<style>
.audience-export-dialog .form-row > label { width: 140px; vertical-align: top; }
.audience-export-dialog .form-row > label > .fa { width: 14px; text-align: center; }
</style>`;

function attribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** JSON inside an inline script: `</script>` and friends cannot end the block. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function label(forId: string, icon: string, key: string, style = ''): string {
  return `<label for="${forId}"${style}><i class="fa fa-${icon}"></i> <span data-i18n="${key}"></span></label>`;
}

function section(icon: string, key: string): string {
  return `    <h4 style="margin: 18px 0 10px;"><i class="fa fa-${icon}"></i> <span data-i18n="${key}"></span></h4>`;
}

/** One dialog row for a field: an input, a number box, a select, a checkbox; its tip and, for the picker's target, the picker. */
function fieldRow(type: string, field: FieldDefinition, prefix: 'node-input-' | 'node-config-input-', has: HasKey): string {
  const key = (part: string) => `${type}.${part}.${field.name}`;
  const id = `${prefix}${field.name}`;
  const placeholder = has(key('placeholder')) ? ` data-i18n="[placeholder]${key('placeholder')}"` : '';
  const tipBelow = field.tip === 'text' && has(key('tip')) ? `\n        <div class="form-tips" style="margin-top: 6px;" data-i18n="${key('tip')}"></div>` : '';
  switch (field.kind) {
    case 'integer':
    case 'number': {
      // Kept as numbers: a box of its own (not node-input-*), read back by the dialog code.
      const box = `${type}-${field.name}`;
      const width = field.max >= 1_000_000 ? 120 : field.max >= 1000 ? 100 : 80;
      const tip = field.tip === 'text' ? `\n        <span style="margin-left: 6px; ${MUTED}" data-i18n="${key('tip')}"></span>` : '';
      return `    <div class="form-row">\n        ${label(box, field.icon, key('label'))}\n        <input type="text" id="${box}" style="width: ${width}px;" inputmode="numeric">${tip}\n    </div>`;
    }
    case 'select': {
      const options = field.options.map((option) => `            <option value="${attribute(option)}" data-i18n="${type}.${field.name}.${option}"></option>`).join('\n');
      const tip = field.tip === 'options' ? `\n        <div class="form-tips" id="${type}-${field.name}-tip" style="margin-top: 6px;"></div>` : tipBelow;
      return `    <div class="form-row">\n        ${label(id, field.icon, key('label'))}\n        <select id="${id}" style="width: calc(100% - 150px);">\n${options}\n        </select>${tip}\n    </div>`;
    }
    case 'boolean': {
      if (field.tip !== 'text') {
        return `    <div class="form-row">\n        <label for="${id}">&nbsp;</label>\n        <input type="checkbox" id="${id}" style="display: inline-block; width: auto; vertical-align: top;">\n        <label for="${id}" style="width: calc(100% - 150px);"><span data-i18n="${key('label')}"></span></label>\n    </div>`;
      }
      const warning = field.warnWhenOff
        ? `\n    <div class="form-tips" id="${type}-${field.name}-off" style="margin-bottom: 12px;"><i class="fa fa-exclamation-triangle"></i> <span data-i18n="${type}.tip.${field.name}Off"></span></div>`
        : '';
      return `    <div class="form-row" style="display: flex; align-items: flex-start;">\n        <input type="checkbox" id="${id}" style="flex: 0 0 auto; width: auto; margin: 2px 8px 0 0;">\n        <label for="${id}" style="width: auto; flex: 1 1 auto; cursor: pointer;"><strong data-i18n="${key('label')}"></strong> <span data-i18n="${key('tip')}"></span></label>\n    </div>${warning}`;
    }
    case 'names':
      return `    <div class="form-row" style="margin-bottom: 4px;">\n        <label style="width: auto;"><i class="fa fa-${field.icon}"></i> <span data-i18n="${key('label')}"></span></label>\n    </div>\n    <div class="form-row">\n        <ol id="${type}-${field.name}"></ol>${tipBelow}\n    </div>`;
    default: {
      const numeric = field.kind === 'id' && field.digits ? ' inputmode="numeric"' : '';
      if (field.picker === 'target') {
        return `    <div class="form-row">\n        ${label(id, field.icon, key('label'))}\n        <input type="text" id="${id}" style="width: calc(100% - 194px);"${numeric}${placeholder}>\n        <button type="button" class="red-ui-button" id="${type}-pick" data-i18n="[title]audience-export.editor.pickTitle"><i class="fa fa-search"></i></button>\n        <select id="${type}-audiences" style="width: calc(100% - 150px); margin: 6px 0 0 144px;"></select>${tipBelow}\n    </div>`;
      }
      // Suggested values (Criteo's two consent pages) as a datalist the user may pick from or ignore.
      const suggestions = field.suggestions ?? [];
      const list = suggestions.length > 0 ? ` list="${type}-${field.name}-choices"` : '';
      const datalist = suggestions.length > 0 ? `\n        <datalist id="${type}-${field.name}-choices">${suggestions.map((value) => `<option value="${attribute(value)}"></option>`).join('')}</datalist>` : '';
      return `    <div class="form-row">\n        ${label(id, field.icon, key('label'))}\n        <input type="text" id="${id}" style="width: calc(100% - 150px);"${numeric}${placeholder}${list}>${datalist}${tipBelow}\n    </div>`;
    }
  }
}

function rows(type: string, fields: readonly FieldDefinition[], sectionName: string, prefix: 'node-input-' | 'node-config-input-', has: HasKey): string[] {
  return fields.filter((field) => field.section === sectionName).map((field) => fieldRow(type, field, prefix, has));
}

function exportTemplate(definition: ExportEditorDefinition, has: HasKey): string {
  const { type, fields } = definition;
  const audienceTip = has(`${type}.tip.audience`) ? [`    <div class="form-tips" style="margin-bottom: 12px;" data-i18n="${type}.tip.audience"></div>`] : [];
  const fieldsTip = [`    <div class="form-tips" style="margin-bottom: 12px;" data-i18n="${type}.tip.fields"></div>`];
  const data = rows(type, fields, 'data', 'node-input-', has);
  // The common data fields come first (export-fields.ts) and share one tip; platform ones (Criteo's encoding) follow it.
  const commonData = data.slice(0, 3);
  return [
    '    <div class="form-row">',
    `        <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="node-red:common.label.name"></span></label>`,
    `        <input type="text" id="node-input-name" style="width: calc(100% - 150px);" data-i18n="[placeholder]node-red:common.label.name">`,
    '    </div>',
    '    <div class="form-row">',
    `        ${label('node-input-connection', 'plug', `${type}.label.connection`)}`,
    `        <input type="text" id="node-input-connection" style="width: calc(100% - 150px);">`,
    '    </div>',
    `    <div class="form-row" id="${type}-approval" style="margin-left: 144px; ${MUTED}"></div>`,
    '',
    section('bullseye', `${type}.label.audienceSection`),
    ...rows(type, fields, 'audience', 'node-input-', has),
    ...audienceTip,
    '',
    section('id-card-o', `${type}.label.dataSection`),
    ...commonData,
    ...fieldsTip,
    ...data.slice(3),
    '',
    section('exchange', `${type}.label.syncSection`),
    ...rows(type, fields, 'sync', 'node-input-', has),
  ].join('\n');
}

function connectionTemplate(definition: ConnectionEditorDefinition, has: HasKey): string {
  const { type, fields, credentials } = definition;
  const credentialRows = credentials.map((credential) => {
    const id = `node-config-input-${credential.name}`;
    return `    <div class="form-row">\n        ${label(id, credential.icon, `${type}.label.${credential.name}`)}\n        <input type="${credential.secret ? 'password' : 'text'}" id="${id}" style="width: calc(100% - 150px);">\n    </div>`;
  });
  const signIn = [
    `    <div class="form-row" id="${type}-signin">`,
    '        <label>&nbsp;</label>',
    '        <button type="button" class="red-ui-button audience-export-authenticate"><i class="fa fa-sign-in"></i> <span data-i18n="' + type + '.authenticate"></span></button>',
    '        <button type="button" class="red-ui-button audience-export-test"><i class="fa fa-plug"></i> <span data-i18n="audience-export.editor.test"></span></button>',
    '        <div class="audience-export-paste" style="margin: 6px 0 0 144px;">',
    '            <input type="text" class="audience-export-code" style="width: 45%;" data-i18n="[placeholder]audience-export.editor.codePlaceholder">',
    '            <button type="button" class="red-ui-button"><span data-i18n="audience-export.editor.useCode"></span></button>',
    '        </div>',
    '        <div class="audience-export-message" style="margin: 6px 0 0 144px;"></div>',
    '    </div>',
  ];
  // Hosts first: they decide where the sign-in and every secret go. "Used by" last, and only under adminAuth (browser code).
  return [
    '    <div class="form-row">',
    `        <label for="node-config-input-name"><i class="fa fa-tag"></i> <span data-i18n="node-red:common.label.name"></span></label>`,
    `        <input type="text" id="node-config-input-name" style="width: calc(100% - 150px);" data-i18n="[placeholder]${type}.placeholder.name">`,
    '    </div>',
    '',
    section('globe', `${type}.label.endpoints`),
    ...rows(type, fields, 'endpoints', 'node-config-input-', has),
    `    <div class="form-tips" style="margin-bottom: 12px;"><span data-i18n="${type}.tip.baseUrls"></span></div>`,
    '',
    section('key', `${type}.label.credentials`),
    ...credentialRows,
    ...rows(type, fields, 'credentials', 'node-config-input-', has),
    ...signIn,
    `    <div class="form-tips" style="margin-bottom: 12px;"><span data-i18n="${type}.tip.credentials"></span></div>`,
    `    <div class="form-tips" id="${type}-hosts-changed" style="margin-bottom: 12px;"><i class="fa fa-exclamation-triangle"></i> <span data-i18n="audience-export.editor.hostsChanged"></span></div>`,
    '',
    section('shield', `${type}.label.privacy`),
    '    <div class="form-row" style="display: flex; align-items: flex-start;">',
    '        <input type="checkbox" id="node-config-input-consent" style="flex: 0 0 auto; width: auto; margin: 2px 8px 0 0;">',
    '        <label for="node-config-input-consent" style="width: auto; flex: 1 1 auto; cursor: pointer;">',
    `            <strong data-i18n="${type}.label.consent"></strong>`,
    `            <span data-i18n="${type}.tip.consent"></span>`,
    '        </label>',
    '    </div>',
    `    <div class="form-tips" id="${type}-consent-warning" style="margin-bottom: 12px;">`,
    `        <i class="fa fa-exclamation-triangle"></i> <span data-i18n="${type}.tip.consentRequired"></span>`,
    '    </div>',
    `    <div class="form-row" id="${type}-scope-row">`,
    `        ${label('node-config-input-scope', 'users', `${type}.label.scope`)}`,
    '        <select id="node-config-input-scope" style="width: calc(100% - 150px);">',
    `            <option value="administrators" data-i18n="${type}.scope.administrators"></option>`,
    `            <option value="contributors" data-i18n="${type}.scope.contributors"></option>`,
    '        </select>',
    `        <div class="form-tips" id="${type}-scope-tip" style="margin-top: 6px;"></div>`,
    '    </div>',
  ].join('\n');
}

/** The registration's `defaults`: every field with its default and the shared validator (required ones marked). */
function defaults(definition: EditorDefinition): string {
  const validated = (name: string) => `validate: window.audienceExportEditor.validator(${JSON.stringify(definition.type)}, ${JSON.stringify(name)})`;
  const lines = [`name: { value: '' }`];
  if (definition.role === 'export') lines.push(`connection: { value: '', type: ${JSON.stringify(definition.connectionType)}, required: true }`);
  else lines.push(`scope: { value: 'administrators' }`, `consent: { value: false }`);
  for (const field of definition.fields) {
    const required = (field.kind === 'text' || field.kind === 'id') && field.required ? 'required: true, ' : '';
    lines.push(`${field.name}: { value: ${scriptJson(field.default)}, ${required}${validated(field.name)} }`);
  }
  return lines.map((line) => `            ${line}`).join(',\n');
}

function credentials(definition: ConnectionEditorDefinition): string {
  return definition.credentials.map((credential) => `            ${credential.name}: { type: '${credential.secret ? 'password' : 'text'}' }`).join(',\n');
}

function registration(platform: PlatformDefinition, definition: EditorDefinition): string {
  const t = JSON.stringify(definition.type);
  const common = [`paletteLabel: function () { return this._(${JSON.stringify(`${definition.type}.paletteLabel`)}); }`];
  const body =
    definition.role === 'export'
      ? [
          `category: '${CATEGORY}'`,
          `color: '${platform.color}'`,
          `defaults: {\n${defaults(definition)}\n        }`,
          'inputs: 1',
          'outputs: 2',
          `icon: '${platform.icon}'`,
          ...common,
          'label: function () { return window.audienceExportEditor.exportLabel(this); }',
          "labelStyle: function () { return this.name ? 'node_label_italic' : ''; }",
          `inputLabels: function () { return this._(${JSON.stringify(`${definition.type}.inputLabel`)}); }`,
          `outputLabels: function (index) { return this._(index === 0 ? ${JSON.stringify(`${definition.type}.outputs.batch`)} : ${JSON.stringify(`${definition.type}.outputs.summary`)}); }`,
          'oneditprepare: function () { window.audienceExportEditor.prepareExport(this); }',
          'oneditsave: function () { window.audienceExportEditor.saveExport(this); }',
        ]
      : [
          "category: 'config'",
          `defaults: {\n${defaults(definition)}\n        }`,
          `credentials: {\n${credentials(definition)}\n        }`,
          ...common,
          `label: function () { return this.name || this._(${JSON.stringify(`${definition.type}.paletteLabel`)}); }`,
          'oneditprepare: function () { window.audienceExportEditor.prepareConnection(this); }',
          'oneditsave: function () { window.audienceExportEditor.saveConnection(this); }',
        ];
  return `<script type="text/javascript">
    window.audienceExportEditor.define(${scriptJson(definition)});
    RED.nodes.registerType(${t}, {
        ${body.join(',\n        ')}
    });
</script>`;
}

/** A dialog's template, its rows inside the package's own class (see DIALOG_STYLE). */
function template(type: string, rows: string): string {
  return `<script type="text/html" data-template-name="${type}">\n<div class="audience-export-dialog">\n${rows}\n</div>\n</script>`;
}

/** The whole editor file: the helper's script, then for each platform its connection and its export node. */
export function editorHtml(platforms: readonly PlatformDefinition[], options: { readonly resource: string; readonly namespace: string; readonly has: HasKey }): string {
  const parts = [
    DIALOG_STYLE,
    `<script type="text/javascript" src="${options.resource}"></script>`,
    `<script type="text/javascript">window.audienceExportEditor.namespace = ${JSON.stringify(options.namespace)}; window.audienceExportEditor.installSidebar();</script>`,
  ];
  for (const platform of platforms) {
    const connection = connectionEditorDefinition(platform);
    const exporter = exportEditorDefinition(platform);
    parts.push(registration(platform, connection), template(connection.type, connectionTemplate(connection, options.has)));
    parts.push(registration(platform, exporter), template(exporter.type, exportTemplate(exporter, options.has)));
  }
  return `${parts.join('\n\n')}\n`;
}
