/*
 * The dialogs of every node type of @audience-export/node-red-audience-export, in one typed file
 * (compiled to resources/editor.js and served by Node-RED from the package's resources/ folder). The
 * built editor file (dist/nodes/audience-export.html) registers each type with an inline definition
 * that calls into `window.audienceExportEditor`, after telling it the type's fields (definition.ts):
 * validators, dialog behaviour, sign-in, Test connection, the audience picker and approvals all follow
 * those records. Every request is a relative URL, so the editor's bearer token and httpAdminRoot apply.
 * Every text that comes from a platform or an error is shown as text, never as HTML.
 */
import type { ConnectionEditorDefinition, EditorDefinition, ExportEditorDefinition } from '../definition';
import type { FieldDefinition } from '../../core/fields';

type Validator = (this: unknown, value: unknown, opt?: unknown) => boolean | string;

interface AudienceExportEditor {
  /** The i18n namespace of the package's node set (`<module>/<set>`). */
  namespace: string;
  define(definition: EditorDefinition): void;
  validator(type: string, name: string): Validator;
  exportLabel(node: RedEditorNode): string;
  prepareExport(node: RedEditorNode): void;
  saveExport(node: RedEditorNode): void;
  prepareConnection(node: RedEditorNode): void;
  saveConnection(node: RedEditorNode): void;
  /** The "Audience exports" sidebar tab (sidebar.ts), once the namespace is known. */
  installSidebar(): void;
}

(function () {
  'use strict';
  const win = window as unknown as { audienceExportEditor?: AudienceExportEditor };
  if (win.audienceExportEditor) return;

  /** The editor's placeholder for a stored password it does not show. */
  const UNCHANGED = '__PWRD__';
  const URL_RE = /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/;
  const definitions = new Map<string, EditorDefinition>();

  const editor: AudienceExportEditor = {
    namespace: '',
    define(definition) {
      definitions.set(definition.type, definition);
    },
    validator(type, name) {
      return function (value, opt) {
        const field = definitionOf(type).fields.find((f) => f.name === name);
        if (!field || isValid(field, value)) return true;
        // Every URL field says the same thing; other fields say what they expect.
        return opt ? RED._(`${editor.namespace}:${type}.errors.${field.kind === 'url' ? 'url' : name}`) : false;
      };
    },
    exportLabel(node) {
      const segments = Array.isArray(node.segments) ? (node.segments as string[]).join(', ') : '';
      return node.name || (typeof node.audienceId === 'string' && node.audienceId) || segments || node._(`${node.type}.paletteLabel`);
    },
    prepareExport,
    saveExport,
    prepareConnection,
    saveConnection,
    installSidebar: () => undefined,
  };
  win.audienceExportEditor = editor;

  function definitionOf(type: string): EditorDefinition {
    const definition = definitions.get(type);
    if (!definition) throw new Error(`audience export: no definition for ${type}`);
    return definition;
  }

  // ── Validation: the same rules as the runtime's (core/fields.ts) ──────────────────────────────

  function text(value: unknown): string {
    return typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  }

  function numberIn(value: unknown, min: number, max: number, whole: boolean): number | undefined {
    const written = text(value);
    if (!(whole ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)$/).test(written)) return undefined;
    const n = Number(written);
    return Number.isFinite(n) && n >= min && n <= max ? n : undefined;
  }

  function isValid(field: FieldDefinition, value: unknown): boolean {
    // A property the flow leaves out (an older flow, an example) takes its default, as the runtime does.
    if (value === undefined) return isValid(field, field.default);
    switch (field.kind) {
      case 'text': {
        const written = text(value);
        if (field.required && written === '') return false;
        if (field.maxLength !== undefined && written.length > field.maxLength) return false;
        return field.pattern === undefined || written === '' || new RegExp(field.pattern).test(written);
      }
      case 'id': {
        const written = text(value);
        if (field.required && written === '') return false;
        return (field.digits ? /^\d*$/ : /^\S*$/).test(written);
      }
      case 'url':
        return text(value) === '' || URL_RE.test(text(value));
      // A blank number box takes the default too.
      case 'integer':
        return text(value) === '' || numberIn(value, field.min, field.max, true) !== undefined || (field.also ?? []).some((n) => text(value) === String(n));
      case 'number':
        return text(value) === '' || numberIn(value, field.min, field.max, false) !== undefined;
      case 'select':
        return field.options.includes(String(value));
      case 'boolean':
        return true;
      // Names as the dialog saves them (an array), or as a hand-written flow may (comma-separated); blanks are dropped.
      case 'names':
        return typeof value === 'string' || (Array.isArray(value) && value.every((name) => typeof name === 'string'));
    }
  }

  /** A numeric input's text as the number the flow keeps (as typed when it is not one: the validator says why). */
  function numberOrText(input: JQuery): number | string {
    const written = String(input.val()).trim();
    return /^-?(\d+(\.\d*)?|\.\d+)$/.test(written) && Number.isFinite(Number(written)) ? Number(written) : written;
  }

  const isNumeric = (field: FieldDefinition): boolean => field.kind === 'integer' || field.kind === 'number';

  // ── Requests ─────────────────────────────────────────────────────────────────────────────────

  function base(): string {
    return location.origin + location.pathname.replace(/\/$/, '');
  }
  function errorText(node: RedEditorNode, xhr: JQuery.jqXHR | undefined): string {
    const body = xhr?.responseJSON as { error?: { message?: unknown } } | undefined;
    if (body?.error?.message) return String(body.error.message);
    return node._('audience-export.editor.requestFailed', { status: xhr ? xhr.status : 0 });
  }
  /** RED.notify renders a string as HTML: give it an element holding the text. */
  function notifyText(textToShow: string, type: string): void {
    RED.notify($('<p/>').text(textToShow), type);
  }
  function post(url: string, body: unknown): JQuery.jqXHR {
    return $.ajax({ url, type: 'POST', data: JSON.stringify(body), contentType: 'application/json; charset=utf-8', dataType: 'json' });
  }
  function canApprove(): boolean {
    return !RED.settings.user || RED.user.hasPermission('audience-export.admin');
  }
  /** A connection as the editor holds it (deployed or not): type, scope, consent and settings, never secrets. */
  function connectionConfigOf(id: string): Record<string, unknown> | undefined {
    const found = RED.nodes.node(id);
    if (!found) return undefined;
    const config: Record<string, unknown> = { type: found.type, id: found.id };
    for (const name of Object.keys(found._def.defaults ?? {})) {
      const value = found[name];
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) config[name] = value;
    }
    return config;
  }

  /** A select's tip, one text per option (`tip.<name>.<option>`), kept up to date. */
  function optionTips(node: RedEditorNode, prefix: string, fields: readonly FieldDefinition[]): void {
    for (const field of fields) {
      if (field.kind !== 'select' || field.tip !== 'options') continue;
      const select = $(`#${prefix}${field.name}`);
      const tip = $(`#${node.type}-${field.name}-tip`);
      const show = (): void => {
        const value = field.options.includes(String(select.val())) ? String(select.val()) : field.default;
        tip.text(node._(`${node.type}.tip.${field.name}.${value}`));
      };
      select.on('change', show);
      show();
    }
  }

  // ── Export dialog ────────────────────────────────────────────────────────────────────────────

  function prepareExport(node: RedEditorNode): void {
    const definition = definitionOf(node.type) as ExportEditorDefinition;
    const list = $(`#${node.type}-segments`)
      .css({ 'min-height': '90px', 'min-width': '300px' })
      .editableList({
        addButton: node._(`${node.type}.label.addSegment`),
        addItem(container, _index, data) {
          const input = $('<input/>', { type: 'text', class: `${node.type}-segment`, placeholder: node._(`${node.type}.placeholder.segment`) })
            .css({ width: '100%' })
            .appendTo(container);
          input.val(typeof data.name === 'string' ? data.name : '');
          if (data.focus) input.trigger('focus');
        },
        removable: true,
        sortable: true,
        height: 'auto',
      });
    for (const name of Array.isArray(node.segments) ? (node.segments as string[]) : []) list.editableList('addItem', { name });

    // Numbers are kept as numbers in the flow: these inputs are read back in saveExport.
    for (const field of definition.fields.filter(isNumeric)) {
      const input = $(`#${node.type}-${field.name}`).val(String(node[field.name] ?? field.default));
      const mark = (): void => {
        input.toggleClass('input-error', !isValid(field, input.val()));
      };
      input.on('change keyup', mark);
      mark();
    }
    optionTips(node, 'node-input-', definition.fields);
    approvalBadge(node);
    if (definition.picker) picker(node, definition);
  }

  function saveExport(node: RedEditorNode): void {
    const definition = definitionOf(node.type) as ExportEditorDefinition;
    const seen = new Set<string>();
    $(`#${node.type}-segments`)
      .editableList('items')
      .each(function () {
        const name = String($(this).find(`.${node.type}-segment`).val() ?? '').trim();
        if (name !== '') seen.add(name);
      });
    node.segments = [...seen];
    for (const field of definition.fields.filter(isNumeric)) node[field.name] = numberOrText($(`#${node.type}-${field.name}`));
    approveOnSave(node, definition);
  }

  function approvalBadge(node: RedEditorNode): void {
    if (!RED.settings.user) return;
    const badge = $(`#${node.type}-approval`);
    $.getJSON(`audience-export/approvals/${encodeURIComponent(node.id)}`).done((answer: { required?: boolean; approved?: boolean }) => {
      if (!answer.required) return void badge.text('');
      badge.text(node._(answer.approved ? 'audience-export.editor.approved' : canApprove() ? 'audience-export.editor.approveOnSave' : 'audience-export.editor.notApproved'));
    });
  }

  /** The audience picker: lists the account's audiences with the connection as the editor holds it. */
  function picker(node: RedEditorNode, definition: ExportEditorDefinition): void {
    const target = definition.fields.find((field) => field.picker === 'target');
    const list = $(`#${node.type}-audiences`).hide();
    $(`#${node.type}-pick`).on('click', (event) => {
      event.preventDefault();
      const connection = String($('#node-input-connection').val() ?? '');
      if (!connection || connection === '_ADD_') return;
      const query: Record<string, unknown> = {};
      for (const field of definition.fields.filter((f) => f.picker === 'query')) query[field.name] = $(`#node-input-${field.name}`).val();
      post(`audience-export/audiences/${encodeURIComponent(connection)}`, { connection: connectionConfigOf(connection) ?? {}, query })
        .done((audiences: Array<{ id: unknown; name: unknown }>) => {
          list.empty().append($('<option/>', { value: '' }).text(node._('audience-export.editor.pick', { count: audiences.length })));
          for (const audience of audiences) list.append($('<option/>', { value: String(audience.id) }).text(`${String(audience.name)} (${String(audience.id)})`));
          list.show();
        })
        .fail((xhr) => notifyText(errorText(node, xhr), 'error'));
    });
    list.on('change', () => {
      if (list.val() && target) $(`#node-input-${target.name}`).val(String(list.val())).trigger('change');
    });
  }

  /** Saving as a user holding audience-export.admin approves the node as it is now (DESIGN §6); oneditsave runs before the editor copies the inputs. */
  function approveOnSave(node: RedEditorNode, definition: ExportEditorDefinition): void {
    if (!canApprove()) return;
    const config: Record<string, unknown> = { id: node.id, type: node.type, connection: $('#node-input-connection').val() };
    for (const field of definition.fields) {
      if (field.kind === 'names' || isNumeric(field)) config[field.name] = node[field.name];
      else if (field.kind === 'boolean') config[field.name] = $(`#node-input-${field.name}`).prop('checked');
      else config[field.name] = $(`#node-input-${field.name}`).val();
    }
    config.connectionConfig = connectionConfigOf(String(config.connection));
    if (!config.connectionConfig) return;
    post(`audience-export/approvals/${encodeURIComponent(node.id)}`, config)
      .done((answer: { connectionApproved?: boolean }) => {
        // The connection changed since an administrator approved it: that needs a look at the connection itself.
        if (answer?.connectionApproved === false) notifyText(node._('audience-export.editor.connectionNotApproved'), 'warning');
      })
      .fail((xhr) => notifyText(`${node._('audience-export.editor.approvalFailed')} ${errorText(node, xhr)}`, 'warning'));
  }

  // ── Connection dialog ────────────────────────────────────────────────────────────────────────

  const CONFIG = '#node-config-input-';

  /** The connection as the dialog shows it: typed hosts, consent and secrets (a stored secret is used by the server only for the hosts it was entered for). */
  function connectionBody(definition: ConnectionEditorDefinition): Record<string, unknown> {
    const body: Record<string, unknown> = {
      type: definition.type,
      scope: $(`${CONFIG}scope`).val(),
      consent: $(`${CONFIG}consent`).prop('checked'),
      redirectUri: `${base()}/audience-export/auth/callback`,
    };
    for (const field of definition.fields) body[field.name] = $(`${CONFIG}${field.name}`).val();
    for (const credential of definition.credentials) {
      const value = $(`${CONFIG}${credential.name}`).val();
      if (typeof value === 'string' && value !== '' && value !== UNCHANGED) body[credential.name] = value;
    }
    return body;
  }

  function canSignIn(definition: ConnectionEditorDefinition): boolean {
    if (!definition.signIn) return false;
    const { when } = definition.signIn;
    return !when || String($(`${CONFIG}${when.field}`).val()) === String(when.equals);
  }

  function prepareConnection(node: RedEditorNode): void {
    const definition = definitionOf(node.type) as ConnectionEditorDefinition;
    const scope = $(`${CONFIG}scope`);
    const scopeTip = $(`#${node.type}-scope-tip`);
    const showScope = (): void => {
      scopeTip.text(node._(`${node.type}.tip.scope.${scope.val() === 'contributors' ? 'contributors' : 'administrators'}`));
    };
    scope.on('change', showScope);
    showScope();
    // Without adminAuth everyone is an administrator: who may use the connection is not a question.
    $(`#${node.type}-scope-row`).toggle(Boolean(RED.settings.user));
    const consent = $(`${CONFIG}consent`);
    const consentWarning = $(`#${node.type}-consent-warning`);
    const showConsent = (): void => {
      consentWarning.toggle(!consent.prop('checked'));
    };
    consent.on('change', showConsent);
    showConsent();
    optionTips(node, CONFIG.slice(1), definition.fields);
    signInPanel(node, definition);
  }

  /** "Authenticate with …", paste-the-code, "Test connection", and the host-change guard. */
  function signInPanel(node: RedEditorNode, definition: ConnectionEditorDefinition): void {
    const panel = $(`#${node.type}-signin`);
    const message = panel.find('.audience-export-message');
    const hostsTip = $(`#${node.type}-hosts-changed`);
    const hostFields = definition.fields.filter((field) => field.host);
    const secrets = definition.credentials.filter((credential) => credential.secret);
    const original = new Map(hostFields.map((field) => [field.name, $(`${CONFIG}${field.name}`).val()]));
    let state: string | null = null;
    const show = (textToShow: string, ok?: boolean): void => {
      message.text(textToShow).css('color', ok === false ? 'var(--red-ui-text-color-error, #b00)' : '');
    };
    /** Secrets go only to the hosts they were entered for: new hosts need them typed again. */
    const guardHosts = (): void => {
      const changed = hostFields.some((field) => $(`${CONFIG}${field.name}`).val() !== original.get(field.name));
      for (const secret of secrets) {
        const input = $(`${CONFIG}${secret.name}`);
        const stored = Boolean(node.credentials?.[`has_${secret.name}`]);
        if (changed && input.val() === UNCHANGED) input.val('');
        if (!changed && input.val() === '' && stored) input.val(UNCHANGED);
      }
      // Only a stored secret has hosts to change from; a new connection's secrets go where they are typed.
      hostsTip.toggle(changed && secrets.some((secret) => Boolean(node.credentials?.[`has_${secret.name}`])));
    };
    const signedIn = (): void => {
      $(`${CONFIG}${definition.signIn?.keeps ?? 'refreshToken'}`).val(UNCHANGED);
      panel.find('.audience-export-paste').hide().find('.audience-export-code').val('');
      show(node._('audience-export.editor.authenticated'), true);
    };
    for (const field of hostFields) $(`${CONFIG}${field.name}`).on('change keyup', guardHosts);
    hostsTip.hide();
    const authenticate = panel.find('.audience-export-authenticate');
    const toggleSignIn = (): void => {
      authenticate.toggle(canSignIn(definition));
    };
    if (definition.signIn?.when) $(`${CONFIG}${definition.signIn.when.field}`).on('change', toggleSignIn);
    toggleSignIn();
    $(window)
      .off('message.audienceExport')
      .on('message.audienceExport', (event) => {
        const original = event.originalEvent as MessageEvent<{ type?: unknown; connectionId?: unknown; ok?: unknown; code?: unknown }>;
        const data = original.data;
        if (original.origin !== location.origin || !data || data.type !== 'audience-export-auth' || data.connectionId !== node.id) return;
        if (data.ok) signedIn();
        else show(node._('audience-export.editor.authFailed', { code: String(data.code ?? '') }), false);
      });
    authenticate.on('click', (event) => {
      event.preventDefault();
      show(node._('audience-export.editor.opening'));
      post(`audience-export/auth/${encodeURIComponent(node.id)}/start`, connectionBody(definition))
        .done((answer: { authorizeUrl: string; state: string }) => {
          state = answer.state;
          window.open(answer.authorizeUrl, 'audience-export-auth', 'width=720,height=760');
          show(node._('audience-export.editor.waiting'));
          panel.find('.audience-export-paste').show();
        })
        .fail((xhr) => show(errorText(node, xhr), false));
    });
    panel
      .find('.audience-export-paste')
      .hide()
      .find('button')
      .on('click', (event) => {
        event.preventDefault();
        const code = String(panel.find('.audience-export-code').val() ?? '').trim();
        if (!code || !state) return;
        post(`audience-export/auth/${encodeURIComponent(node.id)}/code`, { code, state })
          .done(signedIn)
          .fail((xhr) => show(errorText(node, xhr), false));
      });
    panel.find('.audience-export-test').on('click', (event) => {
      event.preventDefault();
      show(node._('audience-export.editor.testing'));
      post(`audience-export/test/${encodeURIComponent(node.id)}`, connectionBody(definition))
        .done((answer: { ok: boolean; identity?: unknown; error?: { message?: unknown } }) => {
          if (answer.ok) show(node._('audience-export.editor.testOk', { identity: String(answer.identity) }), true);
          else show(String(answer.error?.message), false);
        })
        .fail((xhr) => show(errorText(node, xhr), false));
    });
  }

  /**
   * Connection dialog's oneditsave: secrets typed now are pinned to the hosts typed now (that is how
   * an administrator moves a connection), and an administrator's save approves the connection.
   */
  function saveConnection(node: RedEditorNode): void {
    const definition = definitionOf(node.type) as ConnectionEditorDefinition;
    const body = connectionBody(definition);
    if (definition.credentials.some((credential) => credential.secret && body[credential.name] !== undefined)) {
      post(`audience-export/pins/${encodeURIComponent(node.id)}`, body).fail((xhr) => notifyText(`${node._('audience-export.editor.pinFailed')} ${errorText(node, xhr)}`, 'warning'));
    }
    if (RED.settings.user && canApprove()) {
      const config: Record<string, unknown> = { type: definition.type, scope: body.scope, consent: body.consent };
      for (const field of definition.fields) config[field.name] = body[field.name];
      post(`audience-export/connection-approvals/${encodeURIComponent(node.id)}`, config).fail((xhr) => notifyText(`${node._('audience-export.editor.approvalFailed')} ${errorText(node, xhr)}`, 'warning'));
    }
  }
})();
